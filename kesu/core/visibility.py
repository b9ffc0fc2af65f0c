"""Who sees which complaints (SPEC roles, F12). The database layer turns this rule into one filter
used by every list and detail path (kesu.complaints.selectors)."""

from __future__ import annotations

from kesu.core.roles import Role

# Roles whose work spans the whole company: customer service (registers, follows up, monitors),
# the general manager, audit, the archive, and HR (penalties and the discipline list).
SEE_ALL_ROLES: frozenset[str] = frozenset(
    {Role.CS_AGENT, Role.CS_MANAGER, Role.GM, Role.AUDITOR, Role.ARCHIVIST, Role.HR}
)


def sees_all(roles: frozenset[str]) -> bool:
    return bool(roles & SEE_ALL_ROLES)


def may_see(*, roles: frozenset[str], staff_id: int, department_ids: set[int], complaint_department_id: int | None,
            owner_id: int | None, receiver_id: int | None) -> bool:
    """The same rule as the database filter, for one complaint already in hand."""
    if sees_all(roles):
        return True
    if staff_id in (owner_id, receiver_id):
        return True
    return complaint_department_id is not None and complaint_department_id in department_ids


# Roles that call customers back or handle their cases and so need the full phone number (F12);
# everybody else sees 138****5678.
PERSONAL_DATA_ROLES: frozenset[str] = frozenset({Role.CS_AGENT, Role.CS_MANAGER, Role.GM})


def sees_personal_data(*, roles: frozenset[str], is_owner: bool, manages_department: bool) -> bool:
    return bool(roles & PERSONAL_DATA_ROLES) or is_owner or manages_department
