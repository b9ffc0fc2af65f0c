"""Who answers for a clock: the person in the clock's responsible role on this complaint, and
the manager above them (SPEC F6: warnings to the owner, breaches to the manager above)."""

from __future__ import annotations

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db.models import QuerySet

from kesu.complaints.models import Complaint
from kesu.core.lifecycle import OWNER, RECEIVER
from kesu.core.roles import Role
from kesu.org.models import Department, Staff
from kesu.org.services import holder_codes, roles_of


def with_role(role: str) -> QuerySet[Staff]:
    """The active people holding ``role``: not the service accounts the intake channels act as
    (portal, mail, webhook), which cannot sign in and so have nobody to read a notice."""
    return (Staff.objects.filter(role_rows__role__in=holder_codes(role), is_active=True)
            .exclude(password__startswith=UNUSABLE_PASSWORD_PREFIX).distinct())


def responsible_person(c: Complaint, role: str) -> Staff | None:
    """owner → the handler; receiver → who registered it; dept_manager → the department's manager;
    another role → the receiver if they hold it (the CS agent who took the call), else nobody."""
    if role == OWNER:
        return c.owner
    if role == RECEIVER:
        return c.receiver
    if role == Role.DEPT_MANAGER:
        department = c.department or c.complained_department  # before routing: the one complained about
        return department.manager if department else None
    return c.receiver if role in roles_of(c.receiver) else None


def responsible_department(c: Complaint, person: Staff | None) -> Department | None:
    if c.department is not None or c.complained_department is not None:
        return c.department or c.complained_department
    if person is not None:
        return person.departments.order_by("pk").first()
    return None


def manager_above(department: Department | None, person: Staff | None) -> list[Staff]:
    """The manager of the department above; if the person *is* that department's manager, the one
    above that; at the top of the tree, the general manager."""
    dept = department
    while dept is not None:
        if dept.manager_id and dept.manager_id != (person.pk if person else None):
            return [dept.manager] if dept.manager else []
        dept = dept.parent
    return list(with_role(Role.GM))
