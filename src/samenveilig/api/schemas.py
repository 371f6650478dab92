"""Schema bases shared by the apps' routers.

Kept apart from ``root`` because ``root`` imports every app's router when it is imported: an
app's ``api`` module that imported ``root`` for a base class would import itself halfway.
"""

from typing import Any

from django.utils.translation import gettext as _
from ninja import Schema
from ninja.schema import DjangoGetter
from pydantic import model_validator


class ObjectIn(Schema):
    """A nested input that must come as a JSON object.

    ninja's ``Schema`` reads any value through attribute access, so ``"person": "a man"`` (or
    ``42``, ``["a man"]``, ``true``) became an object with every field at its default: the
    request was accepted and what the client sent was silently lost. Such a value is refused
    with a 422 on the field's path."""

    @model_validator(mode="before")
    @classmethod
    def _an_object(cls, value: Any) -> Any:
        # ninja's own validator has wrapped the value by now.
        raw = value._obj if isinstance(value, DjangoGetter) else value
        if not isinstance(raw, dict):
            raise ValueError(_("Give this as a JSON object with the fields described."))
        return value
