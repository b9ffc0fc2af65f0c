"""A person sets their own quiet hours (issue 16) where the policy allows it."""

from __future__ import annotations

import pytest
from django.test import Client

from kesu.notifications.models import QuietHours

pytestmark = pytest.mark.django_db


def test_a_person_sets_and_removes_their_quiet_hours(p1, people):
    client = Client()
    client.force_login(people["lijl"])
    assert "免打扰时段" in client.get("/notify/quiet/").content.decode()
    client.post("/notify/quiet/", {"start": "22:00", "end": "07:30", "channels": ["sms"]})
    q = QuietHours.objects.get(staff=people["lijl"])
    assert (q.start.strftime("%H:%M"), q.end.strftime("%H:%M"), q.channels) == ("22:00", "07:30", ["sms"])
    page = client.post("/notify/quiet/", {"start": "late", "end": "07:30"}).content.decode()
    assert "请按 时:分 填写" in page
    client.post("/notify/quiet/", {"clear": "1"})
    assert not QuietHours.objects.exists()


def test_where_the_policy_allows_no_quiet_hours_none_can_be_set(publish, people, now):
    from kesu.core.policy.io import PRESETS_DIR
    from kesu.policies.services import import_and_publish

    text = (PRESETS_DIR / "p1_four_level.yaml").read_text(encoding="utf-8").replace(
        "  quiet_hours: true", "  quiet_hours: false")
    import_and_publish(text=text, actor=None, now=now)
    client = Client()
    client.force_login(people["lijl"])
    client.post("/notify/quiet/", {"start": "22:00", "end": "07:30"})
    assert not QuietHours.objects.exists()
    assert "不允许" in client.get("/notify/quiet/").content.decode()
