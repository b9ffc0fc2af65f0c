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


def test_an_english_reader_reads_the_policys_english_names_in_notices(p1, people, now):
    """Issue 13 item 7: a breach names the clock by its name_en, an approval what is asked and its
    threshold in English, a crisis the level by its name_en; the Chinese reader reads the policy's own."""
    from kesu.core.lifecycle import State
    from kesu.workflow import services as workflow
    from tests.factories import bring_to

    c = register(people, now)
    k = c.clocks.get(code="handoff")
    alerts.announce_breach(c, k, person=people["lijl"], escalate_to=None, now=k.due_at + timedelta(hours=2))
    breach = Notification.objects.get(recipient=people["lijl"], kind="clock_breached")
    assert "'Work sheet to the department manager' is overdue" in render(breach.kind, breach.params, "en")[0]
    assert "「协调工作单交部门经理」已超时" in render(breach.kind, breach.params)[0]

    handling = bring_to(State.HANDLING, people, now)
    workflow.request_approval(handling, actor=people["lijl"], now=now, kind="compensation",
                              compensation_kind="voucher", amount="300", plan="补偿 300 元礼券")
    asked = Notification.objects.filter(kind="approval_requested").first()
    body = render(asked.kind, asked.params, "en")[1]
    assert "voucher of 300" in body.lower() and "礼券 300" not in body and "总经理" not in body, body

    from kesu.core.crisis import CrisisHit

    hit = CrisisHit(level_signal="危机事件", level_signal_en="Crisis")
    assert hit.reasons("en") == ["Level: Crisis"] and hit.reasons() == ["级别：危机事件"]
