"""Reading XLSForm workbooks: the shipped form, a rich test form, and refused forms."""

from __future__ import annotations

import os
import time

import pytest

from samenveilig.questionnaires.xlsform import (
    Form,
    Group,
    Question,
    XLSFormError,
    parse_xlsform,
    text_in,
)
from tests.questionnaires.workbooks import SHIPPED_FORM, SURVEY_HEADER, household_form, row, xlsx

CHOICES = [["list_name", "name", "label::nl"], ["yes_no", "yes", "Ja"], ["yes_no", "no", "Nee"]]
SETTINGS = [["form_id", "version"], ["test", "1"]]


def problems_of(data: bytes) -> list[tuple[str, int, str]]:
    with pytest.raises(XLSFormError) as caught:
        parse_xlsform(data)
    return [(p.sheet, p.row, p.reason) for p in caught.value.problems]


def test_the_shipped_buurtonderzoek_form_parses():
    form = parse_xlsform(SHIPPED_FORM.read_bytes())
    assert form.form_id == "buurtonderzoek"
    assert form.version
    assert form.default_language == "nl"
    assert form.languages == ["en", "nl"]
    by_name = {node.name: node for node in form.walk()}
    for name in ["outcome", "saw_something", "camera", "contact_consent", "phone", "leaflet_left"]:
        assert name in by_name
    assert isinstance(by_name["conversation"], Group) and not by_name["conversation"].repeat
    persons = by_name["persons"]
    assert isinstance(persons, Group) and persons.repeat
    assert persons.repeat_count == "${persons_count}"
    assert by_name["vehicle_brand"].choice_filter
    assert "regex" in by_name["phone"].constraint
    assert by_name["phone"].relevant == "${contact_consent} = 'yes'"
    assert [c.name for c in form.choices["outcome"]] == ["niet_thuis", "wil_niet", "gesproken"]
    assert text_in(by_name["outcome"].labels, "en") == "Outcome of the visit"


def test_the_shipped_form_matches_its_generator(tmp_path):
    """The committed workbook is what the committed script writes (same definition)."""
    import runpy

    output = tmp_path / "form.xlsx"
    script = SHIPPED_FORM.parents[4] / "scripts/make_buurtonderzoek_form.py"
    module = runpy.run_path(str(script))
    module["build"]().save(output)
    assert (
        parse_xlsform(output.read_bytes()).to_dict()
        == parse_xlsform(SHIPPED_FORM.read_bytes()).to_dict()
    )


def test_a_form_with_groups_repeats_cascading_selects_and_two_languages():
    form = parse_xlsform(household_form("7"))
    assert (form.form_id, form.version, form.title) == ("household", "7", "Huishouden")
    assert form.default_language == "nl"
    assert form.languages == ["en", "nl"]
    visit, persons = form.children[1], form.children[2]
    assert isinstance(visit, Group) and [c.name for c in visit.children] == ["seen", "count"]
    assert isinstance(persons, Group) and persons.repeat and persons.repeat_count == "${count}"
    seen = visit.children[0]
    assert isinstance(seen, Question)
    assert seen.required == "yes"
    assert seen.required_messages == {
        "nl": "Geef aan of u iets zag.",
        "en": "Say whether you saw something.",
    }
    city = next(n for n in form.walk() if n.name == "city")
    assert city.choice_filter == "region = ${region}"
    assert form.choices["city"][0].columns == {"region": "north"}
    assert form.choices["city"][0].labels == {"nl": "Groningen", "en": "Groningen"}
    assert Form.from_dict(form.to_dict()) == form


def test_fixed_repeat_count_and_plain_label_column():
    data = xlsx(
        [
            ["type", "name", "label", "repeat_count"],
            ["begin repeat", "kids", "Kind", 3],
            ["text", "kid", "Naam", None],
            ["end repeat", None, None, None],
        ],
        None,
        [["form_id"], ["fixed"]],
    )
    form = parse_xlsform(data)
    assert form.children[0].repeat_count == "3"
    assert form.version.startswith("sha-")  # no version column: the content decides it
    assert form.children[0].children[0].labels == {"nl": "Naam"}


def test_unknown_type_gives_sheet_row_reason():
    data = xlsx([SURVEY_HEADER, row("text", "a", "A"), row("barcode", "b", "B")], CHOICES, SETTINGS)
    assert problems_of(data) == [("survey", 3, "Unknown type 'barcode'.")]


def test_duplicate_and_missing_names():
    data = xlsx(
        [SURVEY_HEADER, row("text", "a", "A"), row("integer", "a", "A2"), row("text", "", "C")],
        CHOICES,
        SETTINGS,
    )
    assert problems_of(data) == [
        ("survey", 3, "Duplicate name 'a' (first on row 2)."),
        ("survey", 4, "name is missing."),
    ]


