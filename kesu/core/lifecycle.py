"""The complaint state machine (SPEC F2, F5, F7, F8) as one table of transitions with guards.

This module decides *whether* an action may happen; :mod:`kesu.complaints.lifecycle` is the
only code that then writes a complaint's status, in one transaction with its timeline event.

Who may act is expressed with global roles (``cs_manager``, ``gm`` …) and three roles that
depend on the complaint: ``dept_manager`` (the manager of the complaint's department, or their
designated deputy while designated), ``owner`` (the current handler) and ``receiver`` (the
person who registered it — the first receiver hands it over, SPEC F2/P5).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from kesu.core.errors import TransitionRefused
from kesu.core.messages import Said
from kesu.core.roles import ROLE_CODES, Role, role_label


class State(StrEnum):
    REGISTERED = "registered"  # 已登记
    CLASSIFIED = "classified"  # 已分类
    ASSIGNED = "assigned"  # 已分派（已交部门经理）
    HANDLING = "handling"  # 处理中
    SOLUTION_AGREED = "solution_agreed"  # 已达成初步协议
    FOLLOW_UP = "follow_up"  # 结果已交回，待回访
    SATISFIED = "satisfied"  # 客户满意
    REOPENED = "reopened"  # 客户不满意 / 重新处理
    SIGNED_OFF = "signed_off"  # 客服经理已签字
    REVIEWED = "reviewed"  # 总经理已审阅
    ARCHIVED = "archived"  # 已归档
    INVALID_ANSWERED = "invalid_answered"  # 非有效投诉，已答复说明
    OBJECTED = "objected"  # 客户提出异议，待上级复审
    MERGED = "merged"  # 重复投诉，已并入另一件（F13；撤销合并可回到合并前的状态）


STATE_LABELS: dict[State, tuple[str, str]] = {
    State.REGISTERED: ("已登记", "Registered"),
    State.CLASSIFIED: ("已分类", "Classified"),
    State.ASSIGNED: ("已分派", "Assigned"),
    State.HANDLING: ("处理中", "Handling"),
    State.SOLUTION_AGREED: ("已达成初步协议", "Solution agreed"),
    State.FOLLOW_UP: ("待回访", "Follow-up"),
    State.SATISFIED: ("客户满意", "Satisfied"),
    State.REOPENED: ("重新处理", "Reopened"),
    State.SIGNED_OFF: ("客服经理已签字", "Signed off"),
    State.REVIEWED: ("总经理已审阅", "Reviewed"),
    State.ARCHIVED: ("已归档", "Archived"),
    State.INVALID_ANSWERED: ("非有效投诉已答复", "Invalid, answered"),
    State.OBJECTED: ("复审中", "Under review (objection)"),
    State.MERGED: ("已合并", "Merged"),
}

OPEN_STATES: frozenset[State] = frozenset(State) - {State.ARCHIVED, State.INVALID_ANSWERED, State.MERGED}
CLOSED_STATES: frozenset[State] = frozenset({State.SIGNED_OFF, State.REVIEWED, State.ARCHIVED})
UNSATISFIED_STATES: tuple[State, ...] = (State.REOPENED, State.OBJECTED)  # the customer is not (yet) content
# F10: the customer rates the handling once it is settled: satisfied, then signed and reviewed.
RATEABLE_STATES: frozenset[State] = frozenset({State.SATISFIED, State.SIGNED_OFF, State.REVIEWED})

# Contextual roles (resolved per complaint), beside the global roles of kesu.core.roles.
OWNER = "owner"
RECEIVER = "receiver"
ANYONE = "anyone"  # anyone who may see the complaint (visibility is checked by the kernel)
# Issue 18: who answers for a clock on a help request (协办): the manager of the department asked.
ASSISTING = "assisting"
CLOCK_POSITIONS: tuple[str, ...] = (ASSISTING,)
DEPT_MANAGER = Role.DEPT_MANAGER.value
PERSON = "person:"  # an approver or committee member named by login (person:zhangls)


@dataclass(frozen=True)
class Facts:
    """What the guards may look at: a snapshot of the complaint, no database behind it."""

    status: State
    level: str | None = None
    category: str | None = None
    validity: str | None = None
    department_id: int | None = None
    owner_id: int | None = None
    complained_staff_id: int | None = None
    has_review_step: bool = True
    # F7: what the solution waits for (filled from the complaint's approvals and reports)
    pending_approvals: int = 0
    solution_approval_missing: bool = False  # the policy reserves this level's solution to an approver
    investigation_missing: bool = False  # the policy wants an investigation report at this level
    pending_transfer: bool = False  # a 转交处理联系单 not yet acknowledged by the receiver
    # The handling records open on the complaint, loaded to list the steps one may take; a step on
    # one record checks that record itself, with the precise reason.
    records_loaded: bool = False
    running_clock: bool = False
    paused_clock: bool = False
    pending_extension: bool = False
    approver_roles: frozenset[str] = frozenset()  # approver roles of the approvals waiting for a decision
    approval_requesters: frozenset[int] = frozenset()  # who asked for each of them (nobody approves their own)
    finance_pending: bool = False
    assist_departments: frozenset[int] = frozenset()  # departments asked for help and not yet answered
    unwaived_penalty: bool = False
    # F8/F10 复审: the policy's window for objecting after the case was closed has passed.
    objection_window_over: bool = False
    # F16: the case's business unit has a unit above it / units below it (routing up and back down)
    unit_above: bool = False
    units_below: bool = False
    # Issue 18: the supervisor's ruling that the complaint is accepted (呈报上级主管裁定是否受理) is
    # still missing; the steps the policy requires (通报, 书面回复) not yet taken, as (step, before);
    # corrective actions the policy wants opened and verified before sign-off.
    acceptance_missing: bool = False
    required_missing: frozenset[tuple[str, str]] = frozenset()
    capa_unsettled: bool = False
    capa_owners: frozenset[int] = frozenset()  # owners of the corrective actions not yet carried out
    capa_awaiting_verification: bool = False


def objection_window_over(closed_at: datetime | None, now: datetime, within: timedelta) -> bool:
    """Whether the customer's time to object (the policy's follow_up.objection_within, counted
    from the sign-off that closed the case) has run out; an open case has no such limit."""
    return closed_at is not None and now > closed_at + within


@dataclass(frozen=True)
class ActorFacts:
    """Who is acting, seen from this complaint."""

    staff_id: int | None
    roles: frozenset[str]
    manages_department: bool = False  # manager, or deputy while designated
    is_owner: bool = False
    is_receiver: bool = False
    department_ids: frozenset[int] = frozenset()  # member of, or managing (also as deputy)
    login: str = ""  # for approvers and committee members named ``person:<login>``

    def plays(self, role: str) -> bool:
        if role == ANYONE:
            return True
        if role.startswith(PERSON):
            return bool(self.login) and role[len(PERSON):] == self.login
        if role == DEPT_MANAGER:
            return self.manages_department
        if role == OWNER:
            return self.is_owner
        if role == RECEIVER:
            return self.is_receiver
        return role in self.roles


@dataclass(frozen=True)
class Change:
    """What the action proposes: the payload guards check (new owner, reason …)."""

    reason: str = ""
    new_owner_id: int | None = None
    new_department_id: int | None = None


Guard = Callable[[Facts, Change], Said | None]  # returns why not, in both languages, or None


def _classified(f: Facts, c: Change) -> Said | None:
    missing = [n for n, v in ((("级别", "level"), f.level), (("类别", "category"), f.category),
                              (("有效性", "validity"), f.validity)) if not v]
    if not missing:
        return None
    return Said(f"尚未设定{'、'.join(zh for zh, _ in missing)}", f"no {', '.join(en for _, en in missing)} set yet")


def _valid(f: Facts, c: Change) -> Said | None:
    return None if f.validity == "valid" else Said("该投诉未被认定为有效投诉", "the complaint was not found valid")


def _not_valid(f: Facts, c: Change) -> Said | None:
    return Said("有效投诉须按流程处理，不能作无效答复",
                "a valid complaint is handled, not answered as not valid") if f.validity == "valid" else None


def _has_department(f: Facts, c: Change) -> Said | None:
    return None if (c.new_department_id or f.department_id) else Said("未指定责任部门", "no department chosen")


def _recusal(f: Facts, c: Change) -> Said | None:
    owner = c.new_owner_id if c.new_owner_id is not None else f.owner_id
    if owner is not None and owner == f.complained_staff_id:
        return Said("被投诉人须回避，不能作为处理人", "the person complained about must not handle it")
    return None


def _review_step(f: Facts, c: Change) -> Said | None:
    return None if f.has_review_step else Said("本制度没有总经理审阅环节", "this policy has no review by the GM")


def _solution_cleared(f: Facts, c: Change) -> Said | None:
    if f.investigation_missing:
        return Said("本级别须先提交调查报告", "at this level the investigation report comes first")
    if f.pending_approvals:
        return Said(f"尚有 {f.pending_approvals} 项审批未完成", f"{f.pending_approvals} approval(s) still waiting")
    if f.solution_approval_missing:
        return Said("本级别的处理方案须经审批同意", "at this level the solution needs an approval")
    return None


def _no_pending_transfer(f: Facts, c: Change) -> Said | None:
    return Said("转交尚未经接收人签收", "the transfer is not acknowledged yet") if f.pending_transfer else None


def _objection_in_time(f: Facts, c: Change) -> Said | None:
    return Said("已超过制度规定的提出异议期限",
                "the policy's time for objecting has passed") if f.objection_window_over else None


def _acceptance_ruled(f: Facts, c: Change) -> Said | None:
    return Said("须先呈报上级主管裁定是否受理", "the supervisor must first rule whether the complaint is accepted") \
        if f.acceptance_missing else None


REQUIRED_STEP_NAMES = {"external_notified": ("通报相关管理部门", "notifying the authorities"),
                       "written_reply": ("书面回复", "a written reply")}


def _required_before(action: str) -> Guard:
    def guard(f: Facts, c: Change) -> Said | None:
        missing = sorted(step for step, before in f.required_missing if before == action)
        if missing:
            return Said(f"本制度要求先{'、'.join(REQUIRED_STEP_NAMES[m][0] for m in missing)}",
                        f"the policy requires {' and '.join(REQUIRED_STEP_NAMES[m][1] for m in missing)} first")
        return None
    return guard


def _capa_settled(f: Facts, c: Change) -> Said | None:
    return Said("本级别须制定纠正预防措施并确认其效果",
                "at this level corrective actions must be set and their effect confirmed") if f.capa_unsettled else None


def _review_done_or_skipped(f: Facts, c: Change) -> Said | None:
    if f.status == State.SIGNED_OFF and f.has_review_step:
        return Said("须先经总经理审阅", "the GM reviews it first")
    return None


@dataclass(frozen=True)
class Transition:
    action: str  # also the timeline event code and a clock event
    sources: frozenset[State]
    target: State
    roles: tuple[str, ...]  # any of these may act; policy_role overrides when set
    policy_role: str | None = None  # key of policy.workflow naming the role (sign_off, review …)
    guards: tuple[Guard, ...] = ()
    needs_reason: bool = False
    label: tuple[str, str] = ("", "")
    # An undo: the complaint goes back to the state before the step it undoes (the kernel reads it
    # from that step's event); ``target`` is then only where it would go without one.
    restores: bool = False


_CS = (Role.CS_AGENT.value, Role.CS_MANAGER.value)
_S = State
# F13: a duplicate (the same complaint delivered twice in other words) is merged into the case that
# continues while both are still being handled; the merge is undone while that case is open.
MERGEABLE: frozenset[State] = frozenset({
    State.REGISTERED, State.CLASSIFIED, State.ASSIGNED, State.HANDLING, State.SOLUTION_AGREED, State.FOLLOW_UP,
    State.REOPENED, State.OBJECTED})

TRANSITIONS: tuple[Transition, ...] = (
    Transition("classify", frozenset({_S.REGISTERED, _S.CLASSIFIED}), _S.CLASSIFIED,
               (*_CS, DEPT_MANAGER, RECEIVER), guards=(_classified,), label=("分类定级", "Classify")),
    Transition("answer_invalid", frozenset({_S.CLASSIFIED}), _S.INVALID_ANSWERED,
               _CS, guards=(_not_valid,), needs_reason=True, label=("答复非有效投诉", "Answer as not valid")),
    Transition("assign", frozenset({_S.CLASSIFIED, _S.ASSIGNED, _S.REOPENED}), _S.ASSIGNED,
               (*_CS, DEPT_MANAGER, RECEIVER), guards=(_valid, _has_department, _recusal, _acceptance_ruled),
               label=("分派", "Assign")),
    Transition("accept", frozenset({_S.ASSIGNED, _S.REOPENED}), _S.HANDLING,
               (DEPT_MANAGER, OWNER), guards=(_recusal, _no_pending_transfer), label=("接手处理", "Accept")),
    Transition("agree_solution", frozenset({_S.HANDLING}), _S.SOLUTION_AGREED,
               (DEPT_MANAGER, OWNER), guards=(_solution_cleared, _no_pending_transfer,
                                              _required_before("agree_solution")), needs_reason=True,
               label=("达成初步协议", "Agree a solution")),
    Transition("return_result", frozenset({_S.SOLUTION_AGREED}), _S.FOLLOW_UP,
               (DEPT_MANAGER, OWNER), guards=(_required_before("return_result"),), needs_reason=True,
               label=("交回处理结果", "Return the result")),
    Transition("record_satisfied", frozenset({_S.FOLLOW_UP}), _S.SATISFIED,
               _CS, needs_reason=True, label=("回访：客户满意", "Return visit: satisfied")),
    Transition("record_unsatisfied", frozenset({_S.FOLLOW_UP}), _S.REOPENED,
               _CS, needs_reason=True, label=("回访：客户不满意", "Return visit: not satisfied")),
    Transition("sign_off", frozenset({_S.SATISFIED}), _S.SIGNED_OFF,
               (Role.CS_MANAGER.value,), policy_role="sign_off",
               guards=(_required_before("sign_off"), _capa_settled), label=("客服经理签字", "Sign off")),
    Transition("review", frozenset({_S.SIGNED_OFF}), _S.REVIEWED,
               (Role.GM.value,), policy_role="review", guards=(_review_step,), label=("总经理审阅", "Review")),
    Transition("archive", frozenset({_S.SIGNED_OFF, _S.REVIEWED, _S.INVALID_ANSWERED}), _S.ARCHIVED,
               (Role.ARCHIVIST.value,), policy_role="archive", guards=(_review_done_or_skipped,),
               label=("归档", "Archive")),
    Transition("reopen", frozenset({_S.SATISFIED, _S.SIGNED_OFF, _S.REVIEWED, _S.ARCHIVED,
                                    _S.INVALID_ANSWERED}), _S.REOPENED,
               (Role.CS_MANAGER.value, Role.GM.value), needs_reason=True, label=("重新开启", "Reopen")),
    # F8 复审: the customer objects to the result; the level above (policy.follow_up) decides.
    # Archived too: within the policy's window after closing (follow_up.objection_within).
    Transition("object", frozenset({_S.FOLLOW_UP, _S.SATISFIED, _S.SIGNED_OFF, _S.REVIEWED, _S.ARCHIVED}),
               _S.OBJECTED, _CS, needs_reason=True, guards=(_objection_in_time,),
               label=("客户异议，申请复审", "Customer objects: ask for review")),
    Transition("uphold_objection", frozenset({_S.OBJECTED}), _S.REOPENED, (Role.GM.value,),
               policy_role="objection_reviewer", needs_reason=True,
               label=("复审：异议成立，重新调查", "Review: objection upheld, re-investigate")),
    Transition("dismiss_objection", frozenset({_S.OBJECTED}), _S.FOLLOW_UP, (Role.GM.value,),
               policy_role="objection_reviewer", needs_reason=True,
               label=("复审：维持原处理结果", "Review: result stands")),
    Transition("merge", MERGEABLE, _S.MERGED, (*_CS, DEPT_MANAGER), needs_reason=True,
               label=("合并重复投诉", "Merge as a duplicate")),
    Transition("unmerge", frozenset({_S.MERGED}), _S.REGISTERED, _CS, needs_reason=True, restores=True,
               label=("撤销合并", "Undo the merge")),
)


def merge_refusal(duplicate_id: int, survivor_id: int, survivor_status: State) -> Said | None:
    """Why the duplicate cannot be merged into this case (None: it can): not into itself, and only
    into a case that is still being handled."""
    if duplicate_id == survivor_id:
        return Said("不能并入自身", "a complaint cannot be merged into itself")
    if survivor_status not in MERGEABLE:
        zh, en = STATE_LABELS[survivor_status]
        return Said(f"被并入的投诉状态为“{zh}”，只能并入处理中的投诉",
                    f"the other complaint is '{en}': only one still being handled takes a duplicate")
    return None


def unmerge_refusal(survivor_status: State) -> Said | None:
    """A merge is undone only while the case it went into is open (F13): not once it is signed off
    or after, answered as not valid, or itself merged."""
    if survivor_status in CLOSED_STATES | {State.INVALID_ANSWERED, State.MERGED}:
        zh, en = STATE_LABELS[survivor_status]
        return Said(f"并入的投诉已是“{zh}”，不能撤销合并", f"the complaint it went into is '{en}': the merge stays")
    return None

BY_ACTION: dict[str, Transition] = {t.action: t for t in TRANSITIONS}

_WORKING = frozenset({_S.ASSIGNED, _S.HANDLING, _S.REOPENED})


Available = Callable[[Facts, "ActorFacts"], Said | None]  # None when the step applies now, else why not


@dataclass(frozen=True)
class Activity:
    """A step that does not change the status (hand-off, help, investigation, approvals, a
    contact, the steps on a handling record …): the same rulebook — states, roles, reason, and
    ``available`` for what must be open on the complaint (a running clock, an approval waiting
    for this actor) — judged the same way as a transition."""

    action: str
    states: frozenset[State]
    roles: tuple[str, ...]
    needs_reason: bool = False
    label: tuple[str, str] = ("", "")
    policy_role: str | None = None  # key of the policy's workflow roles that overrides ``roles``
    available: Available | None = None


def _running_clock(f: Facts, a: ActorFacts) -> Said | None:
    return None if f.running_clock else Said("没有正在计时的时限", "no clock is running")


def _paused_clock(f: Facts, a: ActorFacts) -> Said | None:
    return None if f.paused_clock else Said("没有暂停中的时限", "no clock is paused")


def _pending_extension(f: Facts, a: ActorFacts) -> Said | None:
    return None if f.pending_extension else Said("没有待审批的延期申请", "no extension request waits for a decision")


def _approval_for_actor(f: Facts, a: ActorFacts) -> Said | None:
    if not f.approver_roles:
        return Said("没有待审批的事项", "nothing waits for a decision")
    if not any(a.plays(r) for r in f.approver_roles):
        roles = role_names(sorted(f.approver_roles))
        return Said(f"待审批事项须由{roles.zh}审批", f"what waits must be decided by {roles.en}")
    if f.approval_requesters == {a.staff_id}:
        return Said("不能审批自己提交的申请", "you cannot decide your own request")
    return None


# Issue 18: the approvals that may still be decided once the case is closed (signed off and after).
DECIDED_AFTER_CLOSING = frozenset({"reward"})


def approval_open_in(kind: str, status: State) -> Said | None:
    """Why an approval of ``kind`` can no longer be decided in ``status`` (None: it can): a closed
    case decides only its reward (the sign-off does not wait for the 人评会)."""
    if status in CLOSED_STATES and kind not in DECIDED_AFTER_CLOSING:
        return Said("投诉已结案，只有奖励的审批可继续办理", "the case is closed: only a reward's approval goes on")
    return None


def _finance_pending(f: Facts, a: ActorFacts) -> Said | None:
    return None if f.finance_pending else Said("没有待财务审核的事项", "nothing waits for the finance review")


def _assist_for_actor(f: Facts, a: ActorFacts) -> Said | None:
    if not f.assist_departments:
        return Said("没有待回复的协办请求", "no help request waits for an answer")
    return None if f.assist_departments & a.department_ids else Said(
        "只有被请求协办的部门可以回复", "only the department asked for help may answer")


def _unwaived_penalty(f: Facts, a: ActorFacts) -> Said | None:
    return None if f.unwaived_penalty else Said("没有可免除的扣罚", "no penalty to waive")


def _pending_transfer(f: Facts, a: ActorFacts) -> Said | None:
    return None if f.pending_transfer else Said("没有待签收的转交", "no transfer waits to be acknowledged")


def _unit_above(f: Facts, a: ActorFacts) -> Said | None:
    return None if f.unit_above else Said("本单位没有上级单位", "this unit has no unit above it")


def _units_below(f: Facts, a: ActorFacts) -> Said | None:
    return None if f.units_below else Said("本单位没有下级单位", "this unit has no units below it")

def _capa_for_owner(f: Facts, a: ActorFacts) -> Said | None:
    if not f.capa_owners:
        return Said("没有待落实的纠正预防措施", "no corrective action waits to be carried out")
    return None if a.staff_id in f.capa_owners else Said("只有措施负责人可以登记落实情况",
                                                         "only the action's owner records it carried out")


def _acceptance_wanted(f: Facts, a: ActorFacts) -> Said | None:
    return None if f.acceptance_missing else Said("本制度不要求对此投诉裁定是否受理，或已裁定受理",
                                                  "the policy asks no ruling on accepting it, or it was ruled")


def _capa_to_verify(f: Facts, a: ActorFacts) -> Said | None:
    return None if f.capa_awaiting_verification else Said("没有待确认效果的纠正预防措施",
                                                          "no corrective action waits for its effect to be confirmed")


# Steps on an open case; closed cases (signed off and after) change only through a recorded reopening.
_HANDLEABLE = frozenset(State) - CLOSED_STATES - {State.INVALID_ANSWERED, State.MERGED}
_MAY_EXTEND = (OWNER, DEPT_MANAGER, Role.CS_AGENT.value, Role.CS_MANAGER.value)

ACTIVITIES: tuple[Activity, ...] = (
    Activity("transfer", _WORKING, (OWNER, DEPT_MANAGER, Role.CS_MANAGER.value), needs_reason=True,
             label=("转交处理", "Transfer")),
    Activity("acknowledge_transfer", _WORKING, (OWNER, DEPT_MANAGER), label=("签收转交", "Acknowledge transfer"),
             available=_pending_transfer),
    Activity("request_assist", _WORKING | {_S.SOLUTION_AGREED}, (OWNER, DEPT_MANAGER), needs_reason=True,
             label=("申请协办", "Ask another department for help")),
    # F16 business units: a case passes from a store up to the group (seed 000, 4S: the store reports
    # the result to the group's customer service within 24 hours) and from the group down to a store.
    Activity("pass_up", _HANDLEABLE, (OWNER, DEPT_MANAGER, *_CS), needs_reason=True,
             label=("上报上级单位", "Pass up to the unit above"), available=_unit_above),
    Activity("pass_down", _HANDLEABLE, (OWNER, DEPT_MANAGER, *_CS), needs_reason=True,
             label=("下派下级单位", "Pass down to a unit below"), available=_units_below),
    Activity("raise_level", frozenset({_S.CLASSIFIED}) | _WORKING, (OWNER, DEPT_MANAGER, *_CS), needs_reason=True,
             label=("提级处理", "Raise to the next level")),
    Activity("submit_investigation", _WORKING | {_S.SOLUTION_AGREED},
             (OWNER, DEPT_MANAGER, Role.CS_MANAGER.value), label=("提交调查报告", "Submit the investigation report")),
    Activity("request_approval", frozenset({_S.HANDLING}), (OWNER, DEPT_MANAGER), needs_reason=True,
             label=("提交审批", "Ask for approval")),
    Activity("inform_customer", frozenset({_S.HANDLING, _S.SOLUTION_AGREED, _S.FOLLOW_UP, _S.OBJECTED}),
             (OWNER, DEPT_MANAGER, *_CS), needs_reason=True, label=("告知客户处理结果", "Tell the customer")),
    Activity("grant_reward", frozenset({_S.SATISFIED, _S.SIGNED_OFF, _S.REVIEWED}),
             (Role.GM.value, Role.HR.value, Role.CS_MANAGER.value), needs_reason=True,
             label=("奖励", "Grant a reward")),
    # Recording what happened with the customer and on the case.
    Activity("contact_made", _HANDLEABLE, (*_CS, OWNER, DEPT_MANAGER, RECEIVER), needs_reason=True,
             label=("与客户接触", "Customer contacted")),
    Activity("progress_call", _HANDLEABLE, (*_CS, OWNER, DEPT_MANAGER), needs_reason=True,
             label=("跟进回访电话", "Progress call")),
    Activity("note", frozenset(State) - {_S.ARCHIVED}, (ANYONE,), needs_reason=True, label=("备注", "Note")),
    Activity("edited", _HANDLEABLE, (*_CS, OWNER, DEPT_MANAGER, RECEIVER), needs_reason=True,
             label=("修改信息", "Edit")),
    Activity("attachment_added", _HANDLEABLE, (ANYONE,), label=("添加附件", "Add attachments")),
    # Clocks: 投诉延期处理申请 and its decision, waiting for the customer's next visit, resuming.
    Activity("extension_requested", _HANDLEABLE, _MAY_EXTEND, needs_reason=True,
             label=("申请延期处理", "Ask for an extension"), available=_running_clock),
    Activity("extension_decided", _HANDLEABLE, (Role.GM.value,), policy_role="extension_approver",
             label=("审批延期申请", "Decide the extension"), available=_pending_extension),
    Activity("clock_paused", _HANDLEABLE, _MAY_EXTEND, needs_reason=True,
             label=("等待客户二次到店", "Wait for the customer's next visit"), available=_running_clock),
    Activity("clock_resumed", _HANDLEABLE, _MAY_EXTEND, needs_reason=True, label=("恢复计时", "Resume the clock"),
             available=_paused_clock),
    # Decisions on handling records: approvals, finance review, help given, penalty waivers.
    # A reward put to approval (mall: 人评会决议，呈上级予以奖励) is asked for at or after the customer's
    # satisfaction and may still be deciding when the case is signed off, reviewed or archived: it is
    # the staff's matter beside the case, so it is decided then too (approval_open_in); nothing else is.
    Activity("approval_decided", _HANDLEABLE | CLOSED_STATES, (ANYONE,), label=("审批", "Decide the approval"),
             available=_approval_for_actor),
    Activity("finance_reviewed", _HANDLEABLE, (Role.FINANCE.value,), label=("财务审核", "Finance review"),
             available=_finance_pending),
    Activity("assist_answered", frozenset(State) - {_S.ARCHIVED}, (ANYONE,), needs_reason=True,
             label=("协办回复", "Give the help asked for"), available=_assist_for_actor),
    Activity("penalty_waived", frozenset(State), (Role.HR.value, Role.CS_MANAGER.value, Role.GM.value),
             needs_reason=True, label=("免除扣罚", "Waive a penalty"), available=_unwaived_penalty),
    # Issue 18. 呈报上级主管裁定是否受理 (manufacturer 第七条): the ruling is an approval (approval_decided).
    Activity("request_acceptance", frozenset({_S.CLASSIFIED}), (*_CS, RECEIVER, DEPT_MANAGER), needs_reason=True,
             label=("呈报裁定是否受理", "Ask a supervisor to rule on accepting it"), available=_acceptance_wanted),
    # 向相关管理部门通报 and 书面形式回复 (law firm), required by the policy for some levels/categories.
    Activity("external_notified", _HANDLEABLE, (*_CS, Role.GM.value, Role.LEGAL.value, OWNER, DEPT_MANAGER),
             needs_reason=True, label=("通报相关管理部门", "Notify the authorities")),
    Activity("written_reply", _HANDLEABLE, (*_CS, OWNER, DEPT_MANAGER), needs_reason=True,
             label=("书面回复", "Reply in writing")),
    # Corrective and preventive actions (纠正预防措施): opened while the case is handled or after it is
    # signed off, carried out by their owner and verified by someone else — closed cases too, as
    # 执行效果跟踪和确认 outlasts the case (a record beside it, like a penalty waiver).
    Activity("capa_opened", _HANDLEABLE | {_S.SIGNED_OFF, _S.REVIEWED},
             (OWNER, DEPT_MANAGER, Role.CS_MANAGER.value, Role.GM.value), needs_reason=True,
             policy_role="capa_opener", label=("制定纠正预防措施", "Open a corrective action")),
    Activity("capa_done", frozenset(State) - {_S.MERGED}, (ANYONE,), needs_reason=True,
             label=("登记措施落实", "Record the action carried out"), available=_capa_for_owner),
    Activity("capa_verified", frozenset(State) - {_S.MERGED}, (ANYONE,),
             label=("确认措施效果", "Verify the action's effect"), available=_capa_to_verify),
)

ACTIVITY_BY_ACTION: dict[str, Activity] = {a.action: a for a in ACTIVITIES}

# Events that do not change the status but appear on the timeline and may start/stop clocks.
NON_STATUS_EVENTS: dict[str, tuple[str, str]] = {
    "registered": ("登记受理", "Registered"),
    "owner_changed": ("更换处理人", "Owner changed"),
    "customer_added_info": ("客户补充信息", "Customer added information"),
    "customer_rating": ("客户评价", "Customer rating"),
    "merge_received": ("并入重复投诉", "A duplicate merged into this case"),
    "merge_undone": ("撤销并入的重复投诉", "Merge of a duplicate undone"),
    **{a.action: a.label for a in ACTIVITIES},
}

EVENTS: tuple[str, ...] = tuple(NON_STATUS_EVENTS) + tuple(BY_ACTION)

# Events the system writes (clock sweep, approvals); shown on the timeline, never start a clock.
SYSTEM_EVENTS: dict[str, tuple[str, str]] = {
    "clock_breached": ("时限超时", "Deadline breached"),
    "calendar_uncovered": ("日历未覆盖到期年份", "Deadline beyond the known calendar"),
    "contact_limit_exceeded": ("超过对应次数", "Contact limit exceeded"),
    "extension_requested": ("申请延期处理", "Extension requested"),
    "extension_approved": ("延期申请获批", "Extension approved"),
    "extension_rejected": ("延期申请驳回", "Extension rejected"),
    "clock_paused": ("暂停计时（等待客户二次到店）", "Clock paused (waiting for the customer's next visit)"),
    "clock_resumed": ("恢复计时", "Clock resumed"),
    "penalty_waived": ("免除扣罚", "Penalty waived"),
    "transfer_overdue": ("转交超时未签收", "Transfer not acknowledged in time"),
    "assist_answered": ("协办回复", "Help given"),
    "assist_overdue": ("协办超时", "Help overdue"),
    "approval_decided": ("审批", "Approval decided"),
    "finance_reviewed": ("财务审核", "Finance review"),
    "unsatisfied_limit_exceeded": ("不满意次数超限，已上报", "Unsatisfied past the limit: escalated"),
    "finding_penalty": ("调查处罚", "Penalty from the investigation"),
    "keyword_flagged": ("关键词预警，待复核", "Warning words: review"),
    "keyword_noted": ("关键词留意", "Words noted"),
    "crisis_flagged": ("危机预警：已通知危机处理小组、法务、品牌", "Crisis alert: crisis team, legal and brand told"),
    "crisis_folded": ("同一客户的危机预警未结束：并入该预警，不再另行通知",
                      "Same customer's crisis alert still open: added to it, nobody alerted again"),
    "after_hours_received": ("非工作时间受理，列入工作知会单交下一班次", "Received after hours: for the next shift"),
    # issue 14 (kesu.privacy)
    "retention_anonymised": ("保存期满，个人信息已匿名化", "Retention period over: personal data anonymised"),
    "customer_erased": ("应客户请求删除个人信息", "Personal data erased at the customer's request"),
    "legal_hold_set": ("设置法律保全", "Legal hold set"),
    "legal_hold_cleared": ("解除法律保全", "Legal hold cleared"),
    # issue 18: approval chains and committees, transfers and rewards awaiting approval, CAPA
    "transfer_requested": ("转交待审批", "Transfer awaiting approval"),
    "reward_requested": ("奖励待审批", "Reward awaiting approval"),
    "approval_voted": ("委员会表决", "Committee vote"),
    "approval_fallback": ("审批人不在或逾时未审批，转由替补审批", "Approver absent or late: the fallback may decide"),
    "capa_overdue": ("纠正预防措施逾期未落实", "Corrective action overdue"),
}


# F10: the customer adds information to a case still being handled; once it is closed (signed off
# and after), answered as not valid or merged, what they have to say is an objection (within the
# policy's window) or a new complaint — the portal offers neither box nor takes the post.
CUSTOMER_INFO_STATES: frozenset[State] = _HANDLEABLE


def customer_may_add_info(status: str) -> bool:
    """The portal offers 补充信息 exactly when the kernel would take it."""
    return State(status) in CUSTOMER_INFO_STATES


def customer_may_object(facts: Facts) -> bool:
    """The portal offers the objection exactly when the rulebook would take it."""
    t = BY_ACTION["object"]
    return facts.status in t.sources and all(g(facts, Change(reason="-")) is None for g in t.guards)


def event_label(code: str, lang: str = "zh-hans") -> str:
    pair = SYSTEM_EVENTS.get(code) or NON_STATUS_EVENTS.get(code) or (
        BY_ACTION[code].label if code in BY_ACTION else (code, code))
    return pair[1] if lang.startswith("en") else pair[0]


def event_said(code: str) -> Said:
    """An event's name in both languages, for a refusal naming it."""
    return Said(event_label(code), event_label(code, "en"))


