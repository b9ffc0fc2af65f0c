"""One task interface for background work (clock sweeps, notification delivery, later mail polling
and reports). See docs/tasks.md.

* ``@register("name", every_seconds=N)`` declares a task: a plain function taking keyword
  arguments (ids, never model instances) and ``now``, which the runner injects.
* ``run(name, **kwargs)`` runs it here and now — the one code path both modes share.
* ``enqueue(name, **kwargs)`` runs it after the current transaction commits: in this process on
  the embedded default, or on a Celery worker when ``KESU_TASK_BACKEND=celery``.
* Periodic tasks are driven by the in-process scheduler (kesu.tasks.scheduler) on the embedded
  default, or by Celery beat at scale (kesu.tasks.celery_app, with the leader lock of
  kesu.tasks.beat); each scheduled run leaves its heartbeat (``run_scheduled``, models.TaskRun).
* At scale each task goes to the queue its name's prefix names (``queue_for``), so a slow report
  never holds up the clock sweep. ``enqueue`` has no delay argument, on purpose: a countdown longer
  than the broker's visibility timeout would be redelivered and run twice (docs/tasks.md); a task
  that must wait keeps its time in the database (the outbox's next attempt) and is polled.
"""

from __future__ import annotations

import importlib
import logging
import threading
import time
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
    yields: bool = False  # waits while the web server is busy (see ``yielding``)

    @property
    def every_seconds(self) -> float | None:
        return float(getattr(settings, self.every)) if isinstance(self.every, str) else self.every


REGISTRY: dict[str, Task] = {}
_discovered = False


