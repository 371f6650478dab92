"""``{% questionnaire_messages %}``: the generic messages of form.js in the page's language."""

from __future__ import annotations

from django import template
from django.utils.translation import get_language

from samenveilig.questionnaires.rendering import client_messages

register = template.Library()


@register.simple_tag
def questionnaire_messages(language: str = "") -> str:
    return client_messages(language or get_language() or "nl")
