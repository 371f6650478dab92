"""Write the standard neighbourhood-inquiry questionnaire (buurtonderzoek) as an XLSForm workbook.

Run: .venv/bin/python scripts/make_buurtonderzoek_form.py [output.xlsx]
The default output is src/samenveilig/questionnaires/forms/buurtonderzoek.xlsx (committed).
"""

from __future__ import annotations

import sys
from pathlib import Path

from openpyxl import Workbook

OUTPUT = (
    Path(__file__).resolve().parent.parent
    / "src/samenveilig/questionnaires/forms/buurtonderzoek.xlsx"
)
VERSION = "2026112801"

SURVEY_HEADER = [
    "type",
    "name",
    "label::nl",
    "label::en",
    "hint::nl",
    "hint::en",
    "required",
    "required_message::nl",
    "required_message::en",
    "relevant",
    "constraint",
    "constraint_message::nl",
    "constraint_message::en",
    "choice_filter",
    "repeat_count",
    "appearance",
    "default",
]

SPOKEN = "${outcome} = 'gesproken'"
SAW = "${saw_something} = 'yes'"
PHONE_PATTERN = r"^(\+31|0031|0)[1-9]([ -]?[0-9]){8}$"


def q(type_: str, name: str, nl: str = "", en: str = "", **extra: str) -> dict[str, str]:
    return {"type": type_, "name": name, "label::nl": nl, "label::en": en, **extra}


SURVEY: list[dict[str, str]] = [
    q(
        "note",
        "intro",
        "Stel u voor, vertel wat er in de buurt is gebeurd en vraag of u een paar vragen mag "
        "stellen.",
        "Introduce yourselves, say what happened nearby and ask whether you may ask a few "
        "questions.",
    ),
    q(
        "select_one outcome",
        "outcome",
        "Resultaat van het bezoek",
        "Outcome of the visit",
        required="yes",
        **{
            "required_message::nl": "Kies het resultaat van het bezoek.",
            "required_message::en": "Choose the outcome of the visit.",
        },
    ),
    q("begin group", "conversation", "Gesprek", "Conversation", relevant=SPOKEN),
    q(
        "select_one yes_no",
        "saw_something",
        "Heeft u in de periode van het incident iets gezien of gehoord?",
        "Did you see or hear anything around the time of the incident?",
        required="yes",
        **{
            "hint::nl": "Denk aan personen, voertuigen, geluiden of iets ongewoons.",
            "hint::en": "Think of people, vehicles, sounds or anything unusual.",
        },
    ),
    q(
        "text",
        "what_seen",
        "Wat heeft u gezien of gehoord, en hoe laat?",
        "What did you see or hear, and at what time?",
        relevant=SAW,
        appearance="multiline",
    ),
    q(
        "integer",
        "persons_count",
        "Hoeveel personen heeft u gezien?",
        "How many people did you see?",
        relevant=SAW,
        default="0",
        constraint=". >= 0 and . <= 10",
        **{
            "constraint_message::nl": "Vul een aantal van 0 tot en met 10 in.",
            "constraint_message::en": "Enter a number from 0 to 10.",
        },
    ),
    q(
        "begin repeat",
        "persons",
        "Signalement persoon",
        "Description of a person",
        relevant=f"{SAW} and ${{persons_count}} > 0",
        repeat_count="${persons_count}",
    ),
    q("select_one gender", "person_gender", "Geslacht", "Sex"),
    q(
        "integer",
        "person_age",
        "Geschatte leeftijd",
        "Estimated age",
        constraint=". >= 0 and . <= 120",
        **{
            "constraint_message::nl": "Vul een leeftijd van 0 tot en met 120 in.",
            "constraint_message::en": "Enter an age from 0 to 120.",
        },
    ),
    q("select_one build", "person_build", "Postuur", "Build"),
    q("text", "person_height", "Geschatte lengte", "Estimated height"),
    q("text", "person_clothing", "Kleding", "Clothing"),
    q(
        "text",
        "person_features",
        "Opvallende kenmerken",
        "Distinctive features",
        **{"hint::nl": "Tatoeage, tas, fiets, accent …", "hint::en": "Tattoo, bag, bike, accent …"},
    ),
    q("end repeat", ""),
    q(
        "select_one yes_no",
        "vehicle_seen",
        "Heeft u een voertuig gezien?",
        "Did you see a vehicle?",
        relevant=SAW,
    ),
    q(
        "select_one vehicle_kind",
        "vehicle_kind",
        "Soort voertuig",
        "Kind of vehicle",
        relevant="${vehicle_seen} = 'yes'",
    ),
    q(
        "select_one vehicle_brand",
        "vehicle_brand",
        "Merk",
        "Make",
        relevant="${vehicle_seen} = 'yes' and ${vehicle_kind} != ''",
        choice_filter="kind = ${vehicle_kind}",
    ),
    q(
        "text",
        "vehicle_colour",
        "Kleur",
        "Colour",
        relevant="${vehicle_seen} = 'yes'",
    ),
    q(
        "text",
        "licence_plate",
        "Kenteken (ook een deel)",
        "Licence plate (even partly)",
        relevant="${vehicle_seen} = 'yes'",
    ),
    q(
        "select_one yes_no",
        "camera",
        "Heeft u een camera (bijvoorbeeld een deurbelcamera) die de straat filmt?",
        "Do you have a camera (a doorbell camera, for instance) that films the street?",
        required="yes",
    ),
    q(
        "acknowledge",
        "camera_keep",
        "Ik heb gevraagd de beelden te bewaren voor de politie.",
        "I asked to keep the footage for the police.",
        relevant="${camera} = 'yes'",
        required="yes",
        **{
            "required_message::nl": "Vraag de bewoner de beelden te bewaren voor de politie.",
            "required_message::en": "Ask the resident to keep the footage for the police.",
        },
    ),
    q(
        "text",
        "camera_location",
        "Waar hangt de camera en wat filmt hij?",
        "Where is the camera and what does it film?",
        relevant="${camera} = 'yes'",
    ),
    q(
        "select_one yes_no",
        "contact_consent",
        "Wilt u dat de politie contact met u opneemt?",
        "Would you like the police to contact you?",
        required="yes",
        **{
            "hint::nl": "Alleen met uitdrukkelijke toestemming.",
            "hint::en": "Only with explicit consent.",
        },
    ),
    q(
        "text",
        "phone",
        "Telefoonnummer",
        "Phone number",
        relevant="${contact_consent} = 'yes'",
        required="yes",
        constraint=f"regex(., '{PHONE_PATTERN}')",
        appearance="numbers",
        **{
            "required_message::nl": "Vul een telefoonnummer in.",
            "required_message::en": "Enter a phone number.",
            "constraint_message::nl": "Vul een Nederlands telefoonnummer in, bijv. 06 12345678.",
            "constraint_message::en": "Enter a Dutch phone number, e.g. 06 12345678.",
        },
    ),
    q(
        "select_multiple tips",
        "tips_given",
        "Welke preventietips zijn gegeven?",
        "Which prevention tips were given?",
    ),
    q("end group", ""),
    q(
        "select_one yes_no",
        "leaflet_left",
        "Folder achtergelaten?",
        "Leaflet left?",
        required="yes",
    ),
    q("text", "remarks", "Opmerkingen", "Remarks", appearance="multiline"),
]

