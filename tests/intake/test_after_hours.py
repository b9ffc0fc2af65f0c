"""After hours (SPEC F3, P5): a complaint received outside business hours is registered at once,
put on the 工作知会单 for the next working shift (timeline, the 夜间受理 queue, the CS inbox), and
its clocks run as the policy says."""

from __future__ import annotations

import pytest
from django.test import Client

from kesu.complaints import lifecycle
from kesu.complaints.selectors import work_queue
from kesu.notifications.models import Notification
from tests.factories import register
from tests.scenarios.conftest import at

pytestmark = pytest.mark.django_db


def test_an_evening_complaint_is_handed_to_the_next_mornings_shift(publish, people):
    publish("p5_property_management", at("2026-03-01 09:00"))
    c = register(people, at("2026-03-10 21:00"), extra={"unit_number": "3-2-501"})
    handover = c.events.get(kind="after_hours_received")
    assert handover.changes["next_shift"][1] == at("2026-03-11 08:30").isoformat()
    note = Notification.objects.get(kind="after_hours_received", recipient=people["chenhf"])
    assert note.params["next_shift"] == "03-11 08:30" and not note.emails.exists()
    assert c in work_queue(people["zhoujl"], at("2026-03-11 08:35"), "overnight")
    lifecycle.classify(c, actor=people["chenhf"], now=at("2026-03-11 08:40"), level="general", category="repair",
                       validity="valid")
    assert c not in work_queue(people["zhoujl"], at("2026-03-11 08:41"), "overnight")
    assert c.clocks.get(code="handover").started_at == at("2026-03-10 21:00")  # P5's clock counts from receipt
    client = Client()
    client.force_login(people["zhoujl"])
    assert "夜间受理" in client.get("/queue/?q=overnight").content.decode()


def test_a_complaint_in_business_hours_needs_no_handover(publish, people):
    publish("p5_property_management", at("2026-03-01 09:00"))
    c = register(people, at("2026-03-10 10:00"), extra={"unit_number": "3-2-501"})
    assert not c.events.filter(kind="after_hours_received").exists()


def test_before_national_day_the_next_shift_is_after_the_holiday(p1, people):
    c = register(people, at("2026-09-30 19:00"))
    assert c.events.get(kind="after_hours_received").changes["next_shift"][1] == at("2026-10-08 08:30").isoformat()
