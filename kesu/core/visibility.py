"""Who sees which complaints (SPEC roles, F12). The database layer turns this rule into one filter
used by every list and detail path (kesu.complaints.selectors)."""

from __future__ import annotations

from kesu.core.roles import Role

# Roles whose work spans the whole company: customer service (registers, follows up, monitors),
# the general manager and audit.
SEE_ALL_ROLES: frozenset[str] = frozenset({Role.CS_AGENT, Role.CS_MANAGER, Role.GM, Role.AUDITOR})

# Company-wide roles that see only the cases their work needs (issue 14, least access); the filter
# is kesu.complaints.selectors.visible_complaints:
#   archive  — closed cases (signed off, reviewed, archived, answered as not valid): what it files;
#   HR       — cases with a penalty booked or a responsible person found (the discipline list);
#   legal    — cases the policy's warning words flagged (曝光, 律师, 12315 …) or on legal hold;
#   finance  — cases whose compensation it reviews.
SCOPED_ROLES: frozenset[str] = frozenset({Role.ARCHIVIST, Role.HR, Role.LEGAL, Role.FINANCE})


def sees_all(roles: frozenset[str]) -> bool:
    return bool(roles & SEE_ALL_ROLES)


def may_see(*, roles: frozenset[str], staff_id: int, department_ids: set[int], complaint_department_id: int | None,
            owner_id: int | None, receiver_id: int | None, unit_scope: frozenset[int] | None = None,
            complaint_unit_id: int | None = None) -> bool:
    """The same rule as the database filter, for one complaint already in hand. The scoped roles'
    own filters (closed, penalised, flagged, reviewed) are the database's: a complaint in hand was
    reached through visible_complaints, so here they count as seeing it. F16: a person of a unit
    below the group (``unit_scope``: their unit and those below it) sees by role only the cases of
    those units; by department, ownership and registration as anyone."""
    if (sees_all(roles) or roles & {Role.ARCHIVIST, Role.HR}) and in_unit_scope(unit_scope, complaint_unit_id):
        return True
    if staff_id in (owner_id, receiver_id):
        return True
    return complaint_department_id is not None and complaint_department_id in department_ids


def in_unit_scope(unit_scope: frozenset[int] | None, unit_id: int | None) -> bool:
    """Whether a case of ``unit_id`` is within a person's units (None: the whole organisation)."""
    return unit_scope is None or unit_id in unit_scope


# Roles that call customers back or handle their cases and so need the full phone number (F12);
# everybody else sees 138****5678.
PERSONAL_DATA_ROLES: frozenset[str] = frozenset({Role.CS_AGENT, Role.CS_MANAGER, Role.GM})


def sees_personal_data(*, roles: frozenset[str], is_owner: bool, manages_department: bool) -> bool:
    return bool(roles & PERSONAL_DATA_ROLES) or is_owner or manages_department
