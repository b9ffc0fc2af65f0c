from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from kesu.clocks.sweep import sweep
from kesu.tasks import register


# Every KESU_SWEEP_SECONDS (20 s): a breach is recorded well within a minute of its due time (SPEC F6).
@register("clocks.sweep", every_seconds="KESU_SWEEP_SECONDS")
def sweep_task(*, now: datetime) -> dict[str, int]:
    from kesu.intake.handover import hand_over  # the 工作知会单 when a shift opens, on the same beat
    from kesu.workflow.sweep import sweep_overdue  # overdue transfers and help requests, likewise

    overdue = sweep_overdue(now=now)
    return {**asdict(sweep(now=now)), "overdue_transfers": overdue.transfers, "overdue_assists": overdue.assists,
            "handovers": hand_over(now=now)}
