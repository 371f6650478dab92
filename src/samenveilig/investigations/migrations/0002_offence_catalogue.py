"""A first offence catalogue (INV-2). Coordinators of a deployment change it in the admin.

Every reference carries a note to verify it on wetten.overheid.nl before use: the 2024 Wet
seksuele misdrijven (in force 1 July 2024) renumbered the sexual offences, and the new article
numbers are deliberately not filled in here where they were not checked.
"""

from django.db import migrations

WETTEN = "https://wetten.overheid.nl/BWBR0001854/"  # Wetboek van Strafrecht
OPIUMWET = "https://wetten.overheid.nl/BWBR0001941/"

OFFENCES = [
    {
        "code": "grooming",
        "name_nl": "Grooming (online benaderen van een kind voor seksueel contact)",
        "name_en": "Grooming (approaching a child online for sexual contact)",
        "legal_reference": "Art. 248e Sr (until 1 July 2024); since then the Wet seksuele "
        "misdrijven — verify the current article",
        "verification_note": "Check the article in force on the date of the facts in "
        f"{WETTEN}: art. 248e Sr applied before the Wet seksuele misdrijven took effect on "
        "1 July 2024; the new title on sexual offences renumbered it.",
        "involves_minors": True,
        "sort_order": 10,
    },
    {
        "code": "child_sexual_images",
        "name_nl": "Afbeeldingen van seksueel kindermisbruik",
        "name_en": "Images of child sexual abuse",
        "legal_reference": "Art. 240b Sr (until 1 July 2024); since then the Wet seksuele "
        "misdrijven — verify the current article",
        "verification_note": f"Check the article in force on the date of the facts in {WETTEN}. "
        "Never collect or keep such material: report it to police or to the Meldpunt "
        "Kinderporno (Offlimits).",
        "involves_minors": True,
        "sort_order": 20,
    },
    {
        "code": "fraud",
        "name_nl": "Oplichting (bijv. online verkoopfraude)",
        "name_en": "Fraud (e.g. online sales fraud)",
        "legal_reference": "Art. 326 Sr",
        "verification_note": f"Verify art. 326 Sr in {WETTEN}.",
        "involves_minors": False,
        "sort_order": 30,
    },
    {
        "code": "fencing",
        "name_nl": "Heling (bijv. verkoop van gestolen goederen)",
        "name_en": "Handling stolen goods",
        "legal_reference": "Art. 416 Sr (opzetheling); art. 417bis Sr (schuldheling)",
        "verification_note": f"Verify arts. 416 and 417bis Sr in {WETTEN}.",
        "involves_minors": False,
        "sort_order": 40,
    },
    {
        "code": "threat",
        "name_nl": "Bedreiging",
        "name_en": "Threat",
        "legal_reference": "Art. 285 Sr",
        "verification_note": f"Verify art. 285 Sr in {WETTEN}.",
        "involves_minors": False,
        "sort_order": 50,
    },
    {
        "code": "stalking",
        "name_nl": "Belaging (stalking)",
        "name_en": "Stalking",
        "legal_reference": "Art. 285b Sr",
        "verification_note": f"Verify art. 285b Sr in {WETTEN}.",
        "involves_minors": False,
        "sort_order": 60,
    },
    {
        "code": "drug_dealing",
        "name_nl": "Handel in drugs",
        "name_en": "Drug dealing",
        "legal_reference": "Opiumwet arts. 2 and 3 (prohibitions), 10 and 11 (penalties) — verify",
        "verification_note": f"Verify the articles and the lists of substances in {OPIUMWET}.",
        "involves_minors": False,
        "sort_order": 70,
    },
]


def install(apps, schema_editor):
    Offence = apps.get_model("investigations", "Offence")
    for row in OFFENCES:
        Offence.objects.update_or_create(code=row["code"], defaults=row)


def remove(apps, schema_editor):
    Offence = apps.get_model("investigations", "Offence")
    Offence.objects.filter(code__in=[row["code"] for row in OFFENCES], cases__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("investigations", "0001_initial")]
    operations = [migrations.RunPython(install, remove)]
