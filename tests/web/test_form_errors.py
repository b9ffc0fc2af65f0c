"""Errors a person understands (issue 13): every message names its field by the label the reader
sees, in the reader's language; all errors of a form show at once, each beside its field; a refused
form keeps everything typed — the registration form, a step's form, the portal's form."""

from __future__ import annotations

import html
import re

import pytest
from django.test import Client
from django.utils import timezone

from kesu.complaints.models import Complaint
from kesu.core.lifecycle import State
from kesu.workflow.models import Approval
from tests.factories import bring_to
from tests.portal.person import complaint_fields, read_image

pytestmark = pytest.mark.django_db

CODES = ("「customer_", "「amount", "「answer", "「captcha", "「purchase_date", "「category", "「level",
         "'customer_", "'amount", "'answer", "'captcha")


def beside(page: str, field: str) -> str:
    """The error list printed right after the field ``field`` ('' when it has none)."""
    found = re.search(rf'id="id_{field}_errors">(.*?)</ul>', page, re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", found.group(1))) if found else ""


def no_codes(page: str) -> None:
    for code in CODES:
        assert code not in page, f"an error names a field by its code: {code}"


BAD_CALL = {"channel": "phone", "customer_phone": "12345", "customer_name": "马先生", "customer_words": "",
            "amount_involved": "八百", "purchase_date": "2099-01-01", "product_model": "雅阁 2024 款",
            "category": "", "level": "dissatisfied", "validity": "valid"}


def test_every_error_of_the_registration_shows_at_once_beside_its_field_by_its_label(client, people, p1):
    client.force_login(people["wangkf"])
    page = client.post("/register/", BAD_CALL).content.decode()
    assert not Complaint.objects.exists()
    assert "字段「客户电话」：电话号码「12345」无效" in beside(page, "customer_phone")
    assert "字段「客户原话」：必填，不能为空" in beside(page, "customer_words")
    assert "字段「涉及金额」：" in beside(page, "amount_involved")
    assert "字段「购买日期」：" in beside(page, "purchase_date") and "购买日期不能晚于今天" in page
    assert page.count("<li>") >= 4 and "请修改以下各处后再登记" in page  # and once more, listed above the form
    no_codes(page)
    for typed in ("马先生", "八百", "雅阁 2024 款"):  # nothing typed is lost
        assert f'value="{typed}"' in page
    assert re.search(r"<details open>", page)  # the fold with the amount in error is open


def test_in_english_the_registration_errors_name_the_english_labels(client, people, p1):
    client.force_login(people["wangkf"])
    client.post("/i18n/setlang/", {"language": "en", "next": "/register/"})
    page = client.post("/register/", BAD_CALL).content.decode()
    assert "field 'Customer phone': '12345' is not a valid phone number" in beside(page, "customer_phone")
    assert "field 'Customer's own words': is required" in beside(page, "customer_words")
    assert "客户电话" not in beside(page, "customer_phone") and "「" not in beside(page, "amount_involved")
    no_codes(html.unescape(page))


def test_a_refused_step_keeps_its_form_open_with_what_was_typed_and_the_error_beside_the_amount(client, people, p1):
    c = bring_to(State.HANDLING, people, timezone.now())
    client.force_login(people["lijl"])
    plan = "赔偿客户两天代步车费用，并免费更换氧传感器"
    response = client.post(f"/c/{c.number}/act/request_approval/", {
        "version": c.version, "kind": "compensation", "plan": plan, "compensation_kind": "cash", "amount": "八百"})
    assert response.status_code == 302 and response["Location"] == f"/c/{c.number}/#step-request_approval"
    page = client.get(response["Location"]).content.decode()
    assert not Approval.objects.exists()
    assert re.search(r'<details class="action failed" id="step-request_approval" open>', page)
    assert "字段「金额（元）」：应为金额，实际为「八百」" in beside(page, "amount")
    assert plan in page and 'value="八百"' in page and re.search(r'<option value="cash" selected>', page)
    assert "未完成：提交审批" in page
    no_codes(page)
    # corrected in the same form, it goes through
    client.post(f"/c/{c.number}/act/request_approval/", {
        "version": c.version, "kind": "compensation", "plan": plan, "compensation_kind": "cash", "amount": "800"})
    assert Approval.objects.get().amount == 800


def test_a_step_refused_because_someone_else_acted_first_keeps_the_text_for_sending_again(client, people, p1):
    from kesu.complaints import lifecycle

    c = bring_to(State.HANDLING, people, timezone.now())
    client.force_login(people["lijl"])
    lifecycle.add_note(c, actor=people["wangkf"], now=timezone.now(), note="客户又来电催促")  # meanwhile
    typed = "已与客户约定明早九点到店检修"
    page = client.post(f"/c/{c.number}/act/note/", {"version": c.version, "note": typed}, follow=True).content.decode()
    assert "您的提交未保存" in page and typed in page
    assert re.search(r'<details class="action failed" id="step-note" open>', page)
    current = Complaint.objects.get(pk=c.pk).version
    assert f'name="version" value="{current}"' in page  # sent again from here, it is taken
    assert not Complaint.objects.get(pk=c.pk).events.filter(kind="note", reason=typed).exists()
    again = client.get(f"/c/{c.number}/").content.decode()  # shown once: the next visit is the plain page
    assert typed not in again and 'class="action failed"' not in again


def test_every_error_of_the_portal_form_shows_at_once_by_the_label_the_customer_reads(people, p1):
    from django.core.cache import cache

    cache.clear()
    client = Client()
    form = client.get("/portal/complain/").content.decode()
    answer = read_image(form)
    page = client.post("/portal/complain/", {**complaint_fields(customer_phone="12345", customer_words=""),
                                             **answer, "captcha_1": "WRONG"}).content.decode()
    assert not Complaint.objects.exists()
    assert "字段「联系电话」：电话号码「12345」无效" in beside(page, "customer_phone")
    assert "字段「投诉内容」：必填，不能为空" in beside(page, "customer_words")
    assert "字段「验证码」：验证码不正确" in beside(page, "captcha")
    assert "请修改以下各处后再提交" in page and 'value="刘女士"' in page
    no_codes(page)
