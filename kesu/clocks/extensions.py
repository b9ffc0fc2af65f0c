"""投诉延期处理申请 (SPEC F6, P1 第六条): when the customer cannot be reached, an extension is
requested; the policy's approver (the GM in P1) approves or rejects it. Approval pauses the
named clock (until resumed) or extends it by the asked time, with the reason on the timeline.

Who may ask, decide, pause and resume, and in which states, is the rulebook's (kesu.core.lifecycle
ACTIVITIES: extension_requested, extension_decided, clock_paused, clock_resumed); each step goes
through ``lifecycle.perform_activity``: the complaint locked first, then the request row."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from kesu.clocks import services
from kesu.clocks.models import ComplaintClock, ExtensionRequest
from kesu.clocks.people import with_role
from kesu.complaints import lifecycle
from kesu.complaints.models import Complaint
from kesu.core import lifecycle as rules
from kesu.core.errors import KesuError
from kesu.core.messages import Said
from kesu.core.policy import Duration, Policy
from kesu.notifications.services import notify
from kesu.org.models import Staff
from kesu.policies.services import policy_of


def _clock_code(code: str) -> str:
    if not str(code or "").strip():
        raise KesuError("required", field="clock", label=("时限", "Clock"))
    return str(code).strip()


@transaction.atomic  # the step and its notices in one transaction (issue 16: the outbox beside its cause)
def request_extension(
    c: Complaint, *, clock_code: str, actor: Staff, now: datetime, reason: str, kind: str = "pause",
    extension: str = "", expected_version: int | None = None,
) -> ExtensionRequest:
    """Raise a request for the running clock ``clock_code``; the policy's approver is told."""
    if kind not in ExtensionRequest.Kind.values:
        raise KesuError("not_one_of", field="kind", value=kind, allowed=", ".join(ExtensionRequest.Kind.values))
    if kind == ExtensionRequest.Kind.EXTEND:
        try:
            if not Duration.parse(extension).is_positive:
                raise ValueError(extension)
        except ValueError:
            raise KesuError("bad_duration", field="extension", value=extension) from None
    code = _clock_code(clock_code)
    made: list[ExtensionRequest] = []

    def change(k: Complaint, policy: Policy) -> None:
        clock = k.clocks.filter(code=code, stopped_at__isnull=True, cancelled_at__isnull=True).first()
        if clock is None:
            raise KesuError("bad_value", field="clock", detail=Said(f"没有正在计时的「{code}」",
                                                                    f"no '{code}' clock is running"))
        if clock.extension_requests.filter(state=ExtensionRequest.State.PENDING).exists():
            raise KesuError("bad_value", field="clock", detail=Said("该时限已有待审批的延期申请",
                                                                    "this clock has an extension request waiting"))
        made.append(ExtensionRequest.objects.create(complaint=k, clock=clock, kind=kind, extension=extension,
                                                    reason=reason, requested_by=actor, requested_at=now))

    k = lifecycle.perform_activity(c, "extension_requested", actor=actor, now=now, reason=reason,
                                   expected_version=expected_version, change=change,
                                   extra=lambda: {"clock": [None, code], "kind": [None, kind],
                                                  "extension": [None, extension]})
    req = made[0]
    approver = policy_of(k.policy_version).workflow.extension_approver
    notify(recipients=list(with_role(approver, about=k)), kind="extension_requested", now=now, complaint=k,
           params={"number": k.number, "clock": req.clock.name, "clock_en": _clock_en(k, req.clock.code),
                   "reason": reason},
           dedupe_key=f"extension_requested:{req.pk}")
    return req


def _clock_en(c: Complaint, code: str) -> str:
    """The clock's English name in the complaint's policy (name_en), for an English reader's notice."""
    return next((k.name_en for k in policy_of(c.policy_version).clocks if k.code == code and k.name_en), "")


