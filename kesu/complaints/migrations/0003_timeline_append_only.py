"""The timeline is append-only (SPEC F12: an audit trail that cannot be silently edited).

Triggers refuse UPDATE of timeline rows on both databases, and DELETE on PostgreSQL, so even
code that bypasses the ORM cannot rewrite history. On SQLite, Django's test flush empties tables
with DELETE, so there deletion is refused by the model layer (ComplaintEvent.delete, PROTECT
foreign keys) rather than by a trigger; PostgreSQL's flush uses TRUNCATE, which row triggers
do not see.
"""

from django.db import migrations

SQLITE = [
    """CREATE TRIGGER complaintevent_no_update BEFORE UPDATE ON complaints_complaintevent
       BEGIN SELECT RAISE(ABORT, 'timeline events are append-only'); END;""",

]
SQLITE_REVERSE = ["DROP TRIGGER complaintevent_no_update;"]

POSTGRES = [
    """CREATE FUNCTION kesu_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'timeline events are append-only'; END $$;""",
    """CREATE TRIGGER complaintevent_append_only BEFORE UPDATE OR DELETE ON complaints_complaintevent
       FOR EACH ROW EXECUTE FUNCTION kesu_append_only();""",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER complaintevent_append_only ON complaints_complaintevent;",
    "DROP FUNCTION kesu_append_only();",
]


def forwards(apps, schema_editor):
    statements = POSTGRES if schema_editor.connection.vendor == "postgresql" else SQLITE
    for sql in statements:
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    statements = POSTGRES_REVERSE if schema_editor.connection.vendor == "postgresql" else SQLITE_REVERSE
    for sql in statements:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("complaints", "0002_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
