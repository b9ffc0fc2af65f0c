"""Health and metrics (docs/deploy.md): /healthz answers while the process lives; /readyz names
what is not ready — the database, the broker, the scheduler's heartbeat, the calendar of the next
90 days, the outbox — and /metrics gives Prometheus the figures operators watch, read from the
database at scrape time in a fixed number of indexed queries, and only to its token or its
addresses."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kesu.clocks.calendar import save_year, seed_missing_years
from kesu.clocks.models import DUE_CANDIDATE, ComplaintClock
from kesu.clocks.sweep import sweep
from kesu.notifications.models import OutboundEmail
from kesu.ops.health import metrics, readiness
from kesu.tasks import REGISTRY, discover, register, run_scheduled
from kesu.tasks.models import TaskRun
from tests.factories import register as register_complaint
from tests.servers import free_port

pytestmark = pytest.mark.django_db
TOKEN = "a-metrics-token-of-32-characters!"


def checks_of(now) -> dict[str, tuple[bool, str]]:
    return {c.name: (c.ok, c.detail) for c in readiness(now)}


def figures(text: str) -> dict[str, float]:
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            out[name] = float(value)
    return out


def test_liveness_answers_without_the_database_and_whatever_host_the_probe_calls(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/healthz", HTTP_HOST="10.1.2.3:8001")  # a probe calls the server by its address
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert len(queries) == 0


def test_readiness_waits_for_the_first_sweep_then_holds_while_it_keeps_running(p1, settings):
    now = timezone.now()
    seed_missing_years(now)
    for year in (now.year, now.year + 1):  # the years chinese-calendar does not know yet, entered by hand
        if year > 2026:
            save_year(year=year, holidays=[f"{year}-01-01"], workdays=[], actor=None, now=now)
    assert checks_of(now)["scheduler"] == (False, "the clock sweep has not run yet")
    run_scheduled("clocks.sweep")
    assert checks_of(timezone.now())["scheduler"][0] is True
    later = timezone.now() + timedelta(seconds=max(3 * settings.KESU_SWEEP_SECONDS, 60) + 1)
    ok, detail = checks_of(later)["scheduler"]
    assert not ok and "clock sweep last succeeded" in detail  # beat, the broker or the workers stopped


def test_readiness_says_when_the_calendar_does_not_cover_the_next_90_days(p1, client):
    oct_2026 = datetime(2026, 10, 20, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    seed_missing_years(oct_2026)  # chinese-calendar knows years up to 2026
    ok, detail = checks_of(oct_2026)["calendar"]
    assert not ok and "2027" in detail  # 90 days from 20 October reach into 2027
    save_year(year=2027, holidays=["2027-01-01"], workdays=[], actor=None, now=oct_2026)
    assert checks_of(oct_2026)["calendar"] == (True, "covers 90 days")
    response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 503 and body["status"] == "unavailable"  # the sweep has not run here
    assert body["checks"]["database"]["ok"] is True and body["checks"]["scheduler"]["ok"] is False


def test_readiness_reports_an_outbox_that_does_not_drain(p1, settings):
    now = timezone.now()
    settings.KESU_READY_OUTBOX_LAG_SECONDS = 600
    assert checks_of(now)["outbox"][0] is True
    OutboundEmail.objects.create(to_address="zhoujl@kesu.test", subject="s", body="b", created_at=now,
                                 next_attempt_at=now - timedelta(minutes=20))
    ok, detail = checks_of(now)["outbox"]
    assert not ok and "1200 s" in detail


def test_readiness_checks_the_broker_only_when_tasks_go_through_celery(p1, settings):
    assert "broker" not in checks_of(timezone.now())
    settings.KESU_TASK_BACKEND = "celery"
    settings.KESU_CELERY_BROKER_URL = f"redis://127.0.0.1:{free_port()}/0"  # nobody listens there
    assert checks_of(timezone.now())["broker"][0] is False


def test_metrics_answer_only_their_token_or_their_addresses(client, settings):
    assert client.get("/metrics").status_code == 404  # neither set: off
    settings.KESU_METRICS_TOKEN = TOKEN
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong-token-of-some-length").status_code == 404
    ok = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert ok.status_code == 200 and ok["Content-Type"].startswith("text/plain; version=0.0.4")
    settings.KESU_METRICS_TOKEN = ""
    settings.KESU_METRICS_ALLOWED = ["10.0.0.0/24"]
    assert client.get("/metrics", REMOTE_ADDR="10.0.0.7").status_code == 200
    # behind the proxy every request comes from the proxy; a forged header does not make a scraper
    assert client.get("/metrics", REMOTE_ADDR="192.0.2.9", HTTP_X_FORWARDED_FOR="10.0.0.7").status_code == 404


def test_the_figures_follow_registrations_breaches_and_the_outbox(p1, people):
    t0 = timezone.now() - timedelta(hours=2)
    a = register_complaint(people, t0, level="major")  # P1 重大投诉: first response within 10 minutes
    register_complaint(people, t0, level="dissatisfied")
    before = figures(metrics(t0 + timedelta(minutes=1)))
    assert before["kesu_registrations_total"] == 2
    assert before['kesu_open_complaints{level="major"}'] == 1
    assert before['kesu_registrations_last_24h{channel="phone"}'] == 2
    assert before["kesu_sweep_lag_seconds"] == 0 and before["kesu_breaches_total"] == 0

    late = t0 + timedelta(minutes=15)  # the major complaint's first response fell due 5 minutes ago
    oldest = ComplaintClock.objects.filter(DUE_CANDIDATE, due_at__lte=late).order_by("due_at").first()
    assert oldest.complaint == a
    lagging = figures(metrics(late))
    assert lagging["kesu_sweep_lag_seconds"] == pytest.approx((late - oldest.due_at).total_seconds())
    sweep(now=late)
    swept = figures(metrics(late))
    assert swept["kesu_sweep_lag_seconds"] == 0
    assert swept["kesu_breaches_total"] >= 1 and swept["kesu_breached_clocks_running"] >= 1

    OutboundEmail.objects.create(to_address="x@kesu.test", subject="s", body="b", created_at=late,
                                 next_attempt_at=late, state=OutboundEmail.State.FAILED, attempts=8)
    assert figures(metrics(late))["kesu_delivery_failures_total"] == 1


def test_a_scrape_costs_the_same_few_queries_however_much_is_stored(p1, people):
    now = timezone.now()
    register_complaint(people, now)
    with CaptureQueriesContext(connection) as few:
        metrics(now)
    for _ in range(5):
        register_complaint(people, now)
    with CaptureQueriesContext(connection) as more:
        metrics(now)
    assert len(more) == len(few) <= 15


def test_each_scheduled_run_leaves_its_heartbeat_and_a_failure_is_counted(db):
    discover()

    @register("test.fails", every_seconds=10)
    def fails(*, now):
        raise RuntimeError("mail server on fire")

    try:
        run_scheduled("clocks.sweep")
        with pytest.raises(RuntimeError):
            run_scheduled("test.fails")
    finally:
        REGISTRY.pop("test.fails")
    sweep_run = TaskRun.objects.get(name="clocks.sweep")
    assert sweep_run.runs == 1 and sweep_run.last_ok_at and sweep_run.failures == 0
    failed = TaskRun.objects.get(name="test.fails")
    assert failed.failures == 1 and failed.last_ok_at is None and "mail server on fire" in failed.last_error
    text = figures(metrics(timezone.now()))
    assert text['kesu_task_failures_total{task="test.fails"}'] == 1


def test_readyz_body_is_json_a_monitor_can_read(client):
    body = json.loads(client.get("/readyz").content)
    assert set(body) == {"status", "checks"} and "database" in body["checks"]
