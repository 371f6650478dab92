"""Find identifiers in free text (FLG-3): Dutch licence plates, postcodes with house numbers and
KvK numbers, as people type them in a report, a doorstep answer or an alert.

What is found is only ever hashed and compared with flags, never stored or shown, so the
extractor errs on the side of finding too much: a word group that merely looks like a plate
(``"de 12 ab"``) costs one extra hash and matches nothing. Missing a real plate is the worse
mistake.

Plates: the fourteen Dutch sidecodes (``reports.validators.SIDECODE_SHAPES``) in any of the ways
people write them — ``XX-99-99``, ``xx 99 99``, ``XX9999``, ``99–XXX–9`` — as one token of six
letters and digits or as two or three groups joined by a dash, space or dot, each group letters
only or digits only.

Addresses: a postcode (``1234 AB``, ``1234ab``) with the house number after it (``1234 AB 12``,
``1234AB, nr 12a``) or before it, as on an envelope (``Dorpsstraat 12-2, 1234 AB``). When
something follows the number that may be an addition (``12a``, ``12-2``, ``12 bis``), the
address is tried with and without it.

Addresses without a postcode (``Kerkstraat 12, Utrecht``): only the candidates are found here
(``street_mentions_in_text``); ``resolve`` looks them up in the address register.

KvK numbers: eight digits after the word KvK (``KvK 1234 5678``, ``kvk-nummer: 12345678``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from samenveilig.flags.normalise import normalise_address, normalise_kvk
from samenveilig.reports.validators import SIDECODE_SHAPES

_SHAPES = frozenset(SIDECODE_SHAPES.values())
PLATE_LENGTH = 6
MAX_TEXT_LENGTH = 20_000  # longer input is cut: no field of the app holds more

_TOKEN_RE = re.compile(r"[^\W_]+")
# What may stand between the groups of a plate: a dash or dot and up to two spaces each side, or
# one or two spaces. Within one plate every join is the same ("en 99-XX" is no plate).
_PLATE_JOIN_RE = re.compile(r"^(?:[ \t]{0,2}[-‐‑‒–—.][ \t]{0,2}|[ \t]{1,2})$")

_POSTCODE = r"(?P<pc>[1-9][0-9]{3})\s?(?P<letters>[A-Za-z]{2})"
_NUMBER = r"(?P<num>[0-9]{1,5})"
# After the number: letters glued on (12a, 12bis), or a part after - or / or one space.
_ADDITION = (
    r"(?:(?P<glued>[A-Za-z]{1,4})(?![A-Za-z0-9])"
    r"|\s?[-/]\s?(?P<sep>[A-Za-z0-9]{1,4})(?![A-Za-z0-9])"
    r"|\s(?P<spaced>[A-Za-z0-9]{1,4})(?![A-Za-z0-9]))?"
)
_NUMBER_WORD = r"(?:(?:huis)?(?:nummer|nr|no)\.?\s*)?"
_AFTER_RE = re.compile(
    rf"(?<![A-Za-z0-9]){_POSTCODE}(?![A-Za-z0-9])[\s,]*{_NUMBER_WORD}{_NUMBER}(?![0-9]){_ADDITION}",
    re.IGNORECASE,
)
_BEFORE_RE = re.compile(
    rf"(?<![A-Za-z0-9]){_NUMBER}(?![0-9]){_ADDITION}\s*,?\s*{_POSTCODE}(?![A-Za-z0-9])",
    re.IGNORECASE,
)
_KVK_RE = re.compile(
    r"(?<![A-Za-z])kvk(?![A-Za-z])[\s\-:.#]*(?:nummer|nr\.?|no\.?)?[\s:.#]*(?P<digits>[0-9](?:[\s.]?[0-9]){7})(?![0-9])",
    re.IGNORECASE,
)


def _shape(value: str) -> str:
    return "".join("D" if c.isdigit() else "L" for c in value)


def _is_plate(value: str) -> bool:
    return (
        len(value) == PLATE_LENGTH
        and value.isascii()
        and value.isalnum()
        and _shape(value) in _SHAPES
    )


def _homogeneous(token: str) -> bool:
    return token.isascii() and (token.isalpha() or token.isdigit())


def plates_in_text(text: str) -> set[str]:
    """Every Dutch plate written in ``text``, normalised (``XX9999``)."""
    text = (text or "")[:MAX_TEXT_LENGTH]
    tokens = [(m.start(), m.end(), m.group()) for m in _TOKEN_RE.finditer(text)]
    found: set[str] = set()
    for index, (_start, _end, token) in enumerate(tokens):
        if len(token) > PLATE_LENGTH:
            continue
        if _is_plate(token.upper()):
            found.add(token.upper())
        if not _homogeneous(token):
            continue
        joined = token
        join = None
        for step in (1, 2):
            if index + step >= len(tokens):
                break
            previous_end = tokens[index + step - 1][1]
            next_start, _next_end, next_token = tokens[index + step]
            between = text[previous_end:next_start]
            if not _PLATE_JOIN_RE.match(between) or join not in (None, between):
                break
            join = between
            if not _homogeneous(next_token):
                break
            joined += next_token
            if len(joined) > PLATE_LENGTH:
                break
            if len(joined) == PLATE_LENGTH and _is_plate(joined.upper()):
                found.add(joined.upper())
    return found


def _address_candidates(match: re.Match[str]) -> Iterator[str]:
    postcode = match.group("pc") + match.group("letters")
    number = match.group("num")
    base = normalise_address(postcode, number, "")
    if base is not None:
        yield base
    addition = match.group("glued") or match.group("sep") or match.group("spaced")
    if addition:
        with_addition = normalise_address(postcode, number, addition)
        if with_addition is not None:
            yield with_addition


def addresses_in_text(text: str) -> set[str]:
    """Every postcode + house number (with and without what may be an addition), normalised."""
    text = (text or "")[:MAX_TEXT_LENGTH]
    found: set[str] = set()
    for pattern in (_AFTER_RE, _BEFORE_RE):
        position = 0
        while True:
            match = pattern.search(text, position)
            if match is None:
                break
            found.update(_address_candidates(match))
            # Overlapping mentions ("12, 1234 AB 14"): go on from just after the match's start.
            position = match.start() + 1
    return found


def kvk_numbers_in_text(text: str) -> set[str]:
    text = (text or "")[:MAX_TEXT_LENGTH]
    found: set[str] = set()
    for match in _KVK_RE.finditer(text):
        number = normalise_kvk(match.group("digits"))
        if number is not None:
            found.add(number)
    return found


# --- addresses without a postcode: street, house number and perhaps the town -------------------
#
# "Kerkstraat 12", "de Laan van Meerdervoort 7a, Den Haag", "'s-Gravendijkwal 3-2 in Rotterdam".
# Free text does not say where a street name begins, so up to ``STREET_WORDS`` words before the
# number are offered as candidates ("Kerkstraat", "de Kerkstraat", …) and up to ``TOWN_WORDS``
# words after it as the town. Only the address register (``resolve``) decides whether one of them
# is a real address; text that merely looks like one costs a query and matches nothing.

STREET_WORDS = 4
TOWN_WORDS = 3
MAX_STREET_MENTIONS = 20  # per text: a longer list of numbers is no list of addresses

_WORD = r"['’]?[^\W\d_][\w'’.\-]*"
_HOUSE_NUMBER_RE = re.compile(
    r"(?<![\w\-/.,:])(?P<num>[1-9][0-9]{0,4})"
    r"(?:(?P<glued>[A-Za-z]{1,2})|[ \t]?[-/][ \t]?(?P<sep>[A-Za-z0-9]{1,4}))?(?![\w\-/:])(?![.,]\d)"
)
_WORDS_BEFORE_RE = re.compile(rf"((?:{_WORD}[ \t]+){{1,{STREET_WORDS + 1}}})$")
_TOWN_AFTER_RE = re.compile(
    rf"^[ \t]*(?:,[ \t]*|[ \t]+)?(?:(?:te|in)[ \t]+)?"
    rf"({_WORD}(?:[ \t]+{_WORD}){{0,{TOWN_WORDS - 1}}})"
)


@dataclass(frozen=True)
class StreetMention:
    """A house number with the words that may be its street and its town."""

    streets: tuple[str, ...]
    number: int
    addition: str
    towns: tuple[str, ...]


def _trim(word: str) -> str:
    return word.strip(".,;:-")


def street_mentions_in_text(text: str) -> list[StreetMention]:
    """Every house number preceded by words: the candidates for ``resolve``."""
    text = (text or "")[:MAX_TEXT_LENGTH]
    found: list[StreetMention] = []
    for match in _HOUSE_NUMBER_RE.finditer(text):
        before = _WORDS_BEFORE_RE.search(text[max(0, match.start() - 160) : match.start()])
        if before is None:
            continue
        words = [_trim(w) for w in before.group(1).split()]
        words = [w for w in words if w][-STREET_WORDS:]
        if not words:
            continue
        streets = tuple(" ".join(words[-size:]) for size in range(1, len(words) + 1))
        after = _TOWN_AFTER_RE.match(text[match.end() : match.end() + 120])
        town_words = [_trim(w) for w in after.group(1).split()] if after else []
        town_words = [w for w in town_words if w]
        towns = tuple(" ".join(town_words[:size]) for size in range(1, len(town_words) + 1))
        found.append(
            StreetMention(
                streets=streets,
                number=int(match.group("num")),
                addition=(match.group("glued") or match.group("sep") or "").upper(),
                towns=towns,
            )
        )
        if len(found) >= MAX_STREET_MENTIONS:
            break
    return found
