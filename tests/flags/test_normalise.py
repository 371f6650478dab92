"""Normalisation and the free-text extractor (FLG-2, FLG-3): every written form of the same plate,
address, KvK number or pseudonym gives one stored form; different ones do not. Property tests."""

from __future__ import annotations

import string

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from samenveilig.flags.extract import addresses_in_text, kvk_numbers_in_text, plates_in_text
from samenveilig.flags.normalise import (
    IdentifierKind,
    display,
    normalise,
    normalise_address,
    normalise_kvk,
    normalise_person,
    normalise_plate,
)
from samenveilig.reports.validators import SIDECODE_SHAPES

SEPARATORS = st.sampled_from(["", " ", "-", "–", ".", " - ", "  "])
LETTERS = st.sampled_from(list(string.ascii_uppercase))
DIGITS = st.sampled_from(list(string.digits))


@st.composite
def dutch_plates(draw) -> str:
    """A plate of one of the fourteen sidecodes, normalised (``XX9999``)."""
    shape = draw(st.sampled_from(sorted(SIDECODE_SHAPES.values())))
    return "".join(draw(DIGITS if c == "D" else LETTERS) for c in shape)


def groups(plate: str) -> list[str]:
    """The plate in its groups as printed: split where letters and digits change, and the
    two-two-two sidecodes (1–6) in pairs."""
    shape = "".join("D" if c.isdigit() else "L" for c in plate)
    if shape in {SIDECODE_SHAPES[n] for n in range(1, 7)}:
        return [plate[0:2], plate[2:4], plate[4:6]]
    parts, current = [], plate[0]
    for previous, char in zip(plate, plate[1:], strict=False):
        if previous.isdigit() != char.isdigit():
            parts.append(current)
            current = char
        else:
            current += char
    parts.append(current)
    return parts


@st.composite
def written(draw, plate: str) -> str:
    """One way a person writes the plate: any case, any separator between the groups."""
    parts = groups(plate)
    separator = draw(SEPARATORS)
    text = separator.join(parts)
    return "".join(c.lower() if draw(st.booleans()) else c for c in text)


@st.composite
def plate_and_writing(draw) -> tuple[str, str]:
    plate = draw(dutch_plates())
    return plate, draw(written(plate))


# --- licence plates ------------------------------------------------------------------------------


@given(plate_and_writing())
def test_every_written_form_of_a_plate_normalises_to_one(pair):
    plate, text = pair
    assert normalise_plate(text) == plate
    assert normalise(IdentifierKind.LICENCE_PLATE, text) == plate


@given(dutch_plates(), dutch_plates())
def test_different_plates_stay_different(first, second):
    assume(first != second)
    assert normalise_plate(first) != normalise_plate(second)


@given(st.text(max_size=20))
def test_plate_normalisation_is_idempotent_and_never_fails(text):
    value = normalise_plate(text)
    if value is not None:
        assert normalise_plate(value) == value
        assert value.isascii() and value.isalnum() and value.upper() == value


@pytest.mark.parametrize("bad", ["", "A", "XX-??-99", "XX*99", "ÄB-12-CD", "12345678901"])
def test_partial_or_odd_plates_are_no_identifier(bad):
    assert normalise_plate(bad) is None


def test_foreign_plates_are_kept_as_written():
    assert normalise_plate("b-ab 1234") == "BAB1234"


# --- addresses -----------------------------------------------------------------------------------

POSTCODES = st.builds(
    lambda digits, letters: digits + letters,
    st.integers(1000, 9999).map(str),
    st.text(alphabet=string.ascii_uppercase, min_size=2, max_size=2).filter(
        lambda pair: pair not in {"SA", "SD", "SS"}
    ),
)
ADDITIONS = st.one_of(
    st.just(""),
    st.text(alphabet=string.ascii_uppercase + string.digits, min_size=1, max_size=4),
)


@st.composite
def address_writings(draw) -> tuple[tuple[str, int, str], tuple[str, str, str]]:
    postcode = draw(POSTCODES)
    number = draw(st.integers(1, 99999))
    addition = draw(ADDITIONS)
    space = draw(st.sampled_from(["", " ", "  "]))
    code = postcode[:4] + space + (postcode[4:].lower() if draw(st.booleans()) else postcode[4:])
    written_number = draw(st.sampled_from(["", " "])) + str(number)
    written_addition = addition
    if len(addition) > 1 and draw(st.booleans()):
        written_addition = addition[0] + draw(st.sampled_from(["-", " ", "/"])) + addition[1:]
    if draw(st.booleans()):
        written_addition = written_addition.lower()
    return (postcode, number, addition), (code, written_number, written_addition)


@given(address_writings())
def test_every_written_form_of_an_address_normalises_to_one(pair):
    (postcode, number, addition), (code, written_number, written_addition) = pair
    expected = f"{postcode} {number}" + (f" {addition}" if addition else "")
    assert normalise_address(code, written_number, written_addition) == expected
    assert (
        normalise(
            IdentifierKind.ADDRESS,
            {"postcode": code, "house_number": written_number, "house_number_addition": addition},
        )
        == expected
    )
    # The stored form reads back into itself.
    assert normalise(IdentifierKind.ADDRESS, expected) == expected


