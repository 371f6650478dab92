"""Server-side validation of answer sets: the authoritative check."""

from __future__ import annotations

import datetime as dt

import pytest

from samenveilig.questionnaires.validation import validate_answers
from samenveilig.questionnaires.xlsform import parse_xlsform
from tests.questionnaires.workbooks import SHIPPED_FORM, SURVEY_HEADER, household_form, row, xlsx

TODAY = dt.date(2026, 11, 28)


@pytest.fixture(scope="module")
def form():
    return parse_xlsform(household_form())


@pytest.fixture(scope="module")
def inquiry():
    return parse_xlsform(SHIPPED_FORM.read_bytes())


def check(form, answers, language="nl"):
    return validate_answers(form, answers, language=language, today=TODAY)


def test_a_complete_valid_answer_set(form):
    result = check(
        form,
        {
            "home": "yes",
            "visit": {"seen": "yes", "count": "2"},
            "persons": [{"age": "30", "clothes": ["hood", "cap"]}, {"age": 41}],
            "region": "north",
            "city": "assen",
            "phone": "0612345678",
            "when": "2026-11-27",
            "where": "52.1 5.1 3 10",
        },
    )
    assert result.errors == {}
    assert result.cleaned == {
        "home": "yes",
        "visit": {"seen": "yes", "count": 2},
        "persons": [{"age": 30, "clothes": "hood cap"}, {"age": 41}],
        "region": "north",
        "city": "assen",
        "phone": "0612345678",
        "when": "2026-11-27",
        "where": "52.1 5.1 3 10",
    }


def test_required_with_the_forms_message_in_each_language(form):
    assert check(form, {"home": "yes"}, "nl").errors == {"visit/seen": "Geef aan of u iets zag."}
    assert check(form, {"home": "yes"}, "en").errors == {
        "visit/seen": "Say whether you saw something."
    }


def test_required_without_a_message_uses_the_generic_one_translated(form):
    assert check(form, {}, "en").errors == {"home": "This question is required."}


def test_required_only_when_relevant_and_irrelevant_answers_dropped(form):
    result = check(form, {"home": "no", "visit": {"seen": "maybe", "count": "99"}})
    assert result.errors == {}
    assert result.cleaned == {"home": "no"}


def test_constraint_with_message_in_both_languages(form):
    answers = {"home": "yes", "visit": {"seen": "yes", "count": "9"}}
    assert check(form, answers, "nl").errors == {"visit/count": "Tussen 0 en 5."}
    assert check(form, answers, "en").errors == {"visit/count": "Between 0 and 5."}


def test_constraint_without_message_and_regex(form):
    result = check(form, {"home": "no", "phone": "12345"}, "en")
    assert result.errors == {"phone": "This answer is not allowed."}


def test_date_constraint_against_today(form):
    assert "when" in check(form, {"home": "no", "when": "2026-11-29"}).errors
    assert "when" not in check(form, {"home": "no", "when": "2026-11-28"}).errors


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("when", "28-11-2026"),
        ("when", "2026-02-30"),
        ("where", "52.1"),
        ("where", "91 5"),
        ("where", "52 181"),
        ("where", "52 5 1 -3"),
        ("where", "north east"),
        ("where", "nan 5"),
    ],
)
def test_type_checks(form, field, value):
    result = check(form, {"home": "no", field: value}, "en")
    assert field in result.errors


def test_integer_type_check_inside_group(form):
    result = check(form, {"home": "yes", "visit": {"seen": "yes", "count": "two"}}, "en")
    assert result.errors == {"visit/count": "Enter a whole number."}
    result = check(form, {"home": "yes", "visit": {"seen": "yes", "count": "1.5"}}, "en")
    assert result.errors == {"visit/count": "Enter a whole number."}


def test_select_one_must_be_a_choice(form):
    assert check(form, {"home": "perhaps"}, "en").errors == {
        "home": "Choose from the options given."
    }
    assert check(form, {"home": "yes no"}, "en").errors == {"home": "Choose one of the options."}


def test_choice_filter_restricts_the_choices(form):
    ok = check(form, {"home": "no", "region": "south", "city": "maastricht"})
    assert ok.errors == {}
    bad = check(form, {"home": "no", "region": "south", "city": "assen"}, "en")
    assert bad.errors == {"city": "Choose from the options given."}


def test_select_multiple_values_must_all_exist_once(form):
    base = {"home": "yes", "visit": {"seen": "yes", "count": "1"}}
    result = check(form, {**base, "persons": [{"age": "3", "clothes": "hood scarf"}]})
    assert "persons[1]/clothes" in result.errors
    result = check(form, {**base, "persons": [{"age": "3", "clothes": "hood hood"}]})
    assert "persons[1]/clothes" in result.errors


