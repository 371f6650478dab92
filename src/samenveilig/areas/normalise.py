"""Normalising and validating Dutch address parts (postcode, house number, addition).

One place for these rules so the importer, the lookup form and other apps (watch points,
reports) agree on what ``1234 ab`` means.
"""

from __future__ import annotations

import re

# Four digits, the first not 0, then two letters. PostNL never issues SA, SD and SS (they
# recall the Second World War), so those are not valid postcodes either.
_POSTCODE_RE = re.compile(r"^[1-9][0-9]{3}[A-Z]{2}$")
_UNUSED_LETTER_PAIRS = frozenset({"SA", "SD", "SS"})
# What an addition may contain once spaces and separators are dropped: BAG's huisletter (one
# letter) and huisnummertoevoeging (up to four letters or digits) together fit in ten characters.
_ADDITION_RE = re.compile(r"^[A-Z0-9]{0,10}$")
_ADDITION_SEPARATORS_RE = re.compile(r"[\s\-_/.]+")
MAX_HOUSE_NUMBER = 99999  # BAG's huisnummer has five digits


def normalise_postcode(raw: str | None) -> str | None:
    """``" 1234 ab "`` → ``"1234AB"``; ``None`` when the value is not a valid Dutch postcode."""
    if raw is None:
        return None
    value = re.sub(r"\s+", "", str(raw)).upper()
    if not _POSTCODE_RE.match(value) or value[4:] in _UNUSED_LETTER_PAIRS:
        return None
    return value


def is_valid_postcode(raw: str | None) -> bool:
    return normalise_postcode(raw) is not None


def format_postcode(postcode: str) -> str:
    """The way people write it: ``1234AB`` → ``1234 AB``."""
    return f"{postcode[:4]} {postcode[4:]}" if len(postcode) == 6 else postcode


def normalise_house_number(raw: str | int | None) -> int | None:
    """A positive whole number (``"12"`` → 12); ``None`` otherwise (``"12a"``, ``"0"``, ``""``)."""
    if raw is None or isinstance(raw, bool):
        return None
    text = str(raw).strip()
    if not text.isascii() or not text.isdigit():
        return None
    number = int(text)
    return number if 1 <= number <= MAX_HOUSE_NUMBER else None


def normalise_addition(*parts: str | None) -> str | None:
    """Join huisletter and toevoeging into the stored addition: ``("a", "2")`` → ``"A2"``.

    Spaces and separators are dropped so ``"a-2"``, ``"A 2"`` and ``"a2"`` find the same address.
    ``None`` when what remains is not letters and digits or is longer than ten characters.
    """
    joined = "".join(part for part in parts if part)
    value = _ADDITION_SEPARATORS_RE.sub("", joined).upper()
    return value if _ADDITION_RE.match(value) else None
