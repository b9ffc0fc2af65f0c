"""Crisis words alert the crisis team, legal and brand whichever way the complaint came in (issue
16, Deliver 3: "on every channel a complaint can arrive by"): the staff form, the API (JSON and
multipart), the portal, the signed webhook, mail, the spreadsheet import and suggestion-box slips —
each raises the level, writes the alert with its reasons, and tells the same people once each."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.utils import timezone

from kesu.complaints.models import Complaint
from kesu.notifications import outbox
from kesu.notifications.models import CrisisAlert, Notification
from tests.intake.test_one_door import CHANNELS, WARNING, publish_open

pytestmark = pytest.mark.django_db
ALERTED = ["weifw", "zhangzong", "zhoujl"]  # P1: the GM and the CS manager (team), legal and brand (卫法务)


@pytest.mark.parametrize("send", list(CHANNELS.values()), ids=list(CHANNELS))
def test_crisis_words_alert_the_team_legal_and_brand_on_every_channel(people, send):
    cache.clear()  # the portal's and the doors' rate limits
    publish_open("p1_four_level")
    sent = send(people, WARNING, None)
    assert sent.ok, sent.text
    c = Complaint.objects.get()
    assert c.level == "major"
    assert {"12315", "记者", "曝光"} <= set(c.events.get(kind="crisis_flagged").changes["crisis"][1]["words"])
    outbox.expand(now=timezone.now())
    assert "危机关键词" in CrisisAlert.objects.get(complaint=c).reasons[0]
    told = Notification.objects.filter(kind="crisis", complaint=c).values_list("recipient__username", flat=True)
    assert sorted(told) == ALERTED
