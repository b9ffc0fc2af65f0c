"""Business units (SPEC F16, issue 18): a dealer group with two 4S stores, each under its own
published policy version and business hours; complaints belong to a unit and keep that unit's
policy version for life; people see by unit; reports roll up from the stores to the group; a case
passes from a store up to the group and back (seed 000, 4S: 在处理完毕后的24小时内将处理结果反馈至集团客服部)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from kesu.clocks.calendar import calendar_for, save_business_hours
from kesu.clocks.models import ComplaintClock
from kesu.complaints import intake, lifecycle
from kesu.complaints.models import Complaint
from kesu.complaints.selectors import get_visible, visible_complaints
from kesu.core.errors import KesuError, TransitionRefused, ValidationFailed
from kesu.core.lifecycle import State
from kesu.core.policy.io import PRESETS_DIR
from kesu.notifications.models import Notification
from kesu.ops.demo import load_demo_units
from kesu.org.models import Department, Unit
from kesu.policies.models import PolicyVersion
from kesu.policies.services import active_version, import_and_publish
from kesu.reports import figures
from kesu.workflow import services as workflow

pytestmark = pytest.mark.django_db

WORDS = "保养后发动机故障灯又亮了，要求免费检修。"

# Seed 000, 4S: the store reports the result to the group's customer service within 24 hours of
# finishing — a clock from the store's return of the result to its pass up to the group.
STORE_REPORTS = """clocks:
  - code: store_report
    name: 门店向集团客服部反馈处理结果
    name_en: The store reports the result to the group's customer service
    start: return_result
    stop: pass_up
    targets: {"*": 24h}
    responsible: dept_manager
