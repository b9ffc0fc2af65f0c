"""The API's ``q`` is the staff pages' search (issue 12): an integration looking up a caller finds
the case by a word, the last four digits of the phone or part of the number — within what the
token's owner may see — and a query it cannot search is a 422 in the error format."""

from __future__ import annotations

import pytest
from django.utils import timezone

from kesu.core.lifecycle import State
from tests.api.test_api import client_for
from tests.factories import bring_to, register

pytestmark = pytest.mark.django_db


def numbers(api, q: str) -> list[str]:
    response = api.get("/api/v1/complaints/", {"q": q})
    assert response.status_code == 200, response.content
    return [c["number"] for c in response.json()["results"]]


def test_q_finds_by_a_chinese_word_the_last_four_digits_and_part_of_the_number(p1, people):
    leak = register(people, timezone.now(), customer_words="上周投诉过漏水的事", customer_phone="13987654321")
    other = register(people, timezone.now(), customer_words="发动机异响", customer_phone="13700001111")
    api = client_for(people["wangkf"])
    assert numbers(api, "漏水") == [leak.number]
    assert numbers(api, "4321") == [leak.number]
    assert numbers(api, leak.number[-4:]) == [leak.number]
    assert numbers(api, "异响 1111") == [other.number]


def test_q_respects_visibility(p1, people):
    sales = bring_to(State.ASSIGNED, people, timezone.now(), complained="sales", customer_words="漏水")
    assert numbers(client_for(people["lijl"]), "漏水") == []  # the after-sales manager
    assert numbers(client_for(people["wangkf"]), "漏水") == [sales.number]


def test_a_query_too_long_is_refused_in_the_error_format(p1, people):
    response = client_for(people["wangkf"]).get("/api/v1/complaints/", {"q": "漏" * 10_000})
    assert response.status_code == 422
    assert "200" in response.content.decode()
