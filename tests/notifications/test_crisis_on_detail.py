"""A crisis is shown on the complaint's own page (issue 16, Deliver 3: "a crisis case shows the
team, who has acknowledged the alert"): the reasons, the crisis team with each member's
acknowledgement, and the crisis's timeline — raised, alerted by each channel, acknowledged,
escalated — in Chinese and in English, to the people the crisis concerns (the team, everyone
alerted, the system administrators); the others who may open the complaint see the complaint."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client

from kesu.notifications import outbox
from kesu.notifications.models import CrisisAlert, Notification
from tests.factories import register
from tests.web.test_english_pages import chinese_left, raw_codes, user_data

pytestmark = pytest.mark.django_db
WORDS = "再不解决我就找媒体曝光"
SECTION = re.compile(r'<section class="card crisis-card" id="crisis">(.*?)</section>', re.S)


@pytest.fixture
def reachable(people):
    for i, login in enumerate(("zhangzong", "zhoujl", "weifw")):
        p = people[login]
        p.email, p.phone = f"{login}@dealer.example", f"1390000020{i}"
        p.save(update_fields=["email", "phone"])
    return people


def client_for(person, lang: str = "zh-hans") -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(person)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    return client


def crisis_section(client: Client, number: str) -> str:
    page = client.get(f"/c/{number}/")
    assert page.status_code == 200
    found = SECTION.search(page.content.decode())
    return found.group(1) if found else ""


def timeline(section: str) -> list[str]:
    return re.findall(r'<li data-what="(\w+)">', section)


def test_the_complaints_page_shows_the_crisis_team_acknowledgements_and_timeline(
        p1, reachable, now, smtp, sms_file):
    people = reachable
    c = register(people, now, customer_words=WORDS)
    outbox.expand(now=now)
    outbox.send_due(now=now)
    manager = client_for(people["zhoujl"])  # of the crisis team (P1: the GM and the CS manager)

    section = crisis_section(manager, c.number)
    assert "危机关键词：媒体、曝光" in section and "危机处理小组" in section
    rows = {name: ack for ack, name in re.findall(r'<tr data-acknowledged="(\w+)"><td>(\S+)</td>', section)}
    assert rows == {"张总": "no", "周经理": "no"}
    assert "已过应确认时间" in section  # the page reads the wall clock; the alert was raised on 10 March 2026
    lines = timeline(section)
    assert lines[0] == "raised" and "inbox" in lines
    assert lines.count("sent") == 6  # e-mail and SMS to the GM, the CS manager and legal
    assert "预警通知 · 邮件" in section and "预警通知 · 短信" in section and "卫法务" in section

    # acknowledged from the complaint's page, the reader is back on it, and it says so
    answer = manager.post(f"/notify/crisis/{c.number}/", {"back": "detail"})
    assert answer.status_code == 302 and answer["Location"] == f"/c/{c.number}/#crisis"
    section = crisis_section(manager, c.number)
    assert '<tr data-acknowledged="yes"><td>周经理</td>' in section and "您已确认" in section
    assert "已有人确认" in section and "已过应确认时间" not in section and timeline(section)[-1] == "acknowledged"
    assert outbox.escalate_unacknowledged(now=now + timedelta(hours=2)) == 0

    # legal was alerted: legal sees it too; the agent who registered it sees the complaint only
    assert "危机处理小组" in crisis_section(client_for(people["weifw"]), c.number)
    assert crisis_section(client_for(people["wangkf"]), c.number) == ""


def test_an_escalation_shows_on_the_complaints_page_in_english(p1, reachable, now):
    people = reachable
    c = register(people, now, customer_words=WORDS)
    outbox.expand(now=now)
    assert outbox.escalate_unacknowledged(now=now + timedelta(minutes=61)) == 1
    outbox.expand(now=now + timedelta(minutes=61))

    gm = client_for(people["zhangzong"], "en")
    section = crisis_section(gm, c.number)
    assert "Crisis words: 媒体、曝光" in section and "Crisis team" in section
    assert "Nobody acknowledged in time: escalated" in section
    assert "Not acknowledged" in section and "I have it and will follow up" in section
    assert timeline(section)[-1] in ("inbox", "pending") and "escalated" in timeline(section)
    assert "Escalation (inbox)" in section and "Escalation · E-mail" in section
    assert chinese_left(section, user_data()) == [] and raw_codes(section) == []
    assert CrisisAlert.objects.get(complaint=c).escalated_at is not None
    assert Notification.objects.filter(kind="crisis_unacknowledged", recipient=people["zhangzong"]).exists()

    # the crisis page reads the same
    page = gm.get(f"/notify/crisis/{c.number}/").content.decode()
    assert "Nobody acknowledged in time: escalated" in page and "Crisis timeline" in page