"""


@pytest.fixture
def group(p1, people, now):
    """华安汽车集团 with its east and west 4S stores (the demo's), the west store under a version of its own."""
    load_demo_units(people, now)
    return {u.code: u for u in Unit.objects.all()}


def received(**fields: object) -> intake.Received:
    base = {"customer_words": WORDS, "customer_name": "马先生", "customer_phone": "13812345678",
            "extra.plate_number": "京A12345"}
    base.update(fields)  # type: ignore[arg-type]
    unit = base.pop("unit", None)
    return intake.Received("phone", base, unit=unit)


def p1_with(extra_clock: str) -> str:
    text = (PRESETS_DIR / "p1_four_level.yaml").read_text(encoding="utf-8")
    return text.replace("clocks:\n", extra_clock, 1)


def test_an_installation_without_units_registers_as_before(p1, people, now):
    c = intake.register(received(), actor=people["wangkf"], now=now).complaint
    assert c.unit_id is None and c.policy_version_id == p1.pk


def test_a_store_persons_complaint_belongs_to_their_store_under_its_policy_version(group, people, now):
    east = intake.register(received(), actor=people["dongkf"], now=now).complaint
    west = intake.register(received(), actor=people["xidz"], now=now).complaint
    assert east.unit_id == group["store_east"].pk and west.unit_id == group["store_west"].pk
    # the east store has no version of its own: the group's (the installation's) is in force there
    assert east.policy_version.unit_id is None
    assert west.policy_version.unit_id == group["store_west"].pk


def test_publishing_a_stores_new_version_changes_nothing_for_its_old_complaints_nor_for_other_units(
        group, people, now):
    west_before = intake.register(received(), actor=people["xidz"], now=now).complaint
    east_before = intake.register(received(), actor=people["dongkf"], now=now).complaint
    old_west, group_version = west_before.policy_version_id, east_before.policy_version_id
    stricter = p1_with(STORE_REPORTS)
    newer = import_and_publish(text=stricter, actor=None, now=now + timedelta(days=1), unit=group["store_west"])

    west_before.refresh_from_db()
    east_before.refresh_from_db()
    assert west_before.policy_version_id == old_west  # kept for life
    assert PolicyVersion.objects.get(pk=old_west).state == PolicyVersion.State.SUPERSEDED
    assert PolicyVersion.objects.get(pk=group_version).state == PolicyVersion.State.PUBLISHED  # the others' untouched
    assert east_before.policy_version_id == group_version
    later = now + timedelta(days=2)
    assert intake.register(received(), actor=people["xidz"], now=later).complaint.policy_version_id == newer.pk
    assert intake.register(received(), actor=people["dongkf"], now=later).complaint.policy_version_id == group_version
    assert intake.register(received(), actor=people["wangkf"], now=later).complaint.policy_version_id == group_version


def test_a_unit_without_a_version_of_its_own_is_under_the_nearest_unit_above(group, now):
    region = Unit.objects.create(code="north", name="北区", kind="region", parent=group["huaan_group"])
    store = Unit.objects.create(code="north_store", name="北区一店", kind="store", parent=region)
    assert active_version(store.pk).unit_id is None  # nothing above it has one: the installation's
    mine = import_and_publish(text=p1_with(STORE_REPORTS), actor=None, now=now, unit=region)
    assert active_version(store.pk) == mine and active_version(region.pk) == mine
    assert active_version(group["store_east"].pk).unit_id is None


def test_a_channel_naming_an_unknown_unit_is_refused_by_the_fields_label(group, people, now):
    with pytest.raises(ValidationFailed) as refused:
        intake.register(received(unit="nowhere"), actor=people["wangkf"], now=now)
    [error] = [e for e in refused.value.errors if e.field == "unit"]
    assert error.label == ("业务单位", "Business unit") and "nowhere" in error.message()
    assert not Complaint.objects.exists()


def test_a_store_person_registers_only_for_their_store_the_group_for_any(group, people, now):
    with pytest.raises(ValidationFailed) as refused:
        intake.register(received(unit="store_west"), actor=people["dongkf"], now=now)
    assert refused.value.errors[0].field == "unit"
    c = intake.register(received(unit="store_west"), actor=people["wangkf"], now=now).complaint
    assert c.unit_id == group["store_west"].pk and c.policy_version.unit_id == group["store_west"].pk


def test_store_people_see_their_stores_cases_and_the_group_sees_every_unit(group, people, now):
    east = intake.register(received(), actor=people["dongkf"], now=now).complaint
    west = intake.register(received(), actor=people["xidz"], now=now).complaint
    head_office = intake.register(received(), actor=people["wangkf"], now=now).complaint
    # 东区客服 is a CS agent — company-wide by role, but of the east store: the east store's cases only
    assert set(visible_complaints(people["dongkf"], now)) == {east}
    assert set(visible_complaints(people["xidz"], now)) == {west}
    assert set(visible_complaints(people["zhoujl"], now)) == {east, west, head_office}  # the group's CS manager
    with pytest.raises(KesuError):
        get_visible(people["dongkf"], now, number=west.number)
    with pytest.raises(TransitionRefused):  # a note is open to anyone who sees the case: not to the other store
        lifecycle.add_note(west, actor=people["dongkf"], now=now, note="看一眼")


def test_the_store_reports_the_result_to_the_group_within_24_hours(p1, people, now):
    load_demo_units(people, now)
    west = Unit.objects.get(code="store_west")
    import_and_publish(text=p1_with(STORE_REPORTS), actor=None, now=now, unit=west)
    manager = people["xidz"]
    dept = Department.objects.get(code="west_after_sales")
    c = intake.register(received(), actor=manager, now=now).complaint
    t = now + timedelta(minutes=5)
    c = lifecycle.classify(c, actor=manager, now=t, level="dissatisfied", category="repair_quality", validity="valid")
    c = lifecycle.assign(c, actor=manager, now=t, department=dept)
    c = lifecycle.accept(c, actor=manager, now=t)
    c = lifecycle.agree_solution(c, actor=manager, now=t, plan="免费返修")
    done = now + timedelta(hours=3)
    c = lifecycle.return_result(c, actor=manager, now=done, result="返修完成，试车正常")
    clock = ComplaintClock.objects.get(complaint=c, code="store_report")
    assert clock.due_at == done + timedelta(hours=24)

    c = workflow.pass_up(c, actor=manager, now=done + timedelta(hours=20), reason="处理完毕，反馈集团客服部回访")
    clock.refresh_from_db()
    assert clock.met is True and clock.stopped_at == done + timedelta(hours=20)
    assert c.unit.code == "huaan_group" and c.status == State.FOLLOW_UP
    assert c.policy_version.unit_id == west.pk  # passing up keeps the store's version
    assert c.events.order_by("-seq").first().changes["unit_id"] == [west.pk, c.unit_id]
    # now the group's customer service has it; the store manager still sees it as its department's
    assert c in visible_complaints(people["zhoujl"], now) and c in visible_complaints(manager, now)


def test_the_group_passes_a_case_down_to_a_store_below_it_and_nowhere_else(group, people, now):
    c = intake.register(received(unit="huaan_group"), actor=people["wangkf"], now=now).complaint
    with pytest.raises(KesuError) as refused:
        workflow.pass_up(c, actor=people["wangkf"], now=now, reason="上报")
    assert refused.value.code == "no_parent_unit"
    c = workflow.pass_down(c, actor=people["wangkf"], now=now, to_unit="store_east", reason="通过OMS传递给4S店")
    assert c.unit_id == group["store_east"].pk and c in visible_complaints(people["dongkf"], now)
    told = Notification.objects.filter(kind="unit_passed", complaint=c)
    assert set(told.values_list("recipient__username", flat=True)) == {"dongdz", "dongkf"}  # the store's CS
    with pytest.raises(KesuError) as sideways:
        workflow.pass_down(c, actor=people["wangkf"], now=now, to_unit="store_west", reason="转西区")
    assert sideways.value.code == "not_a_child_unit"
    with pytest.raises(TransitionRefused):  # a reason is required, as for every hand-off
        workflow.pass_up(c, actor=people["dongkf"], now=now, reason=" ")


def test_reports_roll_up_from_the_stores_to_the_group(group, people, now):
    for who, n in (("dongkf", 2), ("xidz", 3)):
        for _ in range(n):
            intake.register(received(), actor=people[who], now=now)
    intake.register(received(unit="huaan_group"), actor=people["wangkf"], now=now)
    period = figures.Period(now.date(), now.date() + timedelta(days=1))
    whole = figures.build(period)
    rows = {name: (own, rolled) for _depth, name, own, rolled in whole.by_unit}
    assert rows["huaan_group"] == (1, 6) and rows["store_east"] == (2, 2) and rows["store_west"] == (3, 3)
    east = figures.build(period, unit_ids=frozenset({group["store_east"].pk}))
    assert east.received == 2 and [r[1] for r in east.by_unit] == ["store_east"]


def test_a_stores_business_hours_time_its_cases_and_others_keep_the_companys(group, now):
    weekly = {d: ["10:00-22:00"] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    save_business_hours(department=None, unit=group["store_east"], weekly=weekly, open_on_holidays=True, now=now)
    east, west = calendar_for(None, group["store_east"].pk), calendar_for(None, group["store_west"].pk)
    sunday_evening = now.replace(day=15, hour=20)  # 2026-03-15 is a Sunday
    assert east.is_open(sunday_evening) and not west.is_open(sunday_evening)
    dept = Department.objects.get(code="east_after_sales")
    assert calendar_for(dept.pk).is_open(sunday_evening)  # the store's department runs on the store's hours


def test_the_api_takes_the_unit_by_code_and_the_token_owners_unit_otherwise(group, people):
    def client(person: object) -> APIClient:
        token, _ = Token.objects.get_or_create(user=person)
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return api

    body = {"channel": "phone", "customer_words": WORDS, "customer_phone": "13600001111",
            "extra": {"plate_number": "京A12345"}}
    made = client(people["wangkf"]).post("/api/v1/complaints/", {**body, "unit": "store_west"}, format="json")
    assert made.status_code == 201, made.json()
    assert Complaint.objects.get(number=made.json()["number"]).unit_id == group["store_west"].pk
    own = client(people["dongkf"]).post("/api/v1/complaints/", body, format="json")
    assert Complaint.objects.get(number=own.json()["number"]).unit_id == group["store_east"].pk
    bad = client(people["wangkf"]).post("/api/v1/complaints/", {**body, "unit": "nowhere"}, format="json")
    assert bad.status_code == 422 and bad.json()["error"]["fields"][0]["field"] == "unit"


def test_a_stores_registration_asks_the_database_no_more_than_the_groups(group, people, now):
    """The unit tree is cached per process: a store's registration runs the same statements as the
    group's (the version in force is one SELECT either way)."""
    intake.register(received(), actor=people["dongkf"], now=now)  # warm the caches
    intake.register(received(), actor=people["wangkf"], now=now)
    counts = []
    for i, who in enumerate(("wangkf", "dongkf")):  # each a first complaint (a repeat asks more, alike)
        with CaptureQueriesContext(connection) as q:
            intake.register(received(customer_phone=f"1390000000{i}"), actor=people[who], now=now)
        counts.append(len(q.captured_queries))
    assert counts[0] == counts[1]



def test_the_monthly_report_gives_a_stores_manager_their_store_and_the_group_everything(group, people, now):
    from kesu.reports.tasks import deliver_reports

    for who in ("dongkf", "dongkf", "xidz", "wangkf"):
        intake.register(received(), actor=people[who], now=now)
    deliver_reports(now=now.replace(month=4, day=2))
    monthly = {n.recipient.username: n.params["received"]
               for n in Notification.objects.filter(kind="report_monthly").select_related("recipient")}
    assert monthly["dongdz"] == 2 and monthly["xidz"] == 1 and monthly["zhoujl"] == 4


def test_the_dashboard_of_a_stores_cs_manager_counts_their_store(group, people, now):
    from kesu.web.workbench import dashboard_figures

    for who in ("dongkf", "xidz", "wangkf"):
        intake.register(received(), actor=people[who], now=now)
    assert dashboard_figures(now, unit_ids=frozenset({group["store_east"].pk}))["open_total"] == 1
    assert dashboard_figures(now)["open_total"] == 3


def test_the_policy_page_shows_each_units_version_in_force_and_a_store_its_own(group, people):
    from django.test import Client

    west_version = active_version(group["store_west"].pk)
    head = Client()
    head.force_login(people["zhoujl"])
    page = head.get("/policy/").content.decode()
    assert "华安西区 4S 店" in page and f"v{west_version.number}" in page
    store = Client()
    store.force_login(people["xidz"])
    own = store.get("/policy/").content.decode()
    assert f"v{west_version.number}" in own and "华安东区 4S 店" not in own  # their unit's, not the others'
