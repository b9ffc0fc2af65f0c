"""After hours (SPEC F3, P5, seed 002 §4.2.3): a complaint received outside business hours is
registered at once and marked for the next working shift (timeline, the 夜间受理 queue); when the
shift opens, the ones still unprocessed go to the CS agents as one 工作知会单; its clocks run as
the policy says."""

from __future__ import annotations

import pytest
from django.test import Client

from kesu.complaints import lifecycle
from kesu.complaints.selectors import work_queue
from kesu.intake.handover import hand_over
from kesu.notifications.models import Notification
from tests.factories import register
from tests.scenarios.conftest import at

pytestmark = pytest.mark.django_db


def test_an_evening_complaint_is_handed_to_the_next_mornings_shift(publish, people):
    publish("p5_property_management", at("2026-03-01 09:00"))
    c = register(people, at("2026-03-10 21:00"), extra={"unit_number": "3-2-501"})
    handover = c.events.get(kind="after_hours_received")
    assert handover.changes["next_shift"][1] == at("2026-03-11 08:30").isoformat()
    assert c in work_queue(people["zhoujl"], at("2026-03-11 08:35"), "overnight")
    lifecycle.classify(c, actor=people["chenhf"], now=at("2026-03-11 08:40"), level="general", category="repair",
                       validity="valid")
    assert c not in work_queue(people["zhoujl"], at("2026-03-11 08:41"), "overnight")
    assert c.clocks.get(code="handover").started_at == at("2026-03-10 21:00")  # P5's clock counts from receipt
    client = Client()
    client.force_login(people["zhoujl"])
    assert "夜间受理" in client.get("/queue/?q=overnight").content.decode()


def test_when_the_shift_opens_the_unprocessed_night_complaints_go_to_cs_as_one_work_notice(publish, people):
    publish("p5_property_management", at("2026-03-01 09:00"))
    waiting = [register(people, at(t), extra={"unit_number": "3-2-501"}) for t in ("2026-03-10 21:00",
                                                                                   "2026-03-11 02:15")]
    taken_up = register(people, at("2026-03-10 22:00"), extra={"unit_number": "5-1-101"})
    lifecycle.classify(taken_up, actor=people["chenhf"], now=at("2026-03-11 07:50"), level="general",
                       category="repair", validity="valid")  # the early shift already took this one

    assert hand_over(now=at("2026-03-11 08:29")) == 0  # not before the shift opens
    assert hand_over(now=at("2026-03-11 08:30:15")) == 1
    for agent in ("wangkf", "chenhf"):
        note = Notification.objects.get(kind="after_hours_handover", recipient=people[agent])
        assert note.params["count"] == 2 and note.params["shift"] == "03-11 08:30" and not note.emails.exists()
        assert note.params["numbers"] == "、".join(c.number for c in waiting)
    assert not Notification.objects.filter(kind="after_hours_handover", recipient=people["zhoujl"]).exists()
    assert hand_over(now=at("2026-03-11 08:30:35")) == 0  # once per opening
    assert Notification.objects.filter(kind="after_hours_handover").count() == 2


def test_a_work_notice_missed_while_the_server_was_down_is_sent_when_it_comes_back(publish, people):
    publish("p5_property_management", at("2026-03-01 09:00"))
    register(people, at("2026-03-10 21:00"), extra={"unit_number": "3-2-501"})
    assert hand_over(now=at("2026-03-12 09:00")) == 1


def test_a_complaint_in_business_hours_needs_no_handover(publish, people):
    publish("p5_property_management", at("2026-03-01 09:00"))
    c = register(people, at("2026-03-10 10:00"), extra={"unit_number": "3-2-501"})
    assert not c.events.filter(kind="after_hours_received").exists()


def test_before_national_day_the_next_shift_is_after_the_holiday(p1, people):
    c = register(people, at("2026-09-30 19:00"))
    assert c.events.get(kind="after_hours_received").changes["next_shift"][1] == at("2026-10-08 08:30").isoformat()
