"""The 工作知会单 (seed 002 §4.2.3, P5): complaints received after business hours are registered at
once — their timeline says so, with the opening of the next working shift — and when that shift
opens, the ones still unprocessed are handed to customer service together: one notice to each CS
agent listing them, once per opening. Until someone classifies them they also stay in the 夜间受理
queue. Run by the clock sweep, so the notice comes within a sweep interval of the opening. With
business units (issue 18) each unit's night is handed to the CS agents who may hear of its cases —
its own and the group's — not to another store's."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from django.utils import timezone

from kesu.clocks.people import with_role
from kesu.complaints.models import Complaint, ComplaintEvent
from kesu.core.lifecycle import State
from kesu.core.roles import Role
from kesu.notifications.models import Notification
from kesu.notifications.services import notify
from kesu.org.services import UnitCases

RECEIVED_WITHIN = timedelta(days=15)  # the longest holiday plus margin: Golden Week with its 调休
CATCH_UP = timedelta(days=3)  # openings missed while the server was down are still handed over
LISTED = 20  # numbers named in the notice; the overnight queue has them all


def hand_over(*, now: datetime) -> int:
    """Send the 工作知会单 of every shift that has opened and not had one; returns how many."""
    openings: dict[tuple[datetime, int | None], list[int]] = defaultdict(list)
    events = ComplaintEvent.objects.filter(kind="after_hours_received", at__gte=now - RECEIVED_WITHIN)
    for complaint_id, unit_id, changes in events.values_list("complaint_id", "complaint__unit_id", "changes"):
        opening = datetime.fromisoformat(changes["next_shift"][1])
        if now - CATCH_UP <= opening <= now:
            openings[(opening, unit_id)].append(complaint_id)
    if not openings:
        return 0
    sent = 0
    for (opening, unit_id), ids in sorted(openings.items(), key=lambda o: (o[0][0], o[0][1] or 0)):
        agents = list(with_role(Role.CS_AGENT, about=UnitCases(unit_id)))
        key = f"handover:{opening.isoformat()}" + (f":u{unit_id}" if unit_id is not None else "")
        if not agents or Notification.objects.filter(dedupe_key__in=[f"{key}:{a.pk}" for a in agents]).exists():
            continue
        numbers = list(Complaint.objects.filter(pk__in=ids, status=State.REGISTERED).order_by("pk")
                       .values_list("number", flat=True))
        if not numbers:  # all taken up before the shift opened: nothing to hand over
            continue
        listed = "、".join(numbers[:LISTED]) + ("…" if len(numbers) > LISTED else "")
        notify(recipients=agents, kind="after_hours_handover", now=now, email=False, dedupe_key=key,
               params={"shift": timezone.localtime(opening).strftime("%m-%d %H:%M"), "count": len(numbers),
                       "numbers": listed})
        sent += 1
    return sent
