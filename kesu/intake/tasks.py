from __future__ import annotations

from datetime import datetime

from kesu.intake.handover import hand_over
from kesu.tasks import register


# The 工作知会单 when a shift opens: checked on the sweep's beat (KESU_SWEEP_SECONDS, 20 s).
@register("intake.handover", every_seconds="KESU_SWEEP_SECONDS")
def handover_task(*, now: datetime) -> dict[str, int]:
    return {"handovers": hand_over(now=now)}
