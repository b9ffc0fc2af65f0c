"""A customer's own data (PIPL art. 45, 47): the export contains everything and its cells stay text;
an erasure is recorded and spares a held or open case; a CS agent may do neither."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from kesu.complaints.models import Complaint, ComplaintEvent
from kesu.core.errors import KesuError
from kesu.core.lifecycle import State
from kesu.privacy import customer
from kesu.privacy.holds import set_hold
from kesu.privacy.models import PrivacyRecord
from tests.factories import bring_to

pytestmark = pytest.mark.django_db
WHO = customer.Customer.parse("138 1234 5678")


def test_the_export_contains_every_complaint_with_its_timeline_and_is_recorded(p1, people, now):
    a = bring_to(State.ARCHIVED, people, now, customer_words="=HYPERLINK(\"http://x\")发动机异响")
    b = bring_to(State.HANDLING, people, now + timedelta(hours=1))
    bring_to(State.REGISTERED, people, now, customer_phone="13900000000")  # someone else
    body, _ = customer.export(WHO, actor=people["zhoujl"], now=now, reason="客户书面申请", fmt="json")
    data = json.loads(body)
    assert [c["fields"]["投诉编号"] for c in data["complaints"]] == [a.number, b.number]
    assert len(data["complaints"][0]["timeline"]) == ComplaintEvent.objects.filter(complaint=a).count()
    assert PrivacyRecord.objects.get(kind="customer_export").details["cases"] == [a.number, b.number]
    assert "13812345678" not in json.dumps(PrivacyRecord.objects.get(kind="customer_export").details)


def test_the_xlsx_export_writes_a_formula_as_text(p1, people, now):
    bring_to(State.ARCHIVED, people, now, customer_words="=HYPERLINK(\"http://x\")")
    body, _ = customer.export(WHO, actor=people["zhoujl"], now=now, reason="客户申请", fmt="xlsx")
    ws = load_workbook(io.BytesIO(body))["投诉"]
    words = [cell for cell in ws[2] if cell.value == "=HYPERLINK(\"http://x\")"]
    assert words and words[0].data_type == "s" and words[0].quotePrefix


def test_a_cs_agent_may_not_export_or_erase(p1, people, now):
    bring_to(State.ARCHIVED, people, now)
    with pytest.raises(KesuError):
        customer.export(WHO, actor=people["wangkf"], now=now, reason="x", fmt="json")
    with pytest.raises(KesuError):
        customer.erase(WHO, actor=people["wangkf"], now=now, reason="x")
    assert not PrivacyRecord.objects.exists()


def test_erasure_is_recorded_and_spares_held_and_open_cases(p1, people, now):
    done = bring_to(State.ARCHIVED, people, now)
    held = bring_to(State.ARCHIVED, people, now)
    set_hold(held, on=True, actor=people["weifw"], now=now, reason="诉讼")
    still_open = bring_to(State.HANDLING, people, now)
    plan = customer.erase(WHO, actor=people["zhoujl"], now=now + timedelta(days=1), reason="客户要求删除")
    assert (plan.erased, plan.held, plan.open) == ([done.number], [held.number], [still_open.number])
    assert Complaint.objects.get(pk=done.pk).customer_words == "〔已删除〕"
    assert Complaint.objects.get(pk=held.pk).customer_phone == "13812345678"
    assert ComplaintEvent.objects.filter(complaint=done, kind="customer_erased").exists()
    assert PrivacyRecord.objects.get(kind="customer_erased").details["cases"] == [done.number]


def test_erasure_scrubs_what_the_notices_and_messages_about_the_case_quoted(p1, people, now):
    from kesu.notifications.models import Dispatch, Notification

    done = bring_to(State.ARCHIVED, people, now)
    said = {"event": "return_result", "result": "已回访马先生 13812345678，客户满意"}
    Dispatch.objects.create(event="return_result", complaint=done, params=said, created_at=now)
    Notification.objects.create(recipient=people["lijl"], kind="return_result", complaint=done, params=said,
                                created_at=now)
    customer.erase(WHO, actor=people["zhoujl"], now=now + timedelta(days=1), reason="客户要求删除")
    for params in [*Dispatch.objects.filter(complaint=done).values_list("params", flat=True),
                   *Notification.objects.filter(complaint=done).values_list("params", flat=True)]:
        assert "13812345678" not in json.dumps(params, ensure_ascii=False)
        assert "马先生" not in json.dumps(params, ensure_ascii=False)
