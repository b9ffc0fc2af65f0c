"""A complaint's clocks and its attachments' rows are in the audit chain too (SPEC F12): a due time
moved, a clock stopped, forged or deleted, an attachment's row altered, forged or deleted by plain
SQL is named by ``audit verify`` — on SQLite and PostgreSQL — while every legitimate write (the
registration, a step, the sweep's warning and breach, an extension, files added, an erasure)
leaves the chain verifying."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection

from kesu.audit.models import AuditEntry
from kesu.audit.verify import verify
from kesu.clocks.models import ComplaintClock
from kesu.clocks.sweep import sweep
from kesu.complaints import lifecycle
from kesu.complaints.models import Attachment
from kesu.core.lifecycle import State
from kesu.privacy import customer
from tests.factories import bring_to, registration

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _anchors(tmp_path, settings):
    settings.KESU_AUDIT_ANCHOR_FILE = str(tmp_path / "anchors.jsonl")


def codes(report) -> list[str]:  # type: ignore[no-untyped-def]
    return [p.code for p in report.problems]


def sql(statement: str, params: list[object] | None = None) -> None:
    with connection.cursor() as cur:
        cur.execute(statement, params or [])


@pytest.fixture
def registered(p1, people, now):  # type: ignore[no-untyped-def]
    c = lifecycle.register_complaint(actor=people["wangkf"], now=now, data=registration(),
                                     files=[lifecycle.FileIn("划痕照片.png", PNG)])
    assert c.clocks.exists() and c.attachments.exists()
    report = verify()
    assert report.ok, report.problems
    return c


def test_registration_adds_no_entry_for_its_clocks_and_files(registered):
    """Their digests ride on the registration's own event entry: the hot path keeps one INSERT."""
    assert not AuditEntry.objects.filter(kind="record.saved").exists()
    first = AuditEntry.objects.filter(kind__startswith="complaint.event").order_by("seq").first()
    assert '"clocks.complaintclock"' in first.data and '"complaints.attachment"' in first.data


def test_a_due_time_moved_by_sql_is_reported(registered):
    k = registered.clocks.order_by("pk").first()
    sql(f"UPDATE {ComplaintClock._meta.db_table} SET due_at = %s WHERE id = %s", [k.due_at + timedelta(days=3), k.pk])
    report = verify()
    assert codes(report) == ["record_altered"] and f"投诉时限 id {k.pk}" in report.problems[0].text


def test_a_clock_stopped_or_warned_by_sql_is_reported(registered, now):
    k = registered.clocks.order_by("pk").first()
    sql(f"UPDATE {ComplaintClock._meta.db_table} SET stopped_at = %s, met = %s WHERE id = %s", [now, True, k.pk])
    assert codes(verify()) == ["record_altered"]


def test_a_clock_deleted_by_sql_is_reported(registered):
    k = registered.clocks.order_by("pk").first()
    sql(f"DELETE FROM {ComplaintClock._meta.db_table} WHERE id = %s", [k.pk])
    report = verify()
    assert codes(report) == ["record_deleted"] and f"id {k.pk}" in report.problems[0].text


def test_a_clock_inserted_by_sql_is_reported(registered, now):
    cols = [f for f in ComplaintClock._meta.concrete_fields if not f.primary_key]
    k = registered.clocks.order_by("pk").first()
    values = [f.get_db_prep_save(getattr(k, f.attname), connection) for f in cols]
    sql(f"INSERT INTO {ComplaintClock._meta.db_table} ({', '.join(f.column for f in cols)}) "
        f"VALUES ({', '.join(['%s'] * len(cols))})", values)
    assert codes(verify()) == ["record_unrecorded"]


def test_an_attachments_row_altered_deleted_or_forged_by_sql_is_reported(registered, now):
    att = registered.attachments.get()
    table = Attachment._meta.db_table
    sql(f"UPDATE {table} SET sha256 = %s WHERE id = %s", ["0" * 64, att.pk])
    assert codes(verify()) == ["record_altered"]
    sql(f"DELETE FROM {table} WHERE id = %s", [att.pk])
    assert codes(verify()) == ["record_deleted"]
    sql(f"INSERT INTO {table} (complaint_id, file, name, size, sha256, uploaded_by_id, uploaded_at) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s)",
        [registered.pk, att.file.name, "伪造.png", 10, "1" * 64, None, connection.ops.adapt_datetimefield_value(now)])
    assert sorted(codes(verify())) == ["record_deleted", "record_unrecorded"]


def test_every_legitimate_write_of_clocks_and_files_verifies(p1, people, now):
    c = bring_to(State.HANDLING, people, now)  # steps stop, start and cancel clocks
    lifecycle.add_attachments(c, actor=people["lijl"], now=now + timedelta(minutes=5),
                              files=[lifecycle.FileIn("发票.png", PNG)])
    sweep(now=now + timedelta(days=40))  # warnings and breaches by conditional UPDATEs
    bring_to(State.ARCHIVED, people, now, customer_phone="13900000000")
    report = verify()
    assert report.ok, report.problems
    assert ComplaintClock.objects.filter(breached_at__isnull=False).exists()
    customer.erase(customer.Customer.parse("13900000000"), actor=people["zhoujl"], now=now + timedelta(days=41),
                   reason="客户要求删除")
    report = verify()
    assert report.ok, report.problems
