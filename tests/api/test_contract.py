"""The API keeps the contract docs/api.md states: an oversized body is refused in the error format,
never Django's HTML page; a field the operation does not define is refused by name, never dropped;
a text field takes text, not a number; every free-text step input has a length limit, refused by
label; and the schema says what the list really returns (a cursor page)."""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from kesu.api.models import IdempotencyKey
from kesu.complaints.models import Complaint, ComplaintEvent
from kesu.core.errors import ValidationFailed
from kesu.core.lifecycle import State
from kesu.workflow import steps
from tests.factories import bring_to

pytestmark = pytest.mark.django_db

NEW = {"channel": "phone", "customer_words": "空调不制冷，师傅两次上门都没修好", "customer_name": "何女士",
       "customer_phone": "13600001111"}


def client_for(person, lang: str = "zh-hans") -> APIClient:
    c = APIClient()
    c.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=person)[0].key}",
                  HTTP_ACCEPT_LANGUAGE=lang)
    return c


@pytest.fixture
def api(p1, people) -> APIClient:
    return client_for(people["wangkf"])


@pytest.fixture
def complaint(api) -> Complaint:
    made = api.post("/api/v1/complaints/", NEW, format="json")
    assert made.status_code == 201
    return Complaint.objects.get(number=made.json()["number"])


def written() -> tuple[int, int, int]:
    return Complaint.objects.count(), ComplaintEvent.objects.count(), IdempotencyKey.objects.count()


def error_of(response, status: int) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json"), response.content[:100]
    error = response.json()["error"]
    assert set(error) == {"code", "message", "fields"} and error["message"]
    return error


# --- oversized bodies -----------------------------------------------------------------------------

