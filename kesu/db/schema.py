"""Schema steps that Django's migration operations do not offer."""

from __future__ import annotations

from typing import Any

from django.db import migrations


def drop_fk_indexes(columns: list[tuple[str, str]], *, like: bool = False) -> migrations.RunPython:
    """Drop the index Django gave each foreign key (table, column) by default, by the name Django
    gives it, without rebuilding the table; reversed by recreating it. Indexes declared in a
    model's Meta (a composite or partial one on the same column) have other names and stay.
    ``like``: a text column's ``db_index`` — on PostgreSQL Django also made a ``_like`` index
    (varchar_pattern_ops) beside it, dropped too (and not made again: nothing searches by prefix)."""

    def default_name(schema_editor: Any, table: str, column: str) -> str:
        return str(schema_editor._create_index_name(table, [column], suffix=""))

    def existing(schema_editor: Any, table: str) -> set[str]:
        connection = schema_editor.connection
        with connection.cursor() as cursor:
            return set(connection.introspection.get_constraints(cursor, table))

    def forwards(apps: Any, schema_editor: Any) -> None:
        for table, column in columns:
            names = [default_name(schema_editor, table, column)]
            if like:
                names.append(str(schema_editor._create_index_name(table, [column], suffix="_like")))
            present = existing(schema_editor, table)
            for name in names:
                if name in present:
                    schema_editor.execute(f"DROP INDEX {schema_editor.quote_name(name)}")

    def backwards(apps: Any, schema_editor: Any) -> None:
        q = schema_editor.quote_name
        for table, column in columns:
            name = default_name(schema_editor, table, column)
            if name not in existing(schema_editor, table):
                schema_editor.execute(f"CREATE INDEX {q(name)} ON {q(table)} ({q(column)})")

    return migrations.RunPython(forwards, backwards)
