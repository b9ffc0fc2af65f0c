"""投诉延期处理申请 (SPEC F6, P1 第六条): when the customer cannot be reached, an extension is
requested; the policy's approver (the GM in P1) approves or rejects it. Approval pauses the
named clock (until resumed) or extends it by the asked time, with the reason on the timeline."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from kesu.clocks import services
from kesu.clocks.models import ComplaintClock, ExtensionRequest
from kesu.clocks.people import with_role
from kesu.complaints.lifecycle import actor_facts
from kesu.complaints.models import Complaint
from kesu.complaints.timeline import append_event
from kesu.core.errors import KesuError, TransitionRefused
from kesu.core.lifecycle import OWNER
from kesu.core.policy import Duration
from kesu.core.roles import Role, role_label
from kesu.notifications.services import notify
from kesu.org.models import Staff
from kesu.policies.services import policy_of

MAY_REQUEST = (OWNER, Role.DEPT_MANAGER.value, Role.CS_AGENT.value, Role.CS_MANAGER.value)


def request_extension(
    c: Complaint, *, clock_code: str, actor: Staff, now: datetime, reason: str, kind: str = "pause",
    extension: str = "",
) -> ExtensionRequest:
    """Raise a request for the running clock ``clock_code``."""
    if not reason.strip():
        raise KesuError("reason_required", field="reason", action="延期处理申请")
    if kind not in ExtensionRequest.Kind.values:
        raise KesuError("not_one_of", field="kind", value=kind, allowed=", ".join(ExtensionRequest.Kind.values))
    if kind == ExtensionRequest.Kind.EXTEND:
        try:
            if not Duration.parse(extension).is_positive:
                raise ValueError(extension)
        except ValueError:
            raise KesuError("bad_duration", field="extension", value=extension) from None
    with transaction.atomic():
        c = Complaint.objects.select_for_update().select_related("policy_version").get(pk=c.pk)
        who = actor_facts(actor, c, now)
        if not any(who.plays(r) for r in MAY_REQUEST):
            raise TransitionRefused("role_not_allowed", action="延期处理申请", roles="处理人、部门经理或客服")
        clock = c.clocks.filter(code=clock_code, stopped_at__isnull=True, cancelled_at__isnull=True).first()
        if clock is None:
            raise KesuError("bad_value", field="clock", detail=f"没有正在计时的「{clock_code}」")
        if clock.extension_requests.filter(state=ExtensionRequest.State.PENDING).exists():
            raise KesuError("bad_value", field="clock", detail="该时限已有待审批的延期申请")
        req = ExtensionRequest.objects.create(complaint=c, clock=clock, kind=kind, extension=extension, reason=reason,
                                              requested_by=actor, requested_at=now)
        append_event(c, actor=actor, now=now, kind="extension_requested", reason=reason,
                     changes={"clock": [None, clock.code], "kind": [None, kind], "extension": [None, extension]})
        c.save(update_fields=["event_seq"])
        approver = policy_of(c.policy_version).workflow.extension_approver
        notify(recipients=list(with_role(approver)), kind="extension_requested", now=now, complaint=c,
               params={"number": c.number, "clock": clock.name, "reason": reason},
               dedupe_key=f"extension_requested:{req.pk}")
        return req


def decide_extension(
    req: ExtensionRequest, *, actor: Staff, now: datetime, approve: bool, note: str = "",
) -> ExtensionRequest:
    """Approve or reject; only the policy's approver, never the person who asked."""
    with transaction.atomic():
        c = Complaint.objects.select_for_update().select_related("policy_version").get(pk=req.complaint_id)
        req = ExtensionRequest.objects.select_for_update().get(pk=req.pk)
        approver = policy_of(c.policy_version).workflow.extension_approver
        if req.state != ExtensionRequest.State.PENDING:
            raise KesuError("bad_value", field="state", detail="该申请已审批")
        if approver not in actor_facts(actor, c, now).roles:
            raise TransitionRefused("role_not_allowed", action="审批延期申请", roles=role_label(approver))
        if req.requested_by_id == actor.pk:
            raise TransitionRefused("self_approval")
        if not approve and not note.strip():
            raise KesuError("reason_required", field="note", action="驳回延期申请")
        clock = ComplaintClock.objects.get(pk=req.clock_id)
        req.state = ExtensionRequest.State.APPROVED if approve else ExtensionRequest.State.REJECTED
        req.decided_by, req.decided_at, req.decision_note = actor, now, note
        req.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
        changes: dict[str, list[object]] = {"clock": [None, clock.code]}
        if approve and clock.is_running:
            before = clock.due_at.isoformat()
            if req.kind == ExtensionRequest.Kind.PAUSE:
                services.pause(c, clock, at=now)
                changes["paused_at"] = [None, now.isoformat()]
            else:
                services.extend(c, clock, by=Duration.parse(req.extension), at=now)
                changes["due_at"] = [before, clock.due_at.isoformat()]
        append_event(c, actor=actor, now=now, kind="extension_approved" if approve else "extension_rejected",
                     changes=changes, reason=note or req.reason)
        c.save(update_fields=["event_seq"])
        notify(recipients=[req.requested_by], kind="extension_decided", now=now, complaint=c,
               params={"number": c.number, "clock": clock.name, "approved": approve, "note": note},
               dedupe_key=f"extension_decided:{req.pk}")
        return req


