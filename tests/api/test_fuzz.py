"""Fuzzing against Kesu's own OpenAPI schema (schemathesis, a bounded, reproducible run): whatever
the generated request, the API never answers 5xx, and every 4xx is in the documented error format."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from schemathesis.checks import not_a_server_error

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def token(p1, people):
    return Token.objects.get_or_create(user=people["zhoujl"])[0].key


@pytest.fixture
def api_schema(token):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return schemathesis.openapi.from_dict(client.get("/api/schema/?format=json").json())


def test_no_request_makes_the_api_fail_or_answer_outside_its_error_format(api_schema, live_server, token):
    from hypothesis import given

    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 4
    sent: list[int] = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=15, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def fuzz(case):  # type: ignore[no-untyped-def]
            response = case.call(base_url=live_server.url, headers={"Authorization": f"Token {token}"})
            sent.append(response.status_code)
            case.validate_response(response, checks=[not_a_server_error])
            if 400 <= response.status_code < 500:
                error = response.json()["error"]
                assert set(error) == {"code", "message", "fields"}, response.text
                assert isinstance(error["fields"], list) and error["message"]

        fuzz()
    assert len(sent) >= 5 * len(operations)  # the run really exercised every operation
    assert any(code < 300 for code in sent) and any(400 <= code < 500 for code in sent)
