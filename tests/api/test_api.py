"""The REST API: token auth, scoped exactly like the staff pages, one error format, idempotent
creation (also under concurrency), workflow steps through the same rules, stale versions refused."""

from __future__ import annotations

import threading

import pytest
from django.core.management import call_command
from django.db import connection
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from kesu.complaints.models import Complaint
from kesu.core.lifecycle import State
from tests.factories import bring_to

pytestmark = pytest.mark.django_db


def client_for(person, lang: str = "zh-hans") -> APIClient:
    token, _ = Token.objects.get_or_create(user=person)
    c = APIClient()
    c.credentials(HTTP_AUTHORIZATION=f"Token {token.key}", HTTP_ACCEPT_LANGUAGE=lang)
    return c


NEW = {"channel": "phone", "customer_words": "空调不制冷，师傅两次上门都没修好", "customer_name": "何女士",
       "customer_phone": "13600001111", "complained_department": "after_sales"}


def test_without_a_token_nothing_is_answered_but_the_error(p1, people):
    response = APIClient().get("/api/v1/complaints/")
    assert response.status_code == 401 and set(response.json()["error"]) == {"code", "message", "fields"}


def test_an_unknown_token_or_an_inactive_owner_is_refused_in_the_error_format(p1, people):
    unknown = APIClient()
    unknown.credentials(HTTP_AUTHORIZATION="Token 0000000000000000000000000000000000000000")
    api = client_for(people["wangkf"])
    people["wangkf"].is_active = False
    people["wangkf"].save(update_fields=["is_active"])
    for response in (unknown.get("/api/v1/complaints/"), api.post("/api/v1/complaints/", NEW, format="json")):
        assert response.status_code == 401 and response.json()["error"]["code"]
    assert not Complaint.objects.exists()


def test_the_issue_token_command_prints_a_working_token(p1, people, capsys):
    call_command("issue_token", "wangkf")
    key = capsys.readouterr().out.strip()
    c = APIClient()
    c.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert c.get("/api/v1/complaints/").status_code == 200


def test_create_read_and_list_with_filters(p1, people):
    api = client_for(people["wangkf"])
    made = api.post("/api/v1/complaints/", NEW, format="json")
    assert made.status_code == 201
    number = made.json()["number"]
    assert made.json()["status"] == "registered" and "timeline" not in made.json()  # brief; details on GET
    detail = api.get(f"/api/v1/complaints/{number}/").json()
    assert detail["status"] == "registered" and detail["timeline"][0]["kind"] == "registered"
    listed = api.get("/api/v1/complaints/", {"status": "registered", "channel": "phone"}).json()
    assert [c["number"] for c in listed["results"]] == [number] and "next" in listed
    assert api.get("/api/v1/complaints/", {"status": "archived"}).json()["results"] == []


def test_the_same_idempotency_key_makes_one_complaint_and_a_different_body_is_refused(p1, people):
    api = client_for(people["wangkf"])
    first = api.post("/api/v1/complaints/", NEW, format="json", HTTP_IDEMPOTENCY_KEY="order-77")
    again = api.post("/api/v1/complaints/", NEW, format="json", HTTP_IDEMPOTENCY_KEY="order-77")
    other = api.post("/api/v1/complaints/", {**NEW, "customer_words": "别的事"}, format="json",
                     HTTP_IDEMPOTENCY_KEY="order-77")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["number"] == again.json()["number"] and Complaint.objects.count() == 1
    assert other.status_code == 422 and other.json()["error"]["code"] == "idempotency_mismatch"


