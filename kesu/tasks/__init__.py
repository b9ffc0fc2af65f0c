"""One task interface for background work (clock sweeps, notification delivery, later mail polling
and reports). See docs/tasks.md.

* ``@register("name", every_seconds=N)`` declares a task: a plain function taking keyword
  arguments (ids, never model instances) and ``now``, which the runner injects.
* ``run(name, **kwargs)`` runs it here and now — the one code path both modes share.
* ``enqueue(name, **kwargs)`` runs it after the current transaction commits: in this process on
  the embedded default, or on a Celery worker when ``KESU_TASK_BACKEND=celery``.
* Periodic tasks are driven by the in-process scheduler (kesu.tasks.scheduler) on the embedded
  default, or by Celery beat at scale (kesu.tasks.celery_app).
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from django.apps import apps as django_apps  # (kesu.tasks.apps, the AppConfig module, would shadow "apps")
from django.conf import settings
from django.db import close_old_connections, transaction
from django.utils import timezone

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Task:
    name: str
    func: Callable[..., Any]
    every: float | str | None  # seconds, or the name of a setting holding them

    @property
    def every_seconds(self) -> float | None:
        return float(getattr(settings, self.every)) if isinstance(self.every, str) else self.every


REGISTRY: dict[str, Task] = {}
_discovered = False


def register(
    name: str, *, every_seconds: float | str | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def wrap(func: Callable[..., Any]) -> Callable[..., Any]:
        REGISTRY[name] = Task(name, func, every_seconds)
        return func

    return wrap


def discover() -> dict[str, Task]:
    """Import ``tasks`` modules of Kesu's apps so their tasks are registered."""
    global _discovered
    if not _discovered:
        for config in django_apps.get_app_configs():
            if config.name.startswith("kesu."):
                try:
                    importlib.import_module(f"{config.name}.tasks")
                except ModuleNotFoundError as exc:
                    if exc.name != f"{config.name}.tasks":
                        raise
        _discovered = True
    return REGISTRY


def run(name: str, **kwargs: Any) -> Any:
    """Run a task now, in this process, with ``now`` injected."""
    task = discover()[name]
    return task.func(now=timezone.now(), **kwargs)


def enqueue(name: str, **kwargs: Any) -> None:
    """Run a task after the current transaction commits (immediately when there is none)."""
    if name not in discover():
        raise KeyError(f"unknown task {name!r}")
    if settings.KESU_TASK_BACKEND == "celery":
        from kesu.tasks.celery_app import run_task

        transaction.on_commit(lambda: run_task.delay(name, kwargs))
    else:
        # Off the request thread: a slow mail server must not hold up the user who caused the mail.
        transaction.on_commit(lambda: _background().submit(_run_logged, name, kwargs))


_executor: ThreadPoolExecutor | None = None


def _background() -> ThreadPoolExecutor:
    global _executor
    if _executor is None:
        _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kesu-task")
    return _executor


def _run_logged(name: str, kwargs: dict[str, Any]) -> None:
    try:
        run(name, **kwargs)
    except Exception:  # the domain change is committed; the periodic run will retry the work
        log.exception("task %s failed", name)
    finally:
        close_old_connections()
