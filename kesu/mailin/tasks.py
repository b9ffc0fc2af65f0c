from __future__ import annotations

from datetime import datetime

from kesu.mailin.services import poll_all
from kesu.tasks import register


@register("mail.poll", every_seconds="KESU_MAIL_POLL_SECONDS")
def poll_task(*, now: datetime) -> dict[str, int]:
    return poll_all(now=now)