@pytest.mark.django_db(transaction=True)
def test_two_identical_requests_at_once_make_one_complaint(p1, people):
    results: list[int] = []

    def send() -> None:
        try:
            results.append(client_for(people["wangkf"]).post("/api/v1/complaints/", NEW, format="json",
                                                             HTTP_IDEMPOTENCY_KEY="race-1").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert Complaint.objects.count() == 1
    assert sorted(results)[0] in (200, 201) and results.count(201) == 1


def test_scoping_and_masking_follow_the_staff_pages(p1, people):
    c = bring_to(State.HANDLING, people, __import__("django.utils.timezone", fromlist=["now"]).now())
    assert client_for(people["zhaojl"]).get(f"/api/v1/complaints/{c.number}/").status_code == 404
    assert c.number not in str(client_for(people["zhaojl"]).get("/api/v1/complaints/").json())
    assert client_for(people["zhengjh"]).get(f"/api/v1/complaints/{c.number}/").json()["customer_phone"] \
        == "138****5678"  # audit sees the case, not the phone
    assert client_for(people["lijl"]).get(f"/api/v1/complaints/{c.number}/").json()["customer_phone"] == "13812345678"


@pytest.mark.parametrize("reader", ["lijl", "zhengjh"])  # sees the phone / sees it masked
def test_the_brief_answer_to_a_create_is_what_the_serializer_gives(p1, people, reader):
    from django.utils import timezone

    from kesu.api.serializers import ComplaintSerializer, complaint_brief
    from kesu.api.views import _sees

    now = timezone.now()
    c = Complaint.objects.select_related("department", "owner").get(pk=bring_to(State.HANDLING, people, now).pk)
    sees = _sees(people[reader], now)
    assert c.department_id and c.owner_id
    assert complaint_brief(c, lang="en", sees_personal_data=sees(c)) == ComplaintSerializer(
        c, context={"lang": "en", "sees_personal_data": sees}).data


def test_steps_go_through_the_same_rules_with_the_version_read(p1, people):
    from django.utils import timezone

    c = bring_to(State.HANDLING, people, timezone.now())
    manager = client_for(people["lijl"])
    steps = {a["action"] for a in manager.get(f"/api/v1/complaints/{c.number}/actions/").json()}
    assert {"agree_solution", "transfer", "request_approval"} <= steps and "sign_off" not in steps
    forged = client_for(people["wangkf"]).post(f"/api/v1/complaints/{c.number}/actions/sign_off/",
                                               {"expected_version": c.version}, format="json")
    assert forged.status_code == 409 and forged.json()["error"]["code"] == "transition_not_allowed"
    by_role = client_for(people["wangkf"]).post(f"/api/v1/complaints/{c.number}/actions/agree_solution/",
                                                {"expected_version": c.version, "fields": {"plan": "x"}}, format="json")
    assert by_role.status_code == 403 and by_role.json()["error"]["code"] == "role_not_allowed"
    ok = manager.post(f"/api/v1/complaints/{c.number}/actions/agree_solution/",
                      {"expected_version": c.version, "fields": {"plan": "免费返修"}}, format="json")
    assert ok.status_code == 200 and ok.json()["status"] == "solution_agreed"
    stale = manager.post(f"/api/v1/complaints/{c.number}/actions/return_result/",
                         {"expected_version": c.version, "fields": {"result": "已修"}}, format="json")
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "stale_update"
    assert Complaint.objects.get(pk=c.pk).status == State.SOLUTION_AGREED


def test_errors_name_each_field_in_the_callers_language(p1, people):
    api = client_for(people["wangkf"], lang="en")
    bad = api.post("/api/v1/complaints/", {**NEW, "customer_phone": "12345", "channel": "pigeon"}, format="json")
    assert bad.status_code == 422
    fields = {f["field"]: f["message"] for f in bad.json()["error"]["fields"]}
    assert set(fields) == {"customer_phone", "channel"} and "not a valid phone number" in fields["customer_phone"]
    missing = api.post("/api/v1/complaints/", {"channel": "phone"}, format="json")
    assert missing.status_code == 422 and missing.json()["error"]["fields"][0]["field"] == "customer_words"
    broken = api.post("/api/v1/complaints/", "{oops", content_type="application/json")
    assert broken.status_code == 400 and broken.json()["error"]["code"] == "parse_error"
    unknown = api.post("/api/v1/complaints/x/actions/agree_solution/", {"expected_version": 1}, format="json")
    assert unknown.status_code == 404


def test_the_schema_and_its_docs_are_served_by_kesu_itself(p1, people):
    api = client_for(people["wangkf"])
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200 and "/api/v1/complaints/" in schema.content.decode()
    docs = api.get("/api/docs/").content.decode()
    assert "swagger-ui" in docs and "cdn" not in docs.lower()
