"""The database itself refuses to change an evidence item (INV-4): a trigger on UPDATE.

Deleting stays possible only for the purge job, which removes a whole case after its retention
period (INV-10); a row is never rewritten in place.
"""

from django.db import migrations

SQLITE_UP = """
CREATE TRIGGER investigations_evidence_no_update
BEFORE UPDATE ON investigations_evidenceitem
BEGIN
    SELECT RAISE(ABORT, 'evidence items are append-only');
END;
"""
SQLITE_DOWN = "DROP TRIGGER IF EXISTS investigations_evidence_no_update;"

POSTGRES_UP = """
CREATE OR REPLACE FUNCTION investigations_evidence_no_update() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'evidence items are append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER investigations_evidence_no_update
BEFORE UPDATE ON investigations_evidenceitem
FOR EACH ROW EXECUTE FUNCTION investigations_evidence_no_update();
"""
POSTGRES_DOWN = """
DROP TRIGGER IF EXISTS investigations_evidence_no_update ON investigations_evidenceitem;
DROP FUNCTION IF EXISTS investigations_evidence_no_update();
"""


def up(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_UP)
    elif vendor == "postgresql":
        schema_editor.execute(POSTGRES_UP)


def down(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_DOWN)
    elif vendor == "postgresql":
        schema_editor.execute(POSTGRES_DOWN)


class Migration(migrations.Migration):
    dependencies = [("investigations", "0002_offence_catalogue")]
    operations = [migrations.RunPython(up, down)]
