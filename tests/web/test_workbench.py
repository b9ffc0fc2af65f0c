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
    assert "2026-02 没有结案的投诉" in page
    assert hr.get("/discipline/", {"month": "2026-02", "format": "xlsx"}).content[:2] == b"PK"
    assert client_for(people["wangkf"]).get("/discipline/").status_code == 403