@transaction.atomic  # the step and its notices in one transaction (issue 16: the outbox beside its cause)
def decide_extension(
    req: ExtensionRequest, *, actor: Staff, now: datetime, approve: bool, note: str = "",
    expected_version: int | None = None,
) -> ExtensionRequest:
    """Approve or reject; only the policy's approver, never the person who asked. Approval pauses
    the clock (until resumed) or moves its due time by the asked extension."""
    decided: list[ExtensionRequest] = []
    changes: dict[str, list[object]] = {}

    def change(k: Complaint, policy: Policy) -> None:
        r = ExtensionRequest.objects.select_for_update().get(pk=req.pk)
        if r.state != ExtensionRequest.State.PENDING:
            raise KesuError("bad_value", field="state", detail=Said("该申请已审批", "this request was decided already"))
        rules.not_own_request(r.requested_by_id, lifecycle.actor_facts(actor, k, now))
        rules.decision_note_required(approve, note, action=Said("驳回延期申请", "rejecting an extension"))
        clock = ComplaintClock.objects.get(pk=r.clock_id)
        r.state = ExtensionRequest.State.APPROVED if approve else ExtensionRequest.State.REJECTED
        r.decided_by, r.decided_at, r.decision_note = actor, now, note
        r.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
        changes["clock"] = [None, clock.code]
        if approve and clock.is_running:
            before = clock.due_at.isoformat()
            if r.kind == ExtensionRequest.Kind.PAUSE:
                services.pause(k, clock, at=now)
                changes["paused_at"] = [None, now.isoformat()]
            else:
                services.extend(k, clock, by=Duration.parse(r.extension), at=now)
                changes["due_at"] = [before, clock.due_at.isoformat()]
        decided.append(r)

    k = lifecycle.perform_activity(req.complaint, "extension_decided", actor=actor, now=now, reason=note or req.reason,
                                   expected_version=expected_version, change=change,
                                   event=lambda: "extension_approved" if approve else "extension_rejected",
                                   extra=lambda: changes)
    r = decided[0]
    notify(recipients=[r.requested_by], kind="extension_decided", now=now, complaint=k,
           params={"number": k.number, "clock": r.clock.name, "clock_en": _clock_en(k, r.clock.code),
                   "approved": approve, "note": note},
           dedupe_key=f"extension_decided:{r.pk}")
    return r


def pause_for_next_visit(c: Complaint, *, clock_code: str, actor: Staff, now: datetime, reason: str,
                         expected_version: int | None = None) -> ComplaintClock:
    """P1 第五条(六)注: when the agreed work happens at the customer's next visit (二次到店), the
    named clock waits for that visit; ``resume_clock`` restarts it when the customer comes."""
    code = _clock_code(clock_code)
    paused: list[ComplaintClock] = []

    def change(k: Complaint, policy: Policy) -> None:
        clock = k.clocks.filter(code=code, stopped_at__isnull=True, cancelled_at__isnull=True,
                                paused_at__isnull=True).first()
        if clock is None:
            raise KesuError("bad_value", field="clock", detail=Said(f"没有正在计时的「{code}」",
                                                                    f"no '{code}' clock is running"))
        services.pause(k, clock, at=now)
        paused.append(clock)

    lifecycle.perform_activity(c, "clock_paused", actor=actor, now=now, reason=reason,
                               expected_version=expected_version, change=change,
                               extra=lambda: {"clock": [None, code], "paused_at": [None, now.isoformat()]})
    return paused[0]


def resume_clock(c: Complaint, *, clock_code: str, actor: Staff, now: datetime, reason: str,
                 expected_version: int | None = None) -> ComplaintClock:
    """End a pause (the customer is reachable again, or came back for the agreed work)."""
    code = _clock_code(clock_code)
    resumed: list[ComplaintClock] = []
    changes: dict[str, list[object]] = {}

    def change(k: Complaint, policy: Policy) -> None:
        clock = k.clocks.filter(code=code, paused_at__isnull=False).first()
        if clock is None:
            raise KesuError("bad_value", field="clock", detail=Said(f"「{code}」没有暂停", f"'{code}' is not paused"))
        paused_at = clock.paused_at
        shift = services.resume(k, clock, at=now)
        changes.update({"clock": [None, clock.code],
                        "paused": [paused_at.isoformat() if paused_at else None, now.isoformat()],
                        "shift_seconds": [None, int(shift.total_seconds())]})
        resumed.append(clock)

    lifecycle.perform_activity(c, "clock_resumed", actor=actor, now=now, reason=reason,
                               expected_version=expected_version, change=change, extra=lambda: changes)
    return resumed[0]
