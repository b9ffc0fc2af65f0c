"""A crisis goes out after the registration commits, off the registering thread (issue 16): the
registration returns with nothing sent; the background task expands and sends it moments later."""

from __future__ import annotations

import time

import pytest
from django.db import connections

from kesu.core.policy.io import PRESETS_DIR
from kesu.notifications.models import Robot
from kesu.policies.services import import_and_publish
from tests.factories import register
from tests.notifications.receivers import FeishuBot

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_crisis_alert_leaves_after_commit_from_a_background_thread(people, now, receivers):
    bot = receivers(FeishuBot(secret="team-secret", key="hook"))
    Robot.objects.create(code="crisis", name="危机小组群", platform="feishu", webhook_url=bot.url(),
                         secret="team-secret")
    text = (PRESETS_DIR / "p1_four_level.yaml").read_text(encoding="utf-8").replace(
        "team: [gm, cs_manager]", 'team: [gm, cs_manager, "robot:crisis"]')
    import_and_publish(text=text, actor=None, now=now)

    c = register(people, now, customer_words="我要找记者曝光你们")
    assert bot.received == []  # the registration returned with nothing sent
    deadline = time.monotonic() + 20
    while not bot.received and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(bot.received) == 1 and c.number in bot.texts()[0] and "记者、曝光" in bot.texts()[0]
    from kesu.tasks import _background

    _background().submit(connections.close_all).result()  # the task thread's connection, before teardown
