"""``{% flag_signals item %}``: the partner's line "signal: category — contact owner" on a report's
handling page, an inquiry's results page or an alert's page (FLG-3).

It renders nothing at all — not an empty box, not a comment — for anyone who may not see a hit
(members, residents, coordinators, partners of a type the flag is not shared with), so their page
is byte for byte the same whether or not the item hit a flag. Every signal shown is recorded in
the audit chain (``flags.hits_viewed``, hit ids only).
"""

from __future__ import annotations

from typing import Any

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from samenveilig.flags.selectors import item_type_of, signals_for
from samenveilig.flags.services import record_hits_viewed

register = template.Library()


@register.simple_tag(takes_context=True)
def flag_signals(context: dict[str, Any], item: Any) -> SafeString:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None:
        return mark_safe("")
    signals = signals_for(user, item)
    if not signals:
        return mark_safe("")
    record_hits_viewed(
        actor=user,
        hit_ids=[hit_id for signal in signals for hit_id in signal.hit_ids],
        where=item_type_of(item) or "item",
    )
    return mark_safe(  # noqa: S308  (a rendered template: its values are escaped there)
        render_to_string("flags/partials/signals.html", {"signals": signals}, request=request)
    )
