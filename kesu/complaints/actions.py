"""Every workflow step by name, with the fields it takes, for callers that speak in names and
dictionaries (the REST API). Each entry calls the one lifecycle or workflow function for that
step: the rules decide there, whoever asks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kesu.complaints import lifecycle
from kesu.complaints.models import Complaint
from kesu.core.errors import KesuError, ValidationFailed
from kesu.org.models import Department, Staff


@dataclass(frozen=True)
class Spec:
    call: Callable[..., Any]
    fields: dict[str, str] = field(default_factory=dict)  # name → "text" | "bool" | "department" | "staff" …
    required: tuple[str, ...] = ()
    description: str = ""


def _workflow() -> Any:
    from kesu.workflow import services

    return services


def _text(key: str, fn: Callable[..., Any], arg: str, description: str, required: bool = True) -> Spec:
    return Spec(lambda c, d, **kw: fn(c, **{arg: d.get(key, "")}, **kw), {key: "text"},
                (key,) if required else (), description)


ACTIONS: dict[str, Spec] = {
    "classify": Spec(lambda c, d, **kw: lifecycle.classify(c, level=d["level"], category=d["category"],
                                                           validity=d["validity"], reason=d.get("reason", ""), **kw),
                     {"level": "text", "category": "text", "validity": "text", "reason": "text"},
                     ("level", "category", "validity"), "分类定级"),
    "answer_invalid": _text("explanation", lifecycle.answer_invalid, "explanation", "答复非有效投诉"),
    "assign": Spec(lambda c, d, **kw: lifecycle.assign(c, department=d.get("department"), reason=d.get("reason", ""),
                                                       **kw), {"department": "department", "reason": "text"}, (),
                   "分派（不指定部门则按分派规则）"),
    "accept": _text("reason", lifecycle.accept, "reason", "接手处理", required=False),
    "agree_solution": _text("plan", lifecycle.agree_solution, "plan", "达成初步协议"),
    "return_result": _text("result", lifecycle.return_result, "result", "交回处理结果"),
    "record_satisfied": Spec(lambda c, d, **kw: lifecycle.record_return_visit(
        c, satisfied=True, conversation=d.get("conversation", ""), **kw), {"conversation": "text"},
        ("conversation",), "回访：客户满意"),
    "record_unsatisfied": Spec(lambda c, d, **kw: lifecycle.record_return_visit(
        c, satisfied=False, conversation=d.get("conversation", ""), **kw), {"conversation": "text"},
        ("conversation",), "回访：客户不满意"),
    "sign_off": _text("note", lifecycle.sign_off, "note", "客服经理签字", required=False),
    "review": _text("note", lifecycle.review, "note", "总经理审阅", required=False),
    "archive": _text("note", lifecycle.archive, "note", "归档", required=False),
    "reopen": _text("reason", lifecycle.reopen, "reason", "重新开启"),
    "object": _text("objection", lifecycle.raise_objection, "objection", "客户异议，申请复审"),
    "uphold_objection": Spec(lambda c, d, **kw: lifecycle.decide_objection(c, upheld=True, finding=d.get("finding", ""),
                                                                           **kw), {"finding": "text"}, ("finding",),
                             "复审：异议成立"),
    "dismiss_objection": Spec(lambda c, d, **kw: lifecycle.decide_objection(
        c, upheld=False, finding=d.get("finding", ""), **kw), {"finding": "text"}, ("finding",), "复审：维持原结果"),
    "contact_made": _text("note", lifecycle.record_contact, "note", "与客户接触"),
    "progress_call": _text("note", lifecycle.record_progress_call, "note", "跟进回访电话"),
    "note": _text("note", lifecycle.add_note, "note", "备注"),
    "inform_customer": Spec(lambda c, d, **kw: _workflow().inform_customer(c, message=d.get("message", ""), **kw),
                            {"message": "text"}, ("message",), "告知客户处理结果"),
    "raise_level": Spec(lambda c, d, **kw: _workflow().raise_level(c, reason=d.get("reason", ""), **kw),
                        {"reason": "text"}, ("reason",), "提级处理"),
    "transfer": Spec(lambda c, d, **kw: _workflow().transfer(c, to_department=d.get("department"),
                                                             reason=d.get("reason", ""), **kw),
                     {"department": "department", "reason": "text"}, ("department", "reason"), "转交处理"),
    "acknowledge_transfer": Spec(lambda c, d, **kw: _workflow().acknowledge_transfer(c, note=d.get("note", ""), **kw),
                                 {"note": "text"}, (), "签收转交"),
    "request_assist": Spec(lambda c, d, **kw: _workflow().request_assist(
        c, department=d.get("department"), matter=d.get("matter", ""), within=d.get("within") or None, **kw),
        {"department": "department", "matter": "text", "within": "text"}, ("department", "matter"), "申请协办"),
    "request_approval": Spec(lambda c, d, **kw: _workflow().request_approval(
        c, kind=d.get("kind", ""), plan=d.get("plan", ""), compensation_kind=d.get("compensation_kind", ""),
        amount=d.get("amount"), **kw),
        {"kind": "text", "plan": "text", "compensation_kind": "text", "amount": "text"}, ("kind", "plan"), "提交审批"),
}


def perform(action: str, c: Complaint, data: dict[str, Any], *, actor: Staff, now: datetime,
            expected_version: int | None) -> Complaint:
    """Run ``action`` on ``c`` with ``data``; unknown fields and missing required ones are refused
    by name before anything is written."""
    spec = ACTIONS.get(action)
    if spec is None:
        raise KesuError("not_one_of", field="action", value=action, allowed=", ".join(ACTIONS))
    problems = [KesuError("unknown_field", field=k) for k in data if k not in spec.fields]
    problems += [KesuError("required", field=k) for k in spec.required if data.get(k) in (None, "")]
    values = dict(data)
    for name, kind in spec.fields.items():
        value = values.get(name)
        if value is None or value == "":
            continue
        if kind == "text" and not isinstance(value, str | int | float):
            problems.append(KesuError("bad_type", field=name, expected="字符串", value=type(value).__name__))
        if kind == "department":
            found = Department.objects.filter(code=str(value), is_active=True).first()
            if found is None:
                problems.append(KesuError("unknown_department", field=name, value=value))
            values[name] = found
    if problems:
        raise ValidationFailed(problems)
    spec.call(c, values, actor=actor, now=now, expected_version=expected_version)
    return Complaint.objects.get(pk=c.pk)
