"""Retention and a customer's erasure rewrite a case's earlier events and handling records; the
audit chain records that rewrite (``complaint.redacted``, the records' new digests), so verify
accepts it — and still names any other change, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection

from kesu.audit.models import AuditEntry
from kesu.audit.verify import verify
from kesu.complaints import lifecycle
from kesu.complaints.lifecycle import add_note
from kesu.complaints.models import Complaint, ComplaintEvent
from kesu.core.lifecycle import State
from kesu.privacy import customer, retention
from kesu.workflow import services as workflow
from kesu.workflow.models import Approval
from tests.factories import bring_to

pytestmark = pytest.mark.django_db
WORDS = "我是马先生，电话13812345678，邮箱ma@qq.com，车牌京A12345，发动机故障灯又亮了"


@pytest.fixture(autouse=True)
def _anchors(tmp_path, settings):
    settings.KESU_AUDIT_ANCHOR_FILE = str(tmp_path / "anchors.jsonl")


def codes(report) -> list[str]:  # type: ignore[no-untyped-def]
    return [p.code for p in report.problems]


def sql(statement: str, params: list[object] | None = None) -> None:
    with connection.cursor() as cur:
        cur.execute(statement, params or [])


def archived(people, now) -> Complaint:  # type: ignore[no-untyped-def]
    c = bring_to(State.HANDLING, people, now, customer_words=WORDS, customer_email="ma@qq.com")
    workflow.request_approval(c, actor=people["lijl"], now=now + timedelta(minutes=1), kind="compensation",
                              compensation_kind="cash", amount="300", plan="补偿马先生 300 元，电话13812345678")
    a = Approval.objects.get(complaint=c)
    a = workflow.decide_approval(a, actor=people["zhangzong"], now=now + timedelta(minutes=2), approve=True)
    if a.state == Approval.State.FINANCE:
        workflow.finance_review(a, actor=people["wucw"], now=now + timedelta(minutes=3), approve=True)
    c = Complaint.objects.get(pk=c.pk)
    for action, who, kw in (("agree_solution", "lijl", {"plan": "免费返修"}),
                            ("return_result", "lijl", {"result": "已修好"}),
                            ("record_return_visit", "chenhf", {"satisfied": True, "conversation": "满意"}),
                            ("sign_off", "zhoujl", {}), ("review", "zhangzong", {})):
        c = getattr(lifecycle, action)(c, actor=people[who], now=now + timedelta(minutes=10), **kw)
    c = add_note(c, actor=people["zhoujl"], now=now + timedelta(hours=2), note="已联系客户13812345678")
    return lifecycle.archive(c, actor=people["fengda"], now=now + timedelta(hours=3))


def test_retention_anonymising_a_case_still_verifies_and_is_recorded_in_the_chain(p1, people, now):
    c = archived(people, now)
    assert verify().ok, verify().problems
    outcome = retention.run(now + timedelta(days=3 * 366 + 1))
    assert [d.number for d in outcome.due] == [c.number]
    assert "13812345678" not in " ".join(ComplaintEvent.objects.filter(complaint=c).values_list("reason", flat=True))
    assert "13812345678" not in Approval.objects.get(complaint=c).plan
    report = verify()
    assert report.ok, report.problems
    redacted = AuditEntry.objects.get(kind="complaint.redacted", target_id=str(c.pk))
    assert "13812345678" not in redacted.data  # digests, never the data
    run = AuditEntry.objects.get(kind="privacy.retention_run")
    assert c.number in run.data and run.seq > redacted.seq


def test_after_anonymising_an_event_edited_by_sql_is_still_reported(p1, people, now):
    """The trigger lets an anonymised case's old events be rewritten (that is how retention works),
    so the chain is what catches a later edit."""
    c = archived(people, now)
    retention.run(now + timedelta(days=3 * 366 + 1))
    sql("UPDATE complaints_complaintevent SET reason = '客户撤诉' WHERE complaint_id = %s AND seq = 2", [c.pk])
    assert codes(verify()) == ["event_altered"]


def test_a_case_listed_as_anonymised_by_sql_and_its_events_rewritten_is_reported(p1, people, now):
    c = archived(people, now)
    sql("INSERT INTO privacy_anonymised (complaint_id, at, kind) VALUES (%s, %s, 'retention_anonymised')",
        [c.pk, now + timedelta(days=1)])
    sql("UPDATE complaints_complaintevent SET reason = '已审阅' WHERE complaint_id = %s AND seq = 2", [c.pk])
    assert codes(verify()) == ["event_altered"]


def test_a_customers_erasure_still_verifies_and_is_recorded(p1, people, now):
    c = archived(people, now)
    erased = customer.erase(customer.Customer.parse("13812345678"), actor=people["zhoujl"],
                            now=now + timedelta(days=1), reason="客户书面申请删除")
    assert erased.erased == [c.number]
    report = verify()
    assert report.ok, report.problems
    assert AuditEntry.objects.filter(kind="privacy.customer_erased").count() == 1
    assert AuditEntry.objects.filter(kind="complaint.redacted", target_id=str(c.pk)).count() == 1


def test_an_approval_rewritten_by_sql_after_anonymising_is_reported(p1, people, now):
    c = archived(people, now)
    retention.run(now + timedelta(days=3 * 366 + 1))
    sql("UPDATE workflow_approval SET amount = 30000 WHERE complaint_id = %s", [c.pk])
    assert codes(verify()) == ["record_altered"]