def state_label(state: str, lang: str = "zh-hans") -> str:
    zh, en = STATE_LABELS[State(state)]
    return en if lang.startswith("en") else zh


@dataclass(frozen=True)
class WorkflowRoles:
    """The roles a policy names for its sign-off steps (policy.workflow)."""

    by_step: Mapping[str, str] = field(default_factory=dict)
    # the policy's own roles' names (issue 18): code → name, or → (name, English name)
    names: Mapping[str, str | tuple[str, str]] = field(default_factory=dict)


def allowed_roles(t: Transition | Activity, workflow: WorkflowRoles) -> tuple[str, ...]:
    if t.policy_role and t.policy_role in workflow.by_step:
        return (workflow.by_step[t.policy_role],)
    return t.roles


def permit(action: str, facts: Facts, actor: ActorFacts, change: Change,
           workflow: WorkflowRoles = WorkflowRoles()) -> Transition:
    """Check state, role and reason — what can be judged before the change is applied."""
    t = BY_ACTION.get(action)
    if t is None:
        raise TransitionRefused("bad_value", field="action", detail=action)
    label = Said(*t.label)
    if facts.status not in t.sources:
        raise TransitionRefused("transition_not_allowed", action=label, state=state_said(facts.status))
    roles = allowed_roles(t, workflow)
    if not any(actor.plays(r) for r in roles):
        raise TransitionRefused("role_not_allowed", action=label, roles=role_names(roles, workflow.names))
    if t.needs_reason and not change.reason.strip():
        raise TransitionRefused("reason_required", field="reason", action=label)
    return t


