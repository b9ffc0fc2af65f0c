"""Inserts and lookups for the registration hot path without the ORM's per-call query compilation
(bench/README.md, api_create.py: the compilation cost more than the SQL).

``Insert(Model)`` builds its ``INSERT … RETURNING id`` once, from the model's own fields, and
prepares each value exactly as Django's insert compiler does (``pre_save``, then
``get_db_prep_save`` for the connection), so adding a field to the model needs no change here.
What it skips is what costs a registration most: compiling the statement on every call. It sends
no model signals (the audit chain's signal on clocks: registration's event entry carries the
digests of the clocks it inserts) and, like ``bulk_create``, sets the primary keys it is given back.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from django.db import connections, router
from django.db.models import Model

M = TypeVar("M", bound=Model)


class Insert(Generic[M]):
    def __init__(self, model: type[M]) -> None:
        self.model = model
        opts = model._meta
        self.fields = [f for f in opts.local_concrete_fields if f is not opts.pk]
        self._sql: dict[tuple[str, int], str] = {}

    def sql(self, alias: str, rows: int) -> str:
        key = (alias, rows)
        if key not in self._sql:
            q = connections[alias].ops.quote_name
            one = "(" + ", ".join(["%s"] * len(self.fields)) + ")"
            self._sql[key] = (f"INSERT INTO {q(self.model._meta.db_table)} "
                              f"({', '.join(q(f.column) for f in self.fields)}) VALUES {', '.join([one] * rows)} "
                              f"RETURNING {q(self.model._meta.pk.column)}")
        return self._sql[key]

    def __call__(self, objs: Sequence[M]) -> Sequence[M]:
        if not objs:
            return objs
        alias = router.db_for_write(self.model)
        connection = connections[alias]
        params: list[Any] = []
        for obj in objs:
            for f in self.fields:
                if f.is_relation and getattr(obj, f.attname) is None and f.is_cached(obj):
                    related = f.get_cached_value(obj)
                    if related is not None:  # assigned before it was saved
                        setattr(obj, f.attname, related.pk)
                params.append(f.get_db_prep_save(f.pre_save(obj, True), connection))
        with connection.cursor() as cursor:
            cursor.execute(self.sql(alias, len(objs)), params)
            ids = [row[0] for row in cursor.fetchall()]
        for obj, pk in zip(objs, ids, strict=True):
            obj.pk = pk
            obj._state.adding, obj._state.db = False, alias
        return objs


# Field types whose database values need no conversion beyond bool (SQLite stores 0/1).
PLAIN_TYPES = {"AutoField", "BigAutoField", "CharField", "SlugField", "BooleanField", "IntegerField",
               "PositiveIntegerField", "BigIntegerField", "ForeignKey"}


def fetch(model: type[M], attnames: set[str], where: str, params: Sequence[Any], *, joins: str = "",
          alias: str = "t") -> list[M]:
    """Rows of ``model`` with only ``attnames`` loaded (the rest deferred: read on first use), for
    lookups on the hot path: ``where`` and ``joins`` are SQL over the table as ``alias``. Only
    plain-typed fields (ints, strings, booleans) may be asked for, so no value needs Django's
    converters."""
    fields = [f for f in model._meta.concrete_fields if f.attname in attnames]
    assert {f.attname for f in fields} == attnames, f"unknown fields: {attnames - {f.attname for f in fields}}"
    assert all(f.get_internal_type() in PLAIN_TYPES for f in fields), "fetch reads plain-typed fields only"
    db = router.db_for_read(model)
    connection = connections[db]
    q = connection.ops.quote_name
    sql = (f"SELECT {', '.join(f'{alias}.{q(f.column)}' for f in fields)} FROM {q(model._meta.db_table)} {alias} "
           f"{joins} WHERE {where}")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    names = [f.attname for f in fields]
    booleans = [f.get_internal_type() == "BooleanField" for f in fields]
    return [model.from_db(db, names, [bool(v) if b else v for v, b in zip(row, booleans, strict=True)])
            for row in rows]


def column_values(sql: str, params: Sequence[Any], *, model: type[Model]) -> list[Any]:
    """The first column of each row of ``sql`` (read on ``model``'s database)."""
    with connections[router.db_for_read(model)].cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]
