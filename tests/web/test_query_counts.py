"""List pages cost the same number of queries whatever they show (no N+1): a page of 3 complaints
and a page of 30 take the same queries, and so does the detail page of a long case."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kesu.core.lifecycle import State
from tests.factories import bring_to

pytestmark = pytest.mark.django_db


def queries(client: Client, url: str) -> int:
    client.get(url)  # warm caches (policy, calendar) so both counts see the same state
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("queue", ["mine", "department", "due_soon", "breached", "all"])
def test_a_queue_page_takes_the_same_queries_for_3_or_30_complaints(p1, people, queue):
    now = timezone.now()
    client = Client()
    client.force_login(people["zhoujl"])
    for _ in range(3):
        bring_to(State.HANDLING, people, now)
    few = queries(client, f"/queue/?q={queue}")
    for _ in range(27):
        bring_to(State.HANDLING, people, now)
    # session, user, roles, page, approvals badge, departments (filters and bulk steps)
    assert queries(client, f"/queue/?q={queue}") == few <= 10


def test_the_detail_page_takes_the_same_queries_for_a_short_and_a_long_case(p1, people):
    from kesu.complaints import lifecycle

    now = timezone.now()
    client = Client()
    client.force_login(people["zhangzong"])
    short = bring_to(State.HANDLING, people, now)
    long = bring_to(State.HANDLING, people, now)
    for i in range(20):
        long = lifecycle.add_note(long, actor=people["wangkf" if i % 2 else "lijl"], now=now, note=f"第 {i} 次跟进")
    # 34: 25 for the page, 7 for the handling records the steps on them need (clocks, requests, penalties),
    # 2 for the corrective actions (issue 18): their list among the handling records, their facts for the steps,
    # 1 for the crisis card (issue 16: the case's alert, if any)
    assert queries(client, f"/c/{long.number}/") == queries(client, f"/c/{short.number}/") <= 35


@pytest.mark.parametrize("who", ["zhoujl", "lijl"])
def test_a_search_page_takes_the_same_queries_for_3_or_30_hits(p1, people, who):
    """Each hit is masked as the reader may see it: the reader's standing is read once, not per row."""
    now = timezone.now()
    client = Client()
    client.force_login(people[who])
    for _ in range(3):
        bring_to(State.HANDLING, people, now, customer_words="天花板漏水")
    few = queries(client, "/search/?q=漏水")
    for _ in range(27):
        bring_to(State.HANDLING, people, now, customer_words="天花板漏水")
    assert queries(client, "/search/?q=漏水") == few
