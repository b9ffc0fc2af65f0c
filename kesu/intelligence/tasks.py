"""The intelligence's background work, through the one task interface (kesu.tasks): nothing of it
runs in the registering request."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from kesu.intelligence import services
from kesu.org.models import Staff
from kesu.tasks import register


@register("intelligence.registered")
def registered(*, now: datetime, complaint_ids: Sequence[int] | None = None) -> int:
    """After registrations commit (every channel: the kernel enqueues it, without arguments, so a
    burst wakes one run): suggestions and the same customer's earlier complaints for the complaints
    registered since the last run, or for ``complaint_ids``."""
    if complaint_ids is not None:
        services.after_registration(complaint_ids, now)
        return len(complaint_ids)
    return services.after_registrations_since_last(now)


@register("intelligence.vectors", every_seconds="KESU_INTEL_VECTOR_SECONDS")
def vectors(*, now: datetime) -> int:
    """Meaning vectors for new complaints in batches, and the repeats they reveal."""
    return services.catch_up(now)


@register("intelligence.retrain", every_seconds=3600)
def retrain(*, now: datetime, force: bool = False, actor_id: int | None = None) -> int | None:
    """The schedule (the administrator's interval, checked hourly) or an administrator's request."""
    if not force and not services.retrain_due(now):
        return None
    actor = Staff.objects.filter(pk=actor_id).first() if actor_id else None
    version = services.retrain(now, actor=actor, force=force)
    return version.number if version else None


@register("intelligence.library", every_seconds=600)
def library(*, now: datetime) -> int:
    """The case library: cases closed since the last run join it."""
    return services.build_library(now)
