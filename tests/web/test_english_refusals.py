"""A refusal follows the request's language to its last word (issue 13 item 7): the deputies'
rules, the customer-data page and legal holds, the spreadsheet import (its file, its columns, each
row's problems) and the signed webhook's body — an English reader is told in English, a Chinese
reader in Chinese, and the field by its label, never by its code."""

from __future__ import annotations

import io
import json
import re
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from openpyxl import Workbook

from kesu.core.errors import KesuError
from kesu.core.lifecycle import State
from kesu.intake.models import ImportBatch, WebhookSource
from kesu.intake.webhook import signature
from kesu.org.models import Department
from tests.factories import bring_to

pytestmark = pytest.mark.django_db
HAN = re.compile(r"[\u3400-\u9fff]")


def client_in(lang: str, staff=None) -> Client:  # type: ignore[no-untyped-def]
    client = Client(HTTP_ACCEPT_LANGUAGE=lang)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    if staff is not None:
        client.force_login(staff)
    return client


def refusal(call) -> KesuError:  # type: ignore[no-untyped-def]
    with pytest.raises(KesuError) as caught:
        call()
    return caught.value


# -- the deputies' rules (kesu.org.services) ---------------------------------------------------------------

def test_only_the_departments_manager_names_a_deputy_in_either_language(p1, people, now):
    from kesu.org import services as org

    after_sales = Department.objects.get(code="after_sales")
    stranger = refusal(lambda: org.designate_deputy(department=after_sales, deputy=people["liudl"],
                                                    actor=people["wangkf"], now=now))
    assert stranger.message("zh-hans") == "「指定责任代理人」须由该部门经理执行，您没有该权限"
    assert stranger.message("en") == "'designating a deputy' must be done by the department's manager; you may not"
    revoke = refusal(lambda: org.revoke_deputy(department=after_sales, actor=people["wangkf"], now=now))
    assert "revoking a deputy" in revoke.message("en") and not HAN.search(revoke.message("en"))

    own = refusal(lambda: org.designate_deputy(department=after_sales, deputy=after_sales.manager,
                                               actor=after_sales.manager, now=now))
    assert own.message("zh-hans") == "字段「责任代理人」：取值无效：部门经理本人无需指定为代理人"
    assert own.message("en") == "field 'Deputy': invalid value: the manager need not be their own deputy"
    past = refusal(lambda: org.designate_deputy(department=after_sales, deputy=people["liudl"],
                                                actor=after_sales.manager, now=now, ends_at=now - timedelta(hours=1)))
    assert past.message("en") == "field 'Ends at': invalid value: the end must be later than now"
    assert "截止时间须晚于现在" in past.message("zh-hans")


# -- personal data (kesu.privacy) ---------------------------------------------------------------------------

@pytest.mark.parametrize("lang, said", [
    ("en", "field 'Reason': 'exporting a customer's data' needs a reason"),
    ("zh-hans", "字段「原因」：「导出客户个人信息」必须填写原因"),
])
def test_the_customer_data_page_refuses_an_export_without_a_reason_in_the_readers_language(p1, people, now,
                                                                                            lang, said):
    bring_to(State.ARCHIVED, people, now)
    page = client_in(lang, people["zhoujl"]).post("/privacy/customer/", {
        "action": "export", "phone": "13812345678", "format": "json"})
    assert page.status_code == 422
    assert said in page.content.decode().replace("&#x27;", "'")


def test_the_privacy_rules_refuse_in_either_language(p1, people, now):
    from kesu.privacy import customer, holds, rules

    c = bring_to(State.ARCHIVED, people, now)
    who = refusal(lambda: rules.check_customer_data(people["wangkf"]))
    assert who.message("en") == ("'exporting or erasing a customer's data' must be done by CS manager, "
                                 "System administrator; you may not")
    assert who.message("zh-hans").startswith("「导出或删除客户个人信息」须由客服部经理、系统管理员执行")
    hold = refusal(lambda: rules.check_hold(people["wangkf"]))
    assert "'a legal hold' must be done by" in hold.message("en") and not HAN.search(hold.message("en"))
    no_reason = refusal(lambda: holds.set_hold(c, on=True, actor=people["zhoujl"], now=now, reason=" "))
    assert no_reason.message("en") == "field 'Reason': 'setting a legal hold' needs a reason"
    assert no_reason.message("zh-hans") == "字段「原因」：「设置法律保全」必须填写原因"
    cleared = refusal(lambda: holds.set_hold(c, on=False, actor=people["zhoujl"], now=now, reason=""))
    assert "'clearing a legal hold' needs a reason" in cleared.message("en")
    erase = refusal(lambda: customer.erase(customer.Customer.parse("13812345678", "", ""), actor=people["zhoujl"],
                                           now=now, reason=""))
    assert erase.message("en") == "field 'Reason': 'erasing a customer's data' needs a reason"


# -- the spreadsheet import (kesu.intake.spreadsheet) --------------------------------------------------------

