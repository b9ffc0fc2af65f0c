"""Handling steps beside the status (SPEC F5, F7, F9): transfers and their acknowledgement,
cross-department help (协办), raising a case to the next level, the investigation report,
approvals of solutions and compensation (权限核决表, finance review, 专案呈核), telling the
customer, and rewards.

Steps on the complaint go through :func:`kesu.complaints.lifecycle.perform_activity`: the same
rulebook as the transitions (state, role, reason), one transaction, one timeline event. Steps on
a request (an approval, a help request) lock the complaint and the request row, so deciding twice
is refused, never done twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from kesu.clocks.calendar import calendar_for
from kesu.clocks.models import PenaltyEntry
from kesu.clocks.people import with_role
from kesu.complaints import lifecycle
from kesu.complaints.models import Complaint
from kesu.core import lifecycle as rules
from kesu.core.access import may_open
from kesu.core.approvals import approver_name, committee_decides
from kesu.core.catalogues import COMPENSATION_KINDS, VALIDITY_KINDS
from kesu.core.errors import KesuError, TransitionRefused, ValidationFailed
from kesu.core.messages import Said
from kesu.core.policy import Duration, Policy
from kesu.core.policy.model import ApprovalChain, named
from kesu.core.roles import Role
from kesu.notifications import outbox
from kesu.notifications.services import notify
from kesu.org import units
from kesu.org.models import Department, DeputyDesignation, Staff
from kesu.org.services import managed_department_ids, member_department_ids, roles_of
from kesu.policies.services import policy_of
from kesu.workflow.models import (
    Approval,
    ApprovalVote,
    ApproverAbsence,
    AssistRequest,
    InvestigationReport,
    Reward,
    Transfer,
)


def _when(at: datetime) -> str:
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M")


def _department(value: Department | str | int | None, field: str = "department") -> Department:
    """A department named by object, code or id — an unknown or inactive one is refused."""
    if isinstance(value, Department):
        if value.is_active:
            return value
        value = value.code
    found = None
    if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
        found = Department.objects.filter(pk=int(value), is_active=True).first()
    elif isinstance(value, str) and value.strip():
        found = Department.objects.filter(code=value.strip(), is_active=True).first()
    if found is None:
        raise KesuError("unknown_department", field=field, value=value if value not in (None, "") else Said("（空）",
                                                                                                            "(empty)"))
    return found


def _managers(department: Department | None, now: datetime) -> list[Staff]:
    """The manager and any deputy acting for them now: who answers for the department."""
    if department is None:
        return []
    people = [department.manager] if department.manager else []
    people += [d.deputy for d in DeputyDesignation.objects.filter(DeputyDesignation.active_q(now),
                                                                  department=department).select_related("deputy")]
    return people


# --- F5: transfer (转交处理联系单), acknowledgement, help (协办), raising the level ------------------


@transaction.atomic  # the step and its notices in one transaction (issue 16: the outbox beside its cause)
def transfer(c: Complaint, *, actor: Staff, now: datetime, to_department: Department | str | int | None, reason: str,
             to_owner: Staff | None = None, expected_version: int | None = None) -> Transfer | Approval:
    """Hand the case to another department; its manager (or deputy) must acknowledge it within the
    policy's time, or the policy's escalation role is told. Where the policy puts transfers to an
    approval chain (喜临门: 经总经理审批后转交), the transfer waits for it: an approval is returned,
    and the case moves when the chain grants it."""
    department = _department(to_department)
    made: list[Transfer | Approval] = []

    def change(k: Complaint, policy: Policy) -> None:
        if k.department_id == department.pk:
            raise KesuError("same_department", field="department", value=department.name)
        owner = to_owner or lifecycle.default_owner(department, k.complained_staff_id, now)
        if owner is not None and owner.pk == k.complained_staff_id:
            raise KesuError("recusal", field="owner", person=owner.display_name or owner.username)
        chain = policy.approvals.chain_for("transfer", k.level, policy.category_trail(k.category))
        if chain is not None:
            approval = Approval(complaint=k, kind=Approval.Kind.TRANSFER, plan=reason, requested_by=actor,
                                requested_at=now, threshold_label=chain.name[:60],
                                payload={"department": department.pk, "owner": owner.pk if owner else None})
            _enter_stage(approval, policy, chain, 0, now)
            approval.save()
            made.append(approval)
            return
        made.append(_move(k, policy, department, owner, actor=actor, reason=reason, now=now))

    k = lifecycle.perform_activity(c, "transfer", actor=actor, now=now, reason=reason,
                                   expected_version=expected_version, change=change,
                                   event=lambda: "transfer_requested" if isinstance(made[0], Approval) else "transfer",
                                   extra=lambda: {"department": [None, department.name]}
                                   if isinstance(made[0], Approval) else {})
    if isinstance(made[0], Approval):
        _tell_deciders(k, made[0], now)
        return made[0]
    _tell_transfer(k, made[0], actor, now)
    return made[0]


def _move(k: Complaint, policy: Policy, department: Department, owner: Staff | None, *, actor: Staff, reason: str,
          now: datetime) -> Transfer:
    """The transfer itself: the 转交处理联系单 written and the case with the new department and owner."""
    due = calendar_for(department.pk).add(now, policy.handling.transfer_acknowledge_within, "calendar").due
    t = Transfer.objects.create(
        complaint=k, from_department=k.department, to_department=department, from_owner=k.owner, to_owner=owner,
        reason=reason, requested_by=actor, requested_at=now, acknowledge_due_at=due)
    k.department, k.owner = department, owner
    return t


def _tell_transfer(k: Complaint, t: Transfer, actor: Staff, now: datetime) -> None:
    department = t.to_department
    recipients = [t.to_owner, *_managers(department, now)]
    notify(recipients=recipients, kind="transfer_sent", now=now, complaint=k,
           params={"number": k.number, "sender": actor.display_name or actor.username, "department": department.name,
                   "department_en": department.name_en,
                   "reason": t.reason, "due": _when(t.acknowledge_due_at)}, dedupe_key=f"transfer_sent:{t.pk}")


def acknowledge_transfer(c: Complaint, *, actor: Staff, now: datetime, note: str = "",
                         expected_version: int | None = None) -> Transfer:
    """The receiving manager (or the named receiver) signs the 转交处理联系单."""
    signed: list[Transfer] = []

    def change(k: Complaint, policy: Policy) -> None:
        t = k.transfers.select_for_update().filter(acknowledged_at__isnull=True).order_by("-requested_at").first()
        if t is None:
            raise KesuError("no_pending_transfer")
        t.acknowledged_by, t.acknowledged_at = actor, now
        t.save(update_fields=["acknowledged_by", "acknowledged_at"])
        signed.append(t)

    lifecycle.perform_activity(c, "acknowledge_transfer", actor=actor, now=now, reason=note,
                               expected_version=expected_version, change=change)
    return signed[0]


@transaction.atomic  # the step and its notices in one transaction (issue 16: the outbox beside its cause)
def request_assist(c: Complaint, *, actor: Staff, now: datetime, department: Department | str | int | None,
                   matter: str, within: str | None = None, expected_version: int | None = None) -> AssistRequest:
    """协办: ask another department for help, due in ``within`` (the policy's default otherwise)."""
    helper = _department(department)
    made: list[AssistRequest] = []
    try:
        asked = Duration.parse(within) if within else None
        if asked is not None and not asked.is_positive:
            raise ValueError(within)
    except ValueError:
        raise KesuError("bad_duration", field="within", value=within) from None

    def change(k: Complaint, policy: Policy) -> None:
        if helper.pk == k.department_id:
            raise KesuError("same_department", field="department", value=helper.name)
        target = asked or policy.handling.assist_within
        due = calendar_for(helper.pk).add(now, target, policy.handling.assist_time).due
        made.append(AssistRequest.objects.create(complaint=k, department=helper, matter=matter, requested_by=actor,
                                                 requested_at=now, due_at=due))

    k = lifecycle.perform_activity(c, "request_assist", actor=actor, now=now, reason=matter,
                                   expected_version=expected_version, change=change)
    a = made[0]
    notify(recipients=_managers(helper, now), kind="assist_requested", now=now, complaint=k,
           params={"number": k.number, "department": helper.name,
                   "department_en": helper.name_en, "matter": matter, "due": _when(a.due_at)},
           dedupe_key=f"assist_requested:{a.pk}")
    return a


@transaction.atomic  # the step and its notices in one transaction (issue 16: the outbox beside its cause)
def answer_assist(a: AssistRequest, *, actor: Staff, now: datetime, answer: str,
                  expected_version: int | None = None) -> AssistRequest:
    """The helping department records what it did; only its own staff (or manager/deputy) may —
    the rulebook's ``assist_answered``; when it helps on several requests, its own is answered."""
    answered: list[AssistRequest] = []

    def change(k: Complaint, policy: Policy) -> None:
        r = AssistRequest.objects.select_for_update().select_related("department").get(pk=a.pk)
        if r.answered_at is not None:
            raise KesuError("assist_answered")
        if r.department_id not in member_department_ids(actor) | managed_department_ids(actor, now):
            raise TransitionRefused("not_assisting_department", department=r.department.name)
        r.answered_by, r.answered_at, r.answer = actor, now, answer
        r.save(update_fields=["answered_by", "answered_at", "answer"])
        answered.append(r)

    lifecycle.perform_activity(a.complaint, "assist_answered", actor=actor, now=now, reason=answer,
                               expected_version=expected_version, change=change,
                               extra=lambda: {"department": [None, answered[0].department.name],
                                              "late": [None, now > answered[0].due_at]})
    r = answered[0]
    notify(recipients=[r.requested_by], kind="assist_answered", now=now, complaint=r.complaint,
           params={"number": r.complaint.number, "department": r.department.name,
                   "department_en": r.department.name_en, "answer": answer},
           dedupe_key=f"assist_answered:{r.pk}")
    return r


# --- F16: routing between business units (a store up to the group and back) ------------------------


def pass_up(c: Complaint, *, actor: Staff, now: datetime, reason: str,
            expected_version: int | None = None) -> Complaint:
    """上报: the case passes to the unit above its own (seed 000, 4S: the store reports the result to
    the group's customer service; a policy clock may stop on ``pass_up``). Its policy version,
    department and owner stay: the group sees what the store did."""

    def change(k: Complaint, policy: Policy) -> None:
        node = units.node(k.unit_id)
        above = units.node(node.parent_id) if node is not None else None
        if node is None or above is None:
            raise KesuError("no_parent_unit", field="unit", value=Said(node.name, node.shown("en")) if node else "—")
        k.unit_id = above.id

    k = lifecycle.perform_activity(c, "pass_up", actor=actor, now=now, reason=reason,
                                   expected_version=expected_version, change=change)
    _tell_unit(k, actor=actor, now=now, reason=reason)
    return k


def pass_down(c: Complaint, *, actor: Staff, now: datetime, to_unit: Any, reason: str,
              expected_version: int | None = None) -> Complaint:
    """下派: the case passes to a unit below its own (the group's call centre hands a complaint to the
    store, seed 000 4S: 通过OMS传递给4S店). ``to_unit``: the unit, its code or id — one directly
    below the case's unit, active."""
    target = units.active_unit(to_unit)
    if target is None:
        raise KesuError("required", field="unit")

    def change(k: Complaint, policy: Policy) -> None:
        if k.unit_id == target.id:
            raise KesuError("same_unit", field="unit", value=Said(target.name, target.shown("en")))
        if target.parent_id is None or target.parent_id != k.unit_id:
            raise KesuError("not_a_child_unit", field="unit", value=Said(target.name, target.shown("en")))
        k.unit_id = target.id

    k = lifecycle.perform_activity(c, "pass_down", actor=actor, now=now, reason=reason,
                                   expected_version=expected_version, change=change)
    _tell_unit(k, actor=actor, now=now, reason=reason)
    return k


def _tell_unit(k: Complaint, *, actor: Staff, now: datetime, reason: str) -> None:
    """The receiving unit's customer service (its CS agents and managers, of that unit itself; for
    the top unit, those of the group) hear of the case passed to it."""
    node = units.node(k.unit_id)
    if node is None:
        return
    top = node.parent_id is None
    people = Staff.objects.filter(is_active=True, role_rows__role__in=[Role.CS_AGENT, Role.CS_MANAGER]).filter(
        Q(unit_id=node.id) | (Q(unit__isnull=True) if top else Q(pk__in=[])))
    notify(recipients=list(people.distinct()), kind="unit_passed", now=now, complaint=k,
           params={"number": k.number, "unit": node.name, "unit_en": node.name_en,
                   "sender": actor.display_name or actor.username, "reason": reason},
           dedupe_key=f"unit_passed:{k.pk}:{k.version}")


def units_below(c: Complaint) -> list[tuple[str, str]]:
    """The units a case may pass down to, as (code, name) pairs."""
    return [(u.code, u.name) for u in units.tree().children(c.unit_id) if u.is_active] if c.unit_id else []


def raise_level(c: Complaint, *, actor: Staff, now: datetime, reason: str,
                expected_version: int | None = None) -> Complaint:
    """A case beyond the handler's authority goes up one level: the clocks re-time for the new
    level, and when the routing rules send that level elsewhere (P2 二级 → the back office), the
    case moves there with a new owner — both on the timeline."""

    def change(k: Complaint, policy: Policy) -> None:
        levels = sorted(policy.levels, key=lambda lv: lv.order)
        current = next((i for i, lv in enumerate(levels) if lv.code == k.level), None)
        if current is None or current + 1 >= len(levels):
            name = Said(levels[current].name, named(levels[current], "en")) if current is not None else k.level
            raise KesuError("top_level", field="level", value=name)
        k.level = levels[current + 1].code
        if k.department_id is not None:
            department = lifecycle.route_department(k, now)
            if department.pk != k.department_id:
                k.department = department
                k.owner = lifecycle.default_owner(department, k.complained_staff_id, now)

    return lifecycle.perform_activity(c, "raise_level", actor=actor, now=now, reason=reason,
                                      expected_version=expected_version, change=change)


# --- F7: investigation, approvals, telling the customer ----------------------------------------------


def _money(value: Any, field: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise KesuError("bad_type", field=field, expected=Said("金额", "an amount"), value=value) from None
    if not amount.is_finite() or amount <= 0:
        raise KesuError("too_small", field=field, limit="0.01")
    if amount.as_tuple().exponent < -2:  # type: ignore[operator]
        raise KesuError("bad_value", field=field, detail=Said("金额最多两位小数", "at most two decimals"))
    if amount >= Decimal("100000000"):  # the smallest of the columns (10 digits, 2 after the point)
        raise KesuError("too_large", field=field, limit="99999999.99")
    return amount


@dataclass(frozen=True)
class Findings:
    """投诉调查报告: cause, course of events, responsible person, conclusion, measures."""

    valid: bool
    cause: str
    course: str
    conclusion: str
    corrective: str = ""
    preventive: str = ""
    responsible_staff: Staff | None = None
    responsible_department: Department | str | int | None = None
    penalty: Any = None  # yuan, booked against the responsible person/department (F9)


def submit_investigation(c: Complaint, *, actor: Staff, now: datetime, findings: Findings,
                         expected_version: int | None = None) -> InvestigationReport:
    problems = [KesuError("required", field=name) for name in ("cause", "course", "conclusion")
                if not str(getattr(findings, name)).strip()]
    if findings.valid and not (findings.corrective.strip() or findings.preventive.strip()):
        problems.append(KesuError("required", field="corrective"))
    department = None
    if findings.responsible_department not in (None, ""):
        try:
            department = _department(findings.responsible_department, "responsible_department")
        except KesuError as exc:
            problems.append(exc)
    try:
        penalty = _money(findings.penalty, "penalty")
    except KesuError as exc:
        problems.append(exc)
        penalty = None
    if penalty is not None and findings.responsible_staff is None and department is None:
        problems.append(KesuError("penalty_without_person", field="penalty"))
    if problems:
        raise ValidationFailed(problems)
    made: list[InvestigationReport] = []

    def change(k: Complaint, policy: Policy) -> None:
        if penalty is not None and not policy.handling.finding_penalties:
            raise KesuError("finding_penalties_off", field="penalty")
        report = InvestigationReport.objects.create(
            complaint=k, valid=findings.valid, cause=findings.cause, course=findings.course,
            conclusion=findings.conclusion, corrective=findings.corrective, preventive=findings.preventive,
            responsible_staff=findings.responsible_staff, responsible_department=department, penalty=penalty,
            written_by=actor, written_at=now)
        made.append(report)
        k.responsible_staff = findings.responsible_staff
        k.responsible_department = department or (findings.responsible_staff.departments.order_by("pk").first()
                                                  if findings.responsible_staff else None)
        if penalty is not None:
            PenaltyEntry.objects.create(
                complaint=k, kind=PenaltyEntry.Kind.FINDING, staff=findings.responsible_staff,
                department=k.responsible_department, amount=penalty, booked_at=now,
                reason=f"调查处罚：{findings.conclusion}"[:200])

    lifecycle.perform_activity(c, "submit_investigation", actor=actor, now=now, reason=findings.conclusion,
                               expected_version=expected_version, change=change)
    return made[0]


def _charge_to(k: Complaint, policy: Policy) -> Department | None:
    """Who bears a compensation: the responsible department, the originating department's PR
    expense (P2: the store where it arose), or the company (no department)."""
    rule = policy.approvals.charge_to
    if rule == "company":
        return None
    if rule == "originating_department_pr":
        return k.location or k.complained_department or k.department
    return k.responsible_department or k.department


@transaction.atomic  # the step and its notices in one transaction (issue 16: the outbox beside its cause)
def request_approval(c: Complaint, *, actor: Staff, now: datetime, kind: str, plan: str,
                     compensation_kind: str = "", amount: Any = None, unattributable: bool = False,
                     expected_version: int | None = None) -> Approval:
    """Put a solution (where the policy reserves it) or a compensation to the approver the policy
    names for it; a compensation goes to the threshold its amount falls in (权限核决表), above the
    top limit to special approval (专案呈核). A cost no department can be charged with
    (``unattributable``; mall: 无法明确归属部门者，以专案呈报处理) goes to special approval too, where the
    policy says so. An approval chain for the matter (approvals.chains) replaces the single approver."""
    if kind not in (Approval.Kind.SOLUTION, Approval.Kind.COMPENSATION):
        raise KesuError("not_one_of", field="kind", value=kind,
                        allowed=", ".join((Approval.Kind.SOLUTION, Approval.Kind.COMPENSATION)))
    money = _money(amount, "amount") if kind == Approval.Kind.COMPENSATION else None
    made: list[Approval] = []

    def change(k: Complaint, policy: Policy) -> None:
        fields: dict[str, Any] = {}
        if kind == Approval.Kind.SOLUTION:
            fields["approver_role"] = policy.approvals.solution_approver
            fields["threshold_label"] = "处理方案审批"
        else:
            allowed = policy.approvals.compensation_kinds
            if compensation_kind not in allowed:
                raise KesuError("not_one_of", field="compensation_kind", value=compensation_kind,
                                allowed="、".join(policy.compensation_catalogue()[x][0] for x in allowed))
            if money is None:
                raise KesuError("required", field="amount")
            table = policy.approvals.compensation
            at = next((i for i, t in enumerate(table) if t.up_to is None or money <= t.up_to), None)
            special_instead = unattributable and policy.approvals.unattributable == "special_approval"
            if special_instead:
                at = next((i for i, t in enumerate(table) if t.up_to is None), None)
                if at is None:  # the table has no open threshold: the top one decides
                    at = len(table) - 1 if table else None
            if at is None:
                raise KesuError("too_large", field="amount", limit=table[-1].up_to if table else 0)
            # Nobody approves their own request: when the requester holds this threshold's approver
            # role (a manager asking within their own limit), the request goes one threshold up.
            me = lifecycle.actor_facts(actor, k, now)
            while me.plays(table[at].approver) and at + 1 < len(table):
                at += 1
            threshold = table[at]
            fields.update(approver_role=threshold.approver, threshold_label=threshold.label,
                          special=threshold.up_to is None or special_instead,
                          finance_review=threshold.finance_review, compensation_kind=compensation_kind,
                          amount=money, unattributable=unattributable,
                          charge_to=None if unattributable else _charge_to(k, policy))
        approval = Approval(complaint=k, kind=kind, plan=plan, requested_by=actor, requested_at=now, **fields)
        trail = policy.category_trail(k.category)
        chain = (policy.approvals.chain_for("special", k.level, trail) if approval.special else None) \
            or policy.approvals.chain_for(kind, k.level, trail)
        if chain is not None:
            _enter_stage(approval, policy, chain, 0, now)
        approval.save()
        made.append(approval)
        _approval_waiting(k, policy, approval, now=now, stage="approver")

    k = lifecycle.perform_activity(c, "request_approval", actor=actor, now=now, reason=plan,
                                   expected_version=expected_version, change=change)
    a = made[0]
    _tell_deciders(k, a, now)
    return a


def _approval_waiting(k: Complaint, policy: Policy, a: Approval, *, now: datetime, stage: str) -> None:
    """Issue 16: an approval now waiting for its approver (``stage`` approver) or for finance review
    leaves one dispatch in the step's transaction when the policy routes ``approval_waiting``; the
    routes' ``@approver`` is whoever may decide it now."""
    if not outbox.wants(policy, "approval_waiting", k.level):
        return
    approvers = sorted({p.pk for p in (list(with_role(Role.FINANCE, policy, about=k)) if stage == "finance"
                                       else _approvers(k, a.approver_role, now)) if p is not None})
    # the step's own notice (待审批 to the approvers; to finance, the approval's decision) follows it in
    # the inbox and by e-mail: the routes add only what it lacks (SMS, robots, other people)
    outbox.record("approval_waiting", complaint_id=k.pk, now=now, params={
        "approval": a.pk, "stage": stage, "approvers": approvers, "told": approvers,
        "what": _what(a), "what_en": _what(a, "en"), "threshold": a.threshold_label, "plan": a.plan[:500],
        "threshold_en": "solution approval" if a.kind == Approval.Kind.SOLUTION else next(
            (t.label_en or t.label for t in policy.approvals.compensation if t.label == a.threshold_label),
            a.threshold_label)})


def _threshold_en(k: Complaint, a: Approval) -> str:
    """The approval's threshold by the policy's English label (label_en), else as the policy words it."""
    if a.threshold_label == "处理方案审批":
        return "solution approval"
    table = policy_of(k.policy_version).approvals.compensation
    return next((t.label_en for t in table if t.label == a.threshold_label and t.label_en), a.threshold_label)


def _what(a: Approval, lang: str = "zh-hans") -> str:
    if a.kind == Approval.Kind.COMPENSATION:
        kinds = {**COMPENSATION_KINDS, **policy_of(a.complaint.policy_version).compensation_catalogue()}
        names = kinds.get(a.compensation_kind, (a.compensation_kind, a.compensation_kind))
        if lang == "en":
            return f"{(names[1] if len(names) > 1 else names[0]).lower()} of {a.amount} yuan"
        return f"{names[0]} {a.amount} 元"
    if lang == "en":
        return {"solution": "the solution", "transfer": "the transfer", "acceptance": "acceptance",
                "reward": "the reward"}[a.kind]
    return {"solution": "处理方案", "transfer": "转交", "acceptance": "是否受理", "reward": "奖励"}[a.kind]


def _approvers(k: Complaint, role: str, now: datetime) -> list[Staff]:
    return lifecycle.holders_of(role, k, now)


def _tell_deciders(k: Complaint, a: Approval, now: datetime) -> None:
    """Everyone who may decide the approval's current stage is told (the fallback once it applies)."""
    policy = policy_of(k.policy_version)
    people = {p.pk: p for name in lifecycle.approval_deciders(a, k, policy, now) for p in _approvers(k, name, now)}
    people.pop(a.requested_by_id, None)
    notify(recipients=list(people.values()), kind="approval_requested", now=now, complaint=k,
           params={"number": k.number, "what": _what(a), "what_en": _what(a, "en"), "threshold": a.threshold_label,
                   "threshold_en": _threshold_en(k, a), "plan": a.plan},
           dedupe_key=f"approval_requested:{a.pk}:{a.stage}")


def _enter_stage(a: Approval, policy: Policy, chain: ApprovalChain, index: int, now: datetime) -> None:
    """The approval moves to stage ``index`` of its chain: who decides, and from when the fallback may."""
    stage = chain.stages[index]
    a.chain, a.stage, a.stage_started_at = chain.code, index, now
    a.approver_role = stage.approver or f"committee:{stage.committee}"
    a.threshold_label = a.threshold_label or chain.name[:60]
    a.fallback_at = now + stage.fallback_after.as_calendar_timedelta() if stage.fallback_after else None
    a.fallback_told_at = None
    committee = policy.approvals.committee(stage.committee) if stage.committee else None
    a.deciders = _names(committee.members if committee else [stage.approver or ""])


def _names(names: list[str]) -> str:
    """``deciders`` as stored: names with a space either side, so a LIKE finds each exactly."""
    return f" {' '.join(n for n in names if n)} "[:500]


def open_to_fallback(a: Approval, fallback: list[str]) -> None:
    """The stage's fallback may decide now (absent or late approver): they find it in their inbox."""
    missing = [n for n in fallback if f" {n} " not in a.deciders]
    if missing:
        a.deciders = _names([*a.deciders.split(), *missing])


def _apply_granted(r: Approval, k: Complaint, policy: Policy, *, actor: Staff, now: datetime) -> Any:
    """What an approval does once granted: a transfer moves the case, a reward is written."""
    if r.kind == Approval.Kind.TRANSFER:
        department = Department.objects.get(pk=r.payload["department"])
        owner = Staff.objects.filter(pk=r.payload.get("owner")).first() if r.payload.get("owner") else None
        return _move(k, policy, department, owner, actor=r.requested_by, reason=r.plan, now=now)
    if r.kind == Approval.Kind.REWARD:
        p = r.payload
        return Reward.objects.create(complaint=k, to=p["to"], staff_id=p.get("staff"), form=p["form"],
                                     amount=Decimal(p["amount"]) if p.get("amount") else None, reason=r.plan,
                                     granted_by=actor, granted_at=now)
    return None


@transaction.atomic  # the step and its notices in one transaction (issue 16: the outbox beside its cause)
def decide_approval(a: Approval, *, actor: Staff, now: datetime, approve: bool, note: str = "",
                    expected_version: int | None = None) -> Approval:
    """The approver the threshold or the chain's current stage names decides — never the person who
    asked; a rejection says why. A chain goes on to its next stage; a committee's member votes, and
    the stage is decided once its quorum has voted, by its majority; the stage's fallback decides
    alone once the approver is absent or late. Granted: an approval that needs finance review waits
    for it; a transfer or a reward put to approval takes effect."""
    decided: list[Approval] = []
    outcome: dict[str, Any] = {}

    def change(k: Complaint, policy: Policy) -> None:
        r = Approval.objects.select_for_update().get(pk=a.pk)
        if r.state != Approval.State.PENDING:
            raise KesuError("approval_not_pending", field="state", state=r.get_state_display())
        closed = rules.approval_open_in(r.kind, rules.State(k.status))
        if closed is not None:
            raise TransitionRefused("guard_failed", action=Said("审批", "Decide the approval"), detail=closed)
        who = lifecycle.actor_facts(actor, k, now)
        approvers, committee, _fallback = lifecycle.approval_stage(r, policy)
        deciders = lifecycle.approval_deciders(r, k, policy, now)
        if not any(who.plays(name) for name in deciders):
            raise TransitionRefused("role_not_allowed", action=Said(f"审批{_what(r)}（{r.threshold_label}）",
                                                                    f"deciding {_what(r, 'en')} ({r.threshold_label})"),
                                    roles="、".join(approver_name(n) for n in sorted(deciders)))
        rules.not_own_request(r.requested_by_id, who)
        rules.decision_note_required(approve, note, action=Said("驳回审批", "rejecting an approval"))
        stage_before = r.stage
        verdict: bool | None = approve
        if committee is not None and any(who.plays(m) for m in approvers):
            if r.votes.filter(stage=r.stage, voter=actor).exists():
                raise KesuError("already_voted")
            ApprovalVote.objects.create(approval=r, stage=r.stage, voter=actor, approve=approve, note=note, at=now)
            yes = r.votes.filter(stage=r.stage, approve=True).count()
            no = r.votes.filter(stage=r.stage, approve=False).count()
            verdict = committee_decides(committee.majority, committee.quorum, yes, no)
            outcome["vote"] = [committee.name, f"{yes}:{no}"]
        if verdict is True:
            chain = next((ch for ch in policy.approvals.chains if ch.code == r.chain), None) if r.chain else None
            if chain is not None and r.stage + 1 < len(chain.stages):
                _enter_stage(r, policy, chain, r.stage + 1, now)
            else:
                r.state = Approval.State.FINANCE if r.finance_review else Approval.State.APPROVED
        elif verdict is False:
            r.state = Approval.State.REJECTED
        if verdict is not None:
            r.decided_by, r.decided_at, r.decision_note = actor, now, note
        r.save()
        outcome.update(verdict=verdict, stage=[stage_before, r.stage])
        if r.state == Approval.State.APPROVED:
            outcome["granted"] = _apply_granted(r, k, policy, actor=actor, now=now)
        decided.append(r)
        if r.state == Approval.State.FINANCE:
            _approval_waiting(k, policy, r, now=now, stage="finance")

    def extra() -> dict[str, Any]:
        r = decided[0]
        out: dict[str, Any] = {"approval": [None, _what(r)], "state": ["pending", r.state]}
        if r.chain:
            out["stage"] = outcome["stage"]
        if "vote" in outcome:
            out["vote"] = outcome["vote"]
        return out

    k = lifecycle.perform_activity(a.complaint, "approval_decided", actor=actor, now=now, reason=note,
                                   expected_version=expected_version, change=change,
                                   event=lambda: "approval_voted" if outcome["verdict"] is None else "approval_decided",
                                   extra=extra)
    r = decided[0]
    if outcome["verdict"] is None:
        return r
    if r.state == Approval.State.PENDING:  # on to the chain's next stage
        _tell_deciders(k, r, now)
        return r
    recipients = [r.requested_by, *(with_role(Role.FINANCE, about=k) if r.state == Approval.State.FINANCE else [])]
    notify(recipients=recipients, kind="approval_decided", now=now, complaint=k,
           params={"number": k.number, "what": _what(r), "what_en": _what(r, "en"),
                   "approved": r.state != Approval.State.REJECTED, "note": note}, dedupe_key=f"approval_decided:{r.pk}")
    if isinstance(outcome.get("granted"), Transfer):
        _tell_transfer(k, outcome["granted"], r.requested_by, now)
    return r


@transaction.atomic  # the step and its notices in one transaction (issue 16: the outbox beside its cause)
def finance_review(a: Approval, *, actor: Staff, now: datetime, approve: bool, note: str = "",
                   expected_version: int | None = None) -> Approval:
    """财务审核 of an approved expense (P2: by the 财会部 before the voucher is issued)."""
    reviewed: list[Approval] = []

    def change(k: Complaint, policy: Policy) -> None:
        r = Approval.objects.select_for_update().get(pk=a.pk)
        if r.state != Approval.State.FINANCE:
            raise KesuError("not_finance_stage", field="state", state=r.get_state_display())
        who = lifecycle.actor_facts(actor, k, now)
        rules.not_own_request(r.requested_by_id, who)
        rules.not_own_request(r.decided_by_id, who)
        rules.decision_note_required(approve, note, action=Said("财务驳回", "a finance rejection"))
        r.state = Approval.State.APPROVED if approve else Approval.State.REJECTED
        r.finance_by, r.finance_at, r.finance_note = actor, now, note
        r.save(update_fields=["state", "finance_by", "finance_at", "finance_note"])
        if r.state == Approval.State.APPROVED:
            _apply_granted(r, k, policy, actor=actor, now=now)
        reviewed.append(r)

    k = lifecycle.perform_activity(a.complaint, "finance_reviewed", actor=actor, now=now, reason=note,
                                   expected_version=expected_version, change=change,
                                   extra=lambda: {"approval": [None, _what(reviewed[0])],
                                                  "state": ["finance", reviewed[0].state]})
    r = reviewed[0]
    notify(recipients=[r.requested_by], kind="approval_decided", now=now, complaint=k,
           params={"number": k.number, "what": _what(r), "what_en": _what(r, "en"), "approved": approve,
                   "note": note}, dedupe_key=f"finance_reviewed:{r.pk}")
    return r


def inform_customer(c: Complaint, *, actor: Staff, now: datetime, message: str,
                    expected_version: int | None = None) -> Complaint:
    """F7: the customer is told the result (what was decided, what they will receive)."""
    return lifecycle.perform_activity(c, "inform_customer", actor=actor, now=now, reason=message,
                                      expected_version=expected_version)


# --- F9: rewards -----------------------------------------------------------------------------------


def grant_reward(c: Complaint, *, actor: Staff, now: datetime, to: str, form: str, reason: str,
                 amount: Any = None, staff: Staff | None = None,
                 expected_version: int | None = None) -> Reward | Approval:
    """A reward to staff (saved a major loss, public praise) or to the customer whose feedback was
    valid, in a form the policy offers. Where the policy puts rewards to an approval chain (mall:
    经稽核处提报人评会决议，并呈上级予以奖励), an approval is returned and the reward is written once
    the chain grants it."""
    if to not in Reward.To.values:
        raise KesuError("not_one_of", field="to", value=to, allowed=", ".join(Reward.To.values))
    value = _money(amount, "amount")
    made: list[Reward] = []

    def change(k: Complaint, policy: Policy) -> None:
        if to == Reward.To.CUSTOMER:
            if policy.validity_kind(k.validity) != "valid":
                raise KesuError("reward_needs_valid", field="to",
                                value=VALIDITY_KINDS.get(k.validity, (k.validity or "未认定",))[0])
            if form not in policy.rewards.customer_kinds:
                raise KesuError("not_one_of", field="form", value=form,
                                allowed=", ".join(policy.rewards.customer_kinds) or "（本制度未设客户奖励）")
        else:
            if not policy.rewards.staff:
                raise KesuError("reward_staff_off", field="to")
            if staff is None:
                raise KesuError("required", field="staff")
        chain = policy.approvals.chain_for("reward", k.level, policy.category_trail(k.category)) \
            if to == Reward.To.STAFF else None  # 七、奖惩: the committee resolves rewards to staff
        if chain is not None:
            approval = Approval(complaint=k, kind=Approval.Kind.REWARD, plan=reason, requested_by=actor,
                                requested_at=now, threshold_label=chain.name[:60], payload={
                                    "to": to, "form": form, "amount": str(value) if value is not None else None,
                                    "staff": staff.pk if staff is not None and to == Reward.To.STAFF else None})
            _enter_stage(approval, policy, chain, 0, now)
            approval.save()
            made.append(approval)
            return
        made.append(Reward.objects.create(complaint=k, to=to, staff=staff if to == Reward.To.STAFF else None,
                                          form=form, amount=value, reason=reason, granted_by=actor, granted_at=now))

    k = lifecycle.perform_activity(c, "grant_reward", actor=actor, now=now, reason=reason,
                                   expected_version=expected_version, change=change,
                                   event=lambda: "reward_requested" if isinstance(made[0], Approval)
                                   else "grant_reward")
    if isinstance(made[0], Approval):
        _tell_deciders(k, made[0], now)
    return made[0]


# --- issue 18: the supervisor's ruling on accepting a complaint, notices to outside bodies, written replies


def request_acceptance(c: Complaint, *, actor: Staff, now: datetime, reason: str,
                       expected_version: int | None = None) -> Approval:
    """呈报上级主管裁定是否受理 (manufacturer 第七条): the store states whether the complaint's grounds
    hold and puts it to the chain the policy names for acceptance; assigning waits for its ruling."""
    made: list[Approval] = []

    def change(k: Complaint, policy: Policy) -> None:
        chain = policy.approvals.chain_for("acceptance", k.level, policy.category_trail(k.category))
        if chain is None:
            raise KesuError("bad_value", field="reason", detail=Said(
                "本制度不要求对此类投诉裁定是否受理", "this policy asks no ruling on accepting such complaints"))
        if k.approvals.filter(kind=Approval.Kind.ACCEPTANCE, state=Approval.State.PENDING).exists():
            raise KesuError("bad_value", field="reason",
                            detail=Said("已呈报，等待裁定", "put already; waiting for the ruling"))
        approval = Approval(complaint=k, kind=Approval.Kind.ACCEPTANCE, plan=reason, requested_by=actor,
                            requested_at=now, threshold_label=chain.name[:60])
        _enter_stage(approval, policy, chain, 0, now)
        approval.save()
        made.append(approval)

    k = lifecycle.perform_activity(c, "request_acceptance", actor=actor, now=now, reason=reason,
                                   expected_version=expected_version, change=change)
    _tell_deciders(k, made[0], now)
    return made[0]


def notify_authorities(c: Complaint, *, actor: Staff, now: datetime, body: str, content: str,
                       expected_version: int | None = None) -> Complaint:
    """向相关管理部门通报: which outside body was told, and what (on the timeline)."""
    if not body.strip():
        raise ValidationFailed([KesuError("required", field="body")])
    return lifecycle.perform_activity(c, "external_notified", actor=actor, now=now, reason=content,
                                      expected_version=expected_version,
                                      extra=lambda: {"body": [None, body.strip()[:60]]})


def reply_in_writing(c: Complaint, *, actor: Staff, now: datetime, reply: str, means: str,
                     expected_version: int | None = None) -> Complaint:
    """书面形式回复: the written reply sent to the complainant, and how (letter, e-mail, fax …)."""
    if not means.strip():
        raise ValidationFailed([KesuError("required", field="means")])
    return lifecycle.perform_activity(c, "written_reply", actor=actor, now=now, reason=reply,
                                      expected_version=expected_version,
                                      extra=lambda: {"means": [None, means.strip()[:40]]})


ABSENCE_LABELS = {"staff": ("人员", "Person"), "starts_at": ("起始", "From"), "ends_at": ("截止", "Until"),
                  "reason": ("原因", "Reason")}


def absence_markable(actor: Staff, now: datetime) -> QuerySet[Staff]:
    """Issue 18: whom ``actor`` may mark absent (不在岗) — the roles of kesu.core.access "absences"
    anyone of their unit and the units below (the group: everyone), a department's manager or acting
    deputy the people of the departments they manage and themself; the intake channels' service
    accounts never."""
    people = Staff.objects.filter(is_active=True).exclude(password__startswith=UNUSABLE_PASSWORD_PREFIX)
    if actor.is_superuser or may_open("absences", roles_of(actor)):
        scope = units.scope_of(actor)
        return people if scope is None else people.filter(Q(unit_id__in=sorted(scope)) | Q(pk=actor.pk))
    managed = managed_department_ids(actor, now)
    if not managed:
        return people.none()
    return people.filter(Q(pk=actor.pk) | Q(departments__in=sorted(managed))).distinct()


def mark_absent(person: Staff, *, actor: Staff, now: datetime, starts_at: datetime | None = None,
                ends_at: datetime | None = None, reason: str = "") -> ApproverAbsence:
    """Mark ``person`` absent for approvals (不在岗): the stages they would decide go to their fallback.
    Only by someone who may (:func:`absence_markable`): refused, naming who may."""
    if not absence_markable(actor, now).filter(pk=person.pk).exists():
        raise TransitionRefused("role_not_allowed", action=Said("登记不在岗", "marking someone absent"),
                                roles=Said("人事行政、总经理、客服部经理、系统管理员或其部门经理",
                                           "HR, the general manager, the CS manager, a system administrator "
                                           "or their department's manager"))
    if ends_at is not None and ends_at <= (starts_at or now):
        error = KesuError("too_small", field="ends_at", limit=_when(starts_at or now))
        error.label = ABSENCE_LABELS["ends_at"]
        raise ValidationFailed([error])
    from kesu import audit

    absence = ApproverAbsence.objects.create(staff=person, starts_at=starts_at or now, ends_at=ends_at,
                                             reason=reason[:200], marked_by=actor, marked_at=now)
    # Stages waiting for this person alone go to their fallback now (the inbox shows them there).
    for a in Approval.objects.filter(state=Approval.State.PENDING).exclude(chain="").select_related(
            "complaint__policy_version", "complaint__department"):
        policy = policy_of(a.complaint.policy_version)
        if lifecycle.fallback_active(a, a.complaint, policy, starts_at or now):
            before = a.deciders
            open_to_fallback(a, lifecycle.approval_stage(a, policy)[2])
            if a.deciders != before:
                a.save(update_fields=["deciders"])
    audit.record("workflow.approver_absent", actor=actor, now=now, target=("staff", person.pk),
           data={"starts_at": (starts_at or now).isoformat(), "ends_at": ends_at.isoformat() if ends_at else None})
    return absence


def end_absence(absence: ApproverAbsence, *, actor: Staff, now: datetime) -> ApproverAbsence:
    """The person is back: their absence ends now (kept, with its end, for the record). By whoever
    may mark them absent."""
    from kesu import audit

    if not absence_markable(actor, now).filter(pk=absence.staff_id).exists():
        raise TransitionRefused("role_not_allowed", action=Said("结束不在岗", "ending an absence"),
                                roles=Said("人事行政、总经理、客服部经理、系统管理员或其部门经理",
                                           "HR, the general manager, the CS manager, a system administrator "
                                           "or their department's manager"))
    if absence.ends_at is None or absence.ends_at > now:
        absence.ends_at = max(now, absence.starts_at)
        absence.save(update_fields=["ends_at"])
        audit.record("workflow.approver_back", actor=actor, now=now, target=("staff", absence.staff_id),
                     data={"absence": absence.pk, "ends_at": absence.ends_at.isoformat()})
    return absence
