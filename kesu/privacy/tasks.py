from __future__ import annotations

from datetime import datetime

from kesu.privacy import retention
from kesu.tasks import register


@register("privacy.retention", every_seconds=6 * 3600)
def retention_task(*, now: datetime) -> dict[str, int]:
    """The policy's retention, four times a day (a run after downtime catches up; a case is
    anonymised once)."""
    outcome = retention.run(now)
    return {"anonymised": len(outcome.due), "held": outcome.held, **outcome.removed}
