"""Who answers for a clock: the person in the clock's responsible role on this complaint, and
the manager above them (SPEC F6: warnings to the owner, breaches to the manager above)."""

from __future__ import annotations

from typing import Any

from django.db.models import F, QuerySet

from kesu.complaints.models import Complaint
from kesu.core.lifecycle import ASSISTING, OWNER, RECEIVER
from kesu.core.policy import Policy
from kesu.core.roles import ROLE_CODES, Role
from kesu.org.models import Department, Staff
from kesu.org.services import ANYWHERE, role_holders, roles_of


def with_role(role: str, policy: Policy | None = None, *, about: Any = ANYWHERE) -> QuerySet[Staff]:
    """The active people holding ``role`` — or a role of the policy's own carrying its powers — not
    the service accounts the intake channels act as (portal, mail, webhook), which cannot sign in
    and so have nobody to read a notice. ``about``: the complaint the notice is about — only the
    people of its unit and the units above it hear of it (issue 18: a store's case does not reach
    another store's manager); its policy version's roles carry the powers when ``policy`` is not
    given. ``ANYWHERE`` (a notice about no complaint): every holder."""
    if policy is None and getattr(about, "policy_version_id", None) is not None:
        policy = policy_of_version(about)
    powers = policy.powers() if policy is not None else None
    return role_holders(role, powers, about=about)


def policy_of_version(c: Any) -> Policy:
    """The policy of the version the complaint is registered under (parsed once per process)."""
    from kesu.policies.models import PolicyVersion
    from kesu.policies.services import policy_of

    if Complaint.policy_version.is_cached(c):
        return policy_of(c.policy_version)
    return policy_of(PolicyVersion.objects.defer("document", "source_text").get(pk=c.policy_version_id))


def responsible_person(c: Complaint, role: str, *, assisting: Department | None = None) -> Staff | None:
    """owner → the handler; receiver → who registered it; dept_manager → the department's manager;
    assisting → the manager of the department asked for help; another role → the receiver if they
    hold it (the CS agent who took the call), else — for a role of the policy's own — its holder when
    one person holds it, else nobody."""
    if role == OWNER:
        return c.owner
    if role == RECEIVER:
        return c.receiver
    if role == ASSISTING:  # issue 18: a clock on a help request (协办) — the department asked answers for it
        department = assisting or assisting_department(c)  # the clock's own department, one per department asked
        return department.manager if department else None
    if role == Role.DEPT_MANAGER:
        department = c.department or c.complained_department  # before routing: the one complained about
        return department.manager if department else None
    if role in roles_of(c.receiver):
        return c.receiver
    if role in ROLE_CODES:
        return None
    holders = list(with_role(role, about=c)[:2])  # a policy's role one person holds (the law firm's 专门负责人)
    return holders[0] if len(holders) == 1 else None


def assisting_department(c: Complaint) -> Department | None:
    """The department of the complaint's help request (协办) still open, else of the latest one."""
    ask = (c.assists.select_related("department").order_by(F("answered_at").asc(nulls_first=True), "-requested_at")
           .first())
    return ask.department if ask is not None else None


def responsible_department(c: Complaint, person: Staff | None, role: str = "", *,
                           assisting: Department | None = None) -> Department | None:
    """The department a clock's breach is booked to: the responsible person's (issue 18 — the CS
    agent's missed call is customer service's, not the department complained about), i.e. the
    complaint's department when they belong to it or manage it, else their own; with nobody
    responsible, the complaint's department."""
    if role == ASSISTING:
        return assisting or assisting_department(c) or c.department
    complaint_department = c.department or c.complained_department
    if person is None:
        return complaint_department
    if complaint_department is not None and (
            complaint_department.manager_id == person.pk
            or person.departments.filter(pk=complaint_department.pk).exists()):
        return complaint_department
    return person.departments.order_by("pk").first() or complaint_department


def manager_above(department: Department | None, person: Staff | None, *, about: Any = ANYWHERE) -> list[Staff]:
    """The manager of the department above; if the person *is* that department's manager, the one
    above that; at the top of the tree, the general manager (of the complaint ``about``'s unit or a
    unit above it)."""
    dept = department
    while dept is not None:
        if dept.manager_id and dept.manager_id != (person.pk if person else None):
            return [dept.manager] if dept.manager else []
        dept = dept.parent
    return list(with_role(Role.GM, about=about))
