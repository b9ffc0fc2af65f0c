"""Two events of the policy's routes (issue 16, Deliver 2): an approval waiting for its approver,
and a scheduled report generated. Each fires through the one outbox — one dispatch written in the
transaction of its cause, expanded after commit — to the route's people in the inbox, by e-mail (a
real SMTP server) and SMS, and to its group robot (企业微信, 钉钉 or 飞书 on 127.0.0.1, which check
the signature as the platforms do). The people the cause's own notice already reached (the
approver's 待审批, the report's readers) get each channel once."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from kesu.complaints import lifecycle
from kesu.complaints.models import Complaint
from kesu.core.lifecycle import State
from kesu.core.policy.io import PRESETS_DIR
from kesu.notifications import outbox
from kesu.notifications.messages import render
from kesu.notifications.models import Delivery, Dispatch, Notification, Robot
from kesu.notifications.services import deliver
from kesu.org.models import Department
from kesu.policies.services import import_and_publish
from kesu.reports.tasks import deliver_reports
from kesu.workflow import services as workflow
from tests.factories import bring_to, register
from tests.notifications.receivers import DingTalkRobot, FeishuBot, WeComRobot
from tests.scenarios.conftest import at

pytestmark = pytest.mark.django_db

# The routes the tests add to P1: the approver, the CS manager and the desk's robot hear of an
# approval waiting; the GM, legal and the robot of a report generated.
ROUTES = """\
    - {event: approval_waiting, to: ["@approver", cs_manager, "robot:desk"], channels: [inapp, email, sms],
       within: 1h}
    - {event: report_ready, to: [gm, legal, "robot:desk"], channels: [inapp, email], within: 1h}
"""
REACHABLE = ("zhangzong", "zhoujl", "weifw", "lijl", "wucw")


@pytest.fixture(params=[WeComRobot, DingTalkRobot, FeishuBot], ids=["wecom", "dingtalk", "feishu"])
def desk(request, receivers, now):  # type: ignore[no-untyped-def]
    """The desk's group robot on one platform, configured as its group owner copied it."""
    receiver = receivers(request.param(secret="desk-secret", key="desk-key"))
    receiver.clock = lambda: now.timestamp()
    Robot.objects.create(code="desk", name="客服管理群", platform=receiver.platform, webhook_url=receiver.url(),
                         secret="desk-secret")
    return receiver


@pytest.fixture
def routed(db, now, people):  # type: ignore[no-untyped-def]
    """P1 with the two routes, in force; the people have e-mail addresses and mobiles."""
    text = (PRESETS_DIR / "p1_four_level.yaml").read_text(encoding="utf-8")
    assert "notifications:\n  routes:\n" in text
    text = text.replace("notifications:\n  routes:\n", "notifications:\n  routes:\n" + ROUTES)
    import_and_publish(text=text, actor=None, now=now)
    for i, login in enumerate(REACHABLE):
        p = people[login]
        p.email, p.phone = f"{login}@dealer.example", f"1390000010{i}"
        p.save(update_fields=["email", "phone"])
    return people


def run_outbox(now) -> None:  # type: ignore[no-untyped-def]
    """What the tasks do after commit: expand the dispatches, send the outbox, send the mail."""
    outbox.expand(now=now)
    outbox.send_due(now=now)
    deliver(now=now)


def mail_to(smtp, login: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(m["Subject"]).strip() for m in smtp.messages if m["To"] == f"{login}@dealer.example"]


