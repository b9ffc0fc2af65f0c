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
    # the whole company's report; a department's manager (or deputy) opens their own department's
    "reports": frozenset({Role.CS_MANAGER, Role.GM, Role.AUDITOR}),
    # F13: the suggestions' threshold, schedule and the models' measured quality
    "intelligence": frozenset({Role.SYSADMIN, Role.CS_MANAGER}),
    # issue 18: 不在岗 — who is away, so the approval stages they would decide go to their fallback.
    # These roles mark anyone of their unit (and below); a manager the people of their departments.
    "absences": frozenset({Role.HR, Role.GM, Role.CS_MANAGER, Role.SYSADMIN}),
}
# Pages whoever manages a department (or acts for its manager) opens, whatever their roles.
MANAGER_PAGES: frozenset[str] = frozenset({"reports", "absences"})


def may_open(page: str, roles: frozenset[str], *, manages: bool = False) -> bool:
    return bool(PAGE_ROLES[page] & roles) or (manages and page in MANAGER_PAGES)
