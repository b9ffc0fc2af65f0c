from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.utils import timezone

from kesu.clocks.people import with_role
from kesu.core.roles import Role
from kesu.notifications.services import notify
from kesu.org import units
from kesu.reports import figures
from kesu.tasks import register


def readers() -> list[Any]:
    """The roles the policy in force names for reports (policy.reporting.recipients)."""
    from kesu.core.errors import KesuError
    from kesu.policies.services import active_version, policy_of

    try:
        roles = policy_of(active_version()).reporting.recipients
    except KesuError:
        roles = [Role.CS_MANAGER, Role.GM]
    return list({p.pk: p for role in roles for p in with_role(role)}.values())


def due_reports(today: date) -> list[tuple[str, figures.Period]]:
    """The reports whose time has come by ``today``: last week's (from Monday), last month's (from
    the 1st, due by the 5th), last year's (from 1 January). Each period has one delivery key, so a
    run after downtime catches up and a repeated run sends nothing twice."""
    monday = today - timedelta(days=today.weekday())
    first = today.replace(day=1)
    last_month_start = (first - timedelta(days=1)).replace(day=1)
    return [
        ("weekly", figures.Period(monday - timedelta(days=7), monday)),
        ("monthly", figures.Period(last_month_start, first)),
        ("yearly", figures.Period(date(today.year - 1, 1, 1), date(today.year, 1, 1))),
    ]


@register("reports.deliver", every_seconds=3600)
def deliver_reports(*, now: datetime) -> dict[str, int]:
    today = timezone.localtime(now).date()
    people = readers()
    sent = 0
    for kind, period in due_reports(today):
        key = f"report:{kind}:{period.start.isoformat()}"
        if all(_already(key, person.pk) for person in people):
            continue  # delivered before: nothing is computed again
        last_day = period.end - timedelta(days=1)
        by_scope: dict[frozenset[int] | None, list[Any]] = {}
        for person in people:  # F16: each reader the figures of their own units (the group: all)
            by_scope.setdefault(units.scope_of(person), []).append(person)
        for scope, readers_of_scope in by_scope.items():
            r = figures.build(period, unit_ids=scope)
            made = notify(recipients=readers_of_scope, kind=f"report_{kind}", now=now, dedupe_key=key, params={
                "start": period.start.isoformat(), "end": last_day.isoformat(), "received": r.received,
                "resolution": "—" if r.resolution_rate is None else f"{r.resolution_rate}%",
                "satisfaction": "—" if r.satisfaction_rate is None else f"{r.satisfaction_rate}%"})
            sent += len(made)
    return {"sent": sent}


def _already(key: str, person_id: int) -> bool:
    from kesu.notifications.models import Notification

    return Notification.objects.filter(dedupe_key=f"{key}:{person_id}").exists()
