"""Addresses mentioned without a postcode, looked up in the address register (FLG-3).

A flag on an address is keyed on postcode + house number (+ addition), so "Kerkstraat 12a,
Utrecht" in a report's location or in a doorstep answer must first become ``1234AB 12 A``. That
is done here, in the worker, and only where the register leaves no doubt:

- the street must be a street of the register with that house number (any capitalisation);
- when a town follows the number and is a town of the register's matches, only that town counts;
  otherwise, when the item lies in a known gemeente, only addresses in that gemeente count;
- all that remains must be one street in one town. "Kerkstraat 12" in a text without a town,
  for an item in a gemeente with two Kerkstraten (or without a known gemeente, and two towns in
  the register with one), is ambiguous and matches nothing;
- the addition as written, when the register has it; without an addition, the address without
  one, or the only address with that number when there is just one. With an addition, the
  address without it is tried too (as for postcodes in ``extract``), when it exists.

Queries ask for the street in the register's spelling (``street__in`` with a handful of
capitalisations, so the ``(street, house_number)`` index serves them) and the house number;
matches are then compared case-insensitively here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from samenveilig.flags.extract import StreetMention
from samenveilig.flags.normalise import normalise_address

# Words Dutch street names keep in lower case inside the name ("Laan van Meerdervoort").
_PARTICLES = frozenset(
    "van de der den het 't 's op aan in bij ten ter te tot voor over onder achter en la le".split()
)


def _capitalised(word: str) -> str:
    if word[:2] in ("'s", "'t", "’s", "’t"):
        rest = word[2:]
        if rest.startswith("-"):
            return word[:2].lower() + "-" + rest[1:2].upper() + rest[2:].lower()
        return word.lower()
    return "-".join(part[:1].upper() + part[1:].lower() for part in word.split("-"))


def spellings(street: str) -> set[str]:
    """How the register may spell what someone typed: as typed, first letter up, every word
    capitalised, and every word but the particles capitalised."""
    words = street.split()
    if not words:
        return set()
    typed = " ".join(words)
    found = {typed, typed[:1].upper() + typed[1:]}
    found.add(" ".join(_capitalised(word) for word in words))
    dutch = [_capitalised(words[0])] + [
        word.lower() if word.lower() in _PARTICLES else _capitalised(word) for word in words[1:]
    ]
    found.add(" ".join(dutch))
    return found


def _municipality_area_ids(neighbourhood_id: int | None) -> set[int] | None:
    """The areas of the gemeente that ``neighbourhood_id`` lies in; ``None`` when unknown."""
    if neighbourhood_id is None:
        return None
    from samenveilig.areas.models import Area, AreaLevel
    from samenveilig.areas.selectors import area_and_ancestor_ids, area_ids_within

    area = Area.objects.filter(pk=neighbourhood_id).first()
    if area is None:
        return None
    ancestors = area_and_ancestor_ids(area)
    municipality = (
        Area.objects.filter(pk__in=ancestors, level=AreaLevel.MUNICIPALITY)
        .values_list("pk", flat=True)
        .first()
    )
    return area_ids_within([municipality]) if municipality is not None else None


def _one_mention(mention: StreetMention, municipality: set[int] | None) -> set[str]:
    from samenveilig.areas.models import Address

    wanted = {street.casefold() for street in mention.streets}
    names: set[str] = set()
    for street in mention.streets:
        names |= spellings(street)
    rows = [
        row
        for row in Address.objects.filter(
            street__in=sorted(names), house_number=mention.number
        ).only(
            "postcode",
            "house_number",
            "house_number_addition",
            "street",
            "city",
            "neighbourhood_id",
        )[:200]
        if row.street.casefold() in wanted
    ]
    if not rows:
        return set()
    towns = {town.casefold() for town in mention.towns}
    in_town = [row for row in rows if row.city.casefold() in towns]
    if in_town:
        rows = in_town
    elif municipality is not None:
        rows = [row for row in rows if row.neighbourhood_id in municipality]
    places = {(row.street.casefold(), row.city.casefold()) for row in rows}
    if len(places) != 1:
        return set()  # none left, or more than one street of that name: ambiguous
    by_addition = {row.house_number_addition: row for row in rows}
    chosen = []
    if mention.addition and mention.addition in by_addition:
        chosen.append(by_addition[mention.addition])
    if "" in by_addition:
        chosen.append(by_addition[""])
    elif not mention.addition and len(by_addition) == 1:
        chosen.extend(by_addition.values())
    found: set[str] = set()
    for row in chosen:
        value = normalise_address(row.postcode, row.house_number, row.house_number_addition)
        if value is not None:
            found.add(value)
    return found


def resolve_street_mentions(
    mentions: Iterable[StreetMention], *, neighbourhood_id: int | None = None
) -> set[str]:
    """The normalised addresses (``normalise_address`` form) the mentions certainly name."""
    found: set[str] = set()
    municipality: Any = ...
    for mention in mentions:
        if municipality is ...:
            municipality = _municipality_area_ids(neighbourhood_id)
        found |= _one_mention(mention, municipality)
    return found