CHOICES: list[tuple[str, str, str, str, str]] = [
    # list_name, name, label::nl, label::en, kind (for the cascading vehicle make)
    ("outcome", "niet_thuis", "Niet thuis", "Not at home", ""),
    ("outcome", "wil_niet", "Wil niet meewerken", "Did not want to talk", ""),
    ("outcome", "gesproken", "Gesproken", "Spoke with resident", ""),
    ("yes_no", "yes", "Ja", "Yes", ""),
    ("yes_no", "no", "Nee", "No", ""),
    ("gender", "male", "Man", "Male", ""),
    ("gender", "female", "Vrouw", "Female", ""),
    ("gender", "unknown", "Onbekend", "Unknown", ""),
    ("build", "slim", "Slank", "Slim", ""),
    ("build", "average", "Gemiddeld", "Average", ""),
    ("build", "heavy", "Fors", "Heavy", ""),
    ("vehicle_kind", "car", "Auto", "Car", ""),
    ("vehicle_kind", "van", "Bestelbus", "Van", ""),
    ("vehicle_kind", "scooter", "Scooter of brommer", "Scooter or moped", ""),
    ("vehicle_kind", "bicycle", "Fiets", "Bicycle", ""),
    ("vehicle_brand", "volkswagen", "Volkswagen", "Volkswagen", "car"),
    ("vehicle_brand", "opel", "Opel", "Opel", "car"),
    ("vehicle_brand", "toyota", "Toyota", "Toyota", "car"),
    ("vehicle_brand", "car_other", "Ander merk", "Other make", "car"),
    ("vehicle_brand", "ford_transit", "Ford Transit", "Ford Transit", "van"),
    ("vehicle_brand", "mercedes_sprinter", "Mercedes Sprinter", "Mercedes Sprinter", "van"),
    ("vehicle_brand", "van_other", "Ander merk", "Other make", "van"),
    ("vehicle_brand", "piaggio", "Piaggio / Vespa", "Piaggio / Vespa", "scooter"),
    ("vehicle_brand", "scooter_other", "Ander merk", "Other make", "scooter"),
    ("vehicle_brand", "bicycle_any", "Fiets (merk onbekend)", "Bicycle (make unknown)", "bicycle"),
    ("tips", "lights", "Buitenverlichting aan", "Keep outdoor lights on", ""),
    ("tips", "locks", "Goed hang- en sluitwerk", "Good locks and hinges", ""),
    ("tips", "windows", "Ramen sluiten bij weggaan", "Close windows when leaving", ""),
    ("tips", "neighbours", "Let op elkaar", "Look out for each other", ""),
    ("tips", "report", "Meld verdachte situaties (112)", "Report suspicious situations (112)", ""),
]


def build() -> Workbook:
    workbook = Workbook()
    survey = workbook.active
    survey.title = "survey"
    survey.append(SURVEY_HEADER)
    for row in SURVEY:
        survey.append([row.get(column) or None for column in SURVEY_HEADER])
    choices = workbook.create_sheet("choices")
    choices.append(["list_name", "name", "label::nl", "label::en", "kind"])
    for choice in CHOICES:
        choices.append([value or None for value in choice])
    settings = workbook.create_sheet("settings")
    settings.append(["form_title", "form_id", "version", "default_language"])
    settings.append(["Buurtonderzoek", "buurtonderzoek", VERSION, "nl"])
    return workbook


def main() -> None:
    output = Path(sys.argv[1]) if len(sys.argv) > 1 else OUTPUT
    output.parent.mkdir(parents=True, exist_ok=True)
    build().save(output)
    print(f"wrote {output}")


if __name__ == "__main__":
    main()
