"""Organisation queries and changes: who manages what, now (deputies included)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from kesu import audit
from kesu.core.errors import KesuError
from kesu.core.roles import Role
from kesu.db.sql import column_values, fetch
from kesu.org.models import Department, DeputyDesignation, Staff, StaffRole


def roles_of(staff: Staff) -> frozenset[str]:
    """The staff member's global roles (cached on the instance for the request)."""
    cached: frozenset[str] | None = getattr(staff, "_kesu_roles", None)
    if cached is None:
        # asked on every request: one plain statement (see kesu.db.sql)
        cached = frozenset(column_values(f'SELECT "role" FROM "{StaffRole._meta.db_table}" WHERE "staff_id" = %s',
                                         [staff.pk], model=StaffRole))
        staff._kesu_roles = cached  # type: ignore[attr-defined]
    return cached


def active_department(code: str) -> Department | None:
    """The active department with this code (id, code and name loaded), as intake channels name
    it; None if there is none."""
    found = fetch(Department, {"id", "code", "name", "is_active"}, 't."code" = %s AND t."is_active" = %s',
                  [code, True])
    return found[0] if found else None


def managed_department_ids(staff: Staff, now: datetime) -> set[int]:
    """Departments this person manages, or acts for as designated deputy at ``now``."""
    own = set(Department.objects.filter(manager=staff).values_list("id", flat=True))
    acting = set(
        DeputyDesignation.objects.filter(DeputyDesignation.active_q(now), deputy=staff).values_list(
            "department_id", flat=True
        )
    )
    return own | acting


def member_department_ids(staff: Staff) -> set[int]:
    return set(staff.departments.values_list("id", flat=True))


def designate_deputy(
    *, department: Department, deputy: Staff, actor: Staff, now: datetime, ends_at: datetime | None = None,
    reason: str = "",
) -> DeputyDesignation:
    """SPEC roles: the department manager designates a 责任代理人 who then acts for them."""
    if department.manager_id != actor.pk and Role.SYSADMIN not in roles_of(actor):
        raise KesuError("role_not_allowed", action="指定责任代理人", roles="该部门经理")
    if deputy.pk == department.manager_id:
        raise KesuError("bad_value", field="deputy", detail="部门经理本人无需指定为代理人")
    if ends_at is not None and ends_at <= now:
        raise KesuError("bad_value", field="ends_at", detail="截止时间须晚于现在")
    with transaction.atomic():
        DeputyDesignation.objects.filter(DeputyDesignation.active_q(now), department=department).update(
            revoked_at=now
        )
        made = DeputyDesignation.objects.create(
            department=department, deputy=deputy, designated_by=actor, starts_at=now, ends_at=ends_at, reason=reason
        )
        audit.record("org.deputy_designated", actor=actor, now=now, target=("department", department.pk),
                     data={"deputy": deputy.pk, "designation": made.pk, "ends_at": ends_at and ends_at.isoformat()})
        return made


def revoke_deputy(*, department: Department, actor: Staff, now: datetime) -> int:
    if department.manager_id != actor.pk and Role.SYSADMIN not in roles_of(actor):
        raise KesuError("role_not_allowed", action="撤销责任代理人", roles="该部门经理")
    with transaction.atomic():
        revoked = DeputyDesignation.objects.filter(DeputyDesignation.active_q(now), department=department).update(
            revoked_at=now
        )
        audit.record("org.deputy_revoked", actor=actor, now=now, target=("department", department.pk),
                     data={"revoked": revoked})
    return revoked
