"""The clocks' kernel rules: a calendar gap never blocks a complaint, a new handling round cancels
the last round's clocks, no clock runs or breaches on a closed case, the sweeps lock the complaint
before its records and each app's periodic work is its own task."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import yaml
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kesu.clocks.models import ComplaintClock, PenaltyEntry
from kesu.clocks.sweep import sweep
from kesu.complaints import lifecycle
from kesu.complaints.models import Complaint
from kesu.core import clocks as rules
from kesu.core.lifecycle import State
from kesu.core.policy.io import PRESETS_DIR
from kesu.notifications.models import Notification
from kesu.policies.services import import_and_publish
from kesu.tasks import discover, run
from kesu.workflow import services as workflow
from kesu.workflow import sweep as workflow_sweep
from kesu.workflow.models import AssistRequest, Transfer
from kesu.workflow.sweep import sweep_overdue
from tests.conftest import BEIJING
from tests.factories import bring_to, register

pytestmark = pytest.mark.django_db
MIN = timedelta(minutes=1)


@pytest.fixture
def p1(db, now):
    """P1 with its progress call timed from the agreement, 40 minutes — a clock of the handling
    round, which the round rules below need (the preset itself times it from registration, not
    before 40 minutes: tests/clocks/test_not_before_clocks.py)."""
    data = yaml.safe_load((PRESETS_DIR / "p1_four_level.yaml").read_text(encoding="utf-8"))
    call = next(k for k in data["clocks"] if k["code"] == "progress_call")
    call.update(start="agree_solution", targets={"*": "40m"})
    call.pop("not_before")
    return import_and_publish(text=yaml.safe_dump(data, allow_unicode=True), actor=None, now=now)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=BEIJING)


def fresh(c: Complaint) -> Complaint:
    return Complaint.objects.get(pk=c.pk)


def seqs(c: Complaint) -> list[int]:
    return list(c.events.order_by("seq").values_list("seq", flat=True))


def clocks(c: Complaint, code: str) -> list[ComplaintClock]:
    return list(ComplaintClock.objects.filter(complaint=c, code=code).order_by("started_at", "pk"))


def running(c: Complaint) -> set[str]:
    return set(ComplaintClock.objects.filter(complaint=c, stopped_at__isnull=True, cancelled_at__isnull=True)
               .values_list("code", flat=True))


# --- 1. a deadline in a year the calendar lacks ------------------------------------------------------

def test_a_complaint_registered_with_a_deadline_in_an_uncovered_year_takes_further_steps_numbered_on(people):
    import_and_publish(text=(PRESETS_DIR / "p3_rapid_response.yaml").read_text(encoding="utf-8"), actor=None,
                       now=at("2026-09-01 09:00"))
    c = register(people, at("2026-12-29 10:00"), level="general", extra={})
    assert c.events.filter(kind="calendar_uncovered").exists()
    assert fresh(c).event_seq == c.event_seq == len(seqs(c))  # the flag's number is stored

    c = lifecycle.add_note(fresh(c), actor=people["wangkf"], now=at("2026-12-29 10:05"), note="客户来电补充情况")
    c = lifecycle.classify(fresh(c), actor=people["wangkf"], now=at("2026-12-29 10:10"), level="general",
                           category="product", validity="valid")
    assert seqs(c) == list(range(1, fresh(c).event_seq + 1))  # contiguous, nothing lost or doubled


def test_a_clock_started_by_classification_in_an_uncovered_year_leaves_the_seq_stored_too(people):
    import_and_publish(text=(PRESETS_DIR / "p3_rapid_response.yaml").read_text(encoding="utf-8"), actor=None,
                       now=at("2026-09-01 09:00"))
    c = register(people, at("2026-12-29 10:00"), extra={})  # no level yet: the level's clocks wait
    c = lifecycle.classify(c, actor=people["wangkf"], now=at("2026-12-29 10:05"), level="general",
                           category="product", validity="valid")
    assert c.events.filter(kind="calendar_uncovered").exists()
    c = lifecycle.add_note(fresh(c), actor=people["wangkf"], now=at("2026-12-29 10:10"), note="已登记补充")
    assert seqs(c) == list(range(1, fresh(c).event_seq + 1))


# --- 2. a new round cancels the last round's clocks -------------------------------------------------

def _unsatisfied(people, now):  # type: ignore[no-untyped-def]
    return bring_to(State.REOPENED, people, now)  # record_unsatisfied at now + 30 min


def _reopened(people, now):  # type: ignore[no-untyped-def]
    c = bring_to(State.SATISFIED, people, now)  # record_satisfied at now + 30 min
    return lifecycle.reopen(c, actor=people["zhoujl"], now=now + 30 * MIN, reason="客户来电，问题复发")


def _objection_upheld(people, now):  # type: ignore[no-untyped-def]
    c = bring_to(State.OBJECTED, people, now)
    return lifecycle.decide_objection(c, actor=people["zhangzong"], now=now + 30 * MIN, upheld=True,
                                      finding="异议成立，重新调查")


@pytest.mark.parametrize("new_round", [_unsatisfied, _reopened, _objection_upheld],
                         ids=["record_unsatisfied", "reopen", "uphold_objection"])
def test_a_new_round_cancels_the_last_rounds_clocks_and_starts_them_again_from_their_start_events(
        p1, people, now, new_round):
    c = new_round(people, now)  # agree_solution at +20 min, no progress call made: progress_call still ran
    assert c.status == State.REOPENED
    [old] = clocks(c, "progress_call")
    assert old.cancelled_at == now + 30 * MIN and old.stopped_at is None
    assert "first_response" in running(c)  # a clock of the complaint, not of the round, runs on

    sweep(now=now + 3 * 60 * MIN)  # the old round's 40 minutes are long past
    assert not c.events.filter(kind="clock_breached", reason="回访专员跟踪电话").exists()
    assert ComplaintClock.objects.get(pk=old.pk).breached_at is None

    c = lifecycle.assign(fresh(c), actor=people["wangkf"], now=now + 4 * 60 * MIN, department=c.department)
    c = lifecycle.accept(c, actor=c.department.manager, now=now + 4 * 60 * MIN)
    c = lifecycle.agree_solution(c, actor=c.department.manager, now=now + 5 * 60 * MIN, plan="更换总成")
    new = clocks(c, "progress_call")[-1]
    assert new.pk != old.pk
    assert (new.started_at, new.due_at) == (now + 5 * 60 * MIN, now + 5 * 60 * MIN + 40 * MIN)


def test_a_change_of_level_in_a_new_round_does_not_restart_a_clock_from_the_last_rounds_step(p1, people, now):
    c = bring_to(State.REOPENED, people, now)
    workflow.raise_level(c, actor=people["zhoujl"], now=now + 40 * MIN, reason="客户第二次不满意，升级")
    assert clocks(fresh(c), "progress_call")[-1].cancelled_at == now + 30 * MIN
    assert "progress_call" not in running(c) and "result_return" not in running(c)


def test_the_round_starting_events_are_the_lifecycles():
    assert frozenset(lifecycle.ROUND_STARTERS) == rules.ROUND_STARTS


# --- 3. no clock on a closed case --------------------------------------------------------------------

@pytest.mark.parametrize("closed", [State.SIGNED_OFF, State.ARCHIVED, State.INVALID_ANSWERED])
def test_no_clock_runs_on_a_closed_case(p1, people, now, closed):
    c = bring_to(closed, people, now)
    assert ComplaintClock.objects.filter(complaint=c).exists()
    assert running(c) == set()
    events = fresh(c).event_seq
    sweep(now=now + 30 * 24 * 60 * MIN)
    assert fresh(c).event_seq == events and not PenaltyEntry.objects.exists()


def test_a_clock_found_running_on_an_archived_case_is_cancelled_not_breached(p1, people, now):
    c = bring_to(State.ARCHIVED, people, now)
    k = clocks(c, "first_response")[0]
    ComplaintClock.objects.filter(pk=k.pk).update(cancelled_at=None)  # as left by an older release
    events = fresh(c).event_seq

    result = sweep(now=now + 24 * 60 * MIN)

    assert (result.breached, result.penalties, result.failed) == (0, 0, 0)
    assert fresh(c).event_seq == events and not c.events.filter(kind="clock_breached").exists()
    assert not PenaltyEntry.objects.exists()
    k = ComplaintClock.objects.get(pk=k.pk)
    assert (k.breached_at, k.cancelled_at) == (None, now + 24 * 60 * MIN)


def test_a_clock_found_running_on_a_closed_case_is_cancelled_not_warned(p1, people, now):
    c = bring_to(State.SIGNED_OFF, people, now)
    k = clocks(c, "first_response")[0]
    when = now + 2 * 60 * MIN
    ComplaintClock.objects.filter(pk=k.pk).update(cancelled_at=None, warn_at=when - MIN, due_at=when + 60 * MIN)

    result = sweep(now=when)

    assert result.warned == 0 and not Notification.objects.filter(kind="clock_warning").exists()
    assert ComplaintClock.objects.get(pk=k.pk).cancelled_at == when


# --- 4. lock order: the complaint first, then its records -------------------------------------------

def _first(queries: list[str], predicate) -> int:  # type: ignore[no-untyped-def]
    return next(i for i, sql in enumerate(queries) if predicate(sql.lower()))


def _complaint_select(sql: str) -> bool:
    return sql.startswith("select") and 'from "complaints_complaint"' in sql


def test_the_overdue_sweep_locks_the_complaint_before_claiming_the_transfer(p1, people, now):
    c = bring_to(State.HANDLING, people, now)
    workflow.transfer(c, actor=people["lijl"], now=now, to_department="parts", reason="属配件质量问题")
    with CaptureQueriesContext(connection) as ctx:
        assert sweep_overdue(now=now + 3 * 60 * MIN).transfers == 1
    queries = [q["sql"] for q in ctx.captured_queries]
    table = Transfer._meta.db_table
    assert _first(queries, _complaint_select) < _first(
        queries, lambda sql: sql.startswith(f'update "{table}"'))


def test_the_overdue_sweep_locks_the_complaint_before_claiming_the_help_request(p1, people, now):
    c = bring_to(State.HANDLING, people, now)
    workflow.request_assist(c, actor=people["lijl"], now=now, department="parts", matter="请核实配件批次")
    with CaptureQueriesContext(connection) as ctx:
        assert sweep_overdue(now=now + 30 * 24 * 60 * MIN).assists == 1
    queries = [q["sql"] for q in ctx.captured_queries]
    table = AssistRequest._meta.db_table
    assert _first(queries, _complaint_select) < _first(
        queries, lambda sql: sql.startswith(f'update "{table}"'))


def test_the_clock_warning_locks_the_complaint_before_claiming_the_clock(p1, people, now):
    register(people, now, level="very_dissatisfied")  # first response and contact due in 20 min, warned 5 before
    with CaptureQueriesContext(connection) as ctx:
        assert sweep(now=now + 16 * MIN).warned == 2
    queries = [q["sql"] for q in ctx.captured_queries]
    table = ComplaintClock._meta.db_table
    assert _first(queries, _complaint_select) < _first(
        queries, lambda sql: sql.startswith(f'update "{table}"'))


# --- 5. each app's periodic work is its own task; one bad row never stops a sweep -------------------

def test_each_apps_periodic_work_is_its_own_task():
    tasks = discover()
    assert {"clocks.sweep", "workflow.overdue", "intake.handover"} <= set(tasks)
    for name in ("clocks.sweep", "workflow.overdue", "intake.handover"):
        assert tasks[name].every == "KESU_SWEEP_SECONDS"


def test_the_clock_sweep_task_runs_only_the_clock_sweep(p1, people, monkeypatch):
    def boom(*, now):  # type: ignore[no-untyped-def]
        raise RuntimeError("overdue sweep broken")

    monkeypatch.setattr(workflow_sweep, "sweep_overdue", boom)
    assert set(run("clocks.sweep")) == {"warned", "breached", "penalties", "failed"}
    assert set(run("intake.handover")) == {"handovers"}


def test_one_failing_transfer_does_not_stop_the_overdue_sweep(p1, people, now, monkeypatch):
    first, second = bring_to(State.HANDLING, people, now), bring_to(State.HANDLING, people, now)
    for c in (first, second):
        workflow.transfer(fresh(c), actor=people["lijl"], now=now, to_department="parts", reason="属配件质量问题")
    broken = Transfer.objects.get(complaint=first).pk
    real = workflow_sweep._transfer

    def flaky(pk, complaint_id, when, result):  # type: ignore[no-untyped-def]
        if pk == broken:
            raise RuntimeError("broken row")
        real(pk, complaint_id, when, result)

    monkeypatch.setattr(workflow_sweep, "_transfer", flaky)
    result = sweep_overdue(now=now + 3 * 60 * MIN)

    assert (result.transfers, result.failed) == (1, 1)
    assert second.events.filter(kind="transfer_overdue").exists()
    assert not first.events.filter(kind="transfer_overdue").exists()
    assert Notification.objects.filter(kind="sweep_error", recipient=people["admin"]).exists()
