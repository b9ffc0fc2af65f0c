from __future__ import annotations

from datetime import datetime

from kesu.notifications import outbox
from kesu.notifications.services import deliver
from kesu.tasks import register


@register("notifications.deliver", every_seconds=15)
def deliver_task(*, now: datetime) -> dict[str, int]:
    return deliver(now=now)


@register("notifications.dispatch", every_seconds="KESU_NOTIFY_SECONDS")
def dispatch_task(*, now: datetime) -> dict[str, int]:
    """Expand what the routes and crisis rules say (issue 16), then send what is due."""
    # at most half a second of a web worker's time per run (embedded default): requests come first
    expanded = outbox.expand(now=now, budget=0.5)
    return {"expanded": expanded, **outbox.send_due(now=now)}


@register("notifications.send", every_seconds=15)
def send_task(*, now: datetime) -> dict[str, int]:
    return outbox.send_due(now=now)


@register("notifications.crisis_watch", every_seconds=60)
def crisis_watch_task(*, now: datetime) -> int:
    return outbox.escalate_unacknowledged(now=now)
