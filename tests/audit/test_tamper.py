"""Attacks on the record by plain SQL, each reported by ``audit verify`` (SPEC F12), on SQLite
and PostgreSQL (run with DATABASE_URL=postgres://…)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from kesu.audit.models import AuditEntry
from kesu.audit.verify import anchor, verify
from kesu.clocks import ledger
from kesu.clocks.models import PenaltyEntry
from kesu.complaints.models import ComplaintEvent
from kesu.core.lifecycle import State
from kesu.org import services as org
from kesu.org.models import Department
from tests.factories import bring_to, register


@pytest.fixture
def anchors(tmp_path, settings):
    settings.KESU_AUDIT_ANCHOR_FILE = str(tmp_path / "anchors.jsonl")
    return tmp_path / "anchors.jsonl"


def codes(report) -> list[str]:  # type: ignore[no-untyped-def]
    return [p.code for p in report.problems]


@contextmanager
def triggers_off(table: str) -> Iterator[None]:
    """What an attacker with the database owner's rights does first (rolled back with the test)."""
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the test's pending foreign-key checks first
            cur.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        else:
            cur.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [table])
            for (name,) in cur.fetchall():
                cur.execute(f"DROP TRIGGER {name}")
    yield


def sql(statement: str, params: list[object] | None = None) -> None:
    with connection.cursor() as cur:
        cur.execute(statement, params or [])


@pytest.fixture
def case(p1, people, now, anchors):
    c = bring_to(State.HANDLING, people, now)
    assert verify().ok, verify().problems
    return c


def test_an_untouched_history_verifies(case):
    report = verify()
    assert report.ok and report.events == ComplaintEvent.objects.count() > 3
    assert report.entries >= report.events


def test_editing_an_events_reason_by_sql_is_refused_and_when_forced_reported(case):
    with pytest.raises(DatabaseError), transaction.atomic():
        sql("UPDATE complaints_complaintevent SET reason = 'x' WHERE complaint_id = %s", [case.pk])
    with triggers_off("complaints_complaintevent"):
        sql("UPDATE complaints_complaintevent SET reason = '客户撤诉' WHERE complaint_id = %s AND seq = 2", [case.pk])
    assert codes(verify()) == ["event_altered"]
    assert f"投诉 {case.number} 的第 2 号时间线事件" in verify().problems[0].text


def test_deleting_an_event_by_sql_is_refused_and_when_forced_reported(case):
    with pytest.raises(DatabaseError), transaction.atomic():
        sql("DELETE FROM complaints_complaintevent WHERE complaint_id = %s AND seq = 2", [case.pk])
    with triggers_off("complaints_complaintevent"):
        sql("DELETE FROM complaints_complaintevent WHERE complaint_id = %s AND seq = 2", [case.pk])
    assert codes(verify()) == ["event_deleted"]


def test_a_forged_gm_review_event_inserted_by_sql_is_reported(case, people, now):
    sql("INSERT INTO complaints_complaintevent (complaint_id, seq, at, actor_id, kind, from_status, to_status, "
        "changes, reason) VALUES (%s, %s, %s, %s, 'review', 'signed_off', 'reviewed', '{}', '已审阅')",
        [case.pk, case.event_seq + 1, now, people["zhangzong"].pk])
    report = verify()
    assert codes(report) == ["event_unrecorded"] and "（review）不在审计链中" in report.problems[0].text


def test_a_registrations_events_are_one_entry_and_each_of_them_is_held(p1, people, now, anchors):
    """Registered, keywords noted, crisis flagged: written together, one ``complaint.events`` entry
    whose every event verify checks on its own — the last one altered is named."""
    c = register(people, now, customer_words="你们再不处理我就找律师起诉，还要打12315投诉")
    assert c.event_seq >= 2
    entries = AuditEntry.objects.filter(target_type="complaint", target_id=str(c.pk))
    assert [e.kind for e in entries] == ["complaint.events"]
    assert [e["seq"] for e in json.loads(entries[0].data)["events"]] == list(range(1, c.event_seq + 1))
    assert verify().ok, verify().problems
    with triggers_off("complaints_complaintevent"):
        sql("UPDATE complaints_complaintevent SET reason = '客户撤诉' WHERE complaint_id = %s AND seq = %s",
            [c.pk, c.event_seq])
    report = verify()
    assert codes(report) == ["event_altered"] and f"第 {c.event_seq} 号时间线事件" in report.problems[0].text