def permit_activity(action: str, facts: Facts, actor: ActorFacts, reason: str,
                    workflow: WorkflowRoles = WorkflowRoles()) -> Activity:
    """The rulebook for steps that do not change the status: state, role, reason, and whatever
    must be open for the step (a running clock, an approval waiting for this actor)."""
    a = ACTIVITY_BY_ACTION.get(action)
    if a is None:
        raise TransitionRefused("bad_value", field="action", detail=action)
    label = Said(*a.label)
    if facts.status not in a.states:
        raise TransitionRefused("transition_not_allowed", action=label, state=state_said(facts.status))
    roles = allowed_roles(a, workflow)
    if not any(actor.plays(r) for r in roles):
        raise TransitionRefused("role_not_allowed", action=label, roles=role_names(roles, workflow.names))
    if a.available is not None and facts.records_loaded:
        why = a.available(facts, actor)
        if why:
            raise TransitionRefused("guard_failed", action=label, detail=why)
    if a.needs_reason and not reason.strip():
        raise TransitionRefused("reason_required", field="reason", action=label)
    return a


def decision_note_required(approve: bool, note: str, *, action: Said | str) -> None:
    """Every decision on a request (extension, approval, finance review): a rejection says why."""
    if not approve and not note.strip():
        raise TransitionRefused("reason_required", field="note", action=action)