def test_repeat_count_drives_the_instances_and_errors_carry_the_index(form):
    answers = {
        "home": "yes",
        "visit": {"seen": "yes", "count": "3"},
        "persons": [{"age": "30"}, {"age": "130"}, {}, {"age": "5"}],
    }
    result = check(form, answers, "en")
    assert result.errors == {
        "persons[2]/age": "Too old.",
        "persons[3]/age": "This question is required.",
    }
    assert len(result.cleaned["persons"]) == 3


def test_irrelevant_repeat_is_dropped(form):
    answers = {"home": "yes", "visit": {"seen": "no"}, "persons": [{"age": "500"}]}
    result = check(form, answers)
    assert result.errors == {}
    assert "persons" not in result.cleaned


def test_notes_and_unknown_keys_are_not_stored(form):
    result = check(form, {"home": "no", "thanks": "x", "evil": "<script>"})
    assert result.cleaned == {"home": "no"}


def test_wrong_shapes_do_not_crash(form):
    assert set(check(form, "not a dict").errors) == {"home"}
    result = check(form, {"home": ["yes"], "visit": "oops", "persons": "x"}, "en")
    assert result.errors == {"home": "This answer has the wrong form."}


# --- the shipped inquiry form ---------------------------------------------------------------------


def test_inquiry_not_at_home_needs_only_the_outcome_and_leaflet(inquiry):
    result = check(inquiry, {"outcome": "niet_thuis", "leaflet_left": "yes"})
    assert result.errors == {}


def test_inquiry_phone_only_with_consent_and_must_be_dutch(inquiry):
    spoken = {
        "outcome": "gesproken",
        "leaflet_left": "no",
        "conversation": {"saw_something": "no", "camera": "no", "contact_consent": "yes"},
    }
    assert check(inquiry, spoken, "en").errors == {"conversation/phone": "Enter a phone number."}
    spoken["conversation"]["phone"] = "12345"
    assert check(inquiry, spoken, "nl").errors == {
        "conversation/phone": "Vul een Nederlands telefoonnummer in, bijv. 06 12345678."
    }
    for good in ["06 12345678", "0612345678", "+31612345678", "020-1234567"]:
        spoken["conversation"]["phone"] = good
        assert check(inquiry, spoken).errors == {}, good
    spoken["conversation"]["contact_consent"] = "no"
    spoken["conversation"]["phone"] = "0612345678"
    result = check(inquiry, spoken)
    assert result.errors == {}
    assert "phone" not in result.cleaned["conversation"]


def test_inquiry_camera_asks_to_keep_footage_and_persons_repeat(inquiry):
    answers = {
        "outcome": "gesproken",
        "leaflet_left": "yes",
        "conversation": {
            "saw_something": "yes",
            "persons_count": "2",
            "persons": [{"person_gender": "male", "person_age": "25"}, {"person_age": "300"}],
            "vehicle_seen": "yes",
            "vehicle_kind": "scooter",
            "vehicle_brand": "opel",
            "camera": "yes",
            "contact_consent": "no",
            "tips_given": ["lights", "locks"],
        },
    }
    result = check(inquiry, answers, "en")
    assert result.errors == {
        "conversation/persons[2]/person_age": "Enter an age from 0 to 120.",
        "conversation/vehicle_brand": "Choose from the options given.",
        "conversation/camera_keep": "Ask the resident to keep the footage for the police.",
    }
    answers["conversation"].update(
        {"vehicle_brand": "piaggio", "camera_keep": "OK", "persons": [{}, {"person_age": "30"}]}
    )
    result = check(inquiry, answers)
    assert result.errors == {}
    assert result.cleaned["conversation"]["tips_given"] == "lights locks"
    assert len(result.cleaned["conversation"]["persons"]) == 2


def test_a_form_without_language_columns():
    data = xlsx(
        [["type", "name", "label", "required"], ["text", "x", "X", "yes"]],
        None,
        [["form_id", "default_language"], ["plain", "en"]],
    )
    plain = parse_xlsform(data)
    assert set(check(plain, {}, "nl").errors) == {"x"}
    assert check(plain, {}, "en").errors == {"x": "This question is required."}


def test_required_expression():
    data = xlsx(
        [SURVEY_HEADER, row("integer", "n", "N"), row("text", "why", "Why", required="${n} > 3")],
        None,
        [["form_id"], ["req"]],
    )
    form = parse_xlsform(data)
    assert set(check(form, {"n": "5"}).errors) == {"why"}
    assert check(form, {"n": "2"}).errors == {}
