"""Every channel says or derives the business unit of what it registers (issue 18, SPEC F16): a
webhook delivery names it, a mailbox is a unit's, a spreadsheet has a 业务单位 column, a portal
link carries it — and an unknown unit is refused, never guessed."""

from __future__ import annotations

import json
import time
from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from django.test import Client

from kesu.complaints.models import Complaint
from kesu.intake import spreadsheet
from kesu.intake.models import WebhookSource
from kesu.intake.webhook import signature
from kesu.mailin import services as mail
from kesu.mailin.models import MailAccount
from kesu.org.models import Unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def stores(db):
    group = Unit.objects.create(code="group", name="集团", name_en="Group", kind="group")
    return {"group": group,
            "east": Unit.objects.create(code="east", name="东区店", name_en="East store", kind="store", parent=group),
            "west": Unit.objects.create(code="west", name="西区店", name_en="West store", kind="store", parent=group)}


def test_a_webhook_delivery_naming_a_store_registers_for_that_store(publish, people, now, stores):
    publish("p3_rapid_response", now)  # P3 takes chat
    WebhookSource.objects.create(name="wechat", title="微信客服", channel="chat", secret="k")

    def post(payload: dict[str, object]):  # type: ignore[no-untyped-def]
        body = json.dumps(payload, ensure_ascii=False).encode()
        ts = str(int(time.time()))
        return Client().post("/intake/webhook/wechat/", body, content_type="application/json",
                             HTTP_X_KESU_TIMESTAMP=ts, HTTP_X_KESU_SIGNATURE=signature("k", ts, body))

    made = post({"message_id": "wx-1", "text": "耳机左边没声音，要求换货", "unit": "west",
                 "customer": {"name": "赵先生", "phone": "13800138000"}})
    assert made.status_code == 201, made.json()
    assert Complaint.objects.get(number=made.json()["number"]).unit == stores["west"]
    refused = post({"message_id": "wx-2", "text": "耳机坏了", "unit": "north",
                    "customer": {"name": "钱女士", "phone": "13800138001"}})
    assert refused.status_code == 422 and Complaint.objects.count() == 1


def test_a_stores_mailbox_registers_its_mail_for_that_store(publish, people, now, stores):
    publish("p4_public_commitment", now)  # P4 takes complaints by email
    account = MailAccount.objects.create(name="东区店邮箱", host="127.0.0.1", port=1, use_ssl=False,
                                         username="east", password="-", unit=stores["east"])
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "马先生 <ma@example.com>", "east@example.com", "门店服务投诉"
    msg["Message-ID"] = make_msgid()
    msg.set_content("电话：13812345678\n前台接待态度很差，问两句就不耐烦。")
    mail.process(account, msg.as_bytes(), now=now)
    assert Complaint.objects.get().unit == stores["east"]


def test_a_sheets_unit_column_names_each_rows_store_and_a_bad_code_is_named_on_its_row(p1, people, now, stores):
    sheet = ("渠道,客户姓名,客户电话,客户原话,车牌号,业务单位\r\n"
             "电话,周女士,13700001111,空调外机噪音大,京A12345,east\r\n"
             "电话,吴先生,13700002222,保养多收费,京A54321,west\r\n"
             "电话,郑先生,13700003333,等了两个小时,京A11111,north\r\n").encode()
    report = spreadsheet.check("登记.csv", sheet, now=now, actor=people["wangkf"])
    assert [bool(r.errors) for r in report.rows] == [False, False, True]
    assert "业务单位" in report.rows[2].errors[0].zh and "Business unit" in report.rows[2].errors[0].en
    made = spreadsheet.import_rows(report, actor=people["wangkf"], now=now, only_valid=True)
    assert [c.unit.code for c in made] == ["east", "west"]


def test_a_portal_link_carries_its_store_and_an_unknown_store_is_not_found(p1, stores):
    assert Client().get("/portal/complain/?unit=west").status_code == 200
    assert Client().get("/portal/complain/?unit=north").status_code == 404
