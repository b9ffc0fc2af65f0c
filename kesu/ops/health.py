"""Liveness, readiness and Prometheus metrics (docs/deploy.md, Health and metrics).

* ``/healthz`` — liveness: the process answers. No database, no broker: a restart cures nothing a
  dead database causes, so liveness never depends on one.
* ``/readyz`` — readiness: the database answers; the broker answers (when tasks go through Celery);
  the scheduler's heartbeat is fresh (the clock sweep succeeded within three of its intervals — it
  proves beat sent it, the broker carried it and a worker ran it); the working calendar covers the
  next 90 days; the oldest e-mail due is not waiting longer than ``KESU_READY_OUTBOX_LAG_SECONDS``.
  200 when all hold, 503 naming the one that does not. For monitoring: the web servers themselves
  can serve while the scheduler is down, so a load balancer should use ``/healthz``.
* ``/metrics`` — Prometheus text format, computed from the database at scrape time. Chosen over
  prometheus_client's counters: the web server runs several processes on several machines and the events
  happen on the Celery workers, so in-process counters would each see a part (prometheus_client's
  multiprocess mode shares files across one machine's processes only). The database sees everything,
  and each figure is one query over an index (the sweep's partial index, the outbox's, the events'
  (kind, at), the number counters), so a scrape costs a few milliseconds whatever the table sizes.
  Protected: a bearer token (``KESU_METRICS_TOKEN``) or the scraper's address (``KESU_METRICS_ALLOWED``);
  with neither set it answers 404.

The three answer in ``ProbeMiddleware``, first in the middleware chain: before the host check (a
probe calls a server by its address), sessions and the language, so a probe is cheap.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Count, Min, Q, Sum
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound
from django.utils import timezone

CALENDAR_DAYS = 90


@dataclass
class Check:
    name: str
    ok: bool
    detail: str


def heartbeat_limit() -> timedelta:
    """How old the clock sweep's last success may be: three of its intervals, at least a minute."""
    return timedelta(seconds=max(3 * settings.KESU_SWEEP_SECONDS, 60))


def check_database() -> Check:
    try:
        with connection.cursor() as cur:
            cur.execute("SELECT 1")
            cur.fetchone()
    except Exception as exc:
        return Check("database", False, type(exc).__name__)
    return Check("database", True, connection.vendor)


def check_broker() -> Check | None:
    if settings.KESU_TASK_BACKEND != "celery":
        return None
    import redis

    try:
        client = redis.Redis.from_url(settings.KESU_CELERY_BROKER_URL, socket_timeout=2, socket_connect_timeout=2)
        client.ping()
        client.close()
    except Exception as exc:
        return Check("broker", False, type(exc).__name__)
    return Check("broker", True, "redis")


def check_scheduler(now: datetime) -> Check:
    from kesu.tasks.models import TaskRun

    last = TaskRun.objects.filter(name="clocks.sweep").values_list("last_ok_at", flat=True).first()
    if last is None:
        return Check("scheduler", False, "the clock sweep has not run yet")
    age = (now - last).total_seconds()
    ok = now - last <= heartbeat_limit()
    return Check("scheduler", ok, f"clock sweep last succeeded {age:.0f} s ago")


def check_calendar(now: datetime) -> Check:
    from kesu.clocks.models import HolidayYear

    today = timezone.localtime(now).date()
    needed = set(range(today.year, (today + timedelta(days=CALENDAR_DAYS)).year + 1))
    missing = sorted(needed - set(HolidayYear.objects.filter(year__in=needed).values_list("year", flat=True)))
    if missing:
        return Check("calendar", False, f"no holiday table for {', '.join(map(str, missing))} (管理 → 节假日)")
    return Check("calendar", True, f"covers {CALENDAR_DAYS} days")


def outbox_lag(now: datetime) -> float:
    """Seconds the oldest pending e-mail has waited past its send time (0 when none waits)."""
    from kesu.notifications.models import OutboundEmail

    oldest = (OutboundEmail.objects.filter(state=OutboundEmail.State.PENDING, next_attempt_at__lte=now)
              .aggregate(m=Min("next_attempt_at"))["m"])
    return max(0.0, (now - oldest).total_seconds()) if oldest else 0.0


def check_outbox(now: datetime) -> Check:
    lag = outbox_lag(now)
    return Check("outbox", lag <= settings.KESU_READY_OUTBOX_LAG_SECONDS, f"oldest due e-mail waits {lag:.0f} s")


def readiness(now: datetime) -> list[Check]:
    db = check_database()
    checks = [db]
    broker = check_broker()
    if broker is not None:
        checks.append(broker)
    if db.ok:
        for check in (check_scheduler, check_calendar, check_outbox):
            try:
                checks.append(check(now))
            except Exception as exc:
                checks.append(Check(check.__name__.removeprefix("check_"), False, type(exc).__name__))
    return checks


# --- metrics ------------------------------------------------------------------------------------------

def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


class Exposition:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def metric(self, name: str, kind: str, help_text: str, samples: list[tuple[dict[str, str], float]]) -> None:
        self.lines += [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]
        for labels, value in samples:
            label_text = ",".join(f'{k}="{_escape(v)}"' for k, v in labels.items())
            self.lines.append(f"{name}{{{label_text}}} {value:g}" if label_text else f"{name} {value:g}")

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def open_states() -> list[str]:
    from kesu.core.clocks import CLOCKLESS_STATES
    from kesu.core.lifecycle import State

    return [s.value for s in State if s not in CLOCKLESS_STATES]


