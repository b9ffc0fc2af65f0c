from __future__ import annotations

from datetime import datetime

from kesu.notifications.services import deliver
from kesu.tasks import register


@register("notifications.deliver", every_seconds=15)
def deliver_task(*, now: datetime) -> dict[str, int]:
    return deliver(now=now)
