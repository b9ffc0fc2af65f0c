"""Celery at scale: the same tasks, run by workers, with beat driving the periodic ones.

    celery -A kesu.tasks.celery_app worker
    celery -A kesu.tasks.celery_app beat
"""

from __future__ import annotations

import os
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kesu.settings")
django.setup()

from celery import Celery  # noqa: E402
from django.conf import settings  # noqa: E402

from kesu.tasks import discover, run  # noqa: E402

app = Celery("kesu", broker=settings.KESU_CELERY_BROKER_URL)
app.conf.update(
    task_serializer="json",
    accept_content=["json"],
    timezone="Asia/Shanghai",
    broker_connection_retry_on_startup=True,
    task_acks_late=True,  # a worker that dies mid-task leaves it for another; tasks are idempotent
    worker_prefetch_multiplier=1,
    beat_schedule={
        task.name: {"task": "kesu.run_task", "schedule": task.every_seconds, "args": (task.name, {})}
        for task in discover().values()
        if task.every_seconds is not None
    },
)


@app.task(name="kesu.run_task")
def run_task(name: str, kwargs: dict[str, Any]) -> Any:
    return run(name, **kwargs)
