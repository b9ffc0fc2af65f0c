"""Group robots of 企业微信, 钉钉 and 飞书 (issue 16): signed as each platform checks, within each
platform's rate limit, folded into a digest beyond it — and never a message lost, not even when
the robot answers errors for ten minutes."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest

from kesu.notifications import outbox
from kesu.notifications.models import Delivery, Robot
from tests.notifications.receivers import DingTalkRobot, FeishuBot, WeComRobot

pytestmark = pytest.mark.django_db


def robot_for(receiver, *, code: str = "service", secret: str | None = None) -> Robot:  # type: ignore[no-untyped-def]
    return Robot.objects.create(code=code, name="客服群", platform=receiver.platform, webhook_url=receiver.url(),
                                secret=receiver.secret if secret is None else secret)


def queue(robot: Robot, n: int, now: datetime, *, start: int = 1) -> None:
    """``n`` breach messages for the robot, numbered 260310{start:03}…"""
    Delivery.objects.bulk_create([
        Delivery(key=f"t:{robot.pk}:{i}", channel=robot.platform, robot=robot, kind="clock_breached",
                 params={"number": f"260310{i:03}", "clock": "初次对应", "due": "2026-03-10 09:50", "late_minutes": 95},
                 created_at=now, next_attempt_at=now) for i in range(start, start + n)])


def numbers(texts: list[str]) -> list[str]:
    return sorted(n for t in texts for n in re.findall(r"260310\d{3}", t))


def on_clock(receiver, now: datetime) -> None:  # type: ignore[no-untyped-def]
    receiver.clock = lambda: now.timestamp()


@pytest.mark.parametrize("platform", [WeComRobot, DingTalkRobot, FeishuBot])
def test_a_message_reaches_each_platform_signed_as_it_checks(platform, receivers, now):
    receiver = receivers(platform(secret="SEC-abc123", key="k-001"))
    on_clock(receiver, now)
    robot = robot_for(receiver)
    queue(robot, 1, now)
    assert outbox.send_due(now=now)["sent"] == 1
    assert receiver.texts() == ["投诉 260310001 的「初次对应」已于 2026-03-10 09:50 到期，已超时 1 小时。"]
    assert Delivery.objects.get().state == "sent"


@pytest.mark.parametrize(("platform", "code"), [(DingTalkRobot, 310000), (FeishuBot, 19021)])
def test_a_wrong_signing_secret_is_refused_by_the_platform_and_the_message_waits_until_it_is_fixed(
        platform, code, receivers, now):
    receiver = receivers(platform(secret="right-secret", key="k-002"))
    on_clock(receiver, now)
    robot = robot_for(receiver, secret="wrong-secret")
    queue(robot, 1, now)
    assert outbox.send_due(now=now)["retry"] == 1
    waiting = Delivery.objects.get()
    assert waiting.state == "pending" and str(code) in waiting.last_error
    assert receiver.answers[-1].get("errcode", receiver.answers[-1].get("code")) == code

    Robot.objects.filter(pk=robot.pk).update(secret="right-secret")  # the administrator corrects it
    later = now + timedelta(minutes=1)
    on_clock(receiver, later)
    assert outbox.send_due(now=later)["sent"] == 1
    assert numbers(receiver.texts()) == ["260310001"]


@pytest.mark.parametrize("platform", [WeComRobot, DingTalkRobot])
def test_past_twenty_a_minute_the_rest_are_folded_into_one_digest_never_dropped(platform, receivers, now):
    receiver = receivers(platform(secret="s", key="k-003"))
    on_clock(receiver, now)
    robot = robot_for(receiver)
    queue(robot, 45, now)
    counts = outbox.send_due(now=now)
    assert counts["folded"] == 45
    assert len(receiver.calls) <= 20 and all("errcode" in a and a["errcode"] == 0 for a in receiver.answers)
    assert numbers(receiver.texts()) == [f"260310{i:03}" for i in range(1, 46)]
    assert all(len(t.encode()) <= (2048 if platform is WeComRobot else 20000) for t in receiver.texts())
    assert not Delivery.objects.filter(state="pending").exists()


def test_twenty_single_messages_a_minute_go_one_by_one_and_the_twenty_first_waits_for_the_window(receivers, now):
    receiver = receivers(WeComRobot(key="k-004"))
    on_clock(receiver, now)
    robot = robot_for(receiver)
    for i in range(1, 21):
        queue(robot, 1, now, start=i)
        outbox.send_due(now=now)
    queue(robot, 1, now, start=21)
    assert outbox.send_due(now=now)["sent"] == 0  # the 21st in the same minute waits
    assert len(receiver.received) == 20
    later = now + timedelta(seconds=61)
    on_clock(receiver, later)
    assert outbox.send_due(now=later)["sent"] == 1
    assert numbers(receiver.texts()) == [f"260310{i:03}" for i in range(1, 22)]


def test_dingtalk_answering_130101_blocks_the_robot_for_ten_minutes_then_everything_arrives(receivers, now):
    receiver = receivers(DingTalkRobot(secret="s", key="k-005"))
    on_clock(receiver, now)
    receiver.blocked_until = now.timestamp() + 600  # another system over-used this robot
    robot = robot_for(receiver)
    queue(robot, 3, now)
    outbox.send_due(now=now)
    assert receiver.answers[-1]["errcode"] == 130101
    assert Robot.objects.get().blocked_until == now + timedelta(minutes=10)
    calls = len(receiver.calls)
    for minutes in (1, 5, 9):
        t = now + timedelta(minutes=minutes)
        on_clock(receiver, t)
        outbox.send_due(now=t)
    assert len(receiver.calls) == calls  # not hammered while blocked
    t = now + timedelta(minutes=10, seconds=1)
    on_clock(receiver, t)
    outbox.send_due(now=t)
    assert numbers(receiver.texts()) == ["260310001", "260310002", "260310003"]


@pytest.mark.parametrize("platform", [WeComRobot, DingTalkRobot, FeishuBot])
def test_a_robot_answering_errors_for_ten_minutes_loses_no_message(platform, receivers, now):
    receiver = receivers(platform(secret="s", key="k-006"))
    robot = robot_for(receiver)
    receiver.failing = (502, {"errcode": -1, "code": -1, "errmsg": "Bad Gateway"})
    sent = 0
    for second in range(0, 600, 15):  # every 15 s for ten minutes: new messages, a send run
        t = now + timedelta(seconds=second)
        on_clock(receiver, t)
        queue(robot, 1, t, start=second // 15 + 1)
        sent += outbox.send_due(now=t)["sent"]
    waiting = Delivery.objects.exclude(kind="digest").filter(state__in=["pending", "folded"])
    assert sent == 0 and waiting.count() == 40 and receiver.received == []
    assert len(receiver.calls) < 20  # backed off, not hammered
    receiver.failing = None
    t = now + timedelta(minutes=10)
    while Delivery.objects.filter(state="pending").exists() and t < now + timedelta(minutes=30):
        t += timedelta(seconds=15)
        on_clock(receiver, t)
        outbox.send_due(now=t)
    assert numbers(receiver.texts()) == [f"260310{i:03}" for i in range(1, 41)]
    assert len(receiver.received) < 40  # folded where the limits demand
    assert Delivery.objects.exclude(kind="digest").filter(state__in=["folded", "sent"]).count() == 40


def test_feishu_takes_five_a_second_and_the_rest_wait_for_the_next_second(receivers, now):
    receiver = receivers(FeishuBot(secret="s", key="k-007"))
    on_clock(receiver, now)
    robot = robot_for(receiver)
    for i in range(1, 6):
        queue(robot, 1, now, start=i)
        outbox.send_due(now=now)
    queue(robot, 2, now, start=6)
    outbox.send_due(now=now)
    assert len(receiver.received) == 5 and all(a["code"] == 0 for a in receiver.answers)
    t = now + timedelta(seconds=1, milliseconds=1)
    on_clock(receiver, t)
    outbox.send_due(now=t)
    assert numbers(receiver.texts()) == [f"260310{i:03}" for i in range(1, 8)]
