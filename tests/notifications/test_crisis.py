"""Crisis response (issue 16, SPEC F13): the policy's crisis signals — its words, a repeated
complaint, a crisis level — raise the complaint and alert the crisis team, legal and brand within
the policy's time by every channel configured, once each, saying which words or rule; a crisis
shows the team and who acknowledged, and escalates when nobody has in time."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kesu.complaints import lifecycle
from kesu.complaints.models import Complaint
from kesu.core.policy.io import PRESETS_DIR
from kesu.notifications import outbox
from kesu.notifications.models import CrisisAlert, Delivery, Dispatch, Notification, Robot
from kesu.policies.services import import_and_publish
from tests.factories import register
from tests.notifications.receivers import DingTalkRobot, WeComRobot
from tests.portal.person import submit

pytestmark = pytest.mark.django_db
WORDS = "你们再不处理我就找律师起诉，还要打12315、找记者曝光"
CRISIS_TEAM = ("zhangzong", "zhoujl")  # P1: the GM leads the crisis team, with the CS manager
LEGAL_AND_BRAND = ("weifw",)  # 卫法务 of 法务与品牌部: legal by role, brand by department — told once


@pytest.fixture
def reachable(people):
    """The people alerted have e-mail addresses and mobiles."""
    for i, login in enumerate(("zhangzong", "zhoujl", "weifw", "lijl")):
        p = people[login]
        p.email, p.phone = f"{login}@dealer.example", f"1390000000{i}"
        p.save(update_fields=["email", "phone"])
    return people


@pytest.fixture
def p1_with_robots(db, now, receivers):
    """P1 with a brand robot (钉钉) and a crisis-team robot (企业微信) among the crisis targets."""
    brand = receivers(DingTalkRobot(secret="brand-secret", key="brand-token"))
    team = receivers(WeComRobot(key="team-key"))
    Robot.objects.create(code="brand", name="品牌部群", platform="dingtalk", webhook_url=brand.url(),
                         secret="brand-secret")
    Robot.objects.create(code="crisis", name="危机小组群", platform="wecom", webhook_url=team.url())
    text = (PRESETS_DIR / "p1_four_level.yaml").read_text(encoding="utf-8")
    text = text.replace('brand: ["department:legal"]', 'brand: ["department:legal", "robot:brand"]')
    text = text.replace("team: [gm, cs_manager]", 'team: [gm, cs_manager, "robot:crisis"]')
    import_and_publish(text=text, actor=None, now=now)
    return brand, team


def test_a_portal_complaint_threatening_lawyers_12315_and_the_press_alerts_team_legal_and_brand_once_each(
        p1_with_robots, reachable, smtp, sms_file):
    brand_robot, team_robot = p1_with_robots
    from django.core.cache import cache

    cache.clear()
    submit(Client(), customer_words=WORDS)
    c = Complaint.objects.get()
    assert c.level == "major"  # raised: P1 treats a 重大投诉 as a crisis
    flagged = c.events.get(kind="crisis_flagged")
    assert "律师" in flagged.reason and "12315" in flagged.reason

    now = timezone.now()
    outbox.expand(now=now)
    outbox.send_due(now=now)

    alerted = {*CRISIS_TEAM, *LEGAL_AND_BRAND}
    inbox = Notification.objects.filter(kind="crisis", complaint=c)
    assert sorted(n.recipient.username for n in inbox) == sorted(alerted)  # once each
    crisis_mail = [m for m in smtp.messages if "危机预警" in str(m["Subject"])]
    assert sorted(m["To"] for m in crisis_mail) == sorted(f"{u}@dealer.example" for u in alerted)
    crisis_sms = [m for m in sms_file() if "危机预警" in m["text"]]
    assert len(crisis_sms) == len(alerted) and len({m["to"] for m in crisis_sms}) == len(alerted)
    assert len(brand_robot.received) == 1 and len(team_robot.received) == 1
    for text in [*brand_robot.texts(), *team_robot.texts(), *(m["text"] for m in crisis_sms)]:
        assert "危机关键词：记者、曝光、律师、起诉、12315" in text and c.number in text  # says why
    deliveries = Delivery.objects.filter(kind="crisis", complaint=c)
    assert all(d.state == "sent" and d.sent_at <= d.due_at <= d.created_at + timedelta(minutes=30)
               for d in deliveries)

    outbox.expand(now=now)  # expanding again, sending again: nothing twice
    outbox.send_due(now=now + timedelta(minutes=1))
    assert Notification.objects.filter(kind="crisis", complaint=c).count() == len(alerted)
    assert len(brand_robot.received) == 1 and len(team_robot.received) == 1
    receipt = [m for m in sms_file() if m["to"] == "13700001234"]
    assert len(receipt) == 1 and c.number in receipt[0]["text"]  # and the customer has the receipt


def test_the_crisis_shows_its_team_and_who_acknowledged_and_nobody_is_escalated_then(p1, reachable, now):
    c = register(reachable, now, customer_words="再不解决我就找媒体曝光")
    outbox.expand(now=now)
    alert = CrisisAlert.objects.get(complaint=c)
    assert sorted(p.username for p in alert.team.all()) == sorted(CRISIS_TEAM)
    assert alert.acknowledge_by == now + timedelta(hours=1)

    client = Client()
    client.force_login(reachable["zhoujl"])
    client.post(f"/notify/crisis/{c.number}/")
    page = client.get(f"/notify/crisis/{c.number}/").content.decode()
    assert "周经理" in page and "张总" in page and "已确认" in page and "未确认" in page
    assert "危机关键词：媒体、曝光" in page
    assert outbox.escalate_unacknowledged(now=now + timedelta(hours=2)) == 0


def test_a_crisis_nobody_acknowledges_in_time_is_escalated_to_the_gm(p1, reachable, now):
    c = register(reachable, now, customer_words="你们门口我明天就去拉横幅")
    outbox.expand(now=now)
    Notification.objects.all().delete()
    assert outbox.escalate_unacknowledged(now=now + timedelta(minutes=59)) == 0
    assert outbox.escalate_unacknowledged(now=now + timedelta(minutes=61)) == 1
    outbox.expand(now=now + timedelta(minutes=61))
    told = Notification.objects.filter(kind="crisis_unacknowledged", complaint=c)
    assert "zhangzong" in {n.recipient.username for n in told}
    assert outbox.escalate_unacknowledged(now=now + timedelta(hours=3)) == 0  # once


def test_a_second_complaint_by_the_same_customer_within_thirty_days_alerts_the_crisis_team(p1, reachable, now):
    first = register(reachable, now, customer_phone="13811112222")
    assert not first.events.filter(kind="crisis_flagged").exists()
    again = register(reachable, now + timedelta(days=12), customer_phone="138-1111-2222")
    assert "重复投诉：同一客户第 2 次投诉" in again.events.get(kind="crisis_flagged").reason
    assert again.level == first.level  # P1 leaves the level to the agent (repeat.raise_level: false)
    outbox.expand(now=now + timedelta(days=12))
    assert CrisisAlert.objects.get(complaint=again).reasons == ["重复投诉：同一客户第 2 次投诉"]
    later = register(reachable, now + timedelta(days=80), customer_phone="13811112222")
    assert not later.events.filter(kind="crisis_flagged").exists()  # the others are past the window


def test_where_the_policy_says_so_a_repeat_raises_the_level(reachable, now):
    text = (PRESETS_DIR / "p1_four_level.yaml").read_text(encoding="utf-8").replace(
        "repeat: {count: 2, within: 30d}", "repeat: {count: 2, within: 30d, raise_level: true}")
    import_and_publish(text=text, actor=None, now=now)
    register(reachable, now)
    assert register(reachable, now + timedelta(days=1)).level == "major"


def test_classifying_a_complaint_as_major_raises_the_crisis_alert(p1, reachable, now):
    c = register(reachable, now)
    outbox.expand(now=now)
    assert not CrisisAlert.objects.exists()
    lifecycle.classify(c, actor=reachable["wangkf"], now=now, level="major", category="repair_quality",
                       validity="valid")
    outbox.expand(now=now)
    alert = CrisisAlert.objects.get(complaint=c)
    assert alert.reasons == ["级别：重大投诉"]
    assert Notification.objects.filter(kind="crisis", complaint=c, recipient=reachable["weifw"]).count() == 1


def test_registration_writes_one_outbox_row_and_delivers_nothing_inside_its_transaction(p1, reachable, now):
    with CaptureQueriesContext(connection) as ctx:
        c = register(reachable, now)
    inserts = [q["sql"] for q in ctx.captured_queries if q["sql"].lstrip().upper().startswith("INSERT")
               and "notifications_" in q["sql"]]
    assert len(inserts) == 1 and "notifications_dispatch" in inserts[0]
    assert Dispatch.objects.get().complaint_id == c.pk and not Delivery.objects.exists()


def test_a_customer_who_complains_again_by_email_or_member_number_is_a_repeat_too(p1, reachable, now):
    """The same customer as the repeat detection finds them (issue 17): the blind index of the
    e-mail address or the member number counts as the phone's does."""
    register(reachable, now, customer_phone="", customer_email="Li.Wei@Example.com")
    again = register(reachable, now + timedelta(days=3), customer_phone="", customer_email="li.wei@example.com")
    assert "重复投诉：同一客户第 2 次投诉" in again.events.get(kind="crisis_flagged").reason
    register(reachable, now, customer_phone="13811113333", customer_ref="VIP-0042")
    card = register(reachable, now + timedelta(days=5), customer_phone="13922224444", customer_ref="VIP-0042")
    assert card.events.filter(kind="crisis_flagged").exists()
    stranger = register(reachable, now + timedelta(days=5), customer_phone="13755556666", customer_ref="VIP-0043")
    assert not stranger.events.filter(kind="crisis_flagged").exists()


