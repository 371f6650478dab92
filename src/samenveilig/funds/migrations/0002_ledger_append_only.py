"""The database refuses to change ledger entries (FND-1: append-only).

UPDATE is refused on SQLite and PostgreSQL. DELETE is refused on PostgreSQL only: Django empties
tables between transactional tests with TRUNCATE there (which row triggers do not see), but with
DELETE on SQLite, where the model and its queryset refuse deletes instead.
"""

from django.db import migrations

SQLITE_UP = """
CREATE TRIGGER funds_ledgerentry_no_update BEFORE UPDATE ON funds_ledgerentry
BEGIN SELECT RAISE(ABORT, 'funds ledger entries are append-only'); END;
"""
SQLITE_DOWN = "DROP TRIGGER IF EXISTS funds_ledgerentry_no_update;"

POSTGRES_UP = (
    """
CREATE OR REPLACE FUNCTION funds_ledgerentry_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'funds ledger entries are append-only';
END;
$$ LANGUAGE plpgsql
""",
    """
CREATE TRIGGER funds_ledgerentry_no_change BEFORE UPDATE OR DELETE ON funds_ledgerentry
FOR EACH ROW EXECUTE FUNCTION funds_ledgerentry_append_only()
""",
)
POSTGRES_DOWN = (
    "DROP TRIGGER IF EXISTS funds_ledgerentry_no_change ON funds_ledgerentry",
    "DROP FUNCTION IF EXISTS funds_ledgerentry_append_only()",
)


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_UP)
    elif vendor == "postgresql":
        for statement in POSTGRES_UP:
            schema_editor.execute(statement)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_DOWN)
    elif vendor == "postgresql":
        for statement in POSTGRES_DOWN:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("funds", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
