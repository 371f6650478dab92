"""The server-side renderer: answers -> fields -> HTML -> POST -> the same answers."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.http import QueryDict
from django.template.loader import render_to_string

from samenveilig.questionnaires.rendering import (
    MAX_REPEAT_COUNT,
    answers_from_post,
    apply_repeat_action,
    form_fields,
)
from samenveilig.questionnaires.validation import validate_answers
from samenveilig.questionnaires.xlsform import parse_xlsform
from tests.questionnaires.htmlform import controls, submitted
from tests.questionnaires.workbooks import SHIPPED_FORM, SURVEY_HEADER, household_form, row, xlsx

TODAY = dt.date(2026, 11, 28)


@pytest.fixture(scope="module")
def household():
    return parse_xlsform(household_form())


@pytest.fixture(scope="module")
def inquiry():
    return parse_xlsform(SHIPPED_FORM.read_bytes())


@pytest.fixture(scope="module")
def open_repeat():
    survey = [
        SURVEY_HEADER,
        row("text", "street", "Straat", "Street"),
        row("begin repeat", "cars", "Auto", "Car"),
        row("text", "plate", "Kenteken", "Plate", required="yes"),
        row("end repeat", ""),
    ]
    return parse_xlsform(xlsx(survey, None, [["form_id"], ["cars"]]))


def html_of(form, **kwargs):
    return render_to_string(
        "questionnaires/partials/form.html", {"fields": form_fields(form, today=TODAY, **kwargs)}
    )


def round_trip(form, answers, **kwargs):
    return answers_from_post(form, submitted(html_of(form, answers=answers, **kwargs)))


def walk(views):
    for view in views:
        yield view
        yield from walk(view.children)
        for entry in view.entries:
            yield from walk(entry.children)


def by_path(form, **kwargs):
    return {view.path: view for view in walk(form_fields(form, today=TODAY, **kwargs))}


HOUSEHOLD = {
    "home": "yes",
    "visit": {"seen": "yes", "count": "2"},
    "persons": [{"age": "30", "clothes": ["hood", "cap"]}, {"age": "41", "clothes": []}],
    "region": "north",
    "city": "assen",
    "phone": "0612345678",
    "when": "2026-11-27",
    "where": "52.1 5.1",
}

SPOKEN = {
    "outcome": "gesproken",
    "conversation": {
        "saw_something": "yes",
        "what_seen": "Two people at the back door,\naround 23:00",
        "persons_count": "2",
        "persons": [
            {
                "person_gender": "male",
                "person_age": "25",
                "person_build": "slim",
                "person_height": "1.80",
                "person_clothing": "dark hoodie",
                "person_features": "",
            },
            {
                "person_gender": "unknown",
                "person_age": "",
                "person_build": "",
                "person_height": "",
                "person_clothing": "",
                "person_features": "bag",
            },
        ],
        "vehicle_seen": "yes",
        "vehicle_kind": "van",
        "vehicle_brand": "ford_transit",
        "vehicle_colour": "white",
        "licence_plate": "VX-123",
        "camera": "yes",
        "camera_keep": "OK",
        "camera_location": "front door",
        "contact_consent": "yes",
        "phone": "06 12345678",
        "tips_given": ["lights", "neighbours"],
    },
    "leaflet_left": "yes",
    "remarks": "",
}


def test_round_trip_with_groups_repeats_cascades_and_select_multiple(household):
    assert round_trip(household, HOUSEHOLD) == HOUSEHOLD
    assert validate_answers(household, HOUSEHOLD, today=TODAY).errors == {}


def test_round_trip_of_the_shipped_inquiry_form(inquiry):
    assert round_trip(inquiry, SPOKEN) == SPOKEN
    assert validate_answers(inquiry, SPOKEN, today=TODAY).errors == {}


def test_round_trip_in_both_languages_gives_the_same_answers(inquiry):
    assert round_trip(inquiry, SPOKEN, language="en") == round_trip(inquiry, SPOKEN, language="nl")


def test_stored_cleaned_answers_render_back_to_the_same_cleaned_answers(inquiry):
    cleaned = validate_answers(inquiry, SPOKEN, today=TODAY).cleaned
    again = round_trip(inquiry, cleaned)
    assert validate_answers(inquiry, again, today=TODAY).cleaned == cleaned


def test_a_fresh_form_hides_and_disables_what_is_not_relevant(inquiry):
    html = html_of(inquiry)
    views = by_path(inquiry)
    assert views["outcome"].relevant_now and views["outcome"].required
    assert not views["conversation"].relevant_now
    assert 'id="q:conversation:node" data-kind="group"' in html
    group_start = html.index('id="q:conversation:node"')
    assert html[group_start : html.index(">", group_start)].endswith(" hidden")
    # disabled inputs are not posted, so only the relevant questions come back
    posted = submitted(html)
    assert "q/remarks" in posted and "q/conversation/saw_something" not in posted
    assert answers_from_post(inquiry, submitted(html))["conversation"]["saw_something"] == ""


def test_defaults_fill_a_fresh_form_only(inquiry):
    views = by_path(inquiry, answers={"outcome": "gesproken"})
    assert views["conversation/persons_count"].value == "0"  # missing key: the default
    views = by_path(inquiry, answers={"outcome": "gesproken", "conversation": {}})
    assert views["conversation/persons_count"].value == "0"
    posted = {"outcome": "gesproken", "conversation": {"persons_count": ""}}
    assert by_path(inquiry, answers=posted)["conversation/persons_count"].value == ""


def test_relevance_follows_the_answers(inquiry):
    views = by_path(inquiry, answers={"outcome": "gesproken", "conversation": {}})
    assert views["conversation"].relevant_now
    assert not views["conversation/what_seen"].relevant_now
    assert views["conversation/saw_something"].required
    views = by_path(
        inquiry, answers={"outcome": "gesproken", "conversation": {"saw_something": "yes"}}
    )
    assert views["conversation/what_seen"].relevant_now


def test_repeat_count_renders_that_many_entries_and_a_template(inquiry):
    answers = {
        "outcome": "gesproken",
        "conversation": {"saw_something": "yes", "persons_count": "3"},
    }
    view = by_path(inquiry, answers=answers)["conversation/persons"]
    assert [entry.index for entry in view.entries] == [1, 2, 3]
    assert view.template is not None and view.template.index == "__i__"
    html = html_of(inquiry, answers=answers)
    assert html.count('data-q-entry data-index="') == 4  # three entries and the template
    assert 'name="q/conversation/persons[__i__]/person_age"' in html
    # nothing in the template is submitted
    assert not any("__i__" in key for key in submitted(html))
    answers["conversation"]["persons_count"] = "0"
    view = by_path(inquiry, answers=answers)["conversation/persons"]
    assert view.entries == [] and not view.relevant_now


def test_repeat_count_changed_by_resubmitting(inquiry):
    answers = {
        "outcome": "gesproken",
        "conversation": {"saw_something": "yes", "persons_count": "1"},
    }
    query = submitted(html_of(inquiry, answers=answers))
    query.setlist("q/conversation/persons_count", ["2"])
    again = answers_from_post(inquiry, query)
    view = by_path(inquiry, answers=again)["conversation/persons"]
    assert len(view.entries) == 2


def test_cascading_select_offers_only_the_filtered_choices(inquiry):
    answers = {
        "outcome": "gesproken",
        "conversation": {"saw_something": "yes", "vehicle_seen": "yes", "vehicle_kind": "car"},
    }
    brand = by_path(inquiry, answers=answers)["conversation/vehicle_brand"]
    available = [c.name for c in brand.choices if c.available]
    assert available == ["volkswagen", "opel", "toyota", "car_other"]
    assert brand.choice_filter == "kind = ${vehicle_kind}"
    assert json.loads(brand.choices[0].data) == {"kind": "car", "name": "volkswagen"}
    html = html_of(inquiry, answers=answers)
    assert 'id="q:conversation:vehicle_brand:4" value="ford_transit" disabled' in html


def test_select_multiple_as_checkboxes_and_a_list_back(household):
    views = by_path(household, answers=HOUSEHOLD)
    clothes = views["persons[1]/clothes"]
    assert clothes.widget == "checkbox" and clothes.selected_names == ["hood", "cap"]
    query = QueryDict(mutable=True)
    query.setlist("q/persons[1]/clothes", ["cap", "hood"])
    assert answers_from_post(household, query)["persons"] == [
        {"age": "", "clothes": ["cap", "hood"]}
    ]


def test_errors_are_shown_next_to_their_field(household):
    errors = {"visit/count": "Between 0 and 5.", "persons[2]/age": "Too old."}
    html = html_of(household, answers=HOUSEHOLD, errors=errors)
    assert '<p class="errorlist q-error" id="q:visit:count:error">Between 0 and 5.</p>' in html
    assert '<p class="errorlist q-error" id="q:persons:2:age:error">Too old.</p>' in html
    start = html.index('id="q:persons:2:age"')
    tag = html[html.rindex("<input", 0, start) : html.index(">", start)]
    assert 'aria-invalid="true"' in tag and 'aria-describedby="q:persons:2:age:error"' in tag


def test_every_input_has_a_label_and_ids_are_unique(inquiry):
    html = html_of(inquiry, answers=SPOKEN, language="en")
    parsed = controls(html)
    assert len(parsed.ids) == len(set(parsed.ids))
    input_ids = [i for i in parsed.ids if not i.endswith((":node", ":error", ":hint", ":entry"))]
    assert input_ids and set(input_ids) <= set(parsed.labels_for)


def test_hints_are_tied_with_aria_describedby(inquiry):
    view = by_path(inquiry, answers=SPOKEN, language="en")["conversation/saw_something"]
    assert view.hint.startswith("Think of people")
    assert (
        view.described_by == "q:conversation:saw_something:hint q:conversation:saw_something:error"
    )
    html = html_of(inquiry, answers=SPOKEN, language="en")
    assert f'aria-describedby="{view.described_by}"' in html


def test_labels_and_messages_in_the_asked_language(inquiry):
    nl = by_path(inquiry, language="nl")["conversation/phone"]
    en = by_path(inquiry, language="en")["conversation/phone"]
    assert (nl.label, en.label) == ("Telefoonnummer", "Phone number")
    assert en.constraint_message == "Enter a Dutch phone number, e.g. 06 12345678."
    assert en.required_message == "Enter a phone number."
    assert nl.required_message == "Vul een telefoonnummer in."
    assert en.inputmode == "tel"  # appearance "numbers"


def test_widgets_per_type(household, inquiry):
    views = by_path(household)
    assert views["home"].widget == "radio"
    assert views["when"].input_type == "date"
    assert views["visit/count"].inputmode == "numeric"
    assert views["thanks"].widget == "note"
    shipped = by_path(inquiry)
    assert shipped["conversation/what_seen"].widget == "textarea"
    assert shipped["conversation/camera_keep"].widget == "acknowledge"


def test_open_repeat_starts_with_one_entry_and_buttons_add_and_remove(open_repeat):
    view = by_path(open_repeat)["cars"]
    assert len(view.entries) == 1 and view.is_open_repeat
    html = html_of(open_repeat)
    assert 'name="q/_repeat" value="add:cars"' in html
    answers = {"street": "Dorpsstraat", "cars": [{"plate": "AB-12-CD"}]}
    query = submitted(html_of(open_repeat, answers=answers))
    query["q/_repeat"] = "add:cars"
    posted = answers_from_post(open_repeat, query)
    assert apply_repeat_action(open_repeat, query, posted)
    assert posted["cars"] == [{"plate": "AB-12-CD"}, {}]
    again = submitted(html_of(open_repeat, answers=posted))
    assert again["q/cars@count"] == "2"
    assert answers_from_post(open_repeat, again)["cars"] == [{"plate": "AB-12-CD"}, {"plate": ""}]
    again = again.copy()
    again["q/_repeat"] = "remove:cars"
    posted = answers_from_post(open_repeat, again)
    assert apply_repeat_action(open_repeat, again, posted)
    assert posted["cars"] == [{"plate": "AB-12-CD"}]


def test_no_repeat_action_without_the_button(open_repeat):
    query = QueryDict("q/street=x")
    answers = answers_from_post(open_repeat, query)
    assert not apply_repeat_action(open_repeat, query, answers)
    assert answers == {"street": "x", "cars": []}


def test_a_post_cannot_ask_for_endless_entries_or_inject_keys(open_repeat):
    query = QueryDict(mutable=True)
    query["q/cars@count"] = "100000"
    query["q/cars[999]/plate"] = "x"
    query["q/cars[1]/__class__"] = "x"
    query["q/unknown"] = "x"
    query["q/cars[abc]/plate"] = "x"
    answers = answers_from_post(open_repeat, query)
    assert len(answers["cars"]) == MAX_REPEAT_COUNT
    assert set(answers) == {"street", "cars"}
    assert all(set(entry) == {"plate"} for entry in answers["cars"])


def test_a_plain_dict_of_lists_is_read_as_well(household):
    data = {"q/home": "no", "q/persons[1]/clothes": ["cap"], "q/visit/count": ["1", "3"]}
    answers = answers_from_post(household, data)
    assert answers["home"] == "no"
    assert answers["persons"] == [{"age": "", "clothes": ["cap"]}]
    assert answers["visit"]["count"] == "3"
