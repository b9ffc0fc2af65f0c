"""Celery at scale: the same tasks, run by workers on their own queues, with one beat driving the
periodic ones (docs/tasks.md, docs/deploy.md).

    python -m kesu worker clocks          # celery worker -Q clocks (kesu/tasks/management/commands/worker.py)
    python -m kesu beat                   # celery beat with the leader lock (kesu/tasks/beat.py)

Choices an operator should know (and why):

* **Late acknowledgement**: a worker that dies mid-task (SIGKILL, OOM, power) leaves the message
  unacknowledged; the broker hands it to another worker, and the task runs again — so every task
  is idempotent (a conditional UPDATE claims each row, a dedupe key makes each notice once).
* **Redis's visibility timeout** (``KESU_CELERY_VISIBILITY_TIMEOUT``, 30 minutes): how long an
  unacknowledged message waits before Redis gives it to another worker. Kesu sends no countdown or
  ETA (``enqueue`` has no delay argument), so the known trap — a countdown beyond the timeout is
  delivered again, and again — cannot happen; what is left is the trade-off between a killed
  worker's task waiting that long and a task running *longer* than the timeout being run twice at
  once. The hard time limit is kept below the timeout, so no task outlives it.
* **One scheduler**: beat's scheduler class takes a lock in Redis before it sends anything; a
  second beat started by mistake (or ``worker -B`` on several workers) waits and sends nothing
  (celery #2856: two beats send every periodic task twice).
"""

from __future__ import annotations

import os
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kesu.settings")
django.setup()

from celery import Celery  # noqa: E402
from django.conf import settings  # noqa: E402
from kombu import Queue  # noqa: E402

from kesu.tasks import DEFAULT_QUEUE, QUEUES, discover, queue_for, run, run_scheduled, started  # noqa: E402

VISIBILITY = settings.KESU_CELERY_VISIBILITY_TIMEOUT
# The hard limit ends a task (prefork pool) before Redis would hand its message to another worker.
HARD_LIMIT = max(1, VISIBILITY - min(60, VISIBILITY // 4))


def route(name: str, args: Any, kwargs: Any, options: Any, task: Any = None, **kw: Any) -> dict[str, str] | None:
    """Kesu's tasks go through one Celery task (kesu.run_task); the queue is the Kesu task's own."""
    if name in ("kesu.run_task", "kesu.run_periodic") and args:
        return {"queue": queue_for(str(args[0]))}
    return None


app = Celery("kesu", broker=settings.KESU_CELERY_BROKER_URL)
app.conf.update(
    task_serializer="json",
    accept_content=["json"],
    timezone="Asia/Shanghai",
    broker_connection_retry_on_startup=True,
    task_acks_late=True,  # a worker that dies mid-task leaves it for another; tasks are idempotent
    task_reject_on_worker_lost=True,  # a pool child killed mid-task: requeue it, don't ack it
    worker_prefetch_multiplier=1,  # a busy worker holds no second message another could run
    task_queues=[Queue(q) for q in QUEUES],
    task_default_queue=DEFAULT_QUEUE,
    task_routes=(route,),
    task_time_limit=HARD_LIMIT,
    task_soft_time_limit=max(1, int(HARD_LIMIT * 0.8)),
    broker_transport_options={
        "visibility_timeout": VISIBILITY,
        # look for messages of dead workers every few seconds (kombu's default is every 100 s)
        "unacked_restore_interval": max(1, min(10, VISIBILITY // 6)),
        "unacked_restore_throttle": 1,
    },
    beat_scheduler="kesu.tasks.beat:LockedScheduler",
    beat_max_loop_interval=max(1.0, settings.KESU_BEAT_LOCK_SECONDS / 3),  # renew the lock well within its life
    beat_schedule={
        task.name: {"task": "kesu.run_periodic", "schedule": task.every_seconds, "args": (task.name,),
                    "options": {"queue": queue_for(task.name)}}
        for task in discover().values()
        if task.every_seconds is not None
    },
)


@app.task(name="kesu.run_task")
def run_task(name: str, kwargs: dict[str, Any]) -> Any:
    started(name, kwargs)
    return run(name, **kwargs)


@app.task(name="kesu.run_periodic")
def run_periodic(name: str) -> Any:
    """A run sent by beat: the task, and its heartbeat (kesu.tasks.models.TaskRun)."""
    return run_scheduled(name)
