"""The alert's structured description: the report rules apply (REP-3, REP-4) and the text is built
in the reader's language (ALR-1)."""

from __future__ import annotations

from types import SimpleNamespace

from django.utils.translation import override
from hypothesis import given
from hypothesis import strategies as st

from samenveilig.alerts.signalement import (
    PERSON_FIELDS,
    as_text,
    clean_person,
    clean_vehicle,
    describe_person,
)

DETAILED = {
    "behaviour": "Liep weg van de winkel met een tas",
    "skin_colour": "licht",
    "hair_colour": "rood",
    "top": "groene jas",
    "shoes": "witte sneakers",
}


def test_given_skin_colour_with_two_details_then_accepted():
    errors: dict = {}
    person = clean_person(DETAILED, "Gezocht", errors)
    assert errors == {}
    assert person["top"] == "groene jas"


def test_given_skin_colour_without_two_details_then_refused_with_explanation():
    errors: dict = {}
    with override("en"):
        clean_person({"behaviour": "Rende weg", "skin_colour": "donker"}, "Gezocht", errors)
    assert "person.skin_colour" in errors
    assert "two other details" in errors["person.skin_colour"][0]


def test_given_origin_in_the_headline_without_details_then_refused():
    errors: dict = {}
    clean_person({"behaviour": "Rende weg", "top": "jas"}, "Marokkaanse jongen gezocht", errors)
    assert errors  # the headline is free text and is checked like a report's description


def test_given_no_behaviour_then_refused():
    errors: dict = {}
    clean_person({"top": "rode jas", "hair_colour": "blond"}, "Gezocht", errors)
    assert "person.behaviour" in errors


def test_given_unknown_field_or_bad_range_then_refused():
    errors: dict = {}
    clean_person({"behaviour": "x", "eye_colour": "blauw"}, "", errors)
    assert "person" in errors
    errors = {}
    clean_person({"behaviour": "x", "age_min": 40, "age_max": 30}, "", errors)
    assert "person.age_max" in errors


def test_given_invalid_plate_then_refused_and_valid_plate_accepted():
    errors: dict = {}
    clean_vehicle({"kind": "auto", "licence_plate": "12-!!-34"}, errors)
    assert "vehicle.licence_plate" in errors
    errors = {}
    assert clean_vehicle({"kind": "auto", "licence_plate": "GB-123-X"}, errors)
    assert errors == {}


def test_text_is_built_in_the_readers_language():
    alert = SimpleNamespace(title="Gezocht", person=DETAILED, vehicle=None, message="Bel 112")
    with override("nl"):
        dutch = as_text(alert)
    with override("en"):
        english = as_text(alert)
    assert "groene jas" in dutch and "groene jas" in english
    assert "What the person did" in english
    assert dutch.endswith("Bel 112")


@given(
    st.dictionaries(
        st.sampled_from(
            sorted(PERSON_FIELDS - {"age_min", "age_max", "height_min_cm", "height_max_cm"})
        ),
        st.text(max_size=30),
    )
)
def test_property_accepted_descriptions_name_behaviour_and_two_details_when_skin_is_given(raw):
    errors: dict = {}
    person = clean_person(raw, "", errors)
    if errors or person is None:
        return
    assert person.get("behaviour")
    if person.get("skin_colour"):
        details = [
            any(person.get(n) for n in group)
            for group in (
                ("hair_colour", "hair_style"),
                ("top",),
                ("bottom",),
                ("shoes",),
                ("features",),
            )
        ]
        assert sum(details) >= 2
    assert describe_person(person)[0][1] == person["behaviour"]
