"""Every parser of outside input has a depth and a size limit, and says so plainly: a deeply nested
JSON body on the API or the signed webhook is a 400 in the documented error format naming the
request body (请求体), a 3,000-deep or alias-bombed policy file is 「制度文件无法解析」 at its line,
and a spreadsheet row with an empty 客户原话 cell is that row's error by label. None of them is a
server error, none writes anything."""

from __future__ import annotations

import json
import time

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from kesu.api.models import IdempotencyKey
from kesu.complaints.models import Complaint, ComplaintEvent
from kesu.core.errors import ValidationFailed
from kesu.core.limits import MAX_JSON_DEPTH, json_depth_exceeds
from kesu.core.policy import dump_policy, load_policy, load_preset
from kesu.intake.models import ImportBatch, WebhookDelivery, WebhookSource
from kesu.intake.webhook import signature
from kesu.policies import services as policies
from kesu.policies.models import PolicyVersion
from tests.intake.test_batch_intake import HEADER, xlsx

pytestmark = pytest.mark.django_db
SECRET = "s3cret-for-tests"


def nested(depth: int, inner: str = '"x"') -> str:
    return "[" * depth + inner + "]" * depth


def written() -> tuple[int, int, int, int]:
    return (Complaint.objects.count(), ComplaintEvent.objects.count(), WebhookDelivery.objects.count(),
            IdempotencyKey.objects.count())


@pytest.fixture
def api(p1, people) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=people['wangkf'])[0].key}")
    return client


def assert_body_too_deep(response, lang: str = "zh-hans") -> None:
    assert response.status_code == 400, response.content[:200]
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert set(error) == {"code", "message", "fields"}
    [problem] = error["fields"]
    assert (problem["field"], problem["code"]) == ("body", "too_deep")
    if lang == "zh-hans":
        assert problem["label"] == "请求体" and f"嵌套不能超过 {MAX_JSON_DEPTH} 层" in error["message"]
    else:
        assert problem["label"] == "Request body" and "deeper than" in error["message"]


# --- JSON: the depth is measured before parsing ---------------------------------------------------

def test_the_depth_is_measured_without_parsing_and_brackets_inside_strings_do_not_count():
    assert not json_depth_exceeds(nested(MAX_JSON_DEPTH))
    assert json_depth_exceeds(nested(MAX_JSON_DEPTH + 1))
    assert not json_depth_exceeds(json.dumps({"customer_words": "[" * 5000 + '\\"{' * 100}))
    assert json_depth_exceeds("[" * 1_000_000)  # unterminated: still measured, never recursed into


def test_a_100000_deep_json_body_on_the_api_is_a_400_naming_the_body_and_writes_nothing(api):
    before = written()
    made = api.post("/api/v1/complaints/", nested(100_000), content_type="application/json",
                    HTTP_IDEMPOTENCY_KEY="deep-1")
    assert_body_too_deep(made)
    english = api.post("/api/v1/complaints/", nested(5_000), content_type="application/json",
                       HTTP_ACCEPT_LANGUAGE="en")
    assert_body_too_deep(english, lang="en")
    assert written() == before


def test_a_deep_value_inside_a_valid_looking_registration_is_refused_before_the_door(api):
    body = '{"channel": "phone", "customer_words": "漏水", "customer_name": "赵先生", "extra": {"a": ' + nested(40)
    body += "}}"
    before = written()
    assert_body_too_deep(api.post("/api/v1/complaints/", body, content_type="application/json"))
    assert written() == before


def test_a_deep_json_body_on_a_step_is_a_400_and_the_complaint_is_unchanged(api):
    made = api.post("/api/v1/complaints/", {"channel": "phone", "customer_words": "空调不制冷",
                                            "customer_name": "何女士"}, format="json").json()
    before = written()
    body = '{"expected_version": 1, "fields": {"note": ' + nested(50_000) + "}}"
    assert_body_too_deep(api.post(f"/api/v1/complaints/{made['number']}/actions/note/", body,
                                  content_type="application/json"))
    assert written() == before and Complaint.objects.get(number=made["number"]).version == 1


@pytest.fixture
def source(p1, people, publish, now):
    publish("p3_rapid_response", now)  # P3 takes chat
    return WebhookSource.objects.create(name="wechat", title="微信客服", channel="chat", secret=SECRET)


def deliver(body: bytes, lang: str = "zh-hans"):
    ts = str(int(time.time()))
    return Client().post("/intake/webhook/wechat/", body, content_type="application/json", HTTP_ACCEPT_LANGUAGE=lang,
                         HTTP_X_KESU_TIMESTAMP=ts, HTTP_X_KESU_SIGNATURE=signature(SECRET, ts, body))


def test_a_signed_webhook_delivery_nested_30000_deep_is_a_400_naming_the_body_and_writes_nothing(source):
    before = written()
    assert_body_too_deep(deliver(nested(30_000).encode()))  # 60 KB: within the webhook's 64 KB
    assert written() == before


def test_a_signed_delivery_hiding_a_deep_value_in_its_fields_is_refused_before_it_is_parsed(source):
    body = ('{"message_id": "wx-deep", "text": "耳机没声音", "customer": {"name": "赵先生"}, '
            '"fields": {"extra": {"a": ' + nested(100) + "}}}").encode()
    before = written()
    assert_body_too_deep(deliver(body, lang="en"), lang="en")
    assert written() == before
    ok = deliver(json.dumps({"message_id": "wx-deep", "text": "耳机没声音", "customer": {"name": "赵先生"}},
                            ensure_ascii=False).encode())
    assert ok.status_code == 201  # the refused one left no trace of its message_id


