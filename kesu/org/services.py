"""Organisation queries and changes: who manages what, now (deputies included)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import transaction
from django.db.models import Q, QuerySet

from kesu import audit
from kesu.core.errors import KesuError
from kesu.core.messages import Said
from kesu.core.roles import ROLE_CODES, Role
from kesu.db.sql import column_values, fetch
from kesu.org import units
from kesu.org.models import Department, DeputyDesignation, Staff, StaffRole

BUILTIN = frozenset(ROLE_CODES)


# Issue 18: the roles a policy names (总裁办, 店长, 合伙人 …) carry the powers of built-in roles. The
# policies layer, above this one, tells which (kesu.policies.apps registers the source): ``in_force``
# gives the roles of the policy in force for a unit (None: the installation's), ``every`` those of
# every version in force in any unit — objects with ``code``, ``name``, ``name_en`` and ``acts_as``.
PolicyRoles = Callable[[int | None], Sequence[Any]]
_source: list[PolicyRoles] = []
_every: list[Callable[[], Sequence[Any]]] = []


def carry_powers(in_force: PolicyRoles, every: Callable[[], Sequence[Any]] | None = None) -> None:
    """Register where the policy's roles come from (one source; a later one replaces it)."""
    _source[:] = [in_force]
    _every[:] = [every] if every is not None else []


def policy_roles(unit_id: int | None = None) -> Sequence[Any]:
    """The roles the policy in force for ``unit_id`` names (its own version's, else the nearest
    unit's above, else the installation's); none without one."""
    if not _source:
        return ()
    try:
        return _source[0](unit_id)
    except KesuError:  # no policy in force yet (a fresh installation)
        return ()


def every_policy_role() -> list[Any]:
    """Issue 18: the roles named by any unit's version in force, each code once (the nearest to the
    installation's first) — what an administrator may give a person of any unit."""
    found = list(policy_roles())
    if _every:
        with contextlib.suppress(KesuError):  # no policy published yet
            found += list(_every[0]())
    seen: dict[str, Any] = {}
    for r in found:
        seen.setdefault(r.code, r)
    return list(seen.values())


def role_powers(unit_id: int | None = None) -> Mapping[str, frozenset[str]]:
    """Each policy role → the built-in roles it acts as (in the policy in force for ``unit_id``)."""
    return {r.code: frozenset(r.acts_as) for r in policy_roles(unit_id)}


def held_roles(staff: Staff) -> frozenset[str]:
    """The role codes the person holds, as given (cached on the instance for the request; asked on
    every request: one plain statement, see kesu.db.sql)."""
    cached: frozenset[str] | None = getattr(staff, "_kesu_held", None)
    if cached is None:
        cached = frozenset(column_values(f'SELECT "role" FROM "{StaffRole._meta.db_table}" WHERE "staff_id" = %s',
                                         [staff.pk], model=StaffRole))
        staff._kesu_held = cached  # type: ignore[attr-defined]
    return cached


def roles_of(staff: Staff, powers: Mapping[str, frozenset[str]] | None = None) -> frozenset[str]:
    """The staff member's roles: the roles they hold, and for a policy's own role (总裁办, 店长 …) the
    built-in roles whose powers it carries — by ``powers`` when given (a complaint's policy version:
    kesu.complaints.lifecycle.actor_facts), else by the policy in force for the person's own unit
    (issue 18: two units under two versions name different roles), cached on the instance."""
    held = held_roles(staff)
    if held <= BUILTIN:  # only a policy role asks the policy which powers it carries
        return held
    if powers is not None:
        return held.union(*(powers.get(code, frozenset()) for code in held))
    cached: frozenset[str] | None = getattr(staff, "_kesu_roles", None)
    if cached is None:
        own = role_powers(getattr(staff, "unit_id", None))
        cached = held.union(*(own.get(code, frozenset()) for code in held))
        staff._kesu_roles = cached  # type: ignore[attr-defined]
    return cached


def holder_codes(role: str, powers: Mapping[str, frozenset[str]] | None = None) -> list[str]:
    """The role codes whose holders play ``role``: itself, and for a built-in role the policy's
    own roles that carry its powers (总裁办 acting as the GM is told what the GM is told).
    ``powers``: the policy's, when the caller has it (no lookup of the policy in force)."""
    if role not in BUILTIN:
        return [role]
    powers = role_powers() if powers is None else powers
    return [role, *sorted(code for code, acts in powers.items() if role in acts)]


