"""投诉延期处理申请 and the penalty ledger (SPEC F6; P1 第六条: customer unreachable → the GM
approves an extension)."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from kesu.clocks import ledger
from kesu.clocks.extensions import decide_extension, request_extension, resume_clock
from kesu.clocks.models import ComplaintClock, PenaltyEntry
from kesu.clocks.sweep import sweep
from kesu.core.errors import KesuError, TransitionRefused
from kesu.core.lifecycle import State
from kesu.notifications.models import Notification
from tests.factories import bring_to, register

pytestmark = pytest.mark.django_db
MIN = timedelta(minutes=1)


def first_response(c) -> ComplaintClock:
    return ComplaintClock.objects.get(complaint=c, code="first_response")


def test_customer_unreachable_the_gm_approves_a_pause_and_the_clock_resumes_exactly(p1, people, now):
    c = bring_to(State.ASSIGNED, people, now)  # first response due at +20 min
    due = first_response(c).due_at
    req = request_extension(c, clock_code="first_response", actor=people["lijl"], now=now + 12 * MIN,
                            reason="客户电话无人接听，连续三次未接通")
    assert Notification.objects.filter(recipient=people["zhangzong"], kind="extension_requested").exists()

    decide_extension(req, actor=people["zhangzong"], now=now + 14 * MIN, approve=True, note="同意，待客户回电")
    assert first_response(c).paused_at == now + 14 * MIN
    sweep(now=now + 60 * MIN)  # the unpaused clocks breach; first response waits
    breached = set(ComplaintClock.objects.filter(complaint=c, breached_at__isnull=False).values_list("code", flat=True))
    assert breached == {"plan_agreement", "first_contact", "progress_call"}

    resume_clock(c, clock_code="first_response", actor=people["lijl"], now=now + 74 * MIN, reason="客户回电")
    clock = first_response(c)
    assert clock.due_at == due + 60 * MIN  # paused exactly one hour
    assert clock.paused_at is None and clock.breached_at is None
    kinds = list(c.events.values_list("kind", flat=True))
    assert {"extension_requested", "extension_approved", "clock_resumed"} <= set(kinds)


def test_an_approved_extension_can_add_time_instead_of_pausing(p1, people, now):
    c = bring_to(State.ASSIGNED, people, now)
    due = first_response(c).due_at
    req = request_extension(c, clock_code="first_response", actor=people["wangkf"], now=now, kind="extend",
                            extension="2h", reason="客户出差，约定两小时后联系")
    decide_extension(req, actor=people["zhangzong"], now=now + MIN, approve=True)
    assert first_response(c).due_at == due + timedelta(hours=2)


def test_only_the_gm_decides_and_never_on_their_own_request(p1, people, now):
    c = bring_to(State.ASSIGNED, people, now)
    req = request_extension(c, clock_code="first_response", actor=people["lijl"], now=now, reason="无法联系客户")
    with pytest.raises(TransitionRefused, match="总经理"):
        decide_extension(req, actor=people["zhoujl"], now=now, approve=True)
    with pytest.raises(TransitionRefused) as refused:
        decide_extension(req, actor=people["lijl"], now=now, approve=True)
    assert refused.value.code == "role_not_allowed"


def test_a_rejection_needs_a_reason_and_leaves_the_clock_running(p1, people, now):
    c = bring_to(State.ASSIGNED, people, now)
    req = request_extension(c, clock_code="first_response", actor=people["lijl"], now=now, reason="无法联系客户")
    with pytest.raises(KesuError):
        decide_extension(req, actor=people["zhangzong"], now=now, approve=False)
    decide_extension(req, actor=people["zhangzong"], now=now, approve=False, note="请改用短信联系")
    assert first_response(c).paused_at is None
    assert c.events.filter(kind="extension_rejected", reason="请改用短信联系").exists()


def test_a_request_names_a_running_clock_and_a_reason(p1, people, now):
    c = bring_to(State.ASSIGNED, people, now)
    with pytest.raises(KesuError):
        request_extension(c, clock_code="first_response", actor=people["lijl"], now=now, reason=" ")
    with pytest.raises(KesuError):
        request_extension(c, clock_code="no_such_clock", actor=people["lijl"], now=now, reason="无法联系")
    with pytest.raises(KesuError):
        request_extension(c, clock_code="first_response", actor=people["lijl"], now=now, reason="无法联系",
                          kind="extend", extension="-2h")


@pytest.fixture
def ledger_rows(p1, people, now):
    """Three breaches in March (two after-sales, one sales) and one in April."""
    register(people, now, level="major")
    register(people, now, level="crisis")
    register(people, now, level="dissatisfied", complained="sales")
    sweep(now=now + 31 * MIN)
    register(people, now + timedelta(days=30), level="very_dissatisfied")
    sweep(now=now + timedelta(days=30, minutes=21))
    return PenaltyEntry.objects.all()


def test_the_ledger_filters_by_month_department_and_person(ledger_rows, people):
    march = ledger.penalties(month=date(2026, 3, 1))
    assert sorted(march.values_list("amount", flat=True)) == [Decimal("20"), Decimal("50"), Decimal("80")]
    after_sales = ledger.penalties(month=date(2026, 3, 1), department_id=people["lijl"].manages.get().pk)
    assert after_sales.count() == 2
    assert ledger.penalties(staff_id=people["zhaojl"].pk).get().amount == Decimal("20")
    assert ledger.penalties(month=date(2026, 4, 1)).get().amount == Decimal("30")


def test_a_wrong_entry_is_waived_with_a_reason_and_the_waiver_is_on_the_timeline(ledger_rows, people, now):
    entry = ledger_rows.get(amount=80)
    with pytest.raises(TransitionRefused):
        ledger.waive(entry, actor=people["lijl"], now=now, reason="自己免除")  # not HR, CS manager or GM
    with pytest.raises(KesuError):
        ledger.waive(entry, actor=people["churs"], now=now, reason="")
    ledger.waive(entry, actor=people["churs"], now=now, reason="系统故障导致电话无法拨出，经核实免罚")
    entry.refresh_from_db()
    assert (entry.waived_by, entry.waive_reason) == (people["churs"], "系统故障导致电话无法拨出，经核实免罚")
    assert entry.complaint.events.filter(kind="penalty_waived", actor=people["churs"]).exists()
    assert ledger.penalties(include_waived=False).filter(pk=entry.pk).count() == 0


def test_the_ledger_exports_to_xlsx_with_numbers_as_numbers(ledger_rows):
    data = ledger.export_xlsx(ledger.penalties(month=date(2026, 3, 1)))
    sheet = load_workbook(io.BytesIO(data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == tuple(ledger.HEADERS)
    assert sorted(r[5] for r in rows[1:]) == [20, 50, 80]
    assert all(isinstance(r[5], int | float) for r in rows[1:])


def test_when_the_agreed_work_happens_at_the_next_visit_the_verdict_clock_waits_for_it(p1, people, now):
    """P1 第五条(六)注：以客户二次到店后的满意度为最后结果的判定。"""
    from kesu.clocks.extensions import pause_for_next_visit
    from kesu.complaints import lifecycle

    c = bring_to(State.FOLLOW_UP, people, now)
    second = ComplaintClock.objects.get(complaint=c, code="second_response")
    due = second.due_at
    pause_for_next_visit(c, clock_code="second_response", actor=people["chenhf"], now=due - timedelta(hours=20),
                         reason="客户约定下周二到店更换配件")
    sweep(now=due + timedelta(days=5))
    second.refresh_from_db()
    assert second.breached_at is None  # waiting for the visit is not a breach
    resume_clock(c, clock_code="second_response", actor=people["chenhf"], now=due + timedelta(days=6),
                 reason="客户已到店，配件更换完毕")
    second.refresh_from_db()
    assert second.due_at == due + timedelta(days=6, hours=20)
    lifecycle.record_return_visit(c, actor=people["chenhf"], now=due + timedelta(days=6, hours=1), satisfied=True,
                                  conversation="到店更换后客户满意")
    second.refresh_from_db()
    assert second.met is True
