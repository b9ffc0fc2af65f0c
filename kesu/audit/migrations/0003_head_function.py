"""PostgreSQL: the chain head, locked and read in one round trip (kesu.audit.services).

``kesu_audit_head()`` takes the transaction-level advisory lock that serialises every append, then
reads the last entry. The function is VOLATILE, so its second query takes a fresh snapshot and
sees an entry the writer before us committed while we waited for the lock (READ COMMITTED). On
SQLite the head is read under the write lock the transaction already holds (nothing here).
"""

from django.db import migrations

LOCK_KEY = 0x6B65737541554454  # kesu.audit.services.LOCK_KEY

POSTGRES = [f"""CREATE FUNCTION kesu_audit_head() RETURNS TABLE(seq bigint, hash varchar) LANGUAGE plpgsql VOLATILE AS $$
    BEGIN
      PERFORM pg_advisory_xact_lock({LOCK_KEY});
      RETURN QUERY SELECT e.seq, e.hash FROM audit_auditentry e ORDER BY e.seq DESC LIMIT 1;
    END $$;"""]
POSTGRES_REVERSE = ["DROP FUNCTION kesu_audit_head();"]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in POSTGRES:
            schema_editor.execute(sql)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in POSTGRES_REVERSE:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only")]
    operations = [migrations.RunPython(forwards, backwards)]