class _Anywhere:
    """The scope of a notice about no complaint (the sweep failed, the month's discipline list):
    every holder of the role, whatever their unit."""

    def __repr__(self) -> str:
        return "ANYWHERE"


ANYWHERE: Any = _Anywhere()


@dataclass(frozen=True)
class UnitCases:
    """What a notice is about when it is a unit's cases rather than one complaint (the night's
    cases handed to the morning shift): only the unit counts (:func:`unit_reach`); None — the
    installation's own."""

    unit_id: int | None


def unit_reach(case: Any) -> Q | None:
    """Issue 18: who a notice about ``case`` (a complaint, or anything with its ``unit_id``) may
    reach by unit — the people of its unit and of the units above it, the people of the top unit
    and of no unit (the group hears what the policy sends the group); a store's case reaches no
    other store. None: no limit (``ANYWHERE``, or an installation without units). The cached tree:
    no query."""
    if case is ANYWHERE:
        return None
    tree = units.tree()
    if not tree:
        return None
    unit_id = getattr(case, "unit_id", None)
    if unit_id is not None and tree.get(unit_id) is None:
        tree = units.tree(fresh=True)
    reach = set(tree.chain(unit_id)) | {u for u in tree.nodes if tree.is_top(u)}
    return Q(unit__isnull=True) | Q(unit_id__in=sorted(reach))


def role_holders(role: str, powers: Mapping[str, frozenset[str]] | None = None, *, about: Any = ANYWHERE
                 ) -> QuerySet[Staff]:
    """THE one query of a role's people, for every notice addressed to a role (escalations, keyword
    alarms, crisis teams, approvals waiting, breaches, routes): the active holders of ``role`` — or
    of a policy role carrying its powers (``powers``: the complaint's policy's) — within the reach
    of the complaint ``about`` (:func:`unit_reach`), not the intake channels' service accounts (no
    usable password: nobody reads their inbox)."""
    people = Staff.objects.filter(role_rows__role__in=holder_codes(role, powers), is_active=True)
    reach = unit_reach(about)
    if reach is not None:
        people = people.filter(reach)
    return people.exclude(password__startswith=UNUSABLE_PASSWORD_PREFIX).distinct()


def active_department(code: str) -> Department | None:
    """The active department with this code (id, code and name loaded), as intake channels name
    it; None if there is none."""
    found = fetch(Department, {"id", "code", "name", "is_active"}, 't."code" = %s AND t."is_active" = %s',
                  [code, True])
    return found[0] if found else None


def managed_department_ids(staff: Staff, now: datetime) -> set[int]:
    """Departments this person manages, or acts for as designated deputy at ``now`` (one query)."""
    acting = DeputyDesignation.objects.filter(DeputyDesignation.active_q(now), deputy=staff).values("department_id")
    return set(Department.objects.filter(Q(manager=staff) | Q(pk__in=acting)).values_list("id", flat=True))


def member_department_ids(staff: Staff) -> set[int]:
    return set(staff.departments.values_list("id", flat=True))


THE_MANAGER = Said("该部门经理", "the department's manager")


def designate_deputy(
    *, department: Department, deputy: Staff, actor: Staff, now: datetime, ends_at: datetime | None = None,
    reason: str = "",
) -> DeputyDesignation:
    """SPEC roles: the department manager designates a 责任代理人 who then acts for them."""
    if department.manager_id != actor.pk and Role.SYSADMIN not in roles_of(actor):
        raise KesuError("role_not_allowed", action=Said("指定责任代理人", "designating a deputy"), roles=THE_MANAGER)
    if deputy.pk == department.manager_id:
        raise KesuError("bad_value", field="deputy", label=("责任代理人", "Deputy"),
                        detail=Said("部门经理本人无需指定为代理人", "the manager need not be their own deputy"))
    if ends_at is not None and ends_at <= now:
        raise KesuError("bad_value", field="ends_at", label=("截止时间", "Ends at"),
                        detail=Said("截止时间须晚于现在", "the end must be later than now"))
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
        raise KesuError("role_not_allowed", action=Said("撤销责任代理人", "revoking a deputy"), roles=THE_MANAGER)
    with transaction.atomic():
        revoked = DeputyDesignation.objects.filter(DeputyDesignation.active_q(now), department=department).update(
            revoked_at=now
        )
        audit.record("org.deputy_revoked", actor=actor, now=now, target=("department", department.pk),
                     data={"revoked": revoked})
    return revoked
