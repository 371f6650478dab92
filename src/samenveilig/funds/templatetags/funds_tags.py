"""``{{ cents|euro }}``: an amount in cents as euros in the reader's language."""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_currency
from django import template
from django.utils.translation import get_language, to_locale

register = template.Library()


@register.filter
def euro(cents: int | None) -> str:
    if cents is None:
        return ""
    locale = to_locale(get_language() or "nl")
    return format_currency(Decimal(int(cents)) / 100, "EUR", locale=locale)
