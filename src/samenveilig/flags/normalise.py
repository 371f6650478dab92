"""One written form per identifier (FLG-2): what the keyed hash is computed over.

Every way people write the same identifier must give the same string, and different identifiers
must not: ``"xx-99-99"``, ``"XX 99 99"`` and ``"xx9999"`` are one plate; ``"1234 ab"``, ``12``,
``"a"`` and ``"1234AB"``, ``"12"``, ``"A"`` are one address. Each function returns ``None`` for a
value that is not a valid identifier of its kind.

Stored forms:

- licence plate: upper case letters and digits, without spaces, dashes or dots (``XX9999``);
  Dutch plates and foreign ones (2–10 characters). Partial plates (``XX-??-99``) are not
  identifiers: they match no flag.
- address: ``"<postcode> <house number>[ <addition>]"`` with the postcode as ``1234AB`` and the
  addition as BAG stores it (``A2``), the rules of ``areas.normalise``.
- KvK number: the eight digits.
- person pseudonym: issued by the flag owner's own system; upper case, without spaces, dashes,
  dots or slashes (``"ps-0042 7f"`` → ``PS00427F``), 4–64 letters and digits. Pseudonyms of
  different systems must not overlap; a system prefix (``"POL-"``) keeps them apart.
"""

from __future__ import annotations

import re
import unicodedata

from django.db import models
from django.utils.translation import gettext_lazy as _

from samenveilig.areas.normalise import (
    format_postcode,
    normalise_addition,
    normalise_house_number,
    normalise_postcode,
)


class IdentifierKind(models.TextChoices):
    ADDRESS = "address", _("Address")
    LICENCE_PLATE = "licence_plate", _("Licence plate")
    KVK = "kvk", _("KvK number")
    PERSON = "person", _("Person pseudonym")


# Spaces of every kind, hyphens and dashes, dots, underscores and slashes only show grouping.
_SEPARATORS_RE = re.compile(r"[\s\-‐‑‒–—―_./]+")
_ALNUM_RE = re.compile(r"^[A-Z0-9]+$")
PLATE_MIN, PLATE_MAX = 2, 10
PERSON_MIN, PERSON_MAX = 4, 64
KVK_LENGTH = 8


def _folded(raw: object) -> str:
    """NFKC (full-width letters become plain ones), separators dropped, upper case."""
    text = unicodedata.normalize("NFKC", str(raw or ""))
    return _SEPARATORS_RE.sub("", text).upper()


def normalise_plate(raw: object) -> str | None:
    value = _folded(raw)
    if not (PLATE_MIN <= len(value) <= PLATE_MAX) or not value.isascii():
        return None
    return value if _ALNUM_RE.match(value) else None


def normalise_kvk(raw: object) -> str | None:
    value = _folded(raw)
    if value.startswith("KVK"):
        value = value[3:]
    if len(value) != KVK_LENGTH or not value.isascii() or not value.isdigit():
        return None
    return value


def normalise_person(raw: object) -> str | None:
    value = _folded(raw)
    if not (PERSON_MIN <= len(value) <= PERSON_MAX) or not value.isascii():
        return None
    return value if _ALNUM_RE.match(value) else None


def normalise_address(postcode: object, house_number: object, addition: object = "") -> str | None:
    code = normalise_postcode(None if postcode is None else str(postcode))
    number = normalise_house_number(house_number)  # type: ignore[arg-type]
    extra = normalise_addition(str(addition or ""))
    if code is None or number is None or extra is None:
        return None
    return f"{code} {number} {extra}" if extra else f"{code} {number}"


def normalise(kind: str, raw: object) -> str | None:
    """The stored form of ``raw`` for ``kind``. For an address ``raw`` is a mapping with
    ``postcode``, ``house_number`` and ``house_number_addition`` (or an already normalised
    address string)."""
    if kind == IdentifierKind.LICENCE_PLATE:
        return normalise_plate(raw)
    if kind == IdentifierKind.KVK:
        return normalise_kvk(raw)
    if kind == IdentifierKind.PERSON:
        return normalise_person(raw)
    if kind == IdentifierKind.ADDRESS:
        if isinstance(raw, dict):
            return normalise_address(
                raw.get("postcode"), raw.get("house_number"), raw.get("house_number_addition")
            )
        parts = str(raw or "").split()
        if 2 <= len(parts) <= 3:
            return normalise_address(*parts)
        return None
    return None


def display(kind: str, normalised: str) -> str:
    """How the owner reads their identifier back: ``1234 AB 12 A``, ``XX9999``, …"""
    if kind == IdentifierKind.ADDRESS:
        code, _space, rest = normalised.partition(" ")
        return f"{format_postcode(code)} {rest}"
    return normalised
