"""Issue 18, business units: a notice addressed to a role reaches only that role's people in the
complaint's unit and the units above it — a store's case does not notify another store's manager,
and the group's people still hear what the policy sends the group (keyword alarms, crisis alerts,
escalations, breaches, routes, approvals waiting). The unit scoping is one query
(kesu.org.services.role_holders) that every role-addressed path goes through."""

from __future__ import annotations

import pytest

from kesu.clocks.alerts import announce_breach
from kesu.clocks.models import ComplaintClock
from kesu.clocks.people import with_role
from kesu.complaints import intake, lifecycle
from kesu.core.roles import Role
from kesu.notifications import outbox
from kesu.notifications.models import CrisisAlert, Notification
from kesu.ops.demo import load_demo_units
from kesu.org.models import Unit
from kesu.org.services import ANYWHERE

pytestmark = pytest.mark.django_db

WORDS = "保养后发动机故障灯又亮了，要求免费检修。"
PRESS = "保养后发动机故障灯又亮了，再不解决我就找电视台记者曝光。"


@pytest.fixture
def group(p1, people, now):
    """华安汽车集团 (周经理 its CS manager, 张总 its GM) with the east store (董店长) and the west
    store (席店长), each store manager also its store's CS manager."""
    load_demo_units(people, now)
    return {u.code: u for u in Unit.objects.all()}


def received(words: str = WORDS, phone: str = "13812345678") -> intake.Received:
    return intake.Received("phone", {"customer_words": words, "customer_name": "马先生", "customer_phone": phone,
                                     "extra.plate_number": "京A12345"})


def told(kind: str, c) -> set[str]:  # type: ignore[no-untyped-def]
    return set(Notification.objects.filter(kind=kind, complaint=c).values_list("recipient__username", flat=True))


def test_a_west_store_keyword_alarm_reaches_its_own_and_the_groups_cs_managers_not_the_east_stores(
        group, people, now):
    c = intake.register(received(PRESS), actor=people["xidz"], now=now).complaint
    assert c.unit_id == group["store_west"].pk
    assert told("keyword_flagged", c) == {"xidz", "zhoujl"}  # not 董店长 of the east store


def test_a_head_office_case_reaches_the_groups_cs_manager_and_no_store_manager(group, people, now):
    c = intake.register(received(PRESS), actor=people["wangkf"], now=now).complaint
    assert c.unit_id is None or c.unit_id == group["huaan_group"].pk
    assert told("keyword_flagged", c) == {"zhoujl"}


def test_the_crisis_team_of_a_store_case_is_the_group_and_that_store_only(group, people, now):
    c = intake.register(received(PRESS), actor=people["dongkf"], now=now).complaint
    outbox.expand(now=now)
    team = set(CrisisAlert.objects.get(complaint=c).team.values_list("username", flat=True))
    assert team == {"zhangzong", "zhoujl", "dongdz"}  # P1's team [gm, cs_manager]: not 席店长 of the west


def test_a_breach_escalated_to_the_cs_manager_tells_the_stores_and_the_groups_not_the_other_stores(
        group, people, now):
    c = intake.register(received(), actor=people["dongkf"], now=now).complaint
    clock = ComplaintClock.objects.filter(complaint=c).first()
    assert clock is not None
    announce_breach(c, clock, person=None, escalate_to=Role.CS_MANAGER, now=clock.due_at)
    reached = told("clock_breached", c)
    assert {"dongdz", "zhoujl"} <= reached and "xidz" not in reached


def test_a_route_naming_a_role_resolves_to_that_roles_people_within_the_cases_reach(group, people, now):
    east = intake.register(received(), actor=people["dongkf"], now=now).complaint
    west = intake.register(received(), actor=people["xidz"], now=now).complaint
    for c, own, other in ((east, "dongdz", "xidz"), (west, "xidz", "dongdz")):
        routed, _robots, _customer = outbox.resolve([Role.CS_MANAGER], outbox.subject(c.pk))
        names = {p.username for p in routed}
        assert own in names and "zhoujl" in names and other not in names


def test_a_notice_about_no_complaint_still_reaches_every_holder(group, people):
    assert {"dongdz", "xidz", "zhoujl"} <= set(with_role(Role.CS_MANAGER, about=ANYWHERE)
                                               .values_list("username", flat=True))


