"""Notices people read (issue 13 item 5): one notice per breach, worded in days and hours — never
「已超时 10516 分钟」 — and past the policy's number a day, one person's further breaches folded
into one digest notice for the day."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kesu.clocks import alerts
from kesu.notifications.messages import duration_words, render
from kesu.notifications.models import Notification
from tests.factories import register

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("minutes", "zh", "en"), [
    (5, "5 分钟", "5 minutes"), (95, "1 小时", "1 hour"), (10516, "7 天 7 小时", "7 days 7 hours"),
    (1440, "1 天", "1 day")])
def test_lateness_reads_in_days_and_hours(minutes, zh, en):
    assert duration_words(minutes) == zh and duration_words(minutes, "en") == en
    params = {"number": "260310001", "clock": "初次对应", "due": "x", "late_minutes": minutes}
    body = render("clock_breached", params)[1]
    assert f"已超时 {zh}。" in body and "10516" not in body


def test_past_three_breaches_a_day_one_persons_further_breaches_are_one_digest(p1, people, now):
    lijl = people["lijl"]
    numbers = []
    for _ in range(6):
        c = register(people, now)
        numbers.append(c.number)
        k = c.clocks.get(code="handoff")  # 协调工作单 to the department manager
        later = k.due_at + timedelta(days=7, hours=7, minutes=10)
        alerts.announce_breach(c, k, person=lijl, escalate_to=None, now=later)
        alerts.announce_breach(c, k, person=lijl, escalate_to=None, now=later + timedelta(minutes=1))  # a rerun
    mine = Notification.objects.filter(recipient=lijl)
    assert mine.filter(kind="clock_breached").count() == 3
    digest = mine.get(kind="clock_breached_digest")
    assert digest.params["numbers"] == numbers[3:] and digest.params["count"] == 3
    subject, body = render(digest.kind, digest.params)
    assert "另有 3 件投诉超时" in subject and numbers[5] in body
    first = mine.filter(kind="clock_breached").first()
    assert "已超时 7 天 7 小时" in render(first.kind, first.params)[1]