def not_own_request(requested_by_id: int | None, actor: ActorFacts) -> None:
    """Nobody decides a request they made themselves (extension, approval, finance review)."""
    if requested_by_id is not None and requested_by_id == actor.staff_id:
        raise TransitionRefused("self_approval")


def check_guards(t: Transition, facts: Facts, change: Change) -> None:
    """Check the transition's guards against the complaint as it will be after the change."""
    for guard in t.guards:
        detail = guard(facts, change)
        if detail:
            raise TransitionRefused("guard_failed", action=Said(*t.label), detail=detail)


def available_actions(facts: Facts, actor: ActorFacts,
                      workflow: WorkflowRoles = WorkflowRoles()) -> list[str]:
    """Actions this actor may take now (guards that need a payload are checked when acting)."""
    out = []
    for t in TRANSITIONS:
        if facts.status in t.sources and any(actor.plays(r) for r in allowed_roles(t, workflow)):
            out.append(t.action)
    for a in ACTIVITIES:
        if facts.status in a.states and any(actor.plays(r) for r in allowed_roles(a, workflow)):
            if a.available is not None and facts.records_loaded and a.available(facts, actor):
                continue
            out.append(a.action)
    return out


CONTEXT_ROLE_LABELS: dict[str, tuple[str, str]] = {
    OWNER: ("当前处理人", "the current handler"),
    RECEIVER: ("受理人", "the person who registered it"),
    ANYONE: ("可查看本投诉的人员", "anyone who may see the complaint"),
}


def role_said(role: str, names: Mapping[str, str | tuple[str, str]] | None = None) -> Said:
    """A role of the rulebook in both languages: the policy's own (总裁办, 合伙人 …, issue 18), a person
    named by login, the complaint's own (handler, registrant) or a global one."""
    if names and role in names:
        own = names[role]
        return Said(*own) if isinstance(own, tuple) else Said(own, own)
    if role.startswith(PERSON):
        return Said(role[len(PERSON):], role[len(PERSON):])
    if role in CONTEXT_ROLE_LABELS:
        return Said(*CONTEXT_ROLE_LABELS[role])
    if role in ROLE_CODES:
        return Said(role_label(role), role_label(role, "en"))
    return Said(role, role)


def role_names(roles: tuple[str, ...] | list[str], names: Mapping[str, str | tuple[str, str]] | None = None
               ) -> Said:
    return Said.joined([role_said(r, names) for r in roles])


def state_said(state: str) -> Said:
    return Said(*STATE_LABELS[State(state)])

