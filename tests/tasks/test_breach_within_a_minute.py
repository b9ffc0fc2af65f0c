"""SPEC F6: a breach shows within a minute of happening — with the in-process scheduler of the
embedded default, and with a real Celery worker and beat on a real Redis broker at scale."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from kesu.clocks.models import ComplaintClock
from kesu.tasks.scheduler import Scheduler
from tests.factories import register
from tests.servers import VENV_BIN, child_env, processes, redis_server, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def clock_due_in(people, seconds: float) -> ComplaintClock:
    """A 重大投诉 registered long enough ago that its 10-minute first response falls due soon."""
    registered = timezone.now() - timedelta(minutes=10) + timedelta(seconds=seconds)
    c = register(people, registered, level="major")
    return ComplaintClock.objects.get(complaint=c, code="first_response")


def breached(clock: ComplaintClock) -> ComplaintClock | None:
    clock.refresh_from_db()
    return clock if clock.breached_at else None


def test_the_in_process_scheduler_records_a_breach_within_a_minute(p1, people, settings, tmp_path):
    settings.KESU_SWEEP_SECONDS = 2
    clock = clock_due_in(people, 3)
    scheduler = Scheduler(tick=0.5, lock_path=tmp_path / "lock")
    scheduler.start()
    try:
        assert wait_for(lambda: breached(clock), timeout=60), "no breach recorded"
    finally:
        scheduler.stop()
    assert clock.breached_at - clock.due_at < timedelta(seconds=60)


def test_a_celery_worker_and_beat_on_redis_record_a_breach_within_a_minute(p1, people, tmp_path):
    clock = clock_due_in(people, 4)
    with redis_server(tmp_path) as redis_url:
        env = child_env(KESU_TASK_BACKEND="celery", KESU_CELERY_BROKER_URL=redis_url, KESU_SWEEP_SECONDS="2")
        celery = str(VENV_BIN / "celery")
        with processes(
            [celery, "-A", "kesu.tasks.celery_app", "worker", "--pool=solo", "--loglevel=INFO",
             "--hostname=kesu-test@%h", "--without-gossip", "--without-mingle"],
            [celery, "-A", "kesu.tasks.celery_app", "beat", "--loglevel=INFO",
             f"--schedule={tmp_path / 'beat-schedule'}"],
            env=env, logs=tmp_path,
        ) as procs:
            found = wait_for(lambda: breached(clock), timeout=60)
            alive = [p.poll() is None for p in procs]
    logs = "\n".join(p.read_text(errors="replace")[-2000:] for p in sorted(tmp_path.glob("proc-*.log")))
    assert found, f"no breach recorded; worker/beat alive={alive}\n{logs}"
    assert clock.breached_at - clock.due_at < timedelta(seconds=60)
    assert clock.complaint.events.filter(kind="clock_breached").count() >= 1
