from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from kesu.clocks.people import with_role
from kesu.core.roles import Role
from kesu.notifications.services import notify
from kesu.org import units
from kesu.tasks import register
from kesu.workflow.accountability import discipline_list
from kesu.workflow.sweep import sweep_overdue


# Every KESU_SWEEP_SECONDS (20 s), beside the clock sweep: transfers nobody acknowledged and help
# requests nobody answered in time are put on the timeline and escalated (SPEC F5).
@register("workflow.overdue", every_seconds="KESU_SWEEP_SECONDS")
def overdue_task(*, now: datetime) -> dict[str, int]:
    overdue = sweep_overdue(now=now)
    return {"overdue_transfers": overdue.transfers, "overdue_assists": overdue.assists, "failed": overdue.failed,
            "capa_warned": overdue.capa_warned, "capa_overdue": overdue.capa_overdue,
            "approval_fallbacks": overdue.fallbacks}


# Hourly: from the 1st of a month, last month's discipline list (seed 000: due by the 10th) is sent
# to HR once. The dedupe key makes a repeated or caught-up run (server down on the 1st) a no-op.
@register("workflow.discipline_list", every_seconds=3600)
def send_discipline_list(*, now: datetime) -> dict[str, int]:
    today = timezone.localtime(now).date()
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    period = f"{year}-{month:02d}"
    # issue 18: each HR person is told of the list they see — their unit's and below; the group's, all
    by_scope: dict[frozenset[int] | None, list[Any]] = {}
    for person in with_role(Role.HR):
        by_scope.setdefault(units.scope_of(person), []).append(person)
    whole, made = discipline_list(year, month), 0
    for scope, people in by_scope.items():
        listed = whole if scope is None else discipline_list(year, month, unit_ids=scope)
        made += len(notify(recipients=people, kind="discipline_list", now=now,
                           params={"period": period, "cases": listed.cases, "total": str(listed.total)},
                           dedupe_key=f"discipline_list:{period}"))
    return {"cases": whole.cases, "sent": made}
