"""The default flag categories, for tests and set-ups whose tables were emptied after the data
migration (``migrations/0002_default_categories`` installs the same list)."""

from __future__ import annotations

from samenveilig.flags.models import FlagCategory

DEFAULTS = [
    ("ondermijning", "Ondermijning", "Subversive crime (ondermijning)", 10),
    ("woonoverlast", "Woonoverlast", "Residential nuisance", 20),
    (
        "contact-wijkagent",
        "Neem contact op met de wijkagent",
        "Contact the neighbourhood officer",
        30,
    ),
    ("veiligheid-hulpverleners", "Let op bij huisbezoek", "Take care on a home visit", 40),
    ("overig", "Overig", "Other", 90),
]


def install_default_categories() -> None:
    for code, name_nl, name_en, order in DEFAULTS:
        FlagCategory.objects.get_or_create(
            code=code, defaults={"name_nl": name_nl, "name_en": name_en, "sort_order": order}
        )
