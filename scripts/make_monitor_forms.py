"""Write the two Communitymonitor questionnaires (MON-1) as XLSForm workbooks.

- communitymonitor.xlsx: for members of a neighbourhood-watch community (about 13 short questions,
  about 3 minutes): kind of community, role, feeling unsafe in the own buurt (and how often), the
  five social-cohesion statements, cooperation with police and municipality, recognition,
  follow-up on reports, one optional free-text question.
- bewonersenquete.xlsx: the short resident survey for everyone in a buurt (member or not):
  membership, feeling unsafe (and how often), the five cohesion statements, one free-text question.

Question names are the ones ``samenveilig.monitor.scoring`` reads; the source of each item is in
docs/monitor-sources.md and, per form, in the settings sheet (``form_title`` and ``version``).

Run: .venv/bin/python scripts/make_monitor_forms.py [output directory]
The default output is src/samenveilig/monitor/forms/ (committed).
"""

from __future__ import annotations

import sys
from pathlib import Path

from openpyxl import Workbook

OUTPUT = Path(__file__).resolve().parent.parent / "src/samenveilig/monitor/forms"
VERSION = "2026112801"
SOURCES = (
    "Items: CBS Veiligheidsmonitor (onveiligheidsgevoelens, sociale cohesie); "
    "see docs/monitor-sources.md"
)

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
    "appearance",
]

REQUIRED_CHOICE = {
    "required": "yes",
    "required_message::nl": "Kies een antwoord.",
    "required_message::en": "Choose an answer.",
}


def q(type_: str, name: str, nl: str = "", en: str = "", **extra: str) -> dict[str, str]:
    return {"type": type_, "name": name, "label::nl": nl, "label::en": en, **extra}


SAFETY = [
    q(
        "select_one yes_no",
        "feels_unsafe",
        "Voelt u zich wel eens onveilig in uw eigen buurt?",
        "Do you ever feel unsafe in your own neighbourhood?",
        **REQUIRED_CHOICE,
    ),
    q(
        "select_one frequency",
        "unsafe_frequency",
        "Hoe vaak voelt u zich onveilig in uw eigen buurt?",
        "How often do you feel unsafe in your own neighbourhood?",
        relevant="${feels_unsafe} = 'yes'",
        **REQUIRED_CHOICE,
    ),
    q(
        "note",
        "cohesion_intro",
        "In hoeverre bent u het eens met de volgende uitspraken over uw buurt?",
        "To what extent do you agree with the following statements about your neighbourhood?",
    ),
    q(
        "select_one agree",
        "cohesion_know",
        "De mensen kennen elkaar in deze buurt nauwelijks.",
        "People in this neighbourhood hardly know each other.",
        **REQUIRED_CHOICE,
    ),
    q(
        "select_one agree",
        "cohesion_pleasant",
        "De mensen gaan in deze buurt op een prettige manier met elkaar om.",
        "People in this neighbourhood treat each other in a pleasant way.",
        **REQUIRED_CHOICE,
    ),
    q(
        "select_one agree",
        "cohesion_together",
        "Ik woon in een gezellige buurt waar veel saamhorigheid is.",
        "I live in a friendly neighbourhood with a strong sense of togetherness.",
        **REQUIRED_CHOICE,
    ),
    q(
        "select_one agree",
        "cohesion_at_home",
        "Ik voel me thuis bij de mensen die in deze buurt wonen.",
        "I feel at home among the people who live in this neighbourhood.",
        **REQUIRED_CHOICE,
    ),
    q(
        "select_one agree",
        "cohesion_contact",
        "Ik heb veel contact met andere buurtbewoners.",
        "I have a lot of contact with other residents of my neighbourhood.",
        **REQUIRED_CHOICE,
    ),
]

REMARKS = q(
    "text",
    "remarks",
    "Wilt u nog iets kwijt? (niet verplicht)",
    "Anything else you would like to tell us? (optional)",
    appearance="multiline",
    **{
        "hint::nl": "Noem geen namen of adressen. Alleen de organisator van deze enquête "
        "leest dit.",
        "hint::en": "Do not mention names or addresses. Only the organiser of this survey "
        "reads this.",
    },
)

INTRO_HINT = {
    "hint::nl": "Anoniem: we bewaren geen naam, IP-adres of tijdstip bij uw antwoorden.",
    "hint::en": "Anonymous: we store no name, IP address or time with your answers.",
}

COMMUNITYMONITOR: list[dict[str, str]] = [
    q(
        "note",
        "intro",
        "Deze korte vragenlijst (ongeveer 3 minuten) gaat over uw buurt en uw buurtpreventie.",
        "This short questionnaire (about 3 minutes) is about your neighbourhood and your "
        "neighbourhood watch.",
        **INTRO_HINT,
    ),
    q(
        "select_one community_kind",
        "community_kind",
        "Via welk soort buurtpreventie bent u vooral actief?",
        "Through which kind of neighbourhood watch are you mostly active?",
        **REQUIRED_CHOICE,
    ),
    q(
        "select_one role",
        "role",
        "Wat is uw rol?",
        "What is your role?",
        **REQUIRED_CHOICE,
    ),
    *SAFETY,
    q(
        "note",
        "cooperation_intro",
        "En over de samenwerking (kies ‘weet niet’ als u het niet weet):",
        "And about the cooperation (choose ‘don’t know’ if you do not know):",
    ),
    q(
        "select_one agree_dk",
        "police_cooperation",
        "De samenwerking met de politie (wijkagent) verloopt goed.",
        "Cooperation with the police (community officer) goes well.",
        **REQUIRED_CHOICE,
    ),
    q(
        "select_one agree_dk",
        "municipality_cooperation",
        "De samenwerking met de gemeente verloopt goed.",
        "Cooperation with the municipality goes well.",
        **REQUIRED_CHOICE,
    ),
    q(
        "select_one agree_dk",
        "recognition",
        "Politie en gemeente waarderen wat wij als buurtpreventie doen.",
        "The police and the municipality appreciate what we do as a neighbourhood watch.",
        **REQUIRED_CHOICE,
    ),
    q(
        "select_one agree_dk",
        "follow_up",
        "Als wij iets melden, horen wij wat ermee is gedaan.",
        "When we report something, we hear what was done with it.",
        **REQUIRED_CHOICE,
    ),
    REMARKS,
]