def test_unbalanced_groups_and_repeats():
    data = xlsx(
        [
            SURVEY_HEADER,
            row("begin group", "g", "G"),
            row("text", "a", "A"),
            row("end repeat", ""),
            row("begin repeat", "r", "R"),
            row("text", "b", "B"),
        ],
        CHOICES,
        SETTINGS,
    )
    problems = problems_of(data)
    assert ("survey", 4, "'end repeat' without a matching begin.") in problems
    assert ("survey", 2, "begin group 'g' is never ended.") in problems
    assert ("survey", 5, "begin repeat 'r' is never ended.") in problems


def test_end_group_without_begin():
    data = xlsx([SURVEY_HEADER, row("end group", "")], CHOICES, SETTINGS)
    assert problems_of(data) == [("survey", 2, "'end group' without a matching begin.")]


def test_bad_expressions_and_unknown_references():
    data = xlsx(
        [
            SURVEY_HEADER,
            row("integer", "a", "A", constraint=". >"),
            row("text", "b", "B", relevant="${nope} = 1"),
            row("text", "c", "C", relevant="__import__('os')"),
            row("text", "d", "D", required="${a} >"),
        ],
        CHOICES,
        SETTINGS,
    )
    problems = problems_of(data)
    assert [(sheet, number) for sheet, number, _reason in problems] == [
        ("survey", 2),
        ("survey", 3),
        ("survey", 4),
        ("survey", 5),
    ]
    assert problems[0][2].startswith("constraint: unexpected end of expression at position 3")
    assert "relevant: unknown question ${nope} at position 0" in problems[1][2]
    assert "unknown function '__import__'" in problems[2][2]
    assert problems[3][2].startswith("required:")


def test_unknown_list_and_choice_problems():
    data = xlsx(
        [SURVEY_HEADER, row("select_one colours", "a", "A"), row("select_multiple", "b", "B")],
        CHOICES + [["yes_no", "yes", "Nogmaals"], [None, "x", "X"]],
        SETTINGS,
    )
    problems = problems_of(data)
    assert ("survey", 2, "Unknown choice list 'colours'.") in problems
    assert ("survey", 3, "select_multiple needs one list name.") in problems
    assert ("choices", 4, "Duplicate choice 'yes' in list 'yes_no'.") in problems
    assert ("choices", 5, "list_name is missing.") in problems


def test_unsupported_semantic_columns_are_refused():
    data = xlsx(
        [
            ["type", "name", "label", "calculation", "trigger", "frobnicate"],
            ["text", "a", "A", "1 + 1", None, None],
            ["text", "b", "B", None, "${a}", "x"],
        ],
        None,
        SETTINGS,
    )
    problems = problems_of(data)
    assert ("survey", 2, "Column 'calculation' is not supported.") in problems
    assert ("survey", 3, "Column 'trigger' is not supported.") in problems
    assert ("survey", 3, "Unknown column 'frobnicate'.") in problems


def test_calculate_type_is_unknown_and_nested_repeats_refused():
    data = xlsx(
        [
            ["type", "name", "label"],
            ["calculate", "x", None],
            ["begin repeat", "r1", "R1"],
            ["begin repeat", "r2", "R2"],
            ["end repeat", None, None],
            ["end repeat", None, None],
        ],
        None,
        SETTINGS,
    )
    problems = problems_of(data)
    assert ("survey", 2, "Unknown type 'calculate'.") in problems
    assert ("survey", 4, "Nested repeats are not supported.") in problems


def test_missing_survey_sheet_and_form_id():
    data = xlsx([["type", "name", "label"], ["text", "a", "A"]])
    assert problems_of(data) == [("settings", 2, "form_id is missing.")]
    assert parse_xlsform(data, default_form_id="from_file").form_id == "from_file"


def test_ten_megabytes_of_garbage_are_refused_fast():
    garbage = os.urandom(10 * 1024 * 1024)
    started = time.perf_counter()
    problems = problems_of(garbage)
    assert time.perf_counter() - started < 1.0
    assert problems == [("file", 0, "The file is larger than 5 MB.")]


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"%PDF-1.7 not a workbook",
        b"type,name,label\ntext,a,A\n",
        b"PK\x03\x04 but not really a zip file",
    ],
)
def test_non_xlsx_content_is_refused(data):
    assert problems_of(data) == [("file", 0, "This is not an .xlsx workbook.")]


def test_a_zip_that_is_not_a_workbook_is_refused():
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hi")
    assert problems_of(buffer.getvalue()) == [("file", 0, "This is not an .xlsx workbook.")]


def test_a_zip_bomb_is_refused_before_unpacking():
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/big.xml", b"\0" * (60 * 1024 * 1024))
    assert problems_of(buffer.getvalue()) == [("file", 0, "The workbook unpacks to too much data.")]
