"""Factories that read like the policy: register a complaint, walk it along P1's flow."""

from __future__ import annotations

from datetime import datetime, timedelta

from kesu.complaints import lifecycle
from kesu.complaints.models import Complaint
from kesu.core.lifecycle import State
from kesu.core.registration import RegistrationInput
from kesu.org.models import Department, Staff


def registration(**overrides: object) -> RegistrationInput:
    fields: dict[str, object] = {
        "channel": "phone",
        "customer_words": "上周保养后发动机故障灯又亮了，要求免费检修。",
        "customer_name": "马先生",
        "customer_phone": "13812345678",
        "demands": ("repair", "apology"),
        "extra": {"plate_number": "京A12345"},
    }
    fields.update(overrides)
    return RegistrationInput(**fields)  # type: ignore[arg-type]


def register(people: dict[str, Staff], now: datetime, *, by: str = "wangkf", complained: str = "after_sales",
             **overrides: object) -> Complaint:
    dept = Department.objects.get(code=complained)
    return lifecycle.register_complaint(actor=people[by], now=now, data=registration(**overrides),
                                        complained_department=dept)


COMPLAINED = "@complained"  # the department complained about
MANAGER = "@manager"  # that department's manager

# The happy path of P1, state by state: (action, who does it, extra arguments).
P1_FLOW: list[tuple[State, str, str, dict[str, object]]] = [
    (State.CLASSIFIED, "classify", "wangkf", {"level": "very_dissatisfied", "category": "repair_quality",
                                              "validity": "valid"}),
    (State.ASSIGNED, "assign", "wangkf", {"department": COMPLAINED}),
    (State.HANDLING, "accept", MANAGER, {}),
    (State.SOLUTION_AGREED, "agree_solution", MANAGER, {"plan": "免费返修，赠送一次保养"}),
    (State.FOLLOW_UP, "return_result", MANAGER, {"result": "返修完成，试车正常"}),
    (State.SATISFIED, "record_return_visit", "chenhf", {"satisfied": True, "conversation": "客户满意"}),
    (State.SIGNED_OFF, "sign_off", "zhoujl", {}),
    (State.REVIEWED, "review", "zhangzong", {}),
    (State.ARCHIVED, "archive", "fengda", {}),
]


def act(c: Complaint, action: str, who: Staff, now: datetime, **kwargs: object) -> Complaint:
    if "department" in kwargs and isinstance(kwargs["department"], str):
        kwargs["department"] = Department.objects.get(code=kwargs["department"])
    return getattr(lifecycle, action)(c, actor=who, now=now, **kwargs)


def bring_to(target: State, people: dict[str, Staff], now: datetime, **overrides: object) -> Complaint:
    """A complaint registered at ``now`` and taken along P1's flow until it is in ``target``."""
    c = register(people, now, **overrides)
    t = now
    if target == State.REGISTERED:
        return c
    if target == State.INVALID_ANSWERED:
        c = lifecycle.classify(c, actor=people["wangkf"], now=t, level="dissatisfied", category="other",
                               validity="enquiry")
        return lifecycle.answer_invalid(c, actor=people["wangkf"], now=t, explanation="属咨询，已解释")
    if target == State.MERGED:  # F13: a duplicate merged into another case being handled
        return lifecycle.merge(c, into=register(people, now), actor=people["wangkf"], now=t,
                               reason="同一投诉重复登记")
    flow = P1_FLOW
    if target == State.REOPENED:
        flow = [*P1_FLOW[:5], (State.REOPENED, "record_return_visit", "chenhf",
                               {"satisfied": False, "conversation": "客户仍不满意"})]
    if target == State.OBJECTED:
        flow = [*P1_FLOW[:5], (State.OBJECTED, "raise_objection", "wangkf",
                               {"objection": "客户对处理结果有异议，要求复审"})]
    dept = c.complained_department
    assert dept is not None and dept.manager is not None
    for state, action, who, kwargs in flow:
        t += timedelta(minutes=5)
        kwargs = {k: dept if v == COMPLAINED else v for k, v in kwargs.items()}
        c = act(c, action, dept.manager if who == MANAGER else people[who], t, **kwargs)
        if state == target:
            return c
    raise AssertionError(f"no path to {target}")