@pytest.mark.parametrize(("column", "value"), [("customer_phone", "13900001111"), ("status", "archived")])
def test_changing_a_complaints_phone_or_status_by_sql_is_reported(case, column, value):
    sql(f"UPDATE complaints_complaint SET {column} = %s WHERE id = %s", [value, case.pk])
    report = verify()
    assert codes(report) == ["complaint_altered"] and case.number in report.problems[0].text


def test_audit_rows_refuse_update_and_delete_at_the_database(case):
    for statement in ("UPDATE audit_auditentry SET data = '{}' WHERE seq = 1",
                      "DELETE FROM audit_auditentry WHERE seq = 1"):
        with pytest.raises(DatabaseError), transaction.atomic():
            sql(statement)
    assert AuditEntry.objects.filter(seq=1).exists()


def test_an_audit_row_altered_deleted_or_forged_with_the_trigger_dropped_is_named(case):
    last = AuditEntry.objects.order_by("-seq").first()
    assert last is not None
    with triggers_off("audit_auditentry"):
        sql("INSERT INTO audit_auditentry (seq, at, actor_id, kind, target_type, target_id, data, key_id, prev_hash, "
            "hash) VALUES (%s, %s, NULL, 'policy.published', 'policy_version', '1', '{}', %s, %s, %s)",
            [last.seq + 1, last.at, last.key_id, last.hash, "f" * 64])
        assert [(p.code, p.seq) for p in verify().problems] == [("altered", last.seq + 1)]
        sql("UPDATE audit_auditentry SET kind = 'x' WHERE seq = 2")
        assert verify().problems[0].code == "altered" and verify().problems[0].seq == 2
        sql("DELETE FROM audit_auditentry WHERE seq = 3")
        assert ("missing", 3) in [(p.code, p.seq) for p in verify().problems]


def test_a_chain_rewritten_after_an_anchor_is_detected(case, now, anchors):
    head = anchor(now=now)
    assert json.loads(anchors.read_text().splitlines()[-1])["seq"] == head["seq"]
    with triggers_off("audit_auditentry"):  # rewritten by someone with the key: every hash recomputed
        sql("DELETE FROM audit_auditentry WHERE seq > %s", [head["seq"] - 2])
    report = verify()
    assert "truncated" in codes(report)


def test_verify_exits_non_zero_and_names_the_first_mismatch(case):
    call_command("audit", "verify")
    sql("UPDATE complaints_complaint SET customer_phone = '13900001111' WHERE id = %s", [case.pk])
    with pytest.raises(CommandError, match=case.number):
        call_command("audit", "verify")


def test_policy_publication_waiver_role_change_export_each_leave_an_entry(p1, people, now, client, anchors):
    assert AuditEntry.objects.filter(kind="policy.published", target_id=str(p1.pk)).exists()
    c = register(people, now)
    entry = PenaltyEntry.objects.create(complaint=c, kind=PenaltyEntry.Kind.CLOCK_BREACH, staff=people["lijl"],
                                        amount=50, booked_at=now, reason="超时")
    ledger.waive(entry, actor=people["zhangzong"], now=now + timedelta(minutes=1), reason="系统误判")
    assert AuditEntry.objects.filter(kind="penalty.waived", target_id=str(entry.pk)).exists()
    dept = Department.objects.get(code="after_sales")
    org.designate_deputy(department=dept, deputy=people["wangkf"], actor=dept.manager, now=now)
    assert AuditEntry.objects.filter(kind="org.deputy_designated", target_id=str(dept.pk)).exists()
    client.force_login(people["zhangzong"])
    assert client.get("/penalties/?format=xlsx").status_code == 200
    assert AuditEntry.objects.filter(kind="export.penalties_xlsx", actor=people["zhangzong"]).exists()
    assert verify().ok, verify().problems
