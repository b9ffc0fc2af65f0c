"""The intelligence's background work, through the one task interface (kesu.tasks): nothing of it
runs in the registering request."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime

from django.conf import settings

from kesu.intelligence import services
from kesu.org.models import Staff
from kesu.tasks import register

# Inside the web server (the embedded default) this work shares the two cores with the requests:
# a run takes at most half a second and the next waits a few seconds, so a burst of registrations
# is not slowed by its own suggestions; what is left is taken by the next run (every 10 s at the
# latest). On Celery workers it has its own processes and takes whole batches.
IN_PROCESS_BUDGET = 0.5
IN_PROCESS_PAUSE = 3.0
_last_run_ended = 0.0


@register("intelligence.registered", every_seconds=10, yields=True)
def registered(*, now: datetime, complaint_ids: Sequence[int] | None = None) -> int:
    """After registrations commit (every channel: the kernel enqueues it, without arguments, so a
    burst wakes one run): suggestions and the same customer's earlier complaints for the complaints
    registered since the last run, or for ``complaint_ids``."""
    global _last_run_ended
    if complaint_ids is not None:
        services.after_registration(complaint_ids, now)
        return len(complaint_ids)
    if settings.KESU_TASK_BACKEND == "celery":
        return services.after_registrations_since_last(now)
    if time.monotonic() - _last_run_ended < IN_PROCESS_PAUSE:
        return 0  # ran a moment ago: the periodic run takes what came since
    try:
        return services.after_registrations_since_last(now, budget=IN_PROCESS_BUDGET)
    finally:
        _last_run_ended = time.monotonic()


@register("intelligence.vectors", every_seconds="KESU_INTEL_VECTOR_SECONDS", yields=True)
def vectors(*, now: datetime) -> int:
    """Meaning vectors for new complaints in batches, and the repeats they reveal (inside the web
    server, 16 a run: about a third of a second of one core every 20 s)."""
    return services.catch_up(now, batch=64 if settings.KESU_TASK_BACKEND == "celery" else 16)


@register("intelligence.retrain", every_seconds=3600, yields=True)
def retrain(*, now: datetime, force: bool = False, actor_id: int | None = None) -> int | None:
    """The schedule (the administrator's interval, checked hourly) or an administrator's request."""
    if not force and not services.retrain_due(now):
        return None
    actor = Staff.objects.filter(pk=actor_id).first() if actor_id else None
    version = services.retrain(now, actor=actor, force=force)
    return version.number if version else None


@register("intelligence.library", every_seconds=600, yields=True)
def library(*, now: datetime) -> int:
    """The case library: cases closed since the last run join it (inside the web server 16 a run,
    each embedded: a first run over years of closed cases must not take the requests' cores)."""
    return services.build_library(now, batch=200 if settings.KESU_TASK_BACKEND == "celery" else 16)
