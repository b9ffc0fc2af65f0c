"""Overdue hand-offs (SPEC F5): a transfer nobody acknowledged and a help request nobody answered
in time are put on the timeline and escalated — once, even with two sweeps running. Each row is
handled in its own transaction in the lifecycle's lock order (kesu.workflow.services): its
complaint's row is locked first, then the row is claimed by a conditional UPDATE. A row that
fails is logged, reported to the system administrators, and skipped; the others go on. Runs as
the ``workflow.overdue`` task (kesu.workflow.tasks)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from kesu.audit.services import record_rows
from kesu.clocks import alerts
from kesu.clocks.people import manager_above, with_role
from kesu.complaints.lifecycle import approval_stage, holders_of
from kesu.complaints.models import Complaint
from kesu.complaints.timeline import append_event
from kesu.notifications import outbox
from kesu.notifications.services import notify
from kesu.policies.services import policy_of
from kesu.workflow.models import Approval, AssistRequest, CorrectiveAction, Transfer

log = logging.getLogger(__name__)


@dataclass
class OverdueResult:
    transfers: int = 0
    assists: int = 0
    failed: int = 0
    capa_warned: int = 0
    capa_overdue: int = 0
    fallbacks: int = 0


def _when(at: datetime) -> str:
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M")


def sweep_overdue(*, now: datetime) -> OverdueResult:
    result = OverdueResult()
    open_transfers = Transfer.objects.filter(acknowledged_at__isnull=True, escalated_at__isnull=True,
                                             acknowledge_due_at__lte=now)
    for pk, complaint_id in list(open_transfers.values_list("pk", "complaint_id")):
        _guarded(result, "transfer_overdue", pk, now,
                 lambda pk=pk, cid=complaint_id: _transfer(pk, cid, now, result))
    open_assists = AssistRequest.objects.filter(answered_at__isnull=True, overdue_at__isnull=True, due_at__lte=now)
    for pk, complaint_id in list(open_assists.values_list("pk", "complaint_id")):
        _guarded(result, "assist_overdue", pk, now,
                 lambda pk=pk, cid=complaint_id: _assist(pk, cid, now, result))
    # Issue 18: corrective actions nearly due (a reminder to the owner) and overdue (on the timeline,
    # the owner, the verifier, the policy's capa.escalate_to and the manager above told — once).
    warn = CorrectiveAction.objects.filter(done_at__isnull=True, warned_at__isnull=True, warn_at__lte=now,
                                           due_at__gt=now)
    for pk in list(warn.values_list("pk", flat=True)):
        _guarded(result, "capa_due_soon", pk, now, lambda pk=pk: _capa_warn(pk, now, result))
    late = CorrectiveAction.objects.filter(done_at__isnull=True, overdue_at__isnull=True, due_at__lte=now)
    for pk, complaint_id in list(late.values_list("pk", "complaint_id")):
        _guarded(result, "capa_overdue", pk, now, lambda pk=pk, cid=complaint_id: _capa_overdue(pk, cid, now, result))
    # An approval whose stage waited beyond its fallback_after: the fallback is told, once.
    due = Approval.objects.filter(state=Approval.State.PENDING, fallback_told_at__isnull=True, fallback_at__lte=now)
    for pk, complaint_id in list(due.values_list("pk", "complaint_id")):
        _guarded(result, "approval_fallback", pk, now,
                 lambda pk=pk, cid=complaint_id: _fallback(pk, cid, now, result))
    return result


def _guarded(result: OverdueResult, what: str, row_id: int, now: datetime, work: Callable[..., None]) -> None:
    try:
        work()
    except Exception as exc:  # one broken row must not stop the sweep
        result.failed += 1
        log.exception("overdue sweep: %s failed for row %s", what, row_id)
        try:
            with transaction.atomic():
                alerts.report_broken_row(what=what, row_id=row_id, error=repr(exc), now=now)
        except Exception:
            log.exception("overdue sweep: could not report the failure of row %s", row_id)


def _transfer(pk: int, complaint_id: int, now: datetime, result: OverdueResult) -> None:
    with transaction.atomic():
        # Complaint first, then the transfer: the order kesu.workflow.services locks them in.
        c = Complaint.objects.select_for_update(of=("self",)).select_related("policy_version").get(pk=complaint_id)
        if not Transfer.objects.filter(pk=pk, acknowledged_at__isnull=True, escalated_at__isnull=True).update(
                escalated_at=now):
            return  # acknowledged meanwhile, or another sweep took it
        record_rows(Transfer, [pk], now=now)  # its new digest in the audit chain
        t = Transfer.objects.select_related("to_department", "to_owner").get(pk=pk)
        append_event(c, actor=None, now=now, kind="transfer_overdue",
                     changes={"department": [None, t.to_department.name]})
        c.save(update_fields=["event_seq"])
        policy = policy_of(c.policy_version)
        recipients = set(with_role(policy.handling.transfer_escalate_to, policy, about=c)) | set(
            manager_above(t.to_department, t.to_owner, about=c))
        params = {"number": c.number, "department": t.to_department.name,
                "department_en": t.to_department.name_en, "due": _when(t.acknowledge_due_at)}
        notify(recipients=list(recipients), kind="transfer_overdue", now=now, complaint=c, params=params,
               dedupe_key=f"transfer_overdue:{t.pk}")
        outbox.route_event("transfer_overdue", policy=policy, complaint_id=c.pk, level=c.level, now=now,
                           params=params, told=recipients)
        result.transfers += 1


def _assist(pk: int, complaint_id: int, now: datetime, result: OverdueResult) -> None:
    with transaction.atomic():
        # Complaint first, then the help request (kesu.workflow.services' order).
        c = Complaint.objects.select_for_update(of=("self",)).get(pk=complaint_id)
        if not AssistRequest.objects.filter(pk=pk, answered_at__isnull=True, overdue_at__isnull=True).update(
                overdue_at=now):
            return
        record_rows(AssistRequest, [pk], now=now)  # its new digest in the audit chain
        a = AssistRequest.objects.select_related("department", "requested_by").get(pk=pk)
        append_event(c, actor=None, now=now, kind="assist_overdue",
                     changes={"department": [None, a.department.name]})
        c.save(update_fields=["event_seq"])
        recipients = {a.requested_by, *manager_above(a.department, None, about=c)}
        params = {"number": c.number, "department": a.department.name,
                "department_en": a.department.name_en, "matter": a.matter, "due": _when(a.due_at)}
        notify(recipients=list(recipients), kind="assist_overdue", now=now, complaint=c, params=params,
               dedupe_key=f"assist_overdue:{a.pk}")
        outbox.route_event("assist_overdue", policy=policy_of(c.policy_version), complaint_id=c.pk, level=c.level,
                           now=now, params=params, told=recipients)
        result.assists += 1


def _capa_warn(pk: int, now: datetime, result: OverdueResult) -> None:
    with transaction.atomic():
        if not CorrectiveAction.objects.filter(pk=pk, warned_at__isnull=True, done_at__isnull=True).update(
                warned_at=now):
            return
        record_rows(CorrectiveAction, [pk], now=now)
        a = CorrectiveAction.objects.select_related("complaint", "owner").get(pk=pk)
        notify(recipients=[a.owner], kind="capa_due_soon", now=now, complaint=a.complaint,
               params={"number": a.complaint.number, "measure": a.measure, "due": _when(a.due_at)},
               dedupe_key=f"capa_due_soon:{a.pk}:{a.rounds}")
        result.capa_warned += 1


def _capa_overdue(pk: int, complaint_id: int, now: datetime, result: OverdueResult) -> None:
    with transaction.atomic():
        # Complaint first, then the action (kesu.workflow.capa's order).
        c = Complaint.objects.select_for_update(of=("self",)).select_related("policy_version").get(pk=complaint_id)
        if not CorrectiveAction.objects.filter(pk=pk, done_at__isnull=True, overdue_at__isnull=True).update(
                overdue_at=now):
            return
        record_rows(CorrectiveAction, [pk], now=now)
        a = CorrectiveAction.objects.select_related("owner", "verifier", "department").get(pk=pk)
        append_event(c, actor=None, now=now, kind="capa_overdue",
                     changes={"capa": [None, a.pk], "owner_id": [None, a.owner_id]})
        c.save(update_fields=["event_seq"])
        role = policy_of(c.policy_version).capa.escalate_to
        recipients = {a.owner, *([a.verifier] if a.verifier else []), *with_role(role, about=c),
                      *manager_above(a.department, a.owner, about=c)}
        notify(recipients=list(recipients), kind="capa_overdue", now=now, complaint=c,
               params={"number": c.number, "measure": a.measure, "owner": a.owner.display_name or a.owner.username,
                       "due": _when(a.due_at)}, dedupe_key=f"capa_overdue:{a.pk}:{a.rounds}")
        result.capa_overdue += 1


def _fallback(pk: int, complaint_id: int, now: datetime, result: OverdueResult) -> None:
    from kesu.workflow.services import _what, open_to_fallback

    with transaction.atomic():
        c = Complaint.objects.select_for_update(of=("self",)).select_related("policy_version").get(pk=complaint_id)
        if not Approval.objects.filter(pk=pk, state=Approval.State.PENDING, fallback_told_at__isnull=True).update(
                fallback_told_at=now):
            return
        record_rows(Approval, [pk], now=now)
        a = Approval.objects.get(pk=pk)
        policy = policy_of(c.policy_version)
        _approvers, _committee, fallback = approval_stage(a, policy)
        open_to_fallback(a, fallback)
        a.save(update_fields=["deciders"])
        append_event(c, actor=None, now=now, kind="approval_fallback",
                     changes={"approval": [None, a.pk], "stage": [a.stage, a.stage]})
        c.save(update_fields=["event_seq"])
        people = {p.pk: p for name in fallback for p in holders_of(name, c, now)}
        people.pop(a.requested_by_id, None)
        notify(recipients=list(people.values()), kind="approval_fallback", now=now, complaint=c,
               params={"number": c.number, "what": _what(a), "threshold": a.threshold_label, "plan": a.plan},
               dedupe_key=f"approval_fallback:{a.pk}:{a.stage}")
        result.fallbacks += 1
