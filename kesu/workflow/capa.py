"""Corrective and preventive actions (纠正预防措施, CAPA; issue 18): 4S 总经理批准预防纠正措施并指派人员
进行监督，检查预防纠正措施的落实; manufacturer 投诉改善方案的提出、执行效果跟踪和确认.

Each action has an owner, a due time on the owner's department's working calendar (the policy's
``capa.due_within``, or the time asked), and a verifier: the person named to supervise it, or anyone
holding one of ``capa.verifiers`` — never the owner. The owner records it carried out; the verifier
confirms the effect, or finds it not effective, and the action is open again, due anew. Every step
goes through the kernel (``kesu.complaints.lifecycle.perform_activity``): the complaint locked first,
then the action, ``expected_version`` checked, one timeline event. Reminders and the overdue
escalation run in the workflow sweep (kesu.workflow.sweep); the report is :func:`capa_report`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Q
from django.utils import timezone

from kesu.clocks.calendar import calendar_for
from kesu.complaints import lifecycle
from kesu.complaints.models import Complaint
from kesu.core import lifecycle as rules
from kesu.core.approvals import approver_name
from kesu.core.errors import KesuError, TransitionRefused, ValidationFailed
from kesu.core.messages import Said
from kesu.core.policy import Duration, Policy
from kesu.notifications.services import notify
from kesu.org.models import Department, Staff
from kesu.policies.services import policy_of
from kesu.workflow.models import CorrectiveAction

KINDS = dict(CorrectiveAction.Kind.choices)
CARRIED_OUT, VERIFIED = Said("落实", "carried out"), Said("确认有效", "verified as effective")  # capa_not_open


def _when(at: datetime) -> str:
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M")


def _name(person: Staff | None) -> str:
    return (person.display_name or person.username) if person else ""


def _due(policy: Policy, department: Department | None, now: datetime, within: str | None) -> tuple[datetime, Any]:
    target = policy.capa.due_within
    if within:
        try:
            target = Duration.parse(within)
        except ValueError:
            raise ValidationFailed([KesuError("bad_duration", field="within", value=within)]) from None
        if not target.is_positive:
            raise ValidationFailed([KesuError("bad_duration", field="within", value=within)])
    due = calendar_for(department.pk if department else None).add(now, target, policy.capa.time).due
    warn = policy.capa.warn_before
    warn_at = due - warn.as_calendar_timedelta() if warn is not None else None
    return due, (warn_at if warn_at is not None and warn_at > now else None)


def open_action(c: Complaint, *, actor: Staff, now: datetime, kind: str, measure: str, owner: Staff | None,
                verifier: Staff | None = None, within: str | None = None,
                expected_version: int | None = None) -> CorrectiveAction:
    """制定纠正/预防措施: what is to be done, by whom, by when, and who supervises it."""
    problems = []
    if kind not in KINDS:
        problems.append(KesuError("not_one_of", field="kind", value=kind, allowed="、".join(map(str, KINDS.values()))))
    if not measure.strip():
        problems.append(KesuError("required", field="measure"))
    if owner is None:
        problems.append(KesuError("required", field="owner"))
    elif verifier is not None and verifier.pk == owner.pk:
        problems.append(KesuError("capa_verifier_is_owner", field="verifier"))
    if problems:
        raise ValidationFailed(problems)
    assert owner is not None
    made: list[CorrectiveAction] = []

    def change(k: Complaint, policy: Policy) -> None:
        department = owner.departments.order_by("pk").first() or k.responsible_department or k.department
        due, warn_at = _due(policy, department, now, within)
        made.append(CorrectiveAction.objects.create(
            complaint=k, kind=kind, measure=measure, owner=owner, department=department, verifier=verifier,
            due_at=due, warn_at=warn_at, opened_by=actor, opened_at=now))

    k = lifecycle.perform_activity(c, "capa_opened", actor=actor, now=now, reason=measure,
                                   expected_version=expected_version, change=change,
                                   extra=lambda: {"capa": [None, made[0].pk], "kind": [None, kind],
                                                  "owner_id": [None, owner.pk],
                                                  "due_at": [None, made[0].due_at.isoformat()]})
    a = made[0]
    notify(recipients=[owner], kind="capa_assigned", now=now, complaint=k,
           params={"number": k.number, "measure": measure, "due": _when(a.due_at)}, dedupe_key=f"capa_assigned:{a.pk}")
    if verifier is not None:
        notify(recipients=[verifier], kind="capa_supervise", now=now, complaint=k,
               params={"number": k.number, "measure": measure, "owner": _name(owner), "due": _when(a.due_at)},
               dedupe_key=f"capa_supervise:{a.pk}")
    return a


def record_done(a: CorrectiveAction, *, actor: Staff, now: datetime, note: str,
                expected_version: int | None = None) -> CorrectiveAction:
    """措施落实: the owner records what was carried out; the verifier is asked to confirm the effect."""
    done: list[CorrectiveAction] = []

    def change(k: Complaint, policy: Policy) -> None:
        r = CorrectiveAction.objects.select_for_update(of=("self",)).select_related("owner").get(pk=a.pk)
        if r.done_at is not None or r.effective is True:
            raise KesuError("capa_not_open", field="capa", state=CARRIED_OUT if r.effective is None else VERIFIED)
        if r.owner_id != actor.pk:
            raise TransitionRefused("capa_not_owner", person=_name(r.owner))
        r.done_at, r.done_note = now, note
        r.save(update_fields=["done_at", "done_note"])
        done.append(r)

    k = lifecycle.perform_activity(a.complaint, "capa_done", actor=actor, now=now, reason=note,
                                   expected_version=expected_version, change=change,
                                   extra=lambda: {"capa": [None, done[0].pk], "late": [None, now > done[0].due_at]})
    r = done[0]
    notify(recipients=_verifiers(r, k, now), kind="capa_to_verify", now=now, complaint=k,
           params={"number": k.number, "measure": r.measure, "owner": _name(actor), "note": note},
           dedupe_key=f"capa_to_verify:{r.pk}:{r.rounds}")
    return r


def _verifiers(r: CorrectiveAction, k: Complaint, now: datetime) -> list[Staff]:
    if r.verifier is not None:
        return [r.verifier]
    policy = policy_of(k.policy_version)
    return [p for name in policy.capa.verifiers for p in lifecycle.holders_of(name, k, now) if p.pk != r.owner_id]


def verify(a: CorrectiveAction, *, actor: Staff, now: datetime, effective: bool, note: str = "",
           within: str | None = None, expected_version: int | None = None) -> CorrectiveAction:
    """执行效果跟踪和确认: someone other than the owner — the named supervisor, or a holder of one of the
    policy's verifier roles — confirms the effect; not effective (said why) opens it again, due anew."""
    verified: list[CorrectiveAction] = []

    def change(k: Complaint, policy: Policy) -> None:
        r = CorrectiveAction.objects.select_for_update(of=("self",)).select_related("verifier").get(pk=a.pk)
        if r.effective is True:
            raise KesuError("capa_not_open", field="capa", state=VERIFIED)
        if r.done_at is None:
            raise KesuError("capa_not_done", field="capa")
        if r.owner_id == actor.pk:
            raise TransitionRefused("capa_own_verification")
        who = lifecycle.actor_facts(actor, k, now)
        allowed = [f"{rules.PERSON}{r.verifier.username}"] if r.verifier is not None else list(policy.capa.verifiers)
        if not any(who.plays(name) for name in allowed):
            names = [_name(r.verifier)] if r.verifier is not None else [approver_name(n) for n in allowed]
            raise TransitionRefused("capa_not_verifier", roles="、".join(names))
        rules.decision_note_required(effective, note, action="确认措施无效")
        r.verified_by, r.verified_at, r.verification_note = actor, now, note
        if effective:
            r.effective = True
        else:
            r.effective, r.done_at, r.rounds = None, None, r.rounds + 1
            r.due_at, r.warn_at = _due(policy, r.department, now, within)
            r.warned_at = r.overdue_at = None
        r.save()
        verified.append(r)

    k = lifecycle.perform_activity(a.complaint, "capa_verified", actor=actor, now=now, reason=note,
                                   expected_version=expected_version, change=change,
                                   extra=lambda: {"capa": [None, verified[0].pk], "effective": [None, effective]})
    r = verified[0]
    if not effective:
        notify(recipients=[r.owner], kind="capa_assigned", now=now, complaint=k,
               params={"number": k.number, "measure": r.measure, "due": _when(r.due_at)},
               dedupe_key=f"capa_assigned:{r.pk}:{r.rounds}")
    return r


