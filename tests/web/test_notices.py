"""消息, the in-app inbox: each person reads their own notices, newest first with the unread
marked and counted in the header; marking read touches only the reader's own."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kesu.core.lifecycle import State
from kesu.notifications.models import Notification
from kesu.notifications.services import notify
from tests.factories import bring_to

pytestmark = pytest.mark.django_db


@pytest.fixture
def noticed(p1, people):
    now = timezone.now()
    c = bring_to(State.ASSIGNED, people, now)
    notify(recipients=[people["lijl"]], kind="approval_requested", now=now, complaint=c, email=False,
           params={"number": c.number, "what": "补偿", "threshold": "500 元以内", "plan": "退款 300 元"})
    notify(recipients=[people["lijl"]], kind="after_hours_handover", now=now, email=False,
           params={"count": 3, "shift": "11-30 08:30", "numbers": "A、B、C"})
    notify(recipients=[people["zhaojl"]], kind="keyword_flagged", now=now, complaint=c, email=False,
           params={"number": c.number, "words": "曝光"})
    return c


def test_a_person_reads_their_own_notices_newest_first(client, people, noticed):
    client.force_login(people["lijl"])
    body = client.get("/notices/").content.decode()
    assert body.index("工作知会单") < body.index(f"投诉 {noticed.number} 待您审批")  # newest first
    assert f'href="/c/{noticed.number}/"' in body and "2 条未读" in body
    assert "预警关键词" not in body  # 赵经理's notice
    assert client.get("/notices/badge/").content.decode() == '<span class="badge red">2</span>'


def test_marking_read_one_or_all_touches_only_ones_own(client, people, noticed):
    mine = Notification.objects.filter(recipient=people["lijl"]).order_by("pk")
    theirs = Notification.objects.get(recipient=people["zhaojl"])
    client.force_login(people["lijl"])
    client.post("/notices/read/", {"id": [mine[0].pk, theirs.pk]})
    assert [n.read_at is not None for n in mine.all()] == [True, False]
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    client.post("/notices/read/", {"all": "1"})
    assert not mine.filter(read_at__isnull=True).exists() and client.get("/notices/badge/").content == b""
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_notices_are_written_in_the_readers_language(client, people, noticed):
    client.force_login(people["lijl"])
    client.cookies["django_language"] = "en"
    assert "handover: 3 complaints received after hours" in client.get("/notices/").content.decode()


def test_the_inbox_costs_the_same_queries_for_one_notice_or_sixty(client, people, noticed):
    client.force_login(people["lijl"])
    client.get("/notices/")
    with CaptureQueriesContext(connection) as few:
        client.get("/notices/")
    for i in range(60):
        notify(recipients=[people["lijl"]], kind="keyword_flagged", now=timezone.now(), complaint=noticed,
               email=False, params={"number": noticed.number, "words": f"词{i}"})
    with CaptureQueriesContext(connection) as many:
        body = client.get("/notices/").content.decode()
    assert len(many) == len(few) and "更早的消息" in body
