"""Validators of report input: licence plates, the time observed and the anti-profiling rule.

Each raises Django's ``ValidationError`` with a translated message, or returns a dict of
messages keyed like ``ReportValidationError`` (``persons.0.behaviour``) for rules that span
several fields.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

# --- licence plates ------------------------------------------------------------------------------

# The Dutch sidecodes 1–14 as letter (L) / digit (D) shapes of the six characters. The dashes
# only show the grouping, so after normalising only the shape matters.
SIDECODE_SHAPES: dict[int, str] = {
    1: "LLDDDD",  # XX-99-99
    2: "DDDDLL",  # 99-99-XX
    3: "DDLLDD",  # 99-XX-99
    4: "LLDDLL",  # XX-99-XX
    5: "LLLLDD",  # XX-XX-99
    6: "DDLLLL",  # 99-XX-XX
    7: "DDLLLD",  # 99-XXX-9
    8: "DLLLDD",  # 9-XXX-99
    9: "LLDDDL",  # XX-999-X
    10: "LDDDLL",  # X-999-XX
    11: "LLLDDL",  # XXX-99-X
    12: "LDDLLL",  # X-99-XXX
    13: "DLLDDD",  # 9-XX-999
    14: "DDDLLD",  # 999-XX-9
}
_SHAPES = frozenset(SIDECODE_SHAPES.values())
PLATE_LENGTH = 6
_SEPARATORS_RE = re.compile(r"[\s\-–—.]+")
_PLATE_CHARS_RE = re.compile(r"^[A-Z0-9*?]+$")
# A partial plate must carry at least this many known characters to be of any use.
MIN_KNOWN_PLATE_CHARACTERS = 2


def normalise_plate(raw: str | None) -> str:
    """``"xx-99-99"`` → ``"XX9999"``: upper case without dashes, dots or spaces.

    Wildcards stay: ``*`` (any run of characters, collapsed to one) and ``?`` (exactly one).
    Idempotent. Does not validate; see ``validate_plate``.
    """
    value = _SEPARATORS_RE.sub("", str(raw or "")).upper()
    return re.sub(r"\*+", "*", value)


def _shape_of(plate: str) -> str:
    return "".join("D" if c.isdigit() else "L" for c in plate)


def is_partial_plate(normalised: str) -> bool:
    return "*" in normalised or "?" in normalised


def sidecode_of(raw: str) -> int | None:
    """The sidecode of a complete plate, or ``None`` when it fits none."""
    plate = normalise_plate(raw)
    if len(plate) != PLATE_LENGTH or not plate.isalnum() or not plate.isascii():
        return None
    shape = _shape_of(plate)
    for code, sidecode_shape in SIDECODE_SHAPES.items():
        if shape == sidecode_shape:
            return code
    return None


def _partial_fits_a_sidecode(plate: str) -> bool:
    """Whether some sidecode has a plate that the partial pattern matches."""
    pattern = "".join(
        "[LD]*" if c == "*" else "[LD]" if c == "?" else ("D" if c.isdigit() else "L")
        for c in plate
    )
    compiled = re.compile(pattern)
    return any(compiled.fullmatch(shape) for shape in _SHAPES)


def validate_plate(raw: str | None) -> str:
    """Check a complete or partial Dutch licence plate; returns the normalised form.

    Raises ``ValidationError`` with a translated message saying what to fix.
    """
    plate = normalise_plate(raw)
    if not plate:
        raise ValidationError(_("Enter the licence plate."), code="required")
    if not plate.isascii() or not _PLATE_CHARS_RE.match(plate):
        raise ValidationError(
            _(
                "A licence plate has letters and digits only. Use ? for one character you did "
                "not see and * for several."
            ),
            code="invalid_characters",
        )
    if is_partial_plate(plate):
        known = sum(1 for c in plate if c.isalnum())
        fixed = sum(1 for c in plate if c != "*")
        if known < MIN_KNOWN_PLATE_CHARACTERS:
            raise ValidationError(
                _("Give at least %(n)d characters of the licence plate you are sure of.")
                % {"n": MIN_KNOWN_PLATE_CHARACTERS},
                code="too_partial",
            )
        if fixed > PLATE_LENGTH or ("*" not in plate and fixed != PLATE_LENGTH):
            raise ValidationError(
                _(
                    "A Dutch licence plate has six letters and digits. Use one ? per character "
                    "you did not see, or * for a part of unknown length."
                ),
                code="partial_length",
            )
        if not _partial_fits_a_sidecode(plate):
            raise ValidationError(
                _("No Dutch licence plate looks like this. Check the letters and digits."),
                code="invalid_partial",
            )
        return plate
    if sidecode_of(plate) is None:
        raise ValidationError(
            _(
                "This is not a Dutch licence plate (for example XX-99-99 or 99-XXX-9). If you "
                "saw only part of it, use ? for one unknown character and * for several."
            ),
            code="invalid",
        )
    return plate


# --- time observed -------------------------------------------------------------------------------

CLOCK_SKEW = timedelta(minutes=5)
MAX_AGE = timedelta(days=365)


def validate_observed_at(value: datetime, *, now: datetime | None = None) -> None:
    """Not in the future (five minutes of clock skew allowed) and at most a year ago."""
    now = now or timezone.now()
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if value > now + CLOCK_SKEW:
        raise ValidationError(
            _("The time you saw it cannot be in the future. Check the date and time."),
            code="future",
        )
    if value < now - MAX_AGE:
        raise ValidationError(
            _(
                "This was more than a year ago. Report older events to the police directly "
                "(0900-8844)."
            ),
            code="too_old",
        )


# --- anti-profiling (REP-4) ----------------------------------------------------------------------

# Why a word list in code: the rule must be predictable and explainable to the person filling in
# the form, testable, and identical for the web form, the API and Open311. A list makes what is
# caught visible to reviewers; a statistical classifier would not. It is about *appearance by
# descent* (skin colour, origin, nationality, ethnic labels), not about the language someone
# spoke, which can be a useful detail.
#
# Two lists, to keep false alarms rare:
# - ORIGIN_NOUNS name people by descent ("Marokkaan", "allochtonen", "foreigner"); they count
#   wherever they appear, as whole words with a plural or diminutive ending (-s, -en, -tje…),
#   so "turkoois" or "Turkse bakker" do not count.
# - ORIGIN_ADJECTIVES are also ordinary words ("donker" is how it was at night, "zwarte jas",
#   "de Turkse bakker" is a landmark); they count only when a word for a person or for
#   appearance (PERSON_WORDS) follows, at most one word later: "donker getinte man",
#   "Oost-Europees uiterlijk", "black guy".
ORIGIN_NOUNS: tuple[str, ...] = (
    # Dutch
    "allochtoon",
    "allochtonen",
    "buitenlander",
    "marokkaan",
    "marrokaan",
    "turk",
    "turken",
    "turkje",
    "surinamer",
    "antilliaan",
    "kaapverdiaan",
    "somaliër",
    "eritreeër",
    "afrikaan",
    "noord-afrikaan",
    "arabier",
    "aziaat",
    "aziaten",
    "roemeen",
    "roemenen",
    "bulgaar",
    "bulgaren",
    "oost-europeaan",
    "oosteuropeaan",
    "zigeuner",
    "woonwagenbewoner",
    "neger",
    "negroïde",
    "negroide",
    "blanke",
    "huidskleur",
    "niet-westerse",
    "niet-westerling",
    # English
    "foreigner",
    "immigrant",
    "moroccans",
    "gypsy",
    "gypsies",
    "gipsy",
    "arabs",
    "caucasian",
    "hispanic",
    "latino",
    "africans",
    "asians",
    "skin colour",
    "skin color",
    "mixed race",
    "ethnic",
    "ethnicity",
)
ORIGIN_ADJECTIVES: tuple[str, ...] = (
    # Dutch: colour words and origin adjectives
    "donker",
    "zwart",
    "bruin",
    "wit",
    "licht",
    "getint",
    "gekleurd",
    "allochto",
    "buitenlands",
    "marokkaans",
    "turks",
    "turkse",
    "surinaams",
    "antilliaans",
    "kaapverdisch",
    "somalisch",
    "eritrees",
    "afrikaans",
    "noord-afrikaans",
    "arabisch",
    "aziatisch",
    "chinees",
    "chinese",
    "pools",
    "poolse",
    "roemeens",
    "bulgaars",
    "oost-europe",
    "mediterra",
    "zuidelijk",
    "zuiders",
    "buitenlands",
    # English
    "dark",
    "black",
    "brown",
    "white",
    "fair",
    "tanned",
    "coloured",
    "colored",
    "foreign",
    "moroccan",
    "turkish",
    "surinamese",
    "antillean",
    "african",
    "north african",
    "arab",
    "asian",
    "polish",
    "romanian",
    "bulgarian",
    "eastern european",
    "east european",
    "middle eastern",
    "mediterranean",
    "roma",
)
PERSON_WORDS: tuple[str, ...] = (
    # Dutch
    "man",
    "mannen",
    "mannetje",
    "jongen",
    "jongens",
    "jongeman",
    "jongemannen",
    "knul",
    "vrouw",
    "vrouwen",
    "meisje",
    "meisjes",
    "meid",
    "meiden",
    "kerel",
    "kerels",
    "gast",
    "gasten",
    "type",
    "types",
    "persoon",
    "personen",
    "figuur",
    "figuren",
    "heer",
    "dame",
    "jeugd",
    "jongeren",
    "huid",
    "huidskleur",
    "uiterlijk",
    "afkomst",
    # English
    "men",
    "guy",
    "guys",
    "boy",
    "boys",
    "lad",
    "lads",
    "woman",
    "women",
    "girl",
    "girls",
    "person",
    "people",
    "skin",
    "skinned",
    "male",
    "female",
    "youth",
    "youths",
    "kid",
    "kids",
    "bloke",
    "looking",
    "appearance",
    "origin",
    "complexion",
)

_NOUNS_RE = re.compile(
    r"(?<![\w-])(?:"
    + "|".join(re.escape(t) for t in ORIGIN_NOUNS)
    + r")(?:s|n|en|je|jes|tje|tjes)?(?![\w-])",
    re.IGNORECASE,
)
_ADJECTIVES_RE = re.compile(
    r"(?<![\w-])(?:"
    + "|".join(re.escape(t) for t in ORIGIN_ADJECTIVES)
    + r")\w*(?:[\s-]+[\w-]+)?[\s-]+(?:"
    + "|".join(re.escape(t) for t in PERSON_WORDS)
    + r")(?![\w])",
    re.IGNORECASE,
)


def mentions_origin(text: str | None) -> bool:
    """Whether free text describes someone by skin colour or origin (see the lists above)."""
    if not text:
        return False
    return bool(_NOUNS_RE.search(text) or _ADJECTIVES_RE.search(text))


# The distinctive details that make a description about the person rather than a group.
DISTINCTIVE_DETAILS: tuple[tuple[str, ...], ...] = (
    ("hair_colour", "hair_style"),
    ("top",),
    ("bottom",),
    ("shoes",),
    ("features",),
)
REQUIRED_DISTINCTIVE_DETAILS = 2


def _filled(person: Mapping[str, Any], name: str) -> bool:
    value = person.get(name)
    return value is not None and str(value).strip() != ""


def distinctive_detail_count(person: Mapping[str, Any]) -> int:
    return sum(1 for group in DISTINCTIVE_DETAILS if any(_filled(person, n) for n in group))


def profiling_errors(
    persons: Iterable[Mapping[str, Any]], description: str = ""
) -> dict[str, list[str]]:
    """The anti-profiling rule of REP-4, as messages keyed like ``persons.0.behaviour``.

    1. Every person description says what the person did (``behaviour``).
    2. When skin colour is given, or the person's free text (behaviour, features) or the
       report's description mentions skin colour or origin, every described person needs at
       least two distinctive details (hair, top, bottom, shoes, features). A report whose
       description does so without describing any person is refused too.
    """
    errors: dict[str, list[str]] = {}
    persons = list(persons)
    description_mentions = mentions_origin(description)
    explanation = _(
        "Write what you saw, not what you suspect. Skin colour or origin alone describes a "
        "large group of people, not the person you saw, and leads to innocent people being "
        "suspected. If you mention it, also give at least two other details: hair, top, "
        "bottom, shoes or distinctive features."
    )
    for index, person in enumerate(persons):
        key = f"persons.{index}"
        if not _filled(person, "behaviour"):
            errors.setdefault(f"{key}.behaviour", []).append(
                _(
                    "Describe what the person did. A report is about behaviour: what did you "
                    "see them do that worried you?"
                )
            )
        skin_given = _filled(person, "skin_colour")
        text_field = next(
            (
                name
                for name in ("behaviour", "features")
                if mentions_origin(str(person.get(name) or ""))
            ),
            None,
        )
        if not (skin_given or text_field or description_mentions):
            continue
        if distinctive_detail_count(person) >= REQUIRED_DISTINCTIVE_DETAILS:
            continue
        if skin_given:
            field = "skin_colour"
        elif text_field:
            field = text_field
        else:
            field = "top"
        errors.setdefault(f"{key}.{field}", []).append(explanation)
        if description_mentions:
            errors.setdefault("description", []).append(explanation)
    if description_mentions and not persons:
        errors.setdefault("description", []).append(
            _(
                "Your description mentions skin colour or origin. Write what you saw, not what "
                "you suspect: describe what the person did and add a person description with at "
                "least two other details (hair, top, bottom, shoes or distinctive features), or "
                "leave skin colour and origin out."
            )
        )
    if "description" in errors:
        errors["description"] = list(dict.fromkeys(errors["description"]))
    return errors