BEWONERSENQUETE: list[dict[str, str]] = [
    q(
        "note",
        "intro",
        "Deze korte vragenlijst (ongeveer 2 minuten) gaat over uw buurt.",
        "This short questionnaire (about 2 minutes) is about your neighbourhood.",
        **INTRO_HINT,
    ),
    q(
        "select_one yes_no",
        "is_member",
        "Bent u lid van een buurtpreventieteam of een buurtpreventie-app in uw buurt?",
        "Are you a member of a neighbourhood watch team or neighbourhood watch app group?",
        **REQUIRED_CHOICE,
    ),
    *SAFETY,
    REMARKS,
]

COMMON_CHOICES: list[tuple[str, str, str, str]] = [
    ("yes_no", "yes", "Ja", "Yes"),
    ("yes_no", "no", "Nee", "No"),
    ("frequency", "often", "Vaak", "Often"),
    ("frequency", "sometimes", "Soms", "Sometimes"),
    ("frequency", "rarely", "Zelden", "Rarely"),
    ("agree", "strongly_agree", "Helemaal mee eens", "Strongly agree"),
    ("agree", "agree", "Mee eens", "Agree"),
    ("agree", "neutral", "Niet mee eens, niet mee oneens", "Neither agree nor disagree"),
    ("agree", "disagree", "Mee oneens", "Disagree"),
    ("agree", "strongly_disagree", "Helemaal mee oneens", "Strongly disagree"),
]

MEMBER_CHOICES: list[tuple[str, str, str, str]] = [
    (
        "community_kind",
        "team",
        "Buurtpreventieteam (loopt rondes)",
        "Neighbourhood watch team (patrols)",
    ),
    ("community_kind", "whatsapp", "WhatsApp-buurtpreventie", "WhatsApp neighbourhood watch"),
    ("community_kind", "veiligebuurt", "veiligebuurt.nl", "veiligebuurt.nl"),
    ("community_kind", "nextdoor", "Nextdoor", "Nextdoor"),
    ("community_kind", "other", "Anders", "Other"),
    ("role", "coordinator", "Coördinator of beheerder", "Coordinator or administrator"),
    (
        "role",
        "active_member",
        "Actief lid (loopt mee of meldt vaak)",
        "Active member (patrols or reports often)",
    ),
    ("role", "member", "Lid (leest vooral mee)", "Member (mostly reads along)"),
    ("role", "not_member", "Geen lid", "Not a member"),
    ("agree_dk", "strongly_agree", "Helemaal mee eens", "Strongly agree"),
    ("agree_dk", "agree", "Mee eens", "Agree"),
    ("agree_dk", "neutral", "Niet mee eens, niet mee oneens", "Neither agree nor disagree"),
    ("agree_dk", "disagree", "Mee oneens", "Disagree"),
    ("agree_dk", "strongly_disagree", "Helemaal mee oneens", "Strongly disagree"),
    ("agree_dk", "dont_know", "Weet niet", "Don’t know"),
]


def build(
    survey_rows: list[dict[str, str]],
    choice_rows: list[tuple[str, str, str, str]],
    *,
    title: str,
    form_id: str,
) -> Workbook:
    workbook = Workbook()
    survey = workbook.active
    survey.title = "survey"
    survey.append(SURVEY_HEADER)
    for row in survey_rows:
        survey.append([row.get(column) or None for column in SURVEY_HEADER])
    choices = workbook.create_sheet("choices")
    choices.append(["list_name", "name", "label::nl", "label::en"])
    for choice in choice_rows:
        choices.append(list(choice))
    settings = workbook.create_sheet("settings")
    # The parser reads form_title, form_id, version and default_language; "source" documents
    # where the items come from (ignored by the parser, kept in the shipped file).
    settings.append(["form_title", "form_id", "version", "default_language", "source"])
    settings.append([title, form_id, VERSION, "nl", SOURCES])
    return workbook


FORMS = {
    "communitymonitor.xlsx": (
        COMMUNITYMONITOR,
        COMMON_CHOICES + MEMBER_CHOICES,
        "Communitymonitor (items CBS Veiligheidsmonitor)",
        "communitymonitor",
    ),
    "bewonersenquete.xlsx": (
        BEWONERSENQUETE,
        COMMON_CHOICES,
        "Bewonersenquête veiligheid en sociale cohesie (items CBS Veiligheidsmonitor)",
        "bewonersenquete",
    ),
}


def main() -> None:
    output = Path(sys.argv[1]) if len(sys.argv) > 1 else OUTPUT
    output.mkdir(parents=True, exist_ok=True)
    for filename, (rows, choices, title, form_id) in FORMS.items():
        path = output / filename
        build(rows, choices, title=title, form_id=form_id).save(path)
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
