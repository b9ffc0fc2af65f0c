"""Inserts and lookups for the registration hot path without the ORM's per-call query compilation
(bench/README.md, api_create.py: the compilation cost more than the SQL).

``Insert(Model)`` builds its ``INSERT … RETURNING id`` once, from the model's own fields, and
prepares each value exactly as Django's insert compiler does (``pre_save``, then
``get_db_prep_save`` for the connection), so adding a field to the model needs no change here.
What it skips is what costs a registration most: compiling the statement on every call. It sends
no model signals (the audit chain's signal on clocks: registration's event entry carries the
digests of the clocks it inserts) and, like ``bulk_create``, sets the primary keys it is given back.

On SQLite these statements go to the sqlite3 connection itself with "?" placeholders made once
per statement (``rows``), not through a Django cursor, which is made, wrapped and checked per
statement and rewrites every "%s" of each by a regular expression on every call — unless something
watches the queries (a debug cursor, as tests' CaptureQueriesContext and DEBUG use, or an execute
wrapper): then Django's path, so they see every statement. The connection's checks (health,
thread, broken transaction) run either way, and errors are Django's (``wrap_database_errors``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar, overload

from django.db import connections, models, router
from django.db.backends.sqlite3.base import SQLiteCursorWrapper
from django.db.models import Model

M = TypeVar("M", bound=Model)


# Django's own field classes (exactly these, not subclasses) whose value, when it is already a str,
# an int or None, goes to the database unchanged (pre_save reads the attribute; get_db_prep_save
# leaves such a value as it is) — so the insert can skip both calls for it.
_AS_IS_FIELDS = (models.CharField, models.TextField, models.IntegerField, models.PositiveIntegerField,
                 models.BigIntegerField, models.PositiveBigIntegerField, models.SmallIntegerField,
                 models.PositiveSmallIntegerField, models.ForeignKey, models.OneToOneField)
_AS_IS_VALUES = (str, int, type(None))
_BOOL, _JSON = 1, 2


_QMARK: dict[str, str] = {}  # each statement text with "?" placeholders, by Django's SQLite backend's own rewrite


def rows(connection: Any, sql: str, params: Sequence[Any]) -> list[Any]:
    """Execute ``sql`` (Django's "%s" placeholders) and return every row it gives (none for a
    statement that gives none)."""
    if connection.vendor != "sqlite" or connection.queries_logged or connection.execute_wrappers:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return list(cursor.fetchall()) if cursor.description is not None else []
    qmark = _QMARK.get(sql)
    if qmark is None:
        qmark = _QMARK[sql] = SQLiteCursorWrapper.convert_query(None, sql)  # uses no state for "%s" style
        if len(_QMARK) > 1000:  # statements are made from a few templates; never a leak
            _QMARK.clear()
    # what connection.cursor() checks before it hands out a cursor, without making one: the
    # statement runs on the connection's own (sqlite3 makes it in C)
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    connection.validate_no_broken_transaction()
    with connection.wrap_database_errors:
        return connection.connection.execute(qmark, params).fetchall()  # type: ignore[no-any-return]


def _sqlite_moment(f: models.Field[Any, Any]) -> bool:
    """A DateTimeField that takes its value as it is (no auto_now): SQLite stores an aware
    datetime as Django's backend adapts it, the naive UTC time as text."""
    return isinstance(f, models.DateTimeField) and not (f.auto_now or f.auto_now_add)


