"""Overdue hand-offs (SPEC F5): a transfer nobody acknowledged and a help request nobody answered
in time are put on the timeline and escalated — once, even with two sweeps running (each row is
claimed by a conditional UPDATE in its own transaction). Runs with the clock sweep."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from kesu.clocks.people import manager_above, with_role
from kesu.complaints.models import Complaint
from kesu.complaints.timeline import append_event
from kesu.notifications.services import notify
from kesu.policies.services import policy_of
from kesu.workflow.models import AssistRequest, Transfer


@dataclass
class OverdueResult:
    transfers: int = 0
    assists: int = 0


def _when(at: datetime) -> str:
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M")


def sweep_overdue(*, now: datetime) -> OverdueResult:
    result = OverdueResult()
    open_transfers = Transfer.objects.filter(acknowledged_at__isnull=True, escalated_at__isnull=True,
                                             acknowledge_due_at__lte=now)
    for pk in open_transfers.values_list("pk", flat=True):
        with transaction.atomic():
            if not Transfer.objects.filter(pk=pk, acknowledged_at__isnull=True, escalated_at__isnull=True).update(
                    escalated_at=now):
                continue  # acknowledged meanwhile, or another sweep took it
            t = Transfer.objects.select_related("to_department", "to_owner").get(pk=pk)
            c = Complaint.objects.select_for_update().select_related("policy_version").get(pk=t.complaint_id)
            append_event(c, actor=None, now=now, kind="transfer_overdue",
                         changes={"department": [None, t.to_department.name]})
            c.save(update_fields=["event_seq"])
            role = policy_of(c.policy_version).handling.transfer_escalate_to
            recipients = set(with_role(role)) | set(manager_above(t.to_department, t.to_owner))
            notify(recipients=list(recipients), kind="transfer_overdue", now=now, complaint=c,
                   params={"number": c.number, "department": t.to_department.name, "due": _when(t.acknowledge_due_at)},
                   dedupe_key=f"transfer_overdue:{t.pk}")
            result.transfers += 1
    open_assists = AssistRequest.objects.filter(answered_at__isnull=True, overdue_at__isnull=True, due_at__lte=now)
    for pk in open_assists.values_list("pk", flat=True):
        with transaction.atomic():
            if not AssistRequest.objects.filter(pk=pk, answered_at__isnull=True, overdue_at__isnull=True).update(
                    overdue_at=now):
                continue
            a = AssistRequest.objects.select_related("department", "requested_by").get(pk=pk)
            c = Complaint.objects.select_for_update().get(pk=a.complaint_id)
            append_event(c, actor=None, now=now, kind="assist_overdue",
                         changes={"department": [None, a.department.name]})
            c.save(update_fields=["event_seq"])
            recipients = {a.requested_by, *manager_above(a.department, None)}
            notify(recipients=list(recipients), kind="assist_overdue", now=now, complaint=c,
                   params={"number": c.number, "department": a.department.name, "matter": a.matter,
                           "due": _when(a.due_at)}, dedupe_key=f"assist_overdue:{a.pk}")
            result.assists += 1
    return result
