from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from kesu.clocks.people import with_role
from kesu.core.roles import Role
from kesu.notifications import outbox
from kesu.notifications.services import notify
from kesu.org import units
from kesu.reports import figures
from kesu.tasks import register


def _in_force() -> tuple[Any, Any]:
    from kesu.core.errors import KesuError
    from kesu.policies.services import active_version, policy_of

    try:
        version = active_version()
    except KesuError:
        return None, None
    return version, policy_of(version)


def readers(report: str = "monthly", policy: Any = None) -> list[Any]:
    """Who receives ``report``: its schedule's recipients (policy.reporting.schedules), else the roles
    the policy in force names for reports (policy.reporting.recipients) — roles or person:<login>."""
    from kesu.org.models import Staff

    names: list[str] = [Role.CS_MANAGER, Role.GM]
    if policy is not None:
        schedule = policy.reporting.schedule(report)
        names = list(schedule.recipients) if schedule and schedule.recipients else list(policy.reporting.recipients)
    people: dict[int, Any] = {}
    for name in names:
        found = Staff.objects.filter(username=name[len("person:"):], is_active=True) if name.startswith("person:") \
            else with_role(name)
        people.update({p.pk: p for p in found})
    return list(people.values())


def due_reports(today: date, policy: Any = None) -> list[tuple[str, figures.Period]]:
    """The reports whose time has come by ``today``: last week's (from Monday), last month's (from
    the 1st, due by the 5th), last year's (from 1 January) — or from the day each report's schedule
    names (policy.reporting.schedules: seed 002 每月 5 日前呈报董事长), and the corrective-actions report
    monthly where a schedule asks for it. Each period has one delivery key, so a run after downtime
    catches up and a repeated run sends nothing twice."""
    def day(report: str) -> int:
        schedule = policy.reporting.schedule(report) if policy is not None else None
        return schedule.day if schedule else 1

    monday = today - timedelta(days=today.weekday())
    first = today.replace(day=1)
    last_month_start = (first - timedelta(days=1)).replace(day=1)
    out = []
    week_due = monday + timedelta(days=day("weekly") - 1)
    last_week = (monday - timedelta(days=7), monday) if today >= week_due else (monday - timedelta(days=14),
                                                                                  monday - timedelta(days=7))
    out.append(("weekly", figures.Period(*last_week)))
    if today.day >= day("monthly"):
        out.append(("monthly", figures.Period(last_month_start, first)))
    if today >= date(today.year, 1, day("yearly")):
        out.append(("yearly", figures.Period(date(today.year - 1, 1, 1), date(today.year, 1, 1))))
    if policy is not None and policy.reporting.schedule("capa") and today.day >= day("capa"):
        out.append(("capa", figures.Period(last_month_start, first)))
    return out


@register("reports.deliver", every_seconds=3600)
def deliver_reports(*, now: datetime) -> dict[str, int]:
    """Each report due is generated once: its readers' notices (inbox and e-mail; each reader the
    figures of their own units, F16) and, when the policy in force routes ``report_ready``, one
    dispatch of the outbox in the same transaction — the routes' people, channels and robots are
    worked out after commit like every other route's. A report delivered to its readers before a
    route existed is not announced afterwards."""
    today = timezone.localtime(now).date()
    version, policy = _in_force()
    routed = policy is not None and outbox.wants(policy, "report_ready")
    sent = announced = 0
    for kind, period in due_reports(today, policy):
        people = readers(kind, policy)
        key = f"report:{kind}:{period.start.isoformat()}"
        told = bool(people) and all(_already(key, person.pk) for person in people)
        tell = bool(people) and not told
        announce = routed and kind != "capa" and not told and not _announced(key)
        if not tell and not announce:
            continue  # delivered before: nothing is computed again
        last_day = period.end - timedelta(days=1)
        by_scope: dict[frozenset[int] | None, list[Any]] = {}
        for person in people:  # F16: each reader the figures of their own units (the group: all)
            by_scope.setdefault(units.scope_of(person), []).append(person)
        with transaction.atomic():
            if tell:
                for scope, readers_of_scope in by_scope.items():
                    params = _params(kind, period, last_day, now, scope)
                    sent += len(notify(recipients=readers_of_scope, kind=f"report_{kind}", now=now, dedupe_key=key,
                                       params=params))
            if announce:  # the routes' announcement carries the whole installation's figures
                outbox.record("report_ready", complaint_id=None, now=now, urgent=True,
                              params={**_params(kind, period, last_day, now, None), "report": kind, "key": key,
                                      "version": version.pk, "told": [p.pk for p in people] if tell else []})
                announced += 1
    return {"sent": sent, "announced": announced}


def _params(kind: str, period: figures.Period, last_day: date, now: datetime,
            scope: frozenset[int] | None) -> dict[str, Any]:
    if kind == "capa":
        from kesu.workflow.capa import capa_report

        rows = capa_report(now)
        return {"end": last_day.isoformat(), "open": sum(r.open for r in rows),
                "overdue": sum(r.overdue for r in rows), "waiting": sum(r.awaiting_verification for r in rows),
                "verified": sum(r.verified for r in rows)}
    r = figures.build(period, unit_ids=scope)
    return {"start": period.start.isoformat(), "end": last_day.isoformat(), "received": r.received,
            "resolution": "—" if r.resolution_rate is None else f"{r.resolution_rate}%",
            "satisfaction": "—" if r.satisfaction_rate is None else f"{r.satisfaction_rate}%",
            "repeats": r.repeats}


def _announced(key: str) -> bool:
    from kesu.notifications.models import Dispatch

    return Dispatch.objects.filter(event="report_ready", params__key=key).exists()


def _already(key: str, person_id: int) -> bool:
    from kesu.notifications.models import Notification

    return Notification.objects.filter(dedupe_key=f"{key}:{person_id}").exists()
