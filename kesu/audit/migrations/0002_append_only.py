"""The audit chain refuses UPDATE and DELETE at the database, on both engines (SPEC F12); on
SQLite the complaint timeline now refuses DELETE too (PostgreSQL's has since complaints 0003).

SQLite's DELETE triggers let Django's flush through (the test suite empties the database with
DELETE between transactional tests): they fire unless ``kesu_audit_flushing()`` returns 1, a
function only Kesu's own connections have, returning 1 only while the flush command runs
(kesu/audit/guard.py). Any other connection lacks the function, so its DELETE fails as well.
"""

from django.db import migrations

NO = "SELECT RAISE(ABORT, 'audit entries are append-only');"
SQLITE = [
    f"CREATE TRIGGER auditentry_no_update BEFORE UPDATE ON audit_auditentry BEGIN {NO} END;",
    f"""CREATE TRIGGER auditentry_no_delete BEFORE DELETE ON audit_auditentry
        WHEN kesu_audit_flushing() IS NOT 1 BEGIN {NO} END;""",
    """CREATE TRIGGER complaintevent_no_delete BEFORE DELETE ON complaints_complaintevent
       WHEN kesu_audit_flushing() IS NOT 1 BEGIN SELECT RAISE(ABORT, 'timeline events are append-only'); END;""",
]
SQLITE_REVERSE = ["DROP TRIGGER auditentry_no_update;", "DROP TRIGGER auditentry_no_delete;",
                  "DROP TRIGGER complaintevent_no_delete;"]
POSTGRES = [
    """CREATE FUNCTION kesu_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'audit entries are append-only'; END $$;""",
    """CREATE TRIGGER auditentry_append_only BEFORE UPDATE OR DELETE ON audit_auditentry
       FOR EACH ROW EXECUTE FUNCTION kesu_audit_append_only();""",
]
POSTGRES_REVERSE = ["DROP TRIGGER auditentry_append_only ON audit_auditentry;",
                    "DROP FUNCTION kesu_audit_append_only();"]


def forwards(apps, schema_editor):
    for sql in POSTGRES if schema_editor.connection.vendor == "postgresql" else SQLITE:
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    for sql in POSTGRES_REVERSE if schema_editor.connection.vendor == "postgresql" else SQLITE_REVERSE:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial"), ("complaints", "0003_timeline_append_only")]
    operations = [migrations.RunPython(forwards, backwards)]
