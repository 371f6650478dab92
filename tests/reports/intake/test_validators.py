"""Validators: licence plates, time observed, anti-profiling (REP-3, REP-4, REP-5)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from samenveilig.reports.validators import (
    SIDECODE_SHAPES,
    mentions_origin,
    normalise_plate,
    profiling_errors,
    sidecode_of,
    validate_observed_at,
    validate_plate,
)

# --- plates --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "sidecode"),
    [
        ("XX-99-99", 1),
        ("99-99-XX", 2),
        ("99-XX-99", 3),
        ("XX-99-XX", 4),
        ("XX-XX-99", 5),
        ("99-XX-XX", 6),
        ("99-XXX-9", 7),
        ("9-XXX-99", 8),
        ("XX-999-X", 9),
        ("X-999-XX", 10),
        ("XXX-99-X", 11),
        ("X-99-XXX", 12),
        ("9-XX-999", 13),
        ("999-XX-9", 14),
    ],
)
def test_every_sidecode_is_accepted(raw, sidecode):
    # given a plate in the shape of a sidecode (X = letter, 9 = digit)
    plate = raw.replace("X", "K").replace("9", "7")
    # when it is validated, then it passes and is recognised
    assert validate_plate(plate) == plate.replace("-", "")
    assert sidecode_of(plate) == sidecode


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("gv-123-x", "GV123X"),
        (" 12 abc 3 ", "12ABC3"),
        ("ab.12.cd", "AB12CD"),
        ("12--**-?", "12*?"),
    ],
)
def test_normalise_plate(raw, normalised):
    assert normalise_plate(raw) == normalised


@pytest.mark.parametrize(
    "raw", ["123456", "ABCDEF", "AB-12", "AB-12-CD-3", "A1B2C3", "AB-12-€D", "", "<script>"]
)
def test_invalid_plates_are_refused_with_a_message(raw):
    with pytest.raises(ValidationError) as info:
        validate_plate(raw)
    assert info.value.messages[0]


@pytest.mark.parametrize("raw", ["AB-12-C?", "?B-12-CD", "12-*", "*-XX-9", "G?-12?-X", "99-X*"])
def test_partial_plates_with_wildcards_are_accepted(raw):
    assert validate_plate(raw) == normalise_plate(raw)


@pytest.mark.parametrize(
    "raw",
    [
        "A*",  # one known character is no help
        "??????",  # nothing known
        "AB?12CD",  # seven positions
        "AB-12",  # too short without a wildcard
        "1234*5",  # four digits in a row fit no sidecode
    ],
)
def test_unusable_partial_plates_are_refused(raw):
    with pytest.raises(ValidationError):
        validate_plate(raw)


_SEPARATORS = st.sampled_from(["", "-", " ", " - ", "."])


@st.composite
def formatted_plates(draw):
    shape = draw(st.sampled_from(sorted(SIDECODE_SHAPES.values())))
    chars = [
        draw(st.sampled_from("BDFGHJKLNPRSTVXZ"))
        if c == "L"
        else draw(st.sampled_from("0123456789"))
        for c in shape
    ]
    core = "".join(chars)
    pieces = []
    for index, char in enumerate(chars):
        if index:
            pieces.append(draw(_SEPARATORS))
        pieces.append(char.lower() if draw(st.booleans()) else char)
    return core, "".join(pieces)


@given(formatted_plates())
def test_formatted_variants_are_accepted_and_normalise_to_the_core(plate):
    core, formatted = plate
    assert validate_plate(formatted) == core
    assert normalise_plate(formatted) == core


@given(st.text(max_size=30))
def test_normalise_is_idempotent(raw):
    once = normalise_plate(raw)
    assert normalise_plate(once) == once


@given(st.text(max_size=30))
def test_validate_plate_never_crashes(raw):
    try:
        result = validate_plate(raw)
    except ValidationError:
        return
    assert result == normalise_plate(raw)


# --- time observed -------------------------------------------------------------------------------


def test_time_in_the_near_past_and_within_clock_skew_is_accepted():
    now = timezone.now()
    validate_observed_at(now - timedelta(days=300), now=now)
    validate_observed_at(now + timedelta(minutes=4), now=now)


@pytest.mark.parametrize("offset", [timedelta(minutes=6), timedelta(days=1)])
def test_time_in_the_future_is_refused(offset):
    now = timezone.now()
    with pytest.raises(ValidationError, match="future"):
        validate_observed_at(now + offset, now=now)


def test_time_more_than_a_year_ago_is_refused():
    now = timezone.now()
    with pytest.raises(ValidationError, match="year"):
        validate_observed_at(now - timedelta(days=366), now=now)


# --- anti-profiling ------------------------------------------------------------------------------


def test_a_person_without_behaviour_is_refused():
    errors = profiling_errors([{"top": "rode jas", "bottom": "spijkerbroek"}])
    assert "persons.0.behaviour" in errors
    assert "what the person did" in errors["persons.0.behaviour"][0]


def test_skin_colour_with_fewer_than_two_details_is_refused_with_an_explanation():
    errors = profiling_errors(
        [{"behaviour": "keek in auto's", "skin_colour": "donker", "top": "zwarte jas"}]
    )
    assert "persons.0.skin_colour" in errors
    assert "Write what you saw, not what you suspect" in errors["persons.0.skin_colour"][0]


def test_skin_colour_with_two_details_is_accepted():
    person = {
        "behaviour": "keek in auto's",
        "skin_colour": "licht",
        "top": "groene jas",
        "shoes": "witte sneakers",
    }
    assert profiling_errors([person]) == {}


def test_hair_colour_and_style_count_as_one_detail():
    person = {
        "behaviour": "keek in auto's",
        "skin_colour": "licht",
        "hair_colour": "blond",
        "hair_style": "paardenstaart",
    }
    assert "persons.0.skin_colour" in profiling_errors([person])


@pytest.mark.parametrize(
    "text",
    [
        "Een donker getinte man liep rond",
        "Twee Marokkaanse jongens",
        "allochtonen bij de school",
        "Oost-Europees uiterlijk",
        "a black guy",
        "some foreigners",
        "een buitenlander",
        "zigeuners",
    ],
)
def test_origin_terms_in_free_text_are_caught(text):
    assert mentions_origin(text)
    errors = profiling_errors([{"behaviour": text}])
    assert "persons.0.behaviour" in errors


@pytest.mark.parametrize(
    "text",
    [
        "Het was donker buiten",
        "Een man in een zwarte jas",
        "Bij de Turkse bakker op de hoek",
        "turkooise sjaal",
        "a man in a black jacket",
        "een witte bestelbus",
    ],
)
def test_ordinary_colour_words_are_not_mistaken_for_origin(text):
    assert not mentions_origin(text)


def test_origin_in_the_report_description_needs_a_detailed_person():
    errors = profiling_errors([], description="Een Marokkaan stond bij de deur")
    assert "description" in errors
    detailed = {
        "behaviour": "belde aan en liep weg",
        "top": "rode jas",
        "bottom": "spijkerbroek",
    }
    assert profiling_errors([detailed], description="Een Marokkaan stond bij de deur") == {}


@given(
    st.lists(st.sampled_from(["hair_colour", "top", "bottom", "shoes", "features"]), unique=True)
)
def test_skin_colour_rule_depends_only_on_the_number_of_details(details):
    person = {"behaviour": "voelde aan deuren", "skin_colour": "getint"}
    person.update({name: "iets" for name in details})
    refused = "persons.0.skin_colour" in profiling_errors([person])
    assert refused == (len(details) < 2)
