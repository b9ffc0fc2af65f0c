"""The handling records (transfers, help, investigations, approvals, rewards, penalties, extension
requests) are in the audit chain too: one edited, inserted or deleted by plain SQL is named by
``audit verify`` (SPEC F12), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection

from kesu.audit.models import AuditEntry
from kesu.audit.verify import verify
from kesu.core.lifecycle import State
from kesu.workflow import services as workflow
from kesu.workflow.models import Approval, Transfer
from kesu.workflow.sweep import sweep_overdue
from tests.factories import bring_to

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _anchors(tmp_path, settings):
    settings.KESU_AUDIT_ANCHOR_FILE = str(tmp_path / "anchors.jsonl")


def codes(report) -> list[str]:  # type: ignore[no-untyped-def]
    return [p.code for p in report.problems]


def sql(statement: str, params: list[object] | None = None) -> None:
    with connection.cursor() as cur:
        cur.execute(statement, params or [])


@pytest.fixture
def approval(p1, people, now) -> Approval:  # type: ignore[no-untyped-def]
    c = bring_to(State.HANDLING, people, now)
    a = workflow.request_approval(c, actor=people["lijl"], now=now, kind="compensation", compensation_kind="cash",
                                  amount="1200", plan="补偿 1200 元")
    workflow.decide_approval(a, actor=people["zhangzong"], now=now + timedelta(minutes=1), approve=True)
    assert verify().ok, verify().problems
    return Approval.objects.get(pk=a.pk)


def test_each_write_of_a_handling_record_is_an_entry(approval):
    assert AuditEntry.objects.filter(kind="record.saved", target_type="workflow.approval",
                                     target_id=str(approval.pk)).count() == 2  # requested, decided


def test_an_approvals_amount_raised_by_sql_is_reported(approval):
    sql("UPDATE workflow_approval SET amount = 12000 WHERE id = %s", [approval.pk])
    report = verify()
    assert codes(report) == ["record_altered"] and f"id {approval.pk}" in report.problems[0].text


def test_an_approval_inserted_by_sql_is_reported(approval, people, now):
    sql("INSERT INTO workflow_approval (complaint_id, kind, plan, compensation_kind, amount, approver_role, "
        "threshold_label, special, finance_review, state, requested_by_id, requested_at, decision_note, finance_note) "
        "VALUES (%s, 'compensation', '补偿', 'cash', 50000, 'gm', '', %s, %s, 'approved', %s, %s, '', '')",
        [approval.complaint_id, False, False, people["lijl"].pk, now])
    assert codes(verify()) == ["record_unrecorded"]


def test_an_approval_deleted_by_sql_is_reported(approval):
    sql("DELETE FROM workflow_approval WHERE id = %s", [approval.pk])
    assert codes(verify()) == ["record_deleted"]


def test_a_transfer_escalated_by_the_sweep_still_verifies(p1, people, now):
    c = bring_to(State.HANDLING, people, now)
    t = workflow.transfer(c, actor=c.owner, now=now, to_department="parts", reason="转配件部")
    result = sweep_overdue(now=now + timedelta(days=10))
    assert result.transfers == 1 and Transfer.objects.get(pk=t.pk).escalated_at is not None
    assert verify().ok, verify().problems
