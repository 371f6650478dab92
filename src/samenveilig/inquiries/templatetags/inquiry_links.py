"""``{% inquiry_start_url report as url %}``: the link to follow a report up with a
neighbourhood inquiry, or an empty string for users who may not (used on the report pages)."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.http import urlencode

from samenveilig.inquiries.permissions import user_can_start_from_report

register = template.Library()


@register.simple_tag(takes_context=True)
def inquiry_start_url(context: dict[str, Any], report: Any) -> str:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or report is None or not user_can_start_from_report(user, report):
        return ""
    return f"{reverse('inquiries:new')}?{urlencode({'melding': report.reference})}"
