"""The database has exactly the indexes the models declare: every Meta index is there (a
migration that drops or rebuilds must not lose one), and the hot tables carry no one-column
foreign-key index the models switched off."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import connection
from django.db.models import Q

pytestmark = pytest.mark.django_db


def constraints(table: str) -> dict[str, dict[str, object]]:
    with connection.cursor() as cursor:
        return connection.introspection.get_constraints(cursor, table)


KESU_MODELS_WITH_INDEXES = [m for m in apps.get_models() if m._meta.indexes and m.__module__.startswith("kesu.")]


@pytest.mark.parametrize("model", KESU_MODELS_WITH_INDEXES, ids=lambda m: m._meta.label)
def test_every_declared_index_exists(model):
    found = constraints(model._meta.db_table)
    missing = [ix.name for ix in model._meta.indexes if ix.name not in found]
    assert not missing, f"{model._meta.label}: declared but not in the database: {missing}"


@pytest.mark.parametrize("label", ["complaints.Complaint", "complaints.ComplaintEvent", "clocks.ComplaintClock"])
def test_foreign_keys_without_db_index_have_no_index_of_their_own(label):
    model = apps.get_model(label)
    found = constraints(model._meta.db_table)
    for field in model._meta.concrete_fields:
        if field.is_relation and not field.db_index:
            own = [name for name, c in found.items()
                   if c["index"] and not c["unique"] and c["columns"] == [field.column]
                   and name not in {ix.name for ix in model._meta.indexes}]
            assert not own, f"{label}.{field.name} still has {own}"


# --- what a registration writes (bench/README.md, stop 28: each B-tree it touches costs a served
# creation about 40–55 µs) -------------------------------------------------------------------------

def plan(sql: str, params: list[object]) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return " ".join(str(row[-1]) for row in cursor.fetchall())


@pytest.mark.parametrize(("index_name", "column", "lookup", "params"), [
    # a new case has no handler; a handler's queue asks owner = the person
    ("complaint_owner_status", "owner", "owner_id = %s AND status = %s", ["me", "handling"]),
    # without business units a case has none; a unit's queue asks unit IN (…)
    ("complaint_unit_status", "unit", "unit_id IN (%s, %s) AND status = %s", [1, 2, "handling"]),
])
def test_a_new_case_writes_nothing_to_the_handlers_or_the_units_index_and_their_queues_still_read_them(
        p1, people, now, index_name, column, lookup, params):
    from kesu.complaints.models import Complaint
    from tests.factories import register

    index = next(ix for ix in Complaint._meta.indexes if ix.name == index_name)
    assert str(index.condition) == str(Q(**{f"{column}__isnull": False}))
    c = register(people, now)
    assert getattr(c, f"{column}_id") is None
    if connection.vendor == "sqlite":  # on PostgreSQL the planner weighs a table this small by its own rules
        params = [people["wangkf"].pk if p == "me" else p for p in params]
        assert index_name in plan(f"SELECT id FROM complaints_complaint WHERE {lookup}", params)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM complaints_complaint INDEXED BY {index_name} "
                           f"WHERE {column}_id IS NOT NULL")
            assert cursor.fetchone()[0] == 0


@pytest.mark.skipif("connection.vendor != 'sqlite'")
def test_on_sqlite_the_audit_chains_position_is_the_tables_rowid():
    """No unique index beside the rowid (a bigint primary key is one), so an entry is one B-tree."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE tbl_name = 'audit_auditentry' AND type = 'index'")
        assert cursor.fetchall() == []
        cursor.execute("SELECT name FROM sqlite_master WHERE tbl_name = 'audit_auditentry' AND type = 'trigger' "
                       "ORDER BY name")
        assert [r[0] for r in cursor.fetchall()] == ["auditentry_no_delete", "auditentry_no_update"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("connection.vendor != 'sqlite'")
def test_the_migration_that_makes_it_the_rowid_keeps_every_entry_and_the_append_only_triggers():
    from django.db import DatabaseError
    from django.db.migrations.executor import MigrationExecutor

    def migrate(target: str) -> None:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate([("audit", target)])

    migrate("0003_head_function")
    try:
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO audit_auditentry (seq, at, kind, target_type, target_id, data, key_id, "
                           "prev_hash, hash) VALUES (1, '2026-12-07 10:00:00', 'x', 'complaint', '1', '{}', 'k1', "
                           "'0', 'h1'), (2, '2026-12-07 10:00:01', 'y', 'complaint', '1', '{}', 'k1', 'h1', 'h2')")
    finally:
        migrate("0004_seq_is_rowid")
    with connection.cursor() as cursor:
        cursor.execute("SELECT seq, kind, prev_hash, hash FROM audit_auditentry ORDER BY rowid")
        assert cursor.fetchall() == [(1, "x", "0", "h1"), (2, "y", "h1", "h2")]
        with pytest.raises(DatabaseError, match="append-only"):
            cursor.execute("UPDATE audit_auditentry SET kind = 'z' WHERE seq = 1")


def test_a_customer_without_an_email_or_member_number_writes_nothing_to_their_indexes(p1, people, now):
    from kesu.complaints.fields import blind
    from kesu.complaints.models import Complaint
    from tests.factories import register

    c = register(people, now)  # a phone complaint: phone given, no e-mail address, no member number
    row = Complaint.objects.filter(pk=c.pk).values("phone_index", "email_index", "ref_index").get()
    assert row["phone_index"] and row["email_index"] is None and row["ref_index"] is None
    assert {ix.name: str(ix.condition) for ix in Complaint._meta.indexes if ix.name.endswith("_at")} == {
        f"complaint_{k}_at": str(Q(**{f"{k}_index__isnull": False})) for k in ("phone", "email", "ref")}
    assert list(Complaint.objects.filter(phone_index=blind("phone", c.customer_phone))) == [c]
    assert not Complaint.objects.filter(email_index=blind("email", "")).exists()  # "" finds no empty customer
    if connection.vendor == "sqlite":
        assert "complaint_email_at" in plan("SELECT COUNT(*) FROM complaints_complaint WHERE email_index = %s "
                                            "AND registered_at >= %s", [blind("email", "a@b.cn"), now])
