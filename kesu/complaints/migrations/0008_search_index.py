"""The search index (issue 12): an FTS5 table on SQLite, a GIN-indexed tsvector on PostgreSQL.
See kesu/complaints/search.py. Existing complaints are indexed after migrating (the post_migrate
hook in kesu/complaints/apps.py fills an empty index), and again at any time by
``python -m kesu rebuild_search_index``."""

from django.db import migrations


def forwards(apps, schema_editor):
    from kesu.complaints import search

    statements = search.POSTGRES_CREATE if schema_editor.connection.vendor == "postgresql" else search.SQLITE_CREATE
    for sql in statements:
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    from kesu.complaints import search

    for sql in search.DROP:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("complaints", "0007_fewer_indexes")]
    operations = [migrations.RunPython(forwards, backwards)]