def test_an_installation_without_units_tells_every_holder_as_before(p1, people, now):
    c = intake.register(received(PRESS), actor=people["wangkf"], now=now).complaint
    assert told("keyword_flagged", c) == {"zhoujl"}
    assert set(with_role(Role.CS_MANAGER, about=c).values_list("username", flat=True)) == {"zhoujl"}


def test_an_approval_of_a_west_store_case_waits_in_the_groups_inbox_not_another_stores(group, people, now):
    from kesu.complaints import lifecycle
    from kesu.org.models import Department, StaffRole
    from kesu.workflow import services as workflow
    from kesu.workflow.selectors import approvals_waiting_for

    StaffRole.objects.create(staff=people["dongdz"], role=Role.GM)  # the east store's manager runs it as its GM
    manager, t = people["xidz"], now
    c = intake.register(received(), actor=manager, now=t).complaint
    c = lifecycle.classify(c, actor=manager, now=t, level="major", category="repair_quality", validity="valid")
    c = lifecycle.assign(c, actor=manager, now=t, department=Department.objects.get(code="west_after_sales"))
    c = lifecycle.accept(c, actor=manager, now=t)
    asked = workflow.request_approval(c, actor=manager, now=t, kind="solution", plan="免费更换发动机线束")
    assert asked in approvals_waiting_for(people["zhangzong"], t)  # the group's GM
    assert asked not in approvals_waiting_for(people["dongdz"], t)  # a GM of another store: not theirs


def test_a_stores_night_is_handed_to_its_own_and_the_groups_cs_agents_not_another_stores(group, people, now):
    """The 工作知会单 (seed 002 §4.2.3) per unit: the east store's night complaint goes to 东区客服 and
    the group's agents; the west store's goes to the group's agents only — never to 东区客服."""
    from datetime import datetime, timedelta

    from kesu.intake.handover import hand_over

    night = now.replace(hour=22, minute=0) + timedelta(days=1)  # a Wednesday, 22:00 in Shanghai
    east = intake.register(received(), actor=people["dongkf"], now=night).complaint
    west = intake.register(received(phone="13912345678"), actor=people["xidz"], now=night).complaint
    opening = datetime.fromisoformat(east.events.get(kind="after_hours_received").changes["next_shift"][1])
    assert west.events.filter(kind="after_hours_received").exists()
    assert hand_over(now=opening + timedelta(minutes=1)) == 2  # one notice per unit's night
    heard: dict[str, set[str]] = {}
    for n in Notification.objects.filter(kind="after_hours_handover"):
        heard.setdefault(n.recipient.username, set()).add(n.params["numbers"])
    group_agents = {p.username for p in with_role(Role.CS_AGENT, about=ANYWHERE)} - {"dongkf"}
    assert group_agents
    assert heard == {"dongkf": {east.number}, **{a: {east.number, west.number} for a in group_agents}}
    assert hand_over(now=opening + timedelta(minutes=2)) == 0  # once per opening and unit


def test_an_approval_waiting_for_a_role_is_decided_by_that_role_in_the_cases_reach_not_another_stores(
        group, people, now):
    """席店长 (the west store's CS manager) holds the role an east-store approval waits for, but not the
    case: the kernel refuses him even if a page or a forged request reached the step; 董店长 decides."""
    from kesu.core.errors import TransitionRefused
    from kesu.workflow import services as workflow
    from kesu.workflow.models import Approval

    c = intake.register(received(), actor=people["dongkf"], now=now).complaint
    c = lifecycle.classify(c, actor=people["dongkf"], now=now, level="dissatisfied", category="repair_quality",
                           validity="valid")
    waiting = Approval.objects.create(complaint=c, kind=Approval.Kind.SOLUTION, plan="免费检修",
                                      approver_role=Role.CS_MANAGER, requested_by=people["dongkf"],
                                      requested_at=now)
    with pytest.raises(TransitionRefused):
        workflow.decide_approval(waiting, actor=people["xidz"], now=now, approve=True, note="同意")
    assert Approval.objects.get(pk=waiting.pk).state == Approval.State.PENDING
    workflow.decide_approval(waiting, actor=people["dongdz"], now=now, approve=True, note="同意")
    assert Approval.objects.get(pk=waiting.pk).state != Approval.State.PENDING