@given(address_writings(), address_writings())
def test_different_addresses_stay_different(first, second):
    assume(first[0] != second[0])
    assert normalise_address(*first[1]) != normalise_address(*second[1])


@pytest.mark.parametrize(
    "postcode,number,addition",
    [
        ("0123AB", "1", ""),
        ("1234SS", "1", ""),
        ("1234AB", "0", ""),
        ("1234AB", "1a", ""),
        ("1234", "1", ""),
        ("1234AB", "1", "toolongaddition"),
    ],
)
def test_invalid_addresses_are_refused(postcode, number, addition):
    assert normalise_address(postcode, number, addition) is None


def test_an_address_is_displayed_as_on_an_envelope():
    assert display(IdentifierKind.ADDRESS, "1234AB 12 A") == "1234 AB 12 A"


# --- KvK numbers and pseudonyms ------------------------------------------------------------------


@given(st.text(alphabet=string.digits, min_size=8, max_size=8), SEPARATORS, st.booleans())
def test_kvk_numbers_in_any_writing(number, separator, prefix):
    text = ("KvK " if prefix else "") + number[:4] + separator + number[4:]
    assert normalise_kvk(text) == number


@given(st.text(alphabet=string.digits, min_size=1, max_size=12))
def test_kvk_numbers_have_eight_digits(number):
    assume(len(number) != 8)
    assert normalise_kvk(number) is None


@given(
    st.text(alphabet=string.ascii_letters + string.digits, min_size=4, max_size=20),
    st.sampled_from(["", "-", " ", "."]),
)
def test_pseudonyms_ignore_case_and_separators(pseudonym, separator):
    spaced = separator.join([pseudonym[:2], pseudonym[2:]])
    assert normalise_person(spaced) == normalise_person(pseudonym.swapcase()) == pseudonym.upper()


def test_the_same_characters_of_two_kinds_are_two_identifiers():
    from django.test import override_settings

    from samenveilig.flags.keys import identifier_hash

    with override_settings(FLAG_HMAC_KEYS=["k" * 40]):
        assert identifier_hash("person", "12345678") != identifier_hash("kvk", "12345678")


# --- free text -----------------------------------------------------------------------------------

WORDS = st.sampled_from(
    ["ik", "zag", "een", "witte", "bus", "met", "kenteken", "om", "uur", "bij", "de", "deur"]
)


@settings(max_examples=150)
@given(plate_and_writing(), st.lists(WORDS, max_size=4), st.lists(WORDS, max_size=4))
def test_a_plate_in_free_text_is_found_however_it_is_written(pair, before, after):
    plate, text = pair
    assume(" " not in text)  # within a sentence people join the groups with dashes or nothing
    sentence = " ".join([*before, text, *after]) + "."
    assert plate in plates_in_text(sentence)


@given(plate_and_writing())
def test_a_plate_with_spaces_alone_in_a_field_is_found(pair):
    plate, text = pair
    assert plate in plates_in_text(text)


@given(st.lists(WORDS, max_size=12))
def test_plain_words_are_no_plates(words):
    assert plates_in_text(" ".join(words)) == set()


@settings(max_examples=150)
@given(address_writings(), st.booleans())
def test_an_address_in_free_text_is_found_in_both_orders(pair, envelope_order):
    (postcode, number, addition), _written = pair
    code = f"{postcode[:4]} {postcode[4:]}"
    part = (
        f"{number}{addition.lower()}"
        if addition.isalpha()
        else (f"{number}-{addition}" if addition else str(number))
    )
    if envelope_order:
        sentence = f"Het was bij Kerkstraat {part}, {code} Voorbeeldstad gisteren."
    else:
        sentence = f"Adres: postcode {code} nr. {part} (achterom)."
    expected = f"{postcode} {number}" + (f" {addition}" if addition else "")
    found = addresses_in_text(sentence)
    assert expected in found
    # Without the addition the address is tried too: a flag on the building still matches.
    assert f"{postcode} {number}" in found


def test_a_postcode_without_a_house_number_is_no_address():
    assert addresses_in_text("Het gebeurde ergens in 1234 AB, weet niet waar.") == set()


@pytest.mark.parametrize(
    "text,expected",
    [
        ("Bus met kenteken VXB-12-T reed weg", {"VXB12T"}),
        ("kenteken 12-abc-3 en 99-XX-99", {"12ABC3", "99XX99"}),
        ("AB12CD stond er", {"AB12CD"}),
        ("om 12 uur kwam hij terug", set()),
        ("bel 0612345678", set()),
    ],
)
def test_plates_in_sentences(text, expected):
    assert plates_in_text(text) == expected


def test_kvk_numbers_are_found_only_after_the_word_kvk():
    assert kvk_numbers_in_text("Bedrijf (KvK-nummer: 1234 5678) op de hoek") == {"12345678"}
    assert kvk_numbers_in_text("Bel 12345678 voor info") == set()