def pause_for_next_visit(c: Complaint, *, clock_code: str, actor: Staff, now: datetime, reason: str) -> ComplaintClock:
    """P1 第五条(六)注: when the agreed work happens at the customer's next visit (二次到店), the
    named clock waits for that visit; ``resume_clock`` restarts it when the customer comes."""
    if not reason.strip():
        raise KesuError("reason_required", field="reason", action="等待客户二次到店")
    with transaction.atomic():
        c = Complaint.objects.select_for_update().get(pk=c.pk)
        who = actor_facts(actor, c, now)
        if not any(who.plays(r) for r in MAY_REQUEST):
            raise TransitionRefused("role_not_allowed", action="等待客户二次到店", roles="处理人、部门经理或客服")
        clock = c.clocks.filter(code=clock_code, stopped_at__isnull=True, cancelled_at__isnull=True,
                                paused_at__isnull=True).first()
        if clock is None:
            raise KesuError("bad_value", field="clock", detail=f"没有正在计时的「{clock_code}」")
        services.pause(c, clock, at=now)
        append_event(c, actor=actor, now=now, kind="clock_paused", reason=reason,
                     changes={"clock": [None, clock.code], "paused_at": [None, now.isoformat()]})
        c.save(update_fields=["event_seq"])
        return clock


def resume_clock(c: Complaint, *, clock_code: str, actor: Staff, now: datetime, reason: str) -> ComplaintClock:
    """End a pause (the customer is reachable again, or came back for the agreed work)."""
    with transaction.atomic():
        c = Complaint.objects.select_for_update().get(pk=c.pk)
        who = actor_facts(actor, c, now)
        if not any(who.plays(r) for r in MAY_REQUEST):
            raise TransitionRefused("role_not_allowed", action="恢复计时", roles="处理人、部门经理或客服")
        clock = c.clocks.filter(code=clock_code, paused_at__isnull=False).first()
        if clock is None:
            raise KesuError("bad_value", field="clock", detail=f"「{clock_code}」没有暂停")
        paused_at = clock.paused_at
        shift = services.resume(c, clock, at=now)
        append_event(c, actor=actor, now=now, kind="clock_resumed", reason=reason,
                     changes={"clock": [None, clock.code], "paused": [paused_at.isoformat() if paused_at else None,
                                                                      now.isoformat()],
                              "shift_seconds": [None, int(shift.total_seconds())]})
        c.save(update_fields=["event_seq"])
        return clock