def test_a_customer_already_in_crisis_is_one_crisis_a_further_repeat_joins_the_open_alert(p1, reachable, now):
    """A customer who complains a third and fourth time while their crisis alert is open does not page
    the crisis team, legal and brand again each time: the complaint is flagged on its own timeline,
    listed on the open alert, and nobody is alerted anew."""
    register(reachable, now, customer_phone="13811112222")
    second = register(reachable, now + timedelta(hours=1), customer_phone="13811112222")
    outbox.expand(now=now + timedelta(hours=1))
    alerted = Notification.objects.filter(kind="crisis").count()
    assert alerted > 0 and CrisisAlert.objects.get().complaint == second
    third = register(reachable, now + timedelta(hours=2), customer_phone="13811112222")
    fourth = register(reachable, now + timedelta(days=3), customer_phone="13811112222")
    outbox.expand(now=now + timedelta(days=3))
    for again, n in ((third, 3), (fourth, 4)):
        event = again.events.get(kind="crisis_folded")
        assert f"重复投诉：同一客户第 {n} 次投诉" in event.reason
        assert f"并入 {second.number} 号投诉的危机预警" in event.reason
        assert not again.events.filter(kind="crisis_flagged").exists()
    assert CrisisAlert.objects.count() == 1 and Notification.objects.filter(kind="crisis").count() == alerted
    assert not any(d.params.get("crisis") for d in Dispatch.objects.filter(complaint__in=[third, fourth]))
    client = Client()
    client.force_login(reachable["zhoujl"])
    page = client.get(f"/notify/crisis/{second.number}/").content.decode()
    assert page.count("同一客户再次投诉，已并入本预警") == 2 and third.number in page and fourth.number in page


def test_crisis_words_from_a_customer_already_in_crisis_are_a_new_signal_and_alert_again(p1, reachable, now):
    register(reachable, now, customer_phone="13811112222")
    register(reachable, now + timedelta(hours=1), customer_phone="13811112222")
    outbox.expand(now=now + timedelta(hours=1))
    threat = register(reachable, now + timedelta(hours=2), customer_phone="13811112222", customer_words=WORDS)
    outbox.expand(now=now + timedelta(hours=2))
    assert threat.events.filter(kind="crisis_flagged").exists()
    assert CrisisAlert.objects.filter(complaint=threat).exists()


def test_once_the_alerted_complaint_is_past_the_window_a_repeat_alerts_again(p1, reachable, now):
    register(reachable, now, customer_phone="13811112222")
    second = register(reachable, now + timedelta(days=1), customer_phone="13811112222")
    folded = register(reachable, now + timedelta(days=20), customer_phone="13811112222")
    assert folded.events.filter(kind="crisis_folded").exists()
    # day 40: the alert's complaint (day 1) is past the 30 days; the one folded into it (day 20) is not
    later = register(reachable, now + timedelta(days=40), customer_phone="13811112222")
    assert later.events.filter(kind="crisis_flagged").exists(), second.number