def metrics(now: datetime) -> str:
    from kesu.clocks.models import DUE_CANDIDATE, ComplaintClock
    from kesu.complaints.models import Complaint, ComplaintEvent, NumberCounter
    from kesu.notifications.models import OutboundEmail
    from kesu.tasks.models import TaskRun

    started = time.monotonic()
    out = Exposition()
    registered = NumberCounter.objects.aggregate(n=Sum("value"))["n"] or 0
    out.metric("kesu_registrations_total", "counter",
               "Complaints registered (the number counters: gap-free, every channel)", [({}, registered)])
    day = list(Complaint.objects.filter(registered_at__gt=now - timedelta(hours=24))
               .values("channel").annotate(n=Count("id")).order_by("channel"))
    out.metric("kesu_registrations_last_24h", "gauge", "Complaints registered in the last 24 hours, by channel",
               [({"channel": r["channel"] or ""}, r["n"]) for r in day])
    by_level = list(Complaint.objects.filter(status__in=open_states())
                    .values("level").annotate(n=Count("id")).order_by("level"))
    out.metric("kesu_open_complaints", "gauge", "Open complaints (not closed, not answered as invalid), by level",
               [({"level": r["level"] or ""}, r["n"]) for r in by_level])
    breaches = ComplaintEvent.objects.filter(kind="clock_breached").count()
    out.metric("kesu_breaches_total", "counter", "Clock breaches booked (timeline events)", [({}, breaches)])
    out.metric("kesu_breaches_last_24h", "gauge", "Clock breaches booked in the last 24 hours",
               [({}, ComplaintEvent.objects.filter(kind="clock_breached", at__gt=now - timedelta(hours=24)).count())])
    running_breached = ComplaintClock.objects.filter(breached_at__isnull=False, stopped_at__isnull=True,
                                                    cancelled_at__isnull=True).count()
    out.metric("kesu_breached_clocks_running", "gauge", "Clocks past their due time and still running",
               [({}, running_breached)])
    oldest_due = ComplaintClock.objects.filter(DUE_CANDIDATE, due_at__lte=now).aggregate(m=Min("due_at"))["m"]
    lag = max(0.0, (now - oldest_due).total_seconds()) if oldest_due else 0.0
    out.metric("kesu_sweep_lag_seconds", "gauge",
               "How long the oldest clock past its due time has waited for the sweep to book it (0: none waits)",
               [({}, lag)])
    pending = OutboundEmail.objects.filter(state=OutboundEmail.State.PENDING).aggregate(
        n=Count("id"), retrying=Count("id", filter=Q(attempts__gt=0)))
    sending = OutboundEmail.objects.filter(state=OutboundEmail.State.SENDING).count()
    out.metric("kesu_outbox_depth", "gauge", "E-mails waiting in the outbox, by state",
               [({"state": "pending"}, pending["n"]), ({"state": "sending"}, sending)])
    out.metric("kesu_outbox_retrying", "gauge", "Pending e-mails whose earlier attempts failed",
               [({}, pending["retrying"])])
    out.metric("kesu_outbox_lag_seconds", "gauge", "How long the oldest due e-mail has waited past its send time",
               [({}, outbox_lag(now))])
    failed = OutboundEmail.objects.filter(state=OutboundEmail.State.FAILED).count()
    out.metric("kesu_delivery_failures_total", "counter", "E-mails given up after every attempt failed",
               [({}, failed)])
    runs = list(TaskRun.objects.order_by("name"))
    out.metric("kesu_task_last_success_timestamp_seconds", "gauge", "When each periodic task last succeeded",
               [({"task": r.name}, r.last_ok_at.timestamp()) for r in runs if r.last_ok_at])
    out.metric("kesu_task_failures_total", "counter", "Failed runs of each periodic task",
               [({"task": r.name}, r.failures) for r in runs])
    out.metric("kesu_task_runs_total", "counter", "Scheduled runs of each periodic task",
               [({"task": r.name}, r.runs) for r in runs])
    out.metric("kesu_scrape_seconds", "gauge", "Time this scrape took", [({}, time.monotonic() - started)])
    return out.text()


def metrics_allowed(request: HttpRequest) -> bool:
    token = settings.KESU_METRICS_TOKEN
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if token and header.startswith("Bearer ") and hmac.compare_digest(header[7:].strip(), token):
        return True
    if settings.KESU_METRICS_ALLOWED:
        try:
            address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
        except ValueError:
            return False
        return any(address in ipaddress.ip_network(n, strict=False) for n in settings.KESU_METRICS_ALLOWED)
    return False


def _plain(body: str, status: int, content_type: str) -> HttpResponse:
    response = HttpResponse(body, status=status, content_type=content_type)
    response["Cache-Control"] = "no-store"
    return response


def healthz(request: HttpRequest) -> HttpResponse:
    return _plain('{"status": "ok"}', 200, "application/json")


def readyz(request: HttpRequest) -> HttpResponse:
    checks = readiness(timezone.now())
    ok = all(c.ok for c in checks)
    body = {"status": "ok" if ok else "unavailable",
            "checks": {c.name: {"ok": c.ok, "detail": c.detail} for c in checks}}
    return _plain(json.dumps(body, ensure_ascii=False), 200 if ok else 503, "application/json")


def metrics_view(request: HttpRequest) -> HttpResponse:
    if not metrics_allowed(request):
        return HttpResponseNotFound()
    return _plain(metrics(timezone.now()), 200, "text/plain; version=0.0.4; charset=utf-8")


PROBES: dict[str, Callable[[HttpRequest], HttpResponse]] = {
    "/healthz": healthz, "/readyz": readyz, "/metrics": metrics_view}


class ProbeMiddleware:
    """Answers the probes first (see the module's docstring); every other request goes on."""

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> Any:
        probe = PROBES.get(request.path_info.rstrip("/") or "/")
        if probe is not None and request.method in ("GET", "HEAD"):
            return probe(request)
        return self.get_response(request)


__all__ = ["Check", "ProbeMiddleware", "metrics", "readiness"]