class Insert(Generic[M]):
    def __init__(self, model: type[M]) -> None:
        self.model = model
        opts = model._meta
        self.fields = [f for f in opts.local_concrete_fields if f is not opts.pk]
        # (field, attname, whether a str/int/None value may go as it is)
        self._plan = [(f, f.attname, type(f) in _AS_IS_FIELDS) for f in self.fields]
        self._moments = [_sqlite_moment(f) for f in self.fields]
        # On SQLite, what Django's own preparation comes to for the commonest values, done directly:
        # a BooleanField's True/False/None as it is (sqlite3 binds a bool as 1/0); a JSONField's
        # list or dict (no encoder of its own) as json.dumps of it (BaseDatabaseOperations.adapt_json_value).
        self._sqlite_kind = [_BOOL if type(f) is models.BooleanField else
                             _JSON if type(f) is models.JSONField and f.encoder is None else 0 for f in self.fields]
        self._sql: dict[tuple[str, int], str] = {}
        # the model's concrete fields in order, for new(): (attname, field) and their defaults
        self._all = [(f.attname, f) for f in opts.concrete_fields]
        self._names = {name for name, _f in self._all}
        self._relations = {f.name: f for f in opts.concrete_fields if f.is_relation and f.name != f.attname}

    def sql(self, alias: str, rows: int) -> str:
        key = (alias, rows)
        if key not in self._sql:
            q = connections[alias].ops.quote_name
            one = "(" + ", ".join(["%s"] * len(self.fields)) + ")"
            self._sql[key] = (f"INSERT INTO {q(self.model._meta.db_table)} "
                              f"({', '.join(q(f.column) for f in self.fields)}) VALUES {', '.join([one] * rows)} "
                              f"RETURNING {q(self.model._meta.pk.column)}")
        return self._sql[key]

    def row(self, obj: M, alias: str | None = None, connection: Any = None) -> list[Any]:
        """The parameters of ``obj``'s row, in the statement's order (worked out ahead of the
        transaction by a caller that then patches what only the transaction knows; see ``index``).
        ``connection``: the caller's, already looked up (Django's look-up is a thread-local read)."""
        if connection is None:
            connection = connections[alias or router.db_for_write(self.model)]
        sqlite = connection.vendor == "sqlite"
        values = obj.__dict__
        params: list[Any] = []
        for (f, attname, as_is), moment, kind in zip(self._plan, self._moments, self._sqlite_kind, strict=True):
            if f.is_relation and values.get(attname) is None and f.is_cached(obj):
                related = f.get_cached_value(obj)
                if related is not None:  # assigned before it was saved
                    setattr(obj, attname, related.pk)
            value = values.get(attname, f) if as_is or moment or (kind and sqlite) else f
            if value is not f and type(value) in _AS_IS_VALUES and kind != _JSON:
                params.append(value)
            elif moment and sqlite and type(value) is datetime and value.tzinfo is not None:
                params.append(str(value.astimezone(UTC).replace(tzinfo=None)))  # = adapt_datetimefield_value
            elif kind == _BOOL and sqlite and type(value) is bool:
                params.append(value)
            elif kind == _JSON and sqlite and type(value) in (list, dict):
                params.append(json.dumps(value))
            else:
                params.append(f.get_db_prep_save(f.pre_save(obj, True), connection))
        return params

    def new(self, **values: Any) -> M:
        """A new, unsaved instance: what ``Model(**values)`` makes — fields by name or attname, a
        related object by its field's name (cached on the instance, as assigning it does), every
        other field at its default — built the way Django builds a row read back (positionally),
        at half the cost of the keyword path."""
        related = []
        for name in [n for n in values if n in self._relations]:
            f, obj = self._relations[name], values.pop(name)
            values[f.attname] = None if obj is None else obj.pk
            related.append((f, obj))
        unknown = values.keys() - self._names
        assert not unknown, f"not fields of {self.model.__name__}: {sorted(unknown)}"
        obj = self.model(*[values[name] if name in values else f.get_default() for name, f in self._all])
        for f, value in related:
            f.set_cached_value(obj, value)
        return obj

    def index(self, attname: str) -> int:
        """Where a field's value is in ``row``."""
        return next(i for i, (_f, name, _as_is) in enumerate(self._plan) if name == attname)

    def __call__(self, objs: Sequence[M], made: Sequence[list[Any]] | None = None) -> Sequence[M]:
        """Insert ``objs`` (their rows when the caller ``made`` them already) and set their keys."""
        if not objs:
            return objs
        alias = router.db_for_write(self.model)
        connection = connections[alias]
        params = [v for r in (made if made is not None else [self.row(o, alias, connection) for o in objs])
                  for v in r]
        ids = [row[0] for row in rows(connection, self.sql(alias, len(objs)), params)]
        for obj, pk in zip(objs, ids, strict=True):
            obj.pk = pk
            obj._state.adding, obj._state.db = False, alias
        return objs


# Field types whose database values need no conversion beyond bool (SQLite stores 0/1).
PLAIN_TYPES = {"AutoField", "BigAutoField", "CharField", "SlugField", "BooleanField", "IntegerField",
               "PositiveIntegerField", "BigIntegerField", "ForeignKey"}


@overload
def fetch(model: type[M], attnames: set[str], where: str, params: Sequence[Any], *, joins: str = "",
          alias: str = "t", extra: None = None) -> list[M]: ...


@overload
def fetch(model: type[M], attnames: set[str], where: str, params: Sequence[Any], *, joins: str = "",
          alias: str = "t", extra: str) -> list[tuple[M, Any]]: ...


def fetch(model: type[M], attnames: set[str], where: str, params: Sequence[Any], *, joins: str = "",
          alias: str = "t", extra: str | None = None) -> list[M] | list[tuple[M, Any]]:
    """Rows of ``model`` with only ``attnames`` loaded (the rest deferred: read on first use), for
    lookups on the hot path: ``where`` and ``joins`` are SQL over the table as ``alias``. Only
    plain-typed fields (ints, strings, booleans) may be asked for, so no value needs Django's
    converters. With ``extra`` (an SQL expression over the joins), each row comes as a pair: the
    object and that value."""
    fields = [f for f in model._meta.concrete_fields if f.attname in attnames]
    assert {f.attname for f in fields} == attnames, f"unknown fields: {attnames - {f.attname for f in fields}}"
    assert all(f.get_internal_type() in PLAIN_TYPES for f in fields), "fetch reads plain-typed fields only"
    db = router.db_for_read(model)
    connection = connections[db]
    q = connection.ops.quote_name
    columns = [f"{alias}.{q(f.column)}" for f in fields] + ([extra] if extra else [])
    sql = f"SELECT {', '.join(columns)} FROM {q(model._meta.db_table)} {alias} {joins} WHERE {where}"
    found = rows(connection, sql, params)
    names = [f.attname for f in fields]
    booleans = [f.get_internal_type() == "BooleanField" for f in fields]

    def obj(row: Sequence[Any]) -> M:
        return model.from_db(db, names, [bool(v) if b else v for v, b in zip(row, booleans, strict=False)])

    if extra:
        return [(obj(row), row[-1]) for row in found]
    return [obj(row) for row in found]


def column_values(sql: str, params: Sequence[Any], *, model: type[Model]) -> list[Any]:
    """The first column of each row of ``sql`` (read on ``model``'s database)."""
    return [row[0] for row in rows(connections[router.db_for_read(model)], sql, params)]


def rows_of(sql: str, params: Sequence[Any], *, model: type[Model]) -> list[tuple[Any, ...]]:
    """Every row of ``sql`` as a tuple (read on ``model``'s database)."""
    return [tuple(row) for row in rows(connections[router.db_for_read(model)], sql, params)]
