"""The standing abuse suite for the API (schemathesis against Kesu's own OpenAPI schema, bounded and
derandomised): whatever the request — generated from the schema (valid and deliberately invalid),
or a hostile variant of every step the seeded complaints offer — the API never answers 5xx,
every answer it documents is in its schema, every 4xx is in the documented error format, and
nothing is half-written: a refused request changes no row, and after every request each
complaint's event count still matches its timeline.

The detail and action operations are reached with real complaints: the schema's ``number``
parameter is narrowed to the seeded complaints' numbers (and one nobody has), so generated
requests hit real cases instead of 404s; the explicit cases take every step each seeded complaint
offers, with valid fields and with hostile ones."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import schemathesis
from django.db.models import Count, F, Max, Q
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from kesu.api.models import IdempotencyKey
from kesu.complaints.models import Attachment, Complaint, ComplaintEvent
from kesu.core.lifecycle import State
from kesu.workflow import steps
from tests.factories import bring_to, register

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          negative_data_rejection]  # a request the schema forbids (a number as customer_words) is refused
UNKNOWN_NUMBER = "000000000"
HOSTILE_TEXT = [
    "价格<100元 & A&B <br><img src=/etc/passwd> <zhang@qq.com>",
    "=HYPERLINK(\"http://x\",\"点我\") =cmd|' /C calc'!A0 +1 -1 @SUM(1)",
    "\u202e\u200f RTL 标记 \u202c\x00\x01\x1b[31m 控制字符 \ud7ff\U0001f4a9",
    "'; DROP TABLE complaints_complaint; --",
    "备" * (steps.TEXT_LIMIT + 1),
    "1e20",  # in an amount: more than any column holds
    "-0.001",
]


@pytest.fixture
def token(p1, people):
    return Token.objects.get_or_create(user=people["zhoujl"])[0].key


@pytest.fixture
def seeded(p1, people, now) -> list[Complaint]:
    """Complaints in several states, so the steps a manager may take differ between them."""
    return [register(people, now), bring_to(State.HANDLING, people, now), bring_to(State.FOLLOW_UP, people, now)]


@pytest.fixture
def raw_schema(token) -> dict[str, Any]:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client.get("/api/schema/?format=json").json()


def narrowed(raw: dict[str, Any], numbers: list[str]) -> dict[str, Any]:
    """The schema with the ``number`` path parameter narrowed to real complaints (and one unknown)."""
    out = copy.deepcopy(raw)
    for item in out["paths"].values():
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                if parameter["name"] == "number" and parameter["in"] == "path":
                    parameter["schema"] = {"type": "string", "enum": [*numbers, UNKNOWN_NUMBER]}
    return out


def snapshot() -> tuple[int, ...]:
    return (Complaint.objects.count(), ComplaintEvent.objects.count(), IdempotencyKey.objects.count(),
            Attachment.objects.count(), sum(Complaint.objects.values_list("version", flat=True)))


def assert_whole() -> None:
    """No complaint is half-written: its event counter matches its timeline, one event per number."""
    broken = (Complaint.objects.annotate(n=Count("events"), top=Max("events__seq"))
              .filter(~Q(n=F("event_seq")) | ~Q(top=F("event_seq"))))
    assert not broken.exists(), list(broken.values("number", "event_seq", "n", "top"))


class Sent:
    def __init__(self) -> None:
        self.codes: dict[str, list[int]] = {}

    def check(self, case: Any, response: Any, before: tuple[int, ...]) -> None:
        label = f"{case.operation.method.upper()} {case.operation.path}"
        self.codes.setdefault(label, []).append(response.status_code)
        case.validate_response(response, checks=CHECKS)
        if response.status_code >= 400:
            error = response.json()["error"]
            assert set(error) == {"code", "message", "fields"}, response.text
            assert isinstance(error["fields"], list) and error["message"]
            assert snapshot() == before, f"a refused request wrote something: {case.as_curl_command()}"
        assert_whole()


@pytest.fixture
def sent() -> Sent:
    return Sent()


def test_no_generated_request_makes_the_api_fail_leave_its_schema_or_write_half(
        raw_schema, seeded, live_server, token, sent):
    api_schema = schemathesis.openapi.from_dict(narrowed(raw_schema, [c.number for c in seeded]))
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) == 6  # with GET /api/v1/capa/ (issue 18)
    headers = {"Authorization": f"Token {token}"}
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=12, deadline=None, derandomize=True, database=None,
                      suppress_health_check=list(HealthCheck))
            def fuzz(case: Any) -> None:
                before = snapshot()
                sent.check(case, case.call(base_url=live_server.url, headers=headers), before)

            try:
                fuzz()
            except Unsatisfiable:
                # an operation that takes nothing to get wrong (GET /api/v1/capa/) has no invalid request
                if mode is not GenerationMode.NEGATIVE:
                    raise
    for label, codes in sent.codes.items():
        assert len(codes) >= 10, label  # the run really exercised every operation
    for label in ("GET /api/v1/complaints/{number}/", "GET /api/v1/complaints/{number}/actions/"):
        assert any(code == 200 for code in sent.codes[label]), (label, sent.codes[label])  # reached real cases
    assert any(400 <= code < 500 for codes in sent.codes.values() for code in codes)


def _fields_for(action: dict[str, Any], text: str | None) -> dict[str, str]:
    """A body for the step: the first choice of each choice, a sensible line, and ``text`` (or a
    plain sentence) in every text input."""
    lines = {"amount": "100", "penalty": "", "extension": "24h", "within": "4h"}
    out = {}
    for i in action["inputs"]:
        if i["choices"]:
            out[i["name"]] = i["choices"][0]["value"]
        elif i["kind"] == "line":
            out[i["name"]] = lines.get(i["name"], "1") if text is None else text[:300]
        else:
            out[i["name"]] = "已与客户电话沟通，说明处理进度" if text is None else text
    return out


def test_every_offered_step_with_valid_and_hostile_fields_never_fails_or_writes_half(
        raw_schema, seeded, live_server, token, sent):
    api_schema = schemathesis.openapi.from_dict(narrowed(raw_schema, [c.number for c in seeded]))
    listing = api_schema["/api/v1/complaints/{number}/actions/"]["GET"]
    run = api_schema["/api/v1/complaints/{number}/actions/{action}/"]["POST"]
    headers = {"Authorization": f"Token {token}"}
    taken = 0
    for c in seeded:
        case = listing.Case(path_parameters={"number": c.number})
        before = snapshot()
        response = case.call(base_url=live_server.url, headers=headers)
        sent.check(case, response, before)
        for action in response.json():
            bodies: list[dict[str, Any]] = [{"fields": _fields_for(action, text)} for text in HOSTILE_TEXT]
            bodies += [{"fields": _fields_for(action, None), "status": "archived"},  # an unknown field
                       {"fields": {**_fields_for(action, None), "status": "archived"}},
                       {"fields": {name: 12345 for name in _fields_for(action, None)}},
                       {"fields": _fields_for(action, None)}]  # last: the valid one, which may succeed
            for body in bodies:
                version = Complaint.objects.get(pk=c.pk).version
                step = run.Case(path_parameters={"number": c.number, "action": action["action"]},
                                body={"expected_version": version, **body}, media_type="application/json")
                before = snapshot()
                answer = step.call(base_url=live_server.url, headers=headers)
                sent.check(step, answer, before)
                taken += answer.status_code == 200
    label = "POST /api/v1/complaints/{number}/actions/{action}/"
    assert len(sent.codes[label]) >= 30 and taken >= 3, sent.codes[label]


def test_registrations_with_hostile_words_register_whole_or_are_refused_whole(
        raw_schema, live_server, token, sent):
    create = schemathesis.openapi.from_dict(raw_schema)["/api/v1/complaints/"]["POST"]
    headers = {"Authorization": f"Token {token}"}
    made = 0
    for n, words in enumerate(HOSTILE_TEXT):
        for m, body in enumerate(({"channel": "phone", "customer_words": words, "customer_name": "何女士"},
                     {"channel": "电话", "customer_words": words, "customer_phone": "13600001111",
                      "demands": ["refund", "道歉"], "amount_involved": "199.50", "order_number": words[:60]},
                     {"channel": "phone", "customer_words": words, "customer_name": words})):  # long names: refused
            for key in (None, f"fuzz-{n}-{m}", f"fuzz-{n}-{m}"):  # the key again: a replay, 200, nothing written
                case = create.Case(body=body, media_type="application/json",
                                   headers={"Idempotency-Key": key} if key else None)
                before = snapshot()
                response = case.call(base_url=live_server.url, headers=headers)
                sent.check(case, response, before)
                made += response.status_code == 201
    codes = sent.codes["POST /api/v1/complaints/"]
    assert made >= 5 and 200 in codes and 422 in codes, codes