def sms_to(sms_file, people, login: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [m["text"] for m in sms_file() if m["to"] == people[login].phone]


def test_an_approval_waiting_reaches_its_approver_and_the_route_by_inbox_mail_sms_and_robot(
        routed, desk, smtp, sms_file, now):
    people = routed
    c = bring_to(State.HANDLING, people, now)
    run_outbox(now)  # the registration's own messages (the customer's receipt) out of the way
    sent_before = len(smtp.messages)
    # 800 yuan: above the department manager's 500, so the GM approves and finance reviews (P1)
    a = workflow.request_approval(Complaint.objects.get(pk=c.pk), actor=people["lijl"], now=now,
                                  kind="compensation", compensation_kind="cash", amount="800", plan="补偿现金 800 元")
    waiting = Dispatch.objects.get(event="approval_waiting")  # written with the step
    assert waiting.complaint_id == c.pk and waiting.params["approvers"] == [people["zhangzong"].pk]
    run_outbox(now)

    # the CS manager, whom the route names: inbox, e-mail and SMS, each once
    note = Notification.objects.get(kind="approval_waiting")
    assert note.recipient == people["zhoujl"] and note.complaint_id == c.pk
    assert mail_to(smtp, "zhoujl") == [f"【客诉】投诉 {c.number} 待审批：现金 800 元"]
    [text] = sms_to(sms_file, people, "zhoujl")
    assert "总经理核准，财务审核" in text and "等待审批" in text and "/approvals/" in text
    # the approver: their own 待审批 notice and its mail, once — the route adds only the SMS
    assert list(Notification.objects.filter(recipient=people["zhangzong"], complaint=c)
                .values_list("kind", flat=True)) == ["approval_requested"]
    assert mail_to(smtp, "zhangzong") == [f"【客诉】投诉 {c.number} 待您审批"]
    assert len(sms_to(sms_file, people, "zhangzong")) == 1
    assert len(smtp.messages) == sent_before + 2
    # the desk's robot, signed as its platform checks
    assert len(desk.received) == 1 and c.number in desk.texts()[0] and "现金 800 元" in desk.texts()[0]
    assert set(Delivery.objects.filter(kind="approval_waiting").values_list("state", flat=True)) == {"sent"}

    # approved by the GM, it now waits for finance: the route fires again, finance is the approver
    workflow.decide_approval(a, actor=people["zhangzong"], now=now + timedelta(minutes=5), approve=True)
    finance = Dispatch.objects.filter(event="approval_waiting").latest("pk")
    assert finance.params["stage"] == "finance" and finance.params["approvers"] == [people["wucw"].pk]
    run_outbox(now + timedelta(minutes=5))
    assert "等待财务审核" in desk.texts()[-1] and len(desk.received) == 2
    assert len(sms_to(sms_file, people, "wucw")) == 1  # finance had the decision's notice; the route's SMS
    assert Notification.objects.filter(kind="approval_waiting", recipient=people["zhoujl"]).count() == 2
    assert not Notification.objects.filter(kind="approval_waiting", recipient=people["wucw"]).exists()


def test_an_approval_waiting_reads_in_english_for_an_english_reader(routed, now):
    people = routed
    c = bring_to(State.HANDLING, people, now)
    workflow.request_approval(Complaint.objects.get(pk=c.pk), actor=people["lijl"], now=now,
                              kind="compensation", compensation_kind="cash", amount="800", plan="补偿现金 800 元")
    params = Dispatch.objects.get(event="approval_waiting").params
    subject, body = render("approval_waiting", {**params, "number": c.number, "level": "x"}, "en")
    assert subject == f"[Kesu] {c.number}: approval waiting (cash of 800 yuan)"
    assert "(x, GM approves, finance reviews) waits for its approver" in body  # the plan is the person's words
    assert not re.search(r"[\u4e00-\u9fff]", body.replace(params["plan"], ""))


def test_no_route_no_dispatch_an_approval_waits_with_its_own_notice_only(p1, people, now):
    c = bring_to(State.HANDLING, people, now)
    workflow.request_approval(Complaint.objects.get(pk=c.pk), actor=people["lijl"], now=now,
                              kind="compensation", compensation_kind="cash", amount="800", plan="补偿")
    assert not Dispatch.objects.filter(event="approval_waiting").exists()
    assert Notification.objects.get(complaint=c, kind="approval_requested").recipient == people["zhangzong"]


def test_a_scheduled_report_generated_reaches_the_route_by_inbox_mail_and_robot_once(
        routed, desk, smtp, now):
    people = routed
    register(people, at("2026-02-10 10:00"), customer_phone="13900000021")
    register(people, at("2026-02-12 10:00"), customer_phone="13900000022")
    run_outbox(now)
    mails_before = len(smtp.messages)
    # Wednesday 11 March: last week's, February's and 2025's reports are due
    assert deliver_reports(now=at("2026-03-11 09:00")) == {"sent": 6, "announced": 3}  # 3 reports × 2 readers
    ready = Dispatch.objects.filter(event="report_ready").order_by("pk")
    assert [d.params["report"] for d in ready] == ["weekly", "monthly", "yearly"]
    assert all(d.complaint_id is None for d in ready)
    run_outbox(at("2026-03-11 09:00"))

    # legal, whom only the route names: in the inbox and by mail, each report once
    legal = Notification.objects.filter(kind="report_ready", recipient=people["weifw"])
    assert sorted(n.params["report"] for n in legal) == ["monthly", "weekly", "yearly"]
    assert sorted(mail_to(smtp, "weifw")) == sorted([
        "【客诉】投诉分析周报已生成：2026-03-02 至 2026-03-08", "【客诉】投诉分析月报已生成：2026-02-01 至 2026-02-28",
        "【客诉】投诉分析年报已生成：2025-01-01 至 2025-12-31"])
    # the GM is a reader (reporting.recipients): the report's own notice and mail, not a second one
    assert not Notification.objects.filter(kind="report_ready", recipient=people["zhangzong"]).exists()
    assert sorted(mail_to(smtp, "zhangzong")) == ["【客诉】投诉分析周报 2026-03-02 至 2026-03-08",
                                                  "【客诉】投诉分析年报 2025-01-01 至 2025-12-31",
                                                  "【客诉】投诉分析月报 2026-02-01 至 2026-02-28"]
    assert len(smtp.messages) == mails_before + 6 + 3
    # the robot: each report once, with its figures and its link
    texts = desk.texts()
    assert len(texts) == 3
    february = next(t for t in texts if "月报" in t)
    assert "受理 2 件" in february and "/reports/?start=2026-02-01&end=2026-02-28" in february

    # an hour later, and after a restart: nothing again
    assert deliver_reports(now=at("2026-03-11 10:00")) == {"sent": 0, "announced": 0}
    run_outbox(at("2026-03-11 10:00"))
    assert len(desk.received) == 3 and Notification.objects.filter(kind="report_ready").count() == 3


def test_a_report_ready_reads_in_english(routed, now):
    subject, body = render("report_ready", {"report": "monthly", "start": "2026-02-01", "end": "2026-02-28",
                                            "received": 2, "resolution": "50.0%", "satisfaction": "—",
                                            "repeats": 1}, "en")
    assert subject == "[Kesu] monthly report ready: 2026-02-01 to 2026-02-28"
    assert body.startswith("The monthly report (2026-02-01 to 2026-02-28): 2 received; resolution 50.0%;")
    assert "1 repeat complaints" in body


def test_an_automatic_escalation_is_a_route_event_too(people, now, receivers, sms_file):
    """Issue 16 names escalation among the route events: past the contact limit (对应次数), the
    policy's escalation role is told by its built-in notice, and the route adds its people, channels
    and robot — the GM, already told in the inbox, gets only the SMS."""
    group = receivers(WeComRobot(key="escalations"))
    group.clock = lambda: now.timestamp()
    Robot.objects.create(code="escalations", name="升级群", platform="wecom", webhook_url=group.url())
    text = (PRESETS_DIR / "p1_four_level.yaml").read_text(encoding="utf-8").replace(
        "notifications:\n  routes:\n", "notifications:\n  routes:\n"
        '    - {event: contact_limit_exceeded, to: [gm, cs_manager, "robot:escalations"], channels: [inapp, sms]}\n')
    import_and_publish(text=text, actor=None, now=now)
    for i, login in enumerate(("zhangzong", "zhoujl")):
        people[login].phone = f"1390000030{i}"
        people[login].save(update_fields=["phone"])
    c = bring_to(State.HANDLING, people, now)
    for minute in (1, 2, 3):  # P1: two contacts a level; the third is past the limit
        c = lifecycle.record_contact(c, actor=people["lijl"], now=now + timedelta(minutes=minute), note="未接通")
    assert Dispatch.objects.filter(event="contact_limit_exceeded").count() == 1
    run_outbox(now + timedelta(minutes=3))
    told = Notification.objects.filter(kind="contact_limit_exceeded", complaint=c)
    assert sorted(n.recipient.username for n in told) == ["zhangzong", "zhoujl"]  # each once
    assert len(sms_to(sms_file, people, "zhangzong")) == 1 and len(sms_to(sms_file, people, "zhoujl")) == 1
    assert len(group.received) == 1 and "超过本级别上限 2 次" in group.texts()[0]


def test_every_route_event_beside_the_lifecycle_is_written_somewhere():
    """A route the checker accepts must be able to fire: each such event has its dispatch written."""
    from pathlib import Path

    import kesu
    from kesu.core.policy.checks import NOTICE_EVENTS

    source = "\n".join(p.read_text(encoding="utf-8") for p in Path(kesu.__file__).parent.rglob("*.py"))
    for event in NOTICE_EVENTS:
        assert re.search(rf'(record|route_event)\(\s*"{event}"', source), event


def test_a_route_to_the_department_robot_posts_to_the_group_of_the_complaints_own_department(
        people, now, receivers):
    after_sales = receivers(WeComRobot(key="after-sales"))
    sales = receivers(DingTalkRobot(secret="sales-secret", key="sales-token"))
    for receiver in (after_sales, sales):
        receiver.clock = lambda: now.timestamp()
    Robot.objects.create(code="after-sales", name="售后群", platform="wecom", webhook_url=after_sales.url(),
                         department=Department.objects.get(code="after_sales"))
    Robot.objects.create(code="sales", name="销售群", platform="dingtalk", webhook_url=sales.url(),
                         secret="sales-secret", department=Department.objects.get(code="sales"))
    text = (PRESETS_DIR / "p1_four_level.yaml").read_text(encoding="utf-8").replace(
        "notifications:\n  routes:\n",
        'notifications:\n  routes:\n    - {event: registered, to: ["@department_robot"]}\n')
    import_and_publish(text=text, actor=None, now=now)
    repair = register(people, now, complained="after_sales", customer_phone="13900000041")
    promise = register(people, now, complained="sales", customer_phone="13900000042",
                       customer_words="销售顾问承诺送的脚垫一直没给")
    run_outbox(now)
    assert len(after_sales.received) == 1 and repair.number in after_sales.texts()[0]
    assert len(sales.received) == 1 and promise.number in sales.texts()[0]
