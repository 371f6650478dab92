"""Property tests for normalising and validating postcodes, house numbers and additions."""

from __future__ import annotations

import re

from hypothesis import example, given
from hypothesis import strategies as st

from samenveilig.areas.normalise import (
    format_postcode,
    is_valid_postcode,
    normalise_addition,
    normalise_house_number,
    normalise_postcode,
)

CANONICAL = re.compile(r"^[1-9][0-9]{3}[A-Z]{2}$")
letters = st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
valid_postcodes = st.builds(
    lambda number, pair: f"{number}{pair}",
    st.integers(1000, 9999),
    st.tuples(letters, letters).map("".join).filter(lambda p: p not in {"SA", "SD", "SS"}),
)
spaces = st.text(alphabet=" \t", max_size=3)


@given(valid_postcodes, spaces, spaces, spaces, st.booleans())
def test_valid_postcode_in_any_spacing_and_case_normalises_to_itself(
    postcode, before, middle, after, lower
):
    written = f"{before}{postcode[:4]}{middle}{postcode[4:]}{after}"
    assert normalise_postcode(written.lower() if lower else written) == postcode


@given(st.text(max_size=12))
@example("1234 ab")
@example("0123AB")
@example("1234SS")
def test_any_text_normalises_to_canonical_form_or_none_and_is_idempotent(text):
    result = normalise_postcode(text)
    if result is not None:
        assert CANONICAL.match(result)
        assert result[4:] not in {"SA", "SD", "SS"}
        assert normalise_postcode(result) == result
        assert normalise_postcode(format_postcode(result)) == result
    assert is_valid_postcode(text) == (result is not None)


@given(st.integers(0, 999), letters, letters)
def test_postcodes_starting_with_zero_are_invalid(number, a, b):
    assert normalise_postcode(f"{number:04d}{a}{b}") is None


@given(st.integers(1000, 9999), st.sampled_from(["SA", "SD", "SS", "sa", "Sd", "sS"]))
def test_postcodes_with_unused_letter_pairs_are_invalid(number, pair):
    assert normalise_postcode(f"{number}{pair}") is None


@given(st.integers(1, 99999), spaces)
def test_positive_house_numbers_parse(number, padding):
    assert normalise_house_number(f"{padding}{number}{padding}") == number
    assert normalise_house_number(number) == number


@given(
    st.one_of(
        st.integers(max_value=0),
        st.integers(min_value=100000),
        st.text().filter(lambda t: not t.strip().isdigit()),
    )
)
def test_other_house_numbers_are_rejected(value):
    assert normalise_house_number(value) is None


@given(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", max_size=10),
    st.sampled_from(["", " ", "-", " - "]),
)
def test_additions_ignore_case_and_separators(addition, separator):
    spaced = separator.join(addition)
    assert normalise_addition(spaced) == addition.upper()
    assert normalise_addition(spaced) == normalise_addition(addition.upper())


def test_huisletter_and_toevoeging_join():
    assert normalise_addition("a", "2") == "A2"
    assert normalise_addition("", "bis") == "BIS"
    assert normalise_addition("A", "12345678901") is None
    assert normalise_addition("?") is None