def register(
    name: str, *, every_seconds: float | str | None = None, yields: bool = False,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``yields``: work that may wait while the web server is busy serving requests (the embedded
    default's background runs share its cores); such a task must be periodic, as its periodic run
    is what takes the work up again."""
    if yields and every_seconds is None:
        raise ValueError(f"task {name}: a task that yields must be periodic")

    def wrap(func: Callable[..., Any]) -> Callable[..., Any]:
        REGISTRY[name] = Task(name, func, every_seconds, yields)
        return func

    return wrap


class Yielding:
    """Inside the web server on the embedded default, background work and requests share the same
    two cores. Work that can wait (a task registered with ``yields``: suggestions, meaning vectors,
    the case library) is not started while this process served a request within the last
    ``busy_window`` seconds — for at most ``max_wait`` seconds, after which it runs anyway (with its
    own budget), so under sustained load it still advances. The served application
    (kesu/ops/served.py) turns it on and notes each request; elsewhere (tests, management commands, Celery
    workers) nothing yields."""

    busy_window = 1.0
    max_wait = 60.0

    def __init__(self) -> None:
        self.enabled = False
        self.last_request = float("-inf")

    def note_request(self) -> None:
        self.last_request = time.monotonic()

    def busy(self, now: float | None = None) -> bool:
        return self.enabled and (time.monotonic() if now is None else now) - self.last_request < self.busy_window

    def waits(self, task: Task, *, last_run: float | None, now: float) -> bool:
        """Whether the periodic run of ``task`` waits this tick (``last_run``: when it last ran)."""
        return (task.yields and self.busy(now) and last_run is not None
                and now - last_run < self.max_wait)


yielding = Yielding()


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


def run_scheduled(name: str) -> Any:
    """A periodic run (the in-process scheduler, or beat through a worker): ``run`` plus its heartbeat."""
    from kesu.tasks.models import TaskRun

    started = timezone.now()
    try:
        result = run(name)
    except Exception as exc:
        _record(TaskRun, name, started=started, error=repr(exc)[:2000])
        raise
    _record(TaskRun, name, started=started, error=None)
    return result


def _record(model: Any, name: str, *, started: Any, error: str | None) -> None:
    from django.db import IntegrityError
    from django.db.models import F

    now = timezone.now()
    values: dict[str, Any] = {"last_started_at": started, "runs": F("runs") + 1}
    if error is None:
        values["last_ok_at"] = now
    else:
        values.update(last_failed_at=now, last_error=error, failures=F("failures") + 1)
    try:
        if not model.objects.filter(name=name).update(**values):
            try:
                with transaction.atomic():
                    model.objects.create(name=name)
            except IntegrityError:
                pass  # another process made it first
            model.objects.filter(name=name).update(**values)
    except Exception:  # a heartbeat that cannot be written never fails the task itself
        log.exception("could not record the run of %s", name)


# Queues at scale: the first matching prefix names the queue (docs/tasks.md). New tasks of an app
# fall into its queue by their name alone (notifications.* → notifications, intelligence.* →
# intelligence); a name no prefix matches goes to the default queue.
DEFAULT_QUEUE = "kesu"
QUEUE_BY_PREFIX: tuple[tuple[str, str], ...] = (
    ("clocks.", "clocks"),  # the clock sweep: breaches within a minute, never behind slow work
    ("workflow.overdue", "clocks"),  # the handling records' own due times, swept beside the clocks
    ("mail.", "intake"),  # the IMAP mailboxes
    ("intake.", "intake"),
    ("notifications.", "notifications"),  # e-mail and the other channels' outboxes
    ("reports.", "reports"),  # weekly, monthly, yearly reports: long reads
    ("workflow.discipline_list", "reports"),  # the monthly discipline list is a report
    ("privacy.", "reports"),  # retention: a long batch, four times a day
    ("intelligence.", "intelligence"),
)
QUEUES: tuple[str, ...] = (*dict.fromkeys(q for _, q in QUEUE_BY_PREFIX), DEFAULT_QUEUE)


def queue_for(name: str) -> str:
    return next((queue for prefix, queue in QUEUE_BY_PREFIX if name.startswith(prefix)), DEFAULT_QUEUE)


def enqueue(name: str, **kwargs: Any) -> None:
    """Run a task after the current transaction commits (immediately when there is none).

    A task enqueued without arguments while the same one still waits to start is not queued again
    (``notifications.deliver`` after each of 10,000 breaches in one sweep: one delivery run, not
    10,000). It is safe because such a task looks for its work in the database when it starts, and
    it forgets that it was waiting *before* it starts (``started``), so work committed after that
    is enqueued afresh."""
    if name not in discover():
        raise KeyError(f"unknown task {name!r}")
    if settings.KESU_TASK_BACKEND == "celery":
        transaction.on_commit(lambda: _publish(name, kwargs))
    else:
        # Off the request thread: a slow mail server must not hold up the user who caused the mail.
        transaction.on_commit(lambda: _submit(name, kwargs))


WAITING_SECONDS = 60  # how long "already waiting" is believed (a lost message stops nothing for longer)
_waiting: set[str] = set()
_waiting_lock = threading.Lock()


def _submit(name: str, kwargs: dict[str, Any]) -> None:
    if not kwargs and REGISTRY[name].yields and yielding.busy():
        return  # the web server is busy: the task's next periodic run takes this work up
    if not kwargs:
        with _waiting_lock:
            if name in _waiting:
                return
            _waiting.add(name)
    future = _background().submit(_run_logged, name, kwargs)
    with _queued_lock:
        _queued.add(future)
    future.add_done_callback(_forget)


_queued: set[Any] = set()  # runs submitted and not yet done (stop_background cancels those not started)
_queued_lock = threading.Lock()


def _forget(future: Any) -> None:
    with _queued_lock:
        _queued.discard(future)


def _publish(name: str, kwargs: dict[str, Any]) -> None:
    from kesu.tasks.celery_app import run_task

    if not kwargs:
        try:
            if not _broker().set(f"kesu:waiting:{name}", 1, nx=True, ex=WAITING_SECONDS):
                return  # the same task waits in its queue: it will see this work too
        except Exception:  # the broker is what the message needs anyway: let the send below say so
            log.warning("could not mark %s as waiting", name, exc_info=True)
    run_task.apply_async((name, kwargs), queue=queue_for(name))


def started(name: str, kwargs: dict[str, Any]) -> None:
    """A queued run begins: from now on the same task is enqueued again."""
    if kwargs:
        return
    if settings.KESU_TASK_BACKEND == "celery":
        try:
            _broker().delete(f"kesu:waiting:{name}")
        except Exception:
            log.warning("could not clear the waiting mark of %s", name, exc_info=True)
    else:
        with _waiting_lock:
            _waiting.discard(name)


_redis: Any = None


def _broker() -> Any:
    global _redis
    if _redis is None:
        import redis

        _redis = redis.Redis.from_url(settings.KESU_CELERY_BROKER_URL, socket_timeout=5)
    return _redis


_executor: ThreadPoolExecutor | None = None


def _background() -> ThreadPoolExecutor:
    global _executor
    if _executor is None:
        _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kesu-task")
    return _executor


def stop_background() -> int:
    """The web worker is stopping (kesu/ops/served.py): the run under way finishes, runs still
    queued are dropped instead of holding the stop up — each looks for its work in the database,
    so the next periodic run after the restart does it (a retraining an administrator asked for
    waits for the scheduled one). Returns how many were dropped."""
    global _executor
    executor, _executor = _executor, None
    if executor is None:
        return 0
    with _queued_lock:
        queued = list(_queued)
    dropped = sum(future.cancel() for future in queued)  # only runs not yet started (cancel() calls _forget)
    executor.shutdown(wait=False)
    with _waiting_lock:
        _waiting.clear()
    return dropped


def _run_logged(name: str, kwargs: dict[str, Any]) -> None:
    started(name, kwargs)
    try:
        run(name, **kwargs)
    except Exception:  # the domain change is committed; the periodic run will retry the work
        log.exception("task %s failed", name)
    finally:
        close_old_connections()