def test_a_webhook_body_declaring_more_than_64_kb_is_refused_413_in_the_error_format(source):
    response = deliver(b'{"text": "' + b"x" * (70 * 1024) + b'"}')
    assert response.status_code == 413 and response.json()["error"]["fields"][0]["label"] == "请求体"
    assert written() == (0, 0, 0, 0)


# --- YAML: a policy import ------------------------------------------------------------------------

def refusal(text: str) -> str:
    with pytest.raises(ValidationFailed) as caught:
        load_policy(text)
    [problem] = caught.value.errors
    assert problem.code == "policy_unreadable"
    return problem.message()


def test_a_3000_deep_yaml_policy_is_unreadable_at_its_line_not_a_recursion_error():
    message = refusal("code: deep\nname: 深\nlevels: " + nested(3000, "x") + "\n")
    assert message.startswith("制度文件无法解析：第 3 行") and "嵌套超过 64 层" in message
    assert "嵌套超过 64 层" in refusal("a:\n" + "".join("  " * i + "- \n" for i in range(70)))  # block style too


def test_a_billion_laughs_policy_is_refused_before_its_aliases_are_expanded():
    lines = ['a: &a ["哈", "哈", "哈", "哈", "哈", "哈", "哈", "哈", "哈"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [{', '.join(['*' + prev] * 9)}]")
    assert "含别名展开" in refusal("\n".join(lines))


def test_an_alias_cannot_smuggle_depth_past_the_limit():
    text = f"a: &a {nested(40, 'x')}\nb: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[*a]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n"
    assert "嵌套超过 64 层" in refusal(text)


def test_every_preset_still_loads_within_the_limits():
    for code in ("p1_four_level", "p5_property_management"):
        policy = load_preset(code)
        assert load_policy(dump_policy(policy)) == policy


def test_the_policy_import_refuses_a_deep_file_by_message_and_adds_no_version(db, now):
    before = PolicyVersion.objects.count()
    with pytest.raises(ValidationFailed) as caught:
        policies.create_draft(text="levels: " + nested(3000, "x"), actor=None, now=now)
    assert "嵌套超过" in caught.value.errors[0].message() and PolicyVersion.objects.count() == before


def test_the_admin_import_form_shows_the_depth_refusal_on_the_form(db):
    from kesu.policies.admin import PolicyVersionForm

    form = PolicyVersionForm(data={"source_text": "levels: " + nested(3000, "x"), "note": ""})
    assert not form.is_valid()
    assert any("嵌套超过 64 层" in e for e in form.non_field_errors())


# --- a spreadsheet row with an empty 客户原话 cell -------------------------------------------------

@pytest.fixture
def agent(p1, people) -> Client:
    c = Client()
    c.force_login(people["wangkf"])
    return c


@pytest.mark.parametrize("empty", [None, "", "   "])
def test_a_row_with_an_empty_customer_words_cell_is_its_rows_error_by_label(agent, empty):
    good = ["电话", "孙先生", 13912345678, "保养后异响", "重大投诉"]
    page = agent.post("/intake/import/", {"file": _file("登记表.xlsx", xlsx([HEADER, good, ["电话", "钱女士",
                                                                            13912345679, empty, "重大投诉"]]))},
                      follow=True)
    assert page.status_code == 200
    text = page.content.decode()
    assert "第 3 行：字段「客户原话」：必填，不能为空" in text and "customer_words" not in text
    batch = ImportBatch.objects.get()
    assert agent.post(f"/intake/import/{batch.pk}/", {"mode": "all"}).status_code < 500
    assert not Complaint.objects.exists()  # all-or-nothing: "all" is refused while a row is invalid
    agent.post(f"/intake/import/{batch.pk}/", {"mode": "valid"})
    assert list(Complaint.objects.values_list("customer_name", flat=True)) == ["孙先生"]


def test_a_sheet_whose_only_words_cell_is_empty_imports_nothing(agent):
    page = agent.post("/intake/import/", {"file": _file("a.csv", "客户原话,客户姓名\n,钱女士\n".encode())}, follow=True)
    assert page.status_code == 200 and "第 2 行：字段「客户原话」：必填，不能为空" in page.content.decode()
    batch = ImportBatch.objects.get()
    agent.post(f"/intake/import/{batch.pk}/", {"mode": "all"})
    agent.post(f"/intake/import/{batch.pk}/", {"mode": "valid"})
    assert not Complaint.objects.exists() and ImportBatch.objects.get().imported_at is None


def _file(name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


def test_a_nul_character_in_a_signed_delivery_is_refused_naming_the_field(source):
    body = json.dumps({"message_id": "wx-\x00", "text": "耳机\x00没声音", "customer": {"name": "赵\x00先生"},
                       "number": "26\x00"}).encode()
    response = deliver(body)
    assert response.status_code == 422
    assert {(f["field"], f["code"]) for f in response.json()["error"]["fields"]} == {
        ("message_id", "nul_character"), ("text", "nul_character"), ("number", "nul_character")}
    name_only = deliver(json.dumps({"message_id": "wx-2", "text": "耳机没声音",
                                    "customer": {"name": "赵\x00"}}).encode())
    assert [(f["field"], f["label"]) for f in name_only.json()["error"]["fields"]] == [("customer_name", "客户姓名")]
    assert written() == (0, 0, 0, 0)
    assert Client().post("/intake/webhook/we%00chat/", b"{}", content_type="application/json").status_code == 404
