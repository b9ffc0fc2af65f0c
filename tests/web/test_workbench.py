"""The approvals inbox, the penalty ledger and the dashboard: each shows what its reader may see,
and decisions made there meet the same rules as anywhere else."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from kesu.clocks.models import PenaltyEntry
from kesu.clocks.sweep import sweep
from kesu.core.lifecycle import State
from kesu.workflow import services as workflow
from kesu.workflow.models import Approval
from tests.factories import bring_to

pytestmark = pytest.mark.django_db


def client_for(person) -> Client:
    c = Client()
    c.force_login(person)
    return c


def test_the_gm_sees_and_decides_an_approval_in_the_inbox(p1, people):
    now = timezone.now()
    c = bring_to(State.HANDLING, people, now)
    a = workflow.request_approval(c, actor=people["lijl"], now=now, kind="compensation", compensation_kind="cash",
                                  amount="1500", plan="补偿误工费 1500 元")
    gm = client_for(people["zhangzong"])
    page = gm.get("/approvals/").content.decode()
    assert c.number in page and "补偿误工费 1500 元" in page
    assert c.number not in client_for(people["zhaojl"]).get("/approvals/").content.decode()

    gm.post(f"/approvals/{a.pk}/decide/", {"verdict": "approve", "note": "同意"})
    assert Approval.objects.get(pk=a.pk).state == "finance"  # above 500: finance reviews next
    again = gm.post(f"/approvals/{a.pk}/decide/", {"verdict": "approve"}, follow=True).content.decode()
    assert "不能重复审批" in again  # a double click does nothing twice
    assert c.number in client_for(people["wucw"]).get("/approvals/").content.decode()


def test_a_forged_decision_by_the_requester_is_refused(p1, people):
    now = timezone.now()
    c = bring_to(State.HANDLING, people, now)
    a = workflow.request_approval(c, actor=people["lijl"], now=now, kind="solution", plan="返修")
    page = client_for(people["lijl"]).post(f"/approvals/{a.pk}/decide/", {"verdict": "approve"}, follow=True)
    assert "须由总经理执行" in page.content.decode()
    assert Approval.objects.get(pk=a.pk).state == "pending"


def test_the_ledger_lists_filters_waives_and_exports(p1, people, now):
    c = bring_to(State.HANDLING, people, now)
    sweep(now=now + timedelta(hours=1))  # the first response clock breached
    entry = PenaltyEntry.objects.get(complaint=c)
    hr = client_for(people["churs"])
    page = hr.get("/penalties/", {"month": now.strftime("%Y-%m")}).content.decode()
    assert c.number in page and "30.00" in page
    assert hr.get("/penalties/", {"month": "2025-01"}).content.decode().count(c.number) == 0
    xlsx = hr.get("/penalties/", {"format": "xlsx"})
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats") and xlsx.content[:2] == b"PK"
    hr.post(f"/penalties/{entry.pk}/waive/", {"reason": "系统故障导致未能及时联系"})
    assert PenaltyEntry.objects.get(pk=entry.pk).waived_at is not None
    assert client_for(people["wangkf"]).get("/penalties/").status_code == 403


def test_the_dashboard_is_for_managers_and_counts_open_cases(p1, people):
    now = timezone.now()
    bring_to(State.HANDLING, people, now)
    bring_to(State.REOPENED, people, now)
    page = client_for(people["zhoujl"]).get("/dashboard/").content.decode()
    assert "在办投诉" in page and "非常不满意" in page and "重新处理" in page
    assert client_for(people["lijl"]).get("/dashboard/").status_code == 403


def test_the_discipline_page_and_its_export(p1, people, now):
    hr = client_for(people["churs"])
    page = hr.get("/discipline/", {"month": "2026-02"}).content.decode()
    assert "2026-02 没有扣罚" in page
    assert hr.get("/discipline/", {"month": "2026-02", "format": "xlsx"}).content[:2] == b"PK"
    assert client_for(people["wangkf"]).get("/discipline/").status_code == 403


def test_handling_steps_are_forms_on_the_detail_page_and_go_through_the_rules(p1, people):
    from kesu.complaints.models import Complaint
    from kesu.org.models import Department

    now = timezone.now()
    c = bring_to(State.HANDLING, people, now)
    manager = client_for(people["lijl"])
    page = manager.get(f"/c/{c.number}/").content.decode()
    for label in ("转交处理", "申请协办", "提交调查报告", "提交审批", "提级处理"):
        assert label in page
    parts = Department.objects.get(code="parts")
    manager.post(f"/c/{c.number}/act/request_approval/", {"version": c.version, "kind": "compensation",
                                                          "plan": "补偿 800 元", "compensation_kind": "cash",
                                                          "amount": "800"})
    assert Approval.objects.get(complaint=c).approver_role == "gm"
    c.refresh_from_db()
    stale = c.version - 1
    page = manager.post(f"/c/{c.number}/act/transfer/", {"version": stale, "department": parts.code,
                                                         "reason": "转配件部"}, follow=True).content.decode()
    assert "您的提交未保存" in page and Complaint.objects.get(pk=c.pk).department.code == "after_sales"
    page = manager.post(f"/c/{c.number}/act/transfer/", {"version": c.version, "department": parts.code,
                                                         "reason": "转配件部"}, follow=True).content.decode()
    assert "已完成：转交处理" in page  # back on his queue: the case is the parts department's now
    assert "待签收" in client_for(people["xupj"]).get(f"/c/{c.number}/").content.decode()
    # The agent may not transfer: the form is not shown, and a forged POST is refused the same way.
    agent = client_for(people["wangkf"])
    c.refresh_from_db()
    assert "转交处理" not in agent.get(f"/c/{c.number}/").content.decode().split("可执行的操作")[1].split("时间线")[0]
    page = agent.post(f"/c/{c.number}/act/transfer/", {"version": c.version, "department": parts.code,
                                                       "reason": "再转"}, follow=True).content.decode()
    assert "您没有该权限" in page


def test_the_policy_and_the_calendar_read_as_tables(p1, people):
    admin = client_for(people["admin"])
    page = admin.get("/policy/").content.decode()
    for text in ("重大投诉", "初次对应", "10分钟", "专案呈核", "超时扣罚"):
        assert text in page
    assert "2026" in admin.get("/calendar/").content.decode()
    assert client_for(people["wangkf"]).get("/policy/").status_code == 403


def test_an_extension_is_requested_on_the_detail_page_and_approved_in_the_inbox(p1, people):
    from kesu.clocks.models import ExtensionRequest

    now = timezone.now()
    c = bring_to(State.FOLLOW_UP, people, now)
    specialist = client_for(people["chenhf"])
    assert "申请延期处理" in specialist.get(f"/c/{c.number}/").content.decode()
    specialist.post(f"/c/{c.number}/act/extension_requested/", {
        "version": c.version, "clock": "second_response", "kind": "pause", "reason": "客户电话无人接听"})
    req = ExtensionRequest.objects.get(complaint=c)
    gm = client_for(people["zhangzong"])
    assert "客户电话无人接听" in gm.get("/approvals/").content.decode()
    gm.post(f"/extensions/{req.pk}/decide/", {"verdict": "approve", "note": "同意"})
    assert ExtensionRequest.objects.get(pk=req.pk).state == "approved"
    assert "申请延期处理" not in client_for(people["zhaojl"]).get(f"/c/{c.number}/").content.decode()
