"""On SQLite the chain's position becomes the table's rowid (``integer PRIMARY KEY``): declared
``bigint`` it was a unique index beside the rowid, one more B-tree every registration wrote
(bench/README.md, stop 28). PostgreSQL keeps its ``bigint`` primary key: nothing changes there.

SQLite cannot change a column's type in place. The table is rebuilt here by hand, not by Django's
AlterField, which would drop the append-only triggers (0002) with the old table: its indexes and
triggers are read first and made again on the new one."""

from django.db import migrations

import kesu.audit.models

OLD, NEW = '"seq" bigint NOT NULL PRIMARY KEY', '"seq" integer NOT NULL PRIMARY KEY'


def _rebuild(schema_editor, before: str, after: str) -> None:
    if schema_editor.connection.vendor != "sqlite":
        return
    with schema_editor.connection.cursor() as cur:
        cur.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'audit_auditentry'")
        table = cur.fetchone()[0]
        if before not in table:
            return
        cur.execute("SELECT sql FROM sqlite_master WHERE tbl_name = 'audit_auditentry' "
                    "AND type IN ('index', 'trigger') AND sql IS NOT NULL ORDER BY type")
        kept = [row[0] for row in cur.fetchall()]
    schema_editor.execute(table.replace(before, after).replace('"audit_auditentry"', '"audit_auditentry__new"', 1))
    schema_editor.execute("INSERT INTO audit_auditentry__new SELECT * FROM audit_auditentry")
    schema_editor.execute("DROP TABLE audit_auditentry")
    schema_editor.execute("ALTER TABLE audit_auditentry__new RENAME TO audit_auditentry")
    for sql in kept:
        schema_editor.execute(sql)


def forwards(apps, schema_editor):
    _rebuild(schema_editor, OLD, NEW)


def backwards(apps, schema_editor):
    _rebuild(schema_editor, NEW, OLD)


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0003_head_function'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='auditentry',
                    name='seq',
                    field=kesu.audit.models.ChainSeqField(primary_key=True, serialize=False, verbose_name='序号'),
                ),
            ],
            database_operations=[migrations.RunPython(forwards, backwards)],
        ),
    ]
