"""Schema steps that Django's migration operations do not offer."""

from __future__ import annotations

from typing import Any

from django.db import migrations


def drop_fk_indexes(columns: list[tuple[str, str]]) -> migrations.RunPython:
    """Drop the plain one-column index on each (table, column), found by introspection (so the
    name Django gave it does not matter), without rebuilding the table; reversed by recreating it."""

    def indexes_on(schema_editor: Any, table: str, column: str) -> list[str]:
        connection = schema_editor.connection
        with connection.cursor() as cursor:
            found = connection.introspection.get_constraints(cursor, table)
        return [name for name, c in found.items()
                if c["index"] and not c["unique"] and not c["primary_key"] and c["columns"] == [column]]

    def forwards(apps: Any, schema_editor: Any) -> None:
        for table, column in columns:
            for name in indexes_on(schema_editor, table, column):
                schema_editor.execute(f"DROP INDEX {schema_editor.quote_name(name)}")

    def backwards(apps: Any, schema_editor: Any) -> None:
        for table, column in columns:
            if not indexes_on(schema_editor, table, column):
                q = schema_editor.quote_name
                schema_editor.execute(f"CREATE INDEX {q(f'{table}_{column}_fk')} ON {q(table)} ({q(column)})")

    return migrations.RunPython(forwards, backwards)