# --- the report: open, overdue, awaiting verification, verified — per department -----------------


@dataclass
class CapaRow:
    department: str
    open: int = 0
    overdue: int = 0
    awaiting_verification: int = 0
    verified: int = 0
    reopened: int = 0  # found not effective at least once
    numbers: list[str] = field(default_factory=list)  # the overdue ones' complaint numbers


def capa_report(now: datetime, *, complaints: Any = None) -> list[CapaRow]:
    """Every corrective action by its department (``complaints``: a queryset the reader may see)."""
    q = CorrectiveAction.objects.select_related("department", "complaint")
    if complaints is not None:
        q = q.filter(complaint__in=complaints)
    rows: dict[str, CapaRow] = {}
    for a in q.order_by("department__code", "due_at"):
        name = str(a.department) if a.department else "—"
        row = rows.setdefault(name, CapaRow(name))
        if a.effective is True:
            row.verified += 1
        elif a.done_at is not None:
            row.awaiting_verification += 1
        else:
            row.open += 1
            if a.due_at <= now:
                row.overdue += 1
                row.numbers.append(a.complaint.number)
        if a.rounds > 1:
            row.reopened += 1
    return list(rows.values())


def open_q() -> Q:
    return Q(done_at__isnull=True) & ~Q(effective=True)
