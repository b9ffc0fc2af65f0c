"""Which roles open which staff pages beyond the queues (SPEC roles): declared here, once, so the
navigation and the pages themselves ask the same table and no view keeps its own role set."""

from __future__ import annotations

from kesu.core.roles import Role

PAGE_ROLES: dict[str, frozenset[str]] = {
    "dashboard": frozenset({Role.CS_MANAGER, Role.GM, Role.AUDITOR}),
    "ledger": frozenset({Role.HR, Role.CS_MANAGER, Role.GM, Role.AUDITOR, Role.FINANCE}),
    "discipline": frozenset({Role.HR, Role.CS_MANAGER, Role.GM, Role.AUDITOR, Role.FINANCE}),
    "policy": frozenset({Role.SYSADMIN, Role.CS_MANAGER, Role.GM, Role.AUDITOR}),
    "calendar": frozenset({Role.SYSADMIN, Role.CS_MANAGER, Role.GM, Role.AUDITOR}),
}


def may_open(page: str, roles: frozenset[str]) -> bool:
    return bool(PAGE_ROLES[page] & roles)
