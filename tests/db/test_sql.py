"""kesu.db.sql writes and reads rows exactly as the ORM does: what an Insert stores, read back
through the ORM, equals what Model.save stores, field by field (JSON, time zones, decimals,
dates, empty and set foreign keys, a related object assigned before it was saved)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection

from kesu.clocks.models import ComplaintClock
from kesu.complaints.models import Complaint, ComplaintEvent
from kesu.db.sql import Insert, column_values, fetch
from kesu.org.models import Department, Staff

pytestmark = pytest.mark.django_db


def complaint(number: str, p1, people, now) -> Complaint:
    return Complaint(
        number=number, policy_version=p1, status="registered", version=1, event_seq=1, channel="phone",
        level="major", category="repair_quality", customer_name="马先生", customer_phone="13812345678",
        customer_email="ma@example.com", customer_words="发动机故障灯亮", purchase_date=date(2026, 3, 1),
        occurred_at=now - timedelta(days=2), amount_involved=Decimal("1234.50"), demands=["repair", "refund"],
        extra={"plate_number": "京A12345", "里程": 12000}, receiver=people["wangkf"], location=None,
        complained_department=Department.objects.get(code="after_sales"), registered_at=now, updated_at=now,
        updated_by=people["wangkf"],
    )


def stored(pk: int) -> dict[str, object]:
    row = Complaint.objects.filter(pk=pk).values().get()
    return {k: v for k, v in row.items() if k not in ("id", "number")}


def test_an_insert_stores_what_model_save_stores(p1, people, now):
    by_orm = complaint("ORM-1", p1, people, now)
    by_orm.save(force_insert=True)
    by_insert = complaint("SQL-1", p1, people, now)
    Insert(Complaint)([by_insert])
    assert by_insert.pk and not by_insert._state.adding
    assert stored(by_insert.pk) == stored(by_orm.pk)
    assert Complaint.objects.get(pk=by_insert.pk).occurred_at == now - timedelta(days=2)  # the instant, not a shift


def fields_of(obj: object) -> dict[str, object]:
    return {k: v for k, v in vars(obj).items() if k != "_state"}


def test_new_makes_what_the_models_constructor_makes(p1, people, now, django_assert_num_queries):
    by_keywords = complaint("NEW-1", p1, people, now)
    kwargs = {f.name: getattr(by_keywords, f.name) for f in Complaint._meta.concrete_fields if f.name != "id"}
    made = Insert(Complaint).new(**kwargs)
    assert fields_of(made) == fields_of(by_keywords) and made._state.adding and made.pk is None
    with django_assert_num_queries(0):  # the related objects given are cached, as assigning them does
        assert made.receiver is people["wangkf"] and made.complained_department.code == "after_sales"
        assert made.location is None
    defaults = Insert(ComplaintClock).new(code="first_response")
    assert defaults.pauses == [] and defaults.uncovered_years == [] and defaults.calendar_covered is True
    assert defaults.pauses is not Insert(ComplaintClock).new().pauses  # a fresh default each time
    with pytest.raises(AssertionError, match="no_such_field"):
        Insert(ComplaintClock).new(no_such_field=1)


@pytest.mark.parametrize(("met", "covered", "pauses", "years"), [
    (True, False, [["2026-03-01T01:00:00+00:00", "2026-03-01T02:00:00+00:00"]], [2031]),
    (None, True, [], []),
    (False, True, {"note": "一个对象"}, [2027, 2028]),
])
def test_a_clocks_booleans_and_json_are_stored_as_model_save_stores_them(p1, people, now, met, covered, pauses,
                                                                         years):
    c = complaint("CLK-1", p1, people, now)
    Insert(Complaint)([c])

    def clock(code: str) -> ComplaintClock:
        return ComplaintClock(complaint=c, code=code, name="初次对应", mode="working", target="30m",
                              responsible_role="dept_manager", started_at=now, due_at=now + timedelta(minutes=30),
                              met=met, calendar_covered=covered, pauses=pauses, uncovered_years=years)

    by_orm = clock("by_orm")
    by_orm.save(force_insert=True)
    by_insert = clock("by_insert")
    Insert(ComplaintClock)([by_insert])
    row = ComplaintClock.objects.filter(pk__in=[by_orm.pk, by_insert.pk]).order_by("pk").values()
    a, b = ({k: v for k, v in r.items() if k not in ("id", "code")} for r in row)
    assert a == b and b["met"] is met and b["pauses"] == pauses


def test_rows_that_point_at_an_object_saved_after_they_were_built_get_its_key(p1, people, now):
    c = complaint("SQL-2", p1, people, now)
    events = [ComplaintEvent(complaint=c, seq=i, at=now, actor=people["wangkf"], kind="registered",
                             changes={"n": i}) for i in (1, 2)]  # built before c has a key
    Insert(Complaint)([c])
    Insert(ComplaintEvent)(events)
    assert [(e.complaint_id, e.seq, e.changes) for e in c.events.order_by("seq")] == [(c.pk, 1, {"n": 1}),
                                                                                      (c.pk, 2, {"n": 2})]
    assert [e.pk for e in events] == list(c.events.order_by("seq").values_list("pk", flat=True))


def test_fetch_loads_the_fields_asked_and_defers_the_rest(people):
    q = connection.ops.quote_name
    [found] = fetch(Staff, {"id", "username", "is_active"}, f"t.{q('username')} = %s", ["wangkf"])
    assert isinstance(found.is_active, bool) and found.is_active and found.pk == people["wangkf"].pk
    assert found.get_deferred_fields() >= {"first_name", "last_login"}
    assert found.first_name == people["wangkf"].first_name  # read on first use


def test_fetch_refuses_fields_that_would_need_converting(people):
    with pytest.raises(AssertionError, match="plain-typed"):
        fetch(Staff, {"id", "last_login"}, "1 = 1", [])


def test_column_values_reads_the_first_column(people):
    ids = column_values(f'SELECT "id" FROM "{Staff._meta.db_table}" ORDER BY "id"', [], model=Staff)
    assert ids == list(Staff.objects.order_by("id").values_list("id", flat=True))


def test_errors_are_djangos_and_a_broken_transaction_is_refused_as_django_refuses_it(people):
    """The direct path to SQLite keeps the connection's checks and Django's exceptions."""
    from django.db import IntegrityError, transaction
    from django.db.transaction import TransactionManagementError

    from kesu.db.sql import rows

    q = connection.ops.quote_name
    duplicate = (f"INSERT INTO {q(Staff._meta.db_table)} ({q('id')}, {q('username')}, {q('password')}) "
                 "VALUES (%s, %s, '')")
    with transaction.atomic():
        with pytest.raises(IntegrityError), transaction.atomic(savepoint=False):  # marks the outer block broken
            rows(connection, duplicate, [people["wangkf"].pk, "someone_else"])
        with pytest.raises(TransactionManagementError):
            rows(connection, f"SELECT 1 FROM {q(Staff._meta.db_table)}", [])
        transaction.set_rollback(True)
    assert rows(connection, "SELECT %s, '100%%'", [7]) == [(7, "100%")]  # "%%" is a literal percent sign
