"""What waits for a person's decision: approvals (by the role the threshold names, a department
manager's only for the departments they manage or act for), finance reviews, extension requests."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet

from kesu.clocks.models import ExtensionRequest
from kesu.core.roles import Role
from kesu.org import units
from kesu.org.models import Staff
from kesu.org.services import managed_department_ids, roles_of
from kesu.workflow.models import Approval, ApprovalVote


def approvals_waiting_for(staff: Staff, now: datetime) -> QuerySet[Approval]:
    roles = roles_of(staff)
    q = Q(state=Approval.State.PENDING, approver_role__in=[r for r in roles if r != Role.DEPT_MANAGER])
    managed = managed_department_ids(staff, now)
    if managed:
        q |= Q(state=Approval.State.PENDING, approver_role=Role.DEPT_MANAGER, complaint__department_id__in=managed)
    if Role.FINANCE in roles:
        q |= Q(state=Approval.State.FINANCE)
    # Issue 18: a chain's stage names people by login, committees and (once it applies) the fallback,
    # kept in ``deciders``; a committee member who has voted on this stage has nothing left to decide.
    pending = Q(state=Approval.State.PENDING)
    q |= pending & Q(deciders__contains=f" person:{staff.username} ")
    for role in roles - {Role.DEPT_MANAGER}:
        q |= pending & Q(deciders__contains=f" {role} ")
    if managed:
        q |= pending & Q(deciders__contains=f" {Role.DEPT_MANAGER} ", complaint__department_id__in=managed)
    voted = ApprovalVote.objects.filter(approval_id=OuterRef("pk"), stage=OuterRef("stage"), voter=staff)
    return (Approval.objects.filter(q, _in_scope(staff)).exclude(requested_by=staff).exclude(Exists(voted))
            .select_related("complaint", "requested_by", "charge_to").order_by("requested_at", "pk"))


def _in_scope(staff: Staff) -> Q:
    """Issue 18: a store's people decide their unit's (and below) cases only — another store's
    approvals and extension requests are not theirs, whatever role they hold; the group's, all."""
    scope = units.scope_of(staff)
    return Q() if scope is None else Q(complaint__unit_id__in=sorted(scope))


def extensions_waiting_for(staff: Staff) -> QuerySet[ExtensionRequest]:
    """Pending extension requests under policies whose approver role this person holds."""
    roles = roles_of(staff)
    pending = (ExtensionRequest.objects.filter(_in_scope(staff), state=ExtensionRequest.State.PENDING)
               .exclude(requested_by=staff)
               .select_related("complaint__policy_version", "clock", "requested_by").order_by("requested_at", "pk"))
    from kesu.policies.services import policy_of

    keep = [r.pk for r in pending if policy_of(r.complaint.policy_version).workflow.extension_approver in roles]
    return pending.filter(pk__in=keep)

