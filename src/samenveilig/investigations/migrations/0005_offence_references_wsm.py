"""The current articles of the offence catalogue after the Wet seksuele misdrijven (INV-2).

The Wet seksuele misdrijven (Stb. 2024, 59; in force 1 July 2024) replaced Title XIV of the
Wetboek van Strafrecht and renumbered the sexual offences. Migration 0002 left the new numbers
open; this one fills them in with the old number in brackets, because facts from before 1 July
2024 are still charged under the old article:

- grooming: art. 251 Sr ("strafbare seksuele benadering en ontmoeting van minderjarigen"; the
  meeting proposal is paragraph 1 under c; under a and b are new: sexchatting, showing sexual
  content to a child), was art. 248e Sr;
- child sexual abuse material: art. 252 Sr, was art. 240b Sr.

Only the texts as 0002 seeded them are replaced: a reference a deployment's admin already changed
is theirs and is left alone.
"""

from django.db import migrations

WETTEN = "https://wetten.overheid.nl/BWBR0001854/"  # Wetboek van Strafrecht

UPDATES = {
    "grooming": {
        "old_reference": "Art. 248e Sr (until 1 July 2024); since then the Wet seksuele "
        "misdrijven — verify the current article",
        "legal_reference": "Art. 251 Sr (grooming: proposing a meeting with a child under 16 "
        "for sexual purposes, para. 1 under c; was art. 248e Sr until 1 July 2024)",
        "verification_note": f"Check the article in force on the date of the facts in {WETTEN}: "
        "facts from 1 July 2024 fall under art. 251 Sr (Wet seksuele misdrijven, Stb. 2024, 59), "
        "facts before that date under the old art. 248e Sr. Art. 251 also covers sexually "
        "approaching a child (para. 1 under a and b), which the old article did not.",
    },
    "child_sexual_images": {
        "old_reference": "Art. 240b Sr (until 1 July 2024); since then the Wet seksuele "
        "misdrijven — verify the current article",
        "legal_reference": "Art. 252 Sr (sexual images of children; was art. 240b Sr until "
        "1 July 2024)",
        "verification_note": f"Check the article in force on the date of the facts in {WETTEN}: "
        "facts from 1 July 2024 fall under art. 252 Sr (Wet seksuele misdrijven, Stb. 2024, 59), "
        "facts before that date under the old art. 240b Sr. Never collect or keep such "
        "material: report it to police or to the Meldpunt Kinderporno (Offlimits).",
    },
}
OLD_NOTES = {
    "grooming": "Check the article in force on the date of the facts in "
    f"{WETTEN}: art. 248e Sr applied before the Wet seksuele misdrijven took effect on "
    "1 July 2024; the new title on sexual offences renumbered it.",
    "child_sexual_images": f"Check the article in force on the date of the facts in {WETTEN}. "
    "Never collect or keep such material: report it to police or to the Meldpunt "
    "Kinderporno (Offlimits).",
}


def forwards(apps, schema_editor):
    Offence = apps.get_model("investigations", "Offence")
    for code, update in UPDATES.items():
        Offence.objects.filter(code=code, legal_reference=update["old_reference"]).update(
            legal_reference=update["legal_reference"],
            verification_note=update["verification_note"],
        )


def backwards(apps, schema_editor):
    Offence = apps.get_model("investigations", "Offence")
    for code, update in UPDATES.items():
        Offence.objects.filter(code=code, legal_reference=update["legal_reference"]).update(
            legal_reference=update["old_reference"],
            verification_note=OLD_NOTES[code],
        )


class Migration(migrations.Migration):
    dependencies = [("investigations", "0004_working_copies_identifiers_review")]
    operations = [migrations.RunPython(forwards, backwards)]
