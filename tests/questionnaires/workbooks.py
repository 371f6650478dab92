"""Build XLSForm workbooks in memory for the tests."""

from __future__ import annotations

import io
from pathlib import Path

from openpyxl import Workbook

SHIPPED_FORM = (
    Path(__file__).resolve().parents[2] / "src/samenveilig/questionnaires/forms/buurtonderzoek.xlsx"
)


def xlsx(
    survey: list[list[object]],
    choices: list[list[object]] | None = None,
    settings: list[list[object]] | None = None,
) -> bytes:
    """Each argument is a sheet: a header row followed by data rows."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "survey"
    for row in survey:
        sheet.append(row)
    if choices is not None:
        sheet = workbook.create_sheet("choices")
        for row in choices:
            sheet.append(row)
    if settings is not None:
        sheet = workbook.create_sheet("settings")
        for row in settings:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


SURVEY_HEADER = [
    "type",
    "name",
    "label::nl",
    "label::English (en)",
    "required",
    "required_message::nl",
    "required_message::en",
    "relevant",
    "constraint",
    "constraint_message::nl",
    "constraint_message::en",
    "choice_filter",
    "repeat_count",
]


def row(type_: str, name: str, nl: str = "", en: str = "", **extra: str) -> list[object]:
    values = {"type": type_, "name": name, "label::nl": nl, "label::English (en)": en}
    values.update({key.replace("__", "::"): value for key, value in extra.items()})
    return [values.get(column) or None for column in SURVEY_HEADER]


def household_form(version: str = "1") -> bytes:
    """Groups, a repeat with repeat_count, a cascading select and two languages."""
    survey = [
        SURVEY_HEADER,
        row("select_one yes_no", "home", "Thuis?", "At home?", required="yes"),
        row("begin group", "visit", "Bezoek", "Visit", relevant="${home} = 'yes'"),
        row(
            "select_one yes_no",
            "seen",
            "Iets gezien?",
            "Seen anything?",
            required="yes",
            required_message__nl="Geef aan of u iets zag.",
            required_message__en="Say whether you saw something.",
        ),
        row(
            "integer",
            "count",
            "Hoeveel personen?",
            "How many people?",
            relevant="${seen} = 'yes'",
            constraint=". >= 0 and . <= 5",
            constraint_message__nl="Tussen 0 en 5.",
            constraint_message__en="Between 0 and 5.",
        ),
        row("end group", ""),
        row(
            "begin repeat",
            "persons",
            "Persoon",
            "Person",
            relevant="${count} > 0",
            repeat_count="${count}",
        ),
        row(
            "integer",
            "age",
            "Leeftijd",
            "Age",
            required="yes",
            constraint=". < 120",
            constraint_message__nl="Te oud.",
            constraint_message__en="Too old.",
        ),
        row("select_multiple clothes", "clothes", "Kleding", "Clothes"),
        row("end repeat", ""),
        row("select_one region", "region", "Regio", "Region"),
        row(
            "select_one city",
            "city",
            "Plaats",
            "City",
            relevant="${region} != ''",
            choice_filter="region = ${region}",
        ),
        row("text", "phone", "Telefoon", "Phone", constraint="regex(., '^0[0-9]{9}$')"),
        row("date", "when", "Datum", "Date", constraint=". <= today()"),
        row("geopoint", "where", "Plek", "Place"),
        row("note", "thanks", "Dank u", "Thank you"),
    ]
    choices = [
        ["list_name", "name", "label::nl", "label::English (en)", "region"],
        ["yes_no", "yes", "Ja", "Yes", None],
        ["yes_no", "no", "Nee", "No", None],
        ["clothes", "hood", "Capuchon", "Hood", None],
        ["clothes", "cap", "Pet", "Cap", None],
        ["region", "north", "Noord", "North", None],
        ["region", "south", "Zuid", "South", None],
        ["city", "groningen", "Groningen", "Groningen", "north"],
        ["city", "assen", "Assen", "Assen", "north"],
        ["city", "maastricht", "Maastricht", "Maastricht", "south"],
    ]
    settings = [
        ["form_title", "form_id", "version", "default_language"],
        ["Huishouden", "household", version, "Nederlands (nl)"],
    ]
    return xlsx(survey, choices, settings)