def test_a_json_body_over_the_servers_limit_is_a_413_in_the_error_format_not_html(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024
    before = written()
    big = api.post("/api/v1/complaints/", {**NEW, "customer_words": "漏" * 40_000}, format="json",
                   HTTP_IDEMPOTENCY_KEY="big-1")
    error = error_of(big, 413)
    assert error["code"] == "body_too_large" and "64 KB" in error["message"]
    assert error["fields"][0]["label"] == "请求体"
    assert written() == before


def test_a_multipart_body_whose_fields_exceed_the_limit_is_a_413_in_the_error_format(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 16 * 1024
    before = written()
    big = api.post("/api/v1/complaints/", {**NEW, "customer_words": "漏" * 20_000}, format="multipart")
    assert error_of(big, 413)["code"] == "body_too_large"
    assert written() == before


def test_a_form_with_more_parts_than_django_takes_is_a_400_in_the_error_format(api, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    before = written()
    flood = api.post("/api/v1/complaints/", {**NEW, **{f"extra.f{i}": "x" for i in range(50)}}, format="multipart")
    error = error_of(flood, 400)
    assert error["fields"][0]["code"] == "too_many_parts" and "10" in error["message"]
    assert written() == before


def test_an_unreadable_body_is_still_named_parse_error_in_english_too(p1, people):
    api = client_for(people["wangkf"], lang="en")
    error = error_of(api.post("/api/v1/complaints/", b"{\"a\": NaN}", content_type="application/json"), 400)
    assert error["code"] == "parse_error" and error["fields"][0]["label"] == "Request body"


# --- unknown fields are refused, not dropped ------------------------------------------------------

def test_a_status_field_on_a_step_is_refused_naming_it_and_the_complaint_is_unchanged(api, complaint):
    before = written()
    sneaky = api.post(f"/api/v1/complaints/{complaint.number}/actions/note/",
                      {"expected_version": complaint.version, "fields": {"note": "已致电"}, "status": "closed"},
                      format="json")
    error = error_of(sneaky, 422)
    assert [(f["field"], f["code"]) for f in error["fields"]] == [("status", "unknown_field")]
    assert "「status」" in error["message"]
    assert written() == before and Complaint.objects.get(pk=complaint.pk).version == complaint.version


def test_a_status_field_on_creation_is_refused_naming_it_and_nothing_is_registered(api):
    before = written()
    error = error_of(api.post("/api/v1/complaints/", {**NEW, "status": "archived"}, format="json"), 422)
    assert [(f["field"], f["code"]) for f in error["fields"]] == [("status", "unknown_field")]
    assert written() == before


def test_an_unknown_field_inside_a_steps_fields_is_refused_naming_it(api, complaint):
    error = error_of(api.post(f"/api/v1/complaints/{complaint.number}/actions/note/",
                              {"expected_version": 1, "fields": {"note": "已致电", "status": "closed"}},
                              format="json"), 422)
    assert ("status", "unknown_field") in [(f["field"], f["code"]) for f in error["fields"]]


# --- strict types ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("field", "value", "label"), [
    ("customer_words", 12345, "客户原话"),
    ("customer_words", 3.5, "客户原话"),
    ("customer_words", True, "客户原话"),
    ("customer_words", {"text": "漏水"}, "客户原话"),
    ("customer_name", ["何", "女士"], "客户姓名"),
    ("customer_phone", 13600001111, "客户电话"),
    ("channel", 1, "渠道"),
])
def test_a_text_field_given_another_json_type_is_refused_by_label_and_nothing_is_registered(
        api, field, value, label):
    before = written()
    error = error_of(api.post("/api/v1/complaints/", {**NEW, field: value}, format="json"), 422)
    [problem] = error["fields"]
    assert (problem["field"], problem["code"], problem["label"]) == (field, "bad_type", label)
    assert f"字段「{label}」：应为文字" in problem["message"]
    assert written() == before


def test_demands_must_be_a_list_of_text(api):
    error = error_of(api.post("/api/v1/complaints/", {**NEW, "demands": ["refund", 2]}, format="json"), 422)
    assert [(f["field"], f["label"]) for f in error["fields"]] == [("demands", "客户诉求")]


def test_multipart_text_stays_text_and_registers(api):
    made = api.post("/api/v1/complaints/", {**NEW, "customer_words": "12345"}, format="multipart")
    assert made.status_code == 201 and made.json()["customer_words"] == "12345"


# --- length limits on every free-text step input --------------------------------------------------

def test_every_free_text_step_input_declares_a_length_limit():
    for step in steps.STEPS.values():
        for i in step.inputs:
            if i.kind in ("text", "line"):
                assert i.max_length is not None and i.max_length <= steps.TEXT_LIMIT, (step.code, i.name)
    assert steps.STEPS["penalty_waived"].inputs[1].max_length == 200  # its column is 200 characters


def test_a_100000_character_note_is_refused_by_label_with_the_limit_and_nothing_is_written(api, complaint):
    before = written()
    long = api.post(f"/api/v1/complaints/{complaint.number}/actions/note/",
                    {"expected_version": complaint.version, "fields": {"note": "备" * 100_000}}, format="json")
    error = error_of(long, 422)
    [problem] = error["fields"]
    assert (problem["field"], problem["code"]) == ("note", "too_long")
    assert f"字段「备注」：不能超过 {steps.TEXT_LIMIT} 个字" in problem["message"]
    assert written() == before


def test_a_note_of_exactly_the_limit_is_taken(api, complaint):
    ok = api.post(f"/api/v1/complaints/{complaint.number}/actions/note/",
                  {"expected_version": complaint.version, "fields": {"note": "备" * steps.TEXT_LIMIT}}, format="json")
    assert ok.status_code == 200 and ok.json()["version"] == complaint.version + 1


def test_the_limit_is_said_in_english_by_the_english_label(p1, people, complaint):
    api = client_for(people["wangkf"], lang="en")
    error = error_of(api.post(f"/api/v1/complaints/{complaint.number}/actions/note/",
                              {"expected_version": 1, "fields": {"note": "x" * (steps.TEXT_LIMIT + 1)}},
                              format="json"), 422)
    assert f"field 'Note': must not be longer than {steps.TEXT_LIMIT} characters" in error["fields"][0]["message"]


def test_the_listed_actions_say_each_inputs_limit(api, complaint):
    actions = {a["action"]: a for a in api.get(f"/api/v1/complaints/{complaint.number}/actions/").json()}
    note = {i["name"]: i for i in actions["note"]["inputs"]}["note"]
    assert (note["kind"], note["max_length"]) == ("text", steps.TEXT_LIMIT)


# --- the schema says what the operations really return ---------------------------------------------

def _schema(api) -> dict:
    return api.get("/api/schema/?format=json").json()


def _resolve(schema: dict, ref: dict) -> dict:
    return schema["components"]["schemas"][ref["$ref"].rsplit("/", 1)[-1]]


def test_the_list_is_documented_as_the_cursor_page_it_returns(api, complaint):
    schema = _schema(api)
    documented = schema["paths"]["/api/v1/complaints/"]["get"]["responses"]["200"]["content"]["application/json"]
    page = _resolve(schema, documented["schema"])
    assert page["type"] == "object" and set(page["required"]) == {"next", "previous", "results"}
    real = api.get("/api/v1/complaints/").json()
    assert set(real) == set(page["properties"])
    assert page["properties"]["results"]["type"] == "array" and real["results"][0]["number"] == complaint.number


def test_the_documented_errors_include_the_oversized_body(api):
    responses = _schema(api)["paths"]["/api/v1/complaints/"]["post"]["responses"]
    assert {"400", "413", "422"} <= set(responses)


@pytest.mark.parametrize("size", ["abc", "0", "201", "²", "-1", "1e3"])
def test_a_page_size_outside_1_to_200_is_refused_naming_it_not_quietly_replaced(api, size):
    error = error_of(api.get("/api/v1/complaints/", {"page_size": size}), 422)
    assert error["fields"][0]["field"] == "page_size"


def test_a_page_size_within_the_limit_pages(api, complaint):
    api.post("/api/v1/complaints/", NEW, format="json")
    page = api.get("/api/v1/complaints/", {"page_size": "1"}).json()
    assert len(page["results"]) == 1 and page["next"] and page["previous"] is None
    assert len(api.get(page["next"]).json()["results"]) == 1


def test_a_deeply_nested_extra_part_in_a_multipart_registration_is_refused_naming_it(api):
    before = written()
    deep = api.post("/api/v1/complaints/", {**NEW, "extra": "[" * 50_000 + "]" * 50_000}, format="multipart")
    error = error_of(deep, 422)
    assert [(f["field"], f["code"]) for f in error["fields"]] == [("extra", "bad_type")]
    assert written() == before


# --- NUL characters: PostgreSQL keeps none in text and cannot even compare with one ---------------

def test_a_nul_character_in_the_customers_words_is_refused_by_label_on_every_database(api):
    before = written()
    for fmt in ("json", "multipart"):
        error = error_of(api.post("/api/v1/complaints/", {**NEW, "customer_words": "漏水\x00了"}, format=fmt), 422)
        assert [(f["field"], f["code"], f["label"]) for f in error["fields"]] == [
            ("customer_words", "nul_character", "客户原话")]
    error = error_of(api.post("/api/v1/complaints/", {**NEW, "extra": {"plate_number": "京A\x00"}}, format="json"),
                     422)
    assert [f["field"] for f in error["fields"]] == ["extra.plate_number"]
    assert written() == before


def test_a_nul_character_in_a_step_is_refused_by_label(api, complaint):
    before = written()
    error = error_of(api.post(f"/api/v1/complaints/{complaint.number}/actions/note/",
                              {"expected_version": 1, "fields": {"note": "已致电\x00"}}, format="json"), 422)
    assert [(f["field"], f["code"]) for f in error["fields"]] == [("fields.note", "null_characters_not_allowed")]
    assert written() == before and Complaint.objects.get(pk=complaint.pk).version == 1


def test_the_step_registry_refuses_a_nul_character_by_label_for_every_surface(complaint, people, now):
    ctx = steps.context(complaint, people["wangkf"], now)
    with pytest.raises(ValidationFailed) as caught:
        steps.read(steps.STEPS["note"], ctx, {"note": "已致电\x00"})
    [problem] = caught.value.errors
    assert problem.code == "nul_character" and problem.message() == "字段「备注」：不能包含空字符（NUL）"


def test_a_nul_character_in_a_filter_or_a_number_is_a_clean_refusal(api, complaint):
    assert error_of(api.get("/api/v1/complaints/", {"q": "何\x00"}), 422)["fields"][0]["field"] == "q"
    assert error_of(api.get("/api/v1/complaints/%00/"), 404)["code"] == "not_found"
    assert error_of(api.get(f"/api/v1/complaints/{complaint.number}%00/actions/"), 404)["code"] == "not_found"


# --- numbers and times beyond what the columns hold (PostgreSQL overflowed: a 500) ----------------

@pytest.mark.parametrize(("field", "value"), [
    ("amount_involved", "1e13"), ("amount_involved", "99999999999999999.99"), ("amount_involved", "1e999999"),
    ("occurred_at", "0001-01-01T00:00:00+23:00"),
])
def test_an_amount_or_a_time_no_column_can_hold_is_refused_by_label(api, field, value):
    before = written()
    error = error_of(api.post("/api/v1/complaints/", {**NEW, field: value}, format="json"), 422)
    assert [f["field"] for f in error["fields"]] == [field]
    assert written() == before


def test_the_largest_amount_the_column_holds_registers(api):
    made = api.post("/api/v1/complaints/", {**NEW, "amount_involved": "999999999999.99"}, format="json")
    assert made.status_code == 201


@pytest.mark.parametrize("when", ["2026-13-01T00:00:00+08:00", "2026-02-30T00:00:00+08:00",
                                  "0001-01-01T00:00:00+23:00", "9999-12-31T23:59:59-23:59"])
def test_a_filter_time_that_does_not_exist_is_refused_naming_the_filter(api, when):
    assert error_of(api.get("/api/v1/complaints/", {"registered_after": when}), 422)["fields"][0]["field"] == \
        "registered_after"


def test_a_compensation_beyond_the_approval_column_is_refused_by_label(p1, people, now):
    c = bring_to(State.HANDLING, people, now)
    manager = client_for(people["lijl"])
    offered = [a["action"] for a in manager.get(f"/api/v1/complaints/{c.number}/actions/").json()]
    assert "request_approval" in offered
    before = written()
    error = error_of(manager.post(f"/api/v1/complaints/{c.number}/actions/request_approval/", {
        "expected_version": c.version, "fields": {"kind": "compensation", "plan": "赔偿", "compensation_kind": "cash",
                                                  "amount": "1e20"}}, format="json"), 422)
    assert [(f["field"], f["code"]) for f in error["fields"]] == [("amount", "too_large")]
    assert "金额（元）" in error["message"] and written() == before
