"""Who answers for a clock: the person in the clock's responsible role on this complaint, and
the manager above them (SPEC F6: warnings to the owner, breaches to the manager above)."""

from __future__ import annotations

from django.db.models import QuerySet

from kesu.complaints.models import Complaint
from kesu.core.lifecycle import OWNER, RECEIVER
from kesu.core.roles import Role
from kesu.ops.sql import column_values
from kesu.org.models import Department, Staff, StaffRole
from kesu.org.services import roles_of


def with_role(role: str) -> QuerySet[Staff]:
    return Staff.objects.filter(role_rows__role=role, is_active=True).distinct()


def active_ids_with_role(role: str, *, excluding: tuple[str, ...] = ()) -> list[int]:
    """Ids of the active staff holding ``role``, but the usernames ``excluding`` (one plain
    statement: asked at every registration out of hours)."""
    staff, roles = Staff._meta.db_table, StaffRole._meta.db_table
    not_in = f' AND s."username" NOT IN ({", ".join(["%s"] * len(excluding))})' if excluding else ""
    return column_values(
        f'SELECT DISTINCT s."id" FROM "{staff}" s JOIN "{roles}" r ON r."staff_id" = s."id" '
        f'WHERE r."role" = %s AND s."is_active" = %s{not_in} ORDER BY s."id"', [role, True, *excluding], model=Staff)


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