def xlsx(rows: list[list[object]]) -> bytes:
    wb = Workbook()
    for r in rows:
        wb.active.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def upload(client: Client, name: str, content: bytes) -> str:
    from django.core.files.uploadedfile import SimpleUploadedFile

    page = client.post("/intake/import/", {"file": SimpleUploadedFile(name, content)}, follow=True)
    return page.content.decode().replace("&#x27;", "'")


def test_an_english_upload_is_told_in_english_which_columns_are_wrong_and_which_it_may_use(p1, people):
    en = client_in("en", people["wangkf"])
    form = en.get("/intake/import/").content.decode().replace("&#x27;", "'")
    assert "Customer's words" in form and "客户原话" not in form  # the columns it may use, in English
    page = upload(en, "x.xlsx", xlsx([["姓名", "心情", "心情"], ["孙", "异响", "x"]]))
    assert "field 'Spreadsheet file': unknown column '心情'" in page
    assert "the required column 'Customer's words' is missing" in page
    assert "known: Channel, Customer's words, Customer name" in page
    twice = upload(en, "x.xlsx", xlsx([["客户原话", "Customer's words"], ["异响", "异响"]]))
    assert "the headers 'Customer's words' and '客户原话' name the same column" in twice
    assert not ImportBatch.objects.exists()
    zh = upload(client_in("zh-hans", people["wangkf"]), "x.xlsx", xlsx([["姓名", "心情"], ["孙", "异响"]]))
    assert "字段「表格文件」：表头「心情」不是可识别的列；可用列：渠道、客户原话、客户姓名" in zh
    assert "缺少必需的列「客户原话」" in zh
    csv = upload(en, "x.csv", "客户原话\r\n异响\r\n".encode("utf-16"))
    assert "the CSV is neither UTF-8 nor GB18030" in csv
    assert "CSV 既不是 UTF-8 也不是 GB18030 编码" in upload(client_in("zh-hans", people["wangkf"]), "x.csv",
                                                        "客户原话\r\n异响\r\n".encode("utf-16"))


def test_each_rows_problems_are_listed_in_the_readers_language(p1, people):
    header = ["Channel", "Customer name", "Customer phone", "Customer's words"]
    rows = [header, ["phone", "Mr Sun", "13912345678", "noise after the service"],
            ["phone", "Ms Qian", "12345", "the door seal came off"]]
    en = client_in("en", people["wangkf"])
    page = upload(en, "march.xlsx", xlsx(rows))  # English headers are read as the labels they are
    assert "Row 3: field 'Customer phone': '12345' is not a valid phone number" in page
    assert "电话号码" not in page and "第 3 行" not in page
    batch = ImportBatch.objects.get()
    zh = client_in("zh-hans", people["wangkf"]).get(f"/intake/import/{batch.pk}/").content.decode()
    assert "第 3 行：字段「客户电话」：电话号码「12345」无效" in zh


# -- the signed webhook (kesu.intake.webhook) ----------------------------------------------------------------

SECRET = "s3cret-for-tests"


@pytest.fixture
def source(p1, people, publish, now):
    publish("p3_rapid_response", now)  # P3 takes chat, app and social
    return WebhookSource.objects.create(name="wechat", title="微信客服", channel="chat", secret=SECRET)


def post(lang: str, payload: object = None, raw: bytes | None = None):  # type: ignore[no-untyped-def]
    body = raw if raw is not None else json.dumps(payload, ensure_ascii=False).encode()
    ts = str(int(time.time()))
    return Client().post("/intake/webhook/wechat/", body, content_type="application/json", HTTP_ACCEPT_LANGUAGE=lang,
                         HTTP_X_KESU_TIMESTAMP=ts, HTTP_X_KESU_SIGNATURE=signature(SECRET, ts, body))


def messages(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [f["message"] for f in response.json()["error"]["fields"]]


def test_the_webhook_says_what_it_expected_in_the_callers_language(source):
    shape = {"message_id": "wx-1", "text": "耳机没声音", "customer": "赵先生", "fields": [], "number": 3.5}
    en, zh = post("en", shape), post("zh-hans", shape)
    assert en.status_code == zh.status_code == 422
    assert "field 'customer': should be an object, got 'str'" in messages(en)
    assert "field 'fields': should be an object, got 'list'" in messages(en)
    assert "field 'number': should be a string, got 'float'" in messages(en)
    assert not any(HAN.search(m) for m in messages(en))
    assert "字段「customer」：应为对象，实际为「str」" in messages(zh)
    assert "字段「number」：应为字符串，实际为「float」" in messages(zh)

    typed = {"message_id": "wx-2", "text": "耳机没声音", "customer": {"phone": 138}}
    assert "field 'customer.phone': should be a string, got '138'" in messages(post("en", typed))
    listed = post("en", [1, 2])
    assert listed.status_code == 400 and "should be a JSON object, got 'list'" in messages(listed)[0]
    assert "应为JSON 对象" in messages(post("zh-hans", [1, 2]))[0]
    latin = post("en", raw="{\"text\": \"é\"}".encode("latin-1"))
    assert latin.status_code == 400 and "is not valid JSON: not UTF-8:" in messages(latin)[0]
    assert "不是有效的 JSON：不是 UTF-8：" in messages(post("zh-hans", raw="{\"text\": \"é\"}".encode("latin-1")))[0]
