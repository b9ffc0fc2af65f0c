"""gunicorn settings for ``kesu serve``: each worker offers to run the in-process scheduler; the
file lock lets one of them do it (embedded default only — with Celery, beat does this)."""

from __future__ import annotations

from typing import Any


def post_worker_init(worker: Any) -> None:
    from django.conf import settings

    if settings.KESU_TASK_BACKEND == "inprocess":
        from kesu.tasks.scheduler import Scheduler

        Scheduler().start()
