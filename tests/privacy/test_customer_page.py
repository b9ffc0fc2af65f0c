"""The staff page for a customer's own data (PIPL art. 45, 47): the CS manager finds one customer
by phone, e-mail or member number, exports everything (xlsx, JSON) and erases what the policy
allows — each with a reason and recorded in the audit chain; every other role is refused."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from kesu.audit.models import AuditEntry
from kesu.audit.verify import verify
from kesu.complaints.models import Complaint
from kesu.core.lifecycle import State
from tests.factories import bring_to

pytestmark = pytest.mark.django_db
URL = "/privacy/customer/"


@pytest.fixture(autouse=True)
def _anchors(tmp_path, settings):
    settings.KESU_AUDIT_ANCHOR_FILE = str(tmp_path / "anchors.jsonl")


@pytest.fixture
def cases(p1, people, now):  # type: ignore[no-untyped-def]
    closed = bring_to(State.ARCHIVED, people, now, customer_ref="VIP-20260001", customer_email="ma@qq.com")
    open_ = bring_to(State.HANDLING, people, now + timedelta(hours=1))
    other = bring_to(State.ARCHIVED, people, now, customer_phone="13900000000")
    return closed, open_, other


@pytest.fixture
def manager(client, people):  # type: ignore[no-untyped-def]
    client.force_login(people["zhoujl"])  # 周经理, 客服部经理
    return client


@pytest.mark.parametrize("login", ["wangkf", "lijl", "zhangzong", "weifw", "zhengjh", "wucw", "churs", "fengda"])
def test_other_roles_are_refused_and_nothing_is_looked_up(client, people, cases, login):
    if login not in people:
        pytest.skip(f"no persona {login}")
    client.force_login(people[login])
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"action": "lookup", "phone": "13812345678"}).status_code == 403
    response = client.post(URL, {"action": "export", "phone": "13812345678", "reason": "x", "format": "json"})
    assert response.status_code == 403
    assert not AuditEntry.objects.filter(kind__startswith="privacy.customer").exists()


@pytest.mark.parametrize("field,value", [("phone", "138 1234 5678"), ("email", "MA@qq.com"), ("ref", "VIP-20260001")])
def test_the_cs_manager_finds_a_customer_by_phone_email_or_member_number(manager, cases, field, value):
    closed, open_, other = cases
    page = manager.post(URL, {"action": "lookup", field: value}).content.decode()
    assert closed.number in page and other.number not in page
    if field == "phone":
        assert open_.number in page and "仍在处理中，保留" in page and "可删除" in page
    lookup = AuditEntry.objects.get(kind="privacy.customer_lookup")
    assert closed.number in lookup.data and "13812345678" not in lookup.data and "VIP-20260001" not in lookup.data


def test_an_unknown_customer_or_no_identifier_is_refused_by_the_fields_label(manager, cases):
    response = manager.post(URL, {"action": "lookup"})
    assert response.status_code == 422 and "客户电话" in response.content.decode()
    response = manager.post(URL, {"action": "lookup", "phone": "13700000000"})
    assert response.status_code == 422 and "没有找到该客户的投诉" in response.content.decode()


def test_the_export_needs_a_reason_and_is_recorded(manager, cases):
    closed, open_, _ = cases
    refused = manager.post(URL, {"action": "export", "phone": "13812345678", "format": "json"})
    assert refused.status_code == 422 and "必须填写原因" in refused.content.decode()
    response = manager.post(URL, {"action": "export", "phone": "13812345678", "format": "json",
                                  "reason": "客户书面申请"})
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    data = json.loads(response.content)
    assert [c["fields"]["投诉编号"] for c in data["complaints"]] == [closed.number, open_.number]
    xlsx = manager.post(URL, {"action": "export", "phone": "13812345678", "format": "xlsx", "reason": "客户书面申请"})
    assert load_workbook(io.BytesIO(xlsx.content))["投诉"].max_row == 3
    entries = AuditEntry.objects.filter(kind="privacy.customer_export")
    assert entries.count() == 2 and "客户书面申请" in entries.first().data  # type: ignore[union-attr]


def test_the_erasure_spares_open_cases_needs_a_confirmation_and_verifies(manager, cases):
    closed, open_, other = cases
    unconfirmed = manager.post(URL, {"action": "erase", "phone": "13812345678", "reason": "客户书面申请"})
    assert unconfirmed.status_code == 422 and Complaint.objects.get(pk=closed.pk).anonymised_at is None
    page = manager.post(URL, {"action": "erase", "phone": "13812345678", "reason": "客户书面申请", "confirm": "yes"})
    assert page.status_code == 200 and "已删除 1 件投诉中的个人信息" in page.content.decode()
    assert Complaint.objects.get(pk=closed.pk).customer_name == ""
    assert Complaint.objects.get(pk=open_.pk).customer_name == "马先生"  # still being handled
    assert Complaint.objects.get(pk=other.pk).customer_name == "马先生"  # someone else
    assert AuditEntry.objects.filter(kind="privacy.customer_erased").count() == 1
    assert verify().ok, verify().problems


def test_the_page_reads_in_english(manager, cases):
    manager.cookies["django_language"] = "en"
    page = manager.post(URL, {"action": "lookup", "phone": "13812345678"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Customer phone" in page and "Export everything held on this customer" in page
    assert "Still being handled: kept" in page


def test_after_erasing_every_case_the_page_says_so_and_finds_no_more(manager, cases):
    closed, _open, _other = cases
    assert closed.customer_ref == "VIP-20260001"
    page = manager.post(URL, {"action": "erase", "ref": "VIP-20260001", "reason": "客户书面申请", "confirm": "yes"})
    assert page.status_code == 200 and "已删除 1 件投诉中的个人信息" in page.content.decode()
    assert manager.post(URL, {"action": "lookup", "ref": "VIP-20260001"}).status_code == 422  # nothing left
