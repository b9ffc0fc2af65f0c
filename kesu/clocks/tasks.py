from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from kesu.clocks.sweep import sweep
from kesu.tasks import register


# Every KESU_SWEEP_SECONDS (20 s): a breach is recorded well within a minute of its due time (SPEC F6).
# Only the clocks: the other apps' periodic work is their own task (workflow.overdue, intake.handover),
# so a failure of one never skips the others.
@register("clocks.sweep", every_seconds="KESU_SWEEP_SECONDS")
def sweep_task(*, now: datetime) -> dict[str, int]:
    return asdict(sweep(now=now))
