"""The default flag categories (FLG-1); an admin adds, renames or switches them off."""

from django.db import migrations

DEFAULTS = [
    ("ondermijning", "Ondermijning", "Subversive crime (ondermijning)", 10),
    ("woonoverlast", "Woonoverlast", "Residential nuisance", 20),
    ("contact-wijkagent", "Neem contact op met de wijkagent", "Contact the neighbourhood officer", 30),
    ("veiligheid-hulpverleners", "Let op bij huisbezoek", "Take care on a home visit", 40),
    ("overig", "Overig", "Other", 90),
]


def install(apps, schema_editor):
    FlagCategory = apps.get_model("flags", "FlagCategory")
    for code, name_nl, name_en, order in DEFAULTS:
        FlagCategory.objects.get_or_create(
            code=code, defaults={"name_nl": name_nl, "name_en": name_en, "sort_order": order}
        )


def remove(apps, schema_editor):
    FlagCategory = apps.get_model("flags", "FlagCategory")
    FlagCategory.objects.filter(code__in=[d[0] for d in DEFAULTS], flags__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("flags", "0001_initial")]

    operations = [migrations.RunPython(install, remove)]
