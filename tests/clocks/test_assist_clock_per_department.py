"""Issue 18: a clock on a help request's answer (协办: start request_assist, stop assist_answered,
responsible: assisting) runs once for each department asked — several at a time. Each department
answers for its own: the one that answers in time meets its clock, the one that does not is booked
the breach (its manager and the department), whatever the other did."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from kesu.audit import verify
from kesu.clocks.models import ComplaintClock, PenaltyEntry
from kesu.clocks.sweep import sweep
from kesu.complaints import lifecycle
from kesu.core.policy.io import PRESETS_DIR
from kesu.core.registration import RegistrationInput
from kesu.org.models import Department
from kesu.policies.services import import_and_publish
from kesu.workflow import services as workflow

pytestmark = pytest.mark.django_db

ASSIST_CLOCK = """clocks:
  - code: assist_answer
    name: 协办答复
    name_en: Answer to a help request
    start: request_assist
    stop: assist_answered
    targets: {"*": 4h}
    responsible: assisting
    penalty_amount: 20
"""


@pytest.fixture
def handling(people, now):
    """P1 with a 4-hour clock on every help request; a case in the after-sales department's hands."""
    text = (PRESETS_DIR / "p1_four_level.yaml").read_text(encoding="utf-8").replace("clocks:\n", ASSIST_CLOCK, 1)
    import_and_publish(text=text, actor=None, now=now)
    after_sales = Department.objects.get(code="after_sales")
    words = "换的配件不是原厂件，还多收了钱。"
    c = lifecycle.register_complaint(actor=people["wangkf"], now=now, complained_department=after_sales,
                                     data=RegistrationInput(channel="phone", customer_words=words,
                                                            customer_name="钱先生", customer_phone="13800001234",
                                                            extra={"plate_number": "京A00001"}))
    c = lifecycle.classify(c, actor=people["wangkf"], now=now, level="dissatisfied", category="parts",
                           validity="valid")
    c = lifecycle.assign(c, actor=people["wangkf"], now=now)
    return lifecycle.accept(c, actor=people["lijl"], now=now)


def test_two_departments_asked_at_once_each_answer_for_their_own_clock(handling, people, now):
    parts = workflow.request_assist(handling, actor=people["lijl"], now=now, department="parts",
                                    matter="请配件部核实更换配件的来源")
    finance = workflow.request_assist(handling, actor=people["lijl"], now=now + timedelta(minutes=5),
                                      department="finance", matter="请财务部核对结算单")
    clocks = {k.assist_department.code: k for k in ComplaintClock.objects.filter(complaint=handling,
                                                                                  code="assist_answer")}
    assert set(clocks) == {"parts", "finance"}  # two at a time, one per department asked
    assert clocks["finance"].due_at == now + timedelta(hours=4, minutes=5)

    workflow.answer_assist(parts, actor=people["xupj"], now=now + timedelta(hours=2), answer="确系副厂件，已追责供应商")
    sweep(now=now + timedelta(hours=5))

    clocks = {k.assist_department.code: k for k in ComplaintClock.objects.filter(complaint=handling,
                                                                                  code="assist_answer")}
    assert clocks["parts"].met is True and clocks["parts"].breached_at is None
    assert clocks["finance"].breached_at is not None and clocks["finance"].stopped_at is None
    [booked] = PenaltyEntry.objects.filter(clock=clocks["finance"])
    assert (booked.staff, booked.department.code, booked.amount) == (people["wucw"], "finance", Decimal("20"))
    assert not PenaltyEntry.objects.filter(clock=clocks["parts"]).exists()

    workflow.answer_assist(finance, actor=people["wucw"], now=now + timedelta(hours=6), answer="结算单多收 380 元")
    finished = ComplaintClock.objects.get(pk=clocks["finance"].pk)
    assert finished.met is False and finished.late_seconds == int(timedelta(minutes=115).total_seconds())
    assert verify.verify().ok  # the clocks' new column keeps the audit chain whole


def test_a_second_request_to_the_same_department_shares_its_clock_until_both_are_answered(handling, people, now):
    first = workflow.request_assist(handling, actor=people["lijl"], now=now, department="parts", matter="核实来源")
    second = workflow.request_assist(handling, actor=people["lijl"], now=now + timedelta(minutes=30),
                                     department="parts", matter="补充提供入库单")
    [clock] = ComplaintClock.objects.filter(complaint=handling, code="assist_answer")
    workflow.answer_assist(first, actor=people["xupj"], now=now + timedelta(hours=1), answer="来源已核实")
    clock.refresh_from_db()
    assert clock.stopped_at is None  # the department still owes the second answer
    workflow.answer_assist(second, actor=people["xupj"], now=now + timedelta(hours=2), answer="入库单已提供")
    clock.refresh_from_db()
    assert clock.met is True
