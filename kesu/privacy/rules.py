"""Who may do what with a customer's data (issue 14) — one place, read by the page, the commands
and the services alike.

* Export and erase one customer's data: the CS manager (客服部经理), who answers the customer's
  requests under PIPL art. 45 and already sees every complaint in full, and the system
  administrator (for requests that come in writing, through the command). Not CS agents: one
  click would hand over everything Kesu holds on a person.
* Set or clear a legal hold: legal (法务), who knows of a dispute or a court's request; the CS
  manager and the system administrator, who hear of it first.
"""

from __future__ import annotations

from kesu.core.errors import KesuError
from kesu.core.lifecycle import role_names
from kesu.core.messages import Said
from kesu.core.roles import Role
from kesu.org.models import Staff
from kesu.org.services import roles_of

CUSTOMER_DATA = frozenset({Role.CS_MANAGER.value, Role.SYSADMIN.value})
LEGAL_HOLD = frozenset({Role.LEGAL.value, Role.CS_MANAGER.value, Role.SYSADMIN.value})


def may_handle_customer_data(staff: Staff) -> bool:
    return bool(roles_of(staff) & CUSTOMER_DATA)


def may_hold(staff: Staff) -> bool:
    return bool(roles_of(staff) & LEGAL_HOLD)


def check_customer_data(staff: Staff) -> None:
    if not may_handle_customer_data(staff):
        raise KesuError("role_not_allowed",
                        action=Said("导出或删除客户个人信息", "exporting or erasing a customer's data"),
                        roles=role_names((Role.CS_MANAGER.value, Role.SYSADMIN.value)))


def check_hold(staff: Staff) -> None:
    if not may_hold(staff):
        raise KesuError("role_not_allowed", action=Said("法律保全", "a legal hold"),
                        roles=role_names((Role.LEGAL.value, Role.CS_MANAGER.value, Role.SYSADMIN.value)))
