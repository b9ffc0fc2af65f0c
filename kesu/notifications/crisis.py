"""A complaint's crisis as people read it (issue 16): why it is one, the crisis team and who of them
(or of the others alerted) has acknowledged, and the crisis's own timeline — raised, each alert
sent (by which channel, to whom, in what state), acknowledged, escalated. One reading for the
crisis page and the complaint's page, and one rule for who may see it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kesu.core.roles import Role
from kesu.notifications.models import CrisisAcknowledgement, CrisisAlert, Delivery, Dispatch, Notification
from kesu.org.services import roles_of

CRISIS_KINDS = ("crisis", "crisis_unacknowledged")


@dataclass(frozen=True)
class Entry:
    """One line of the crisis timeline: ``what`` is a code (raised, inbox, sent, pending, failed,
    folded, acknowledged, escalated, again) the template names in the reader's language; ``again``:
    the same customer complained again while the alert was open (``who``: that complaint's number),
    taken into this alert instead of alerting anew (kesu.core.crisis)."""

    at: datetime
    what: str
    who: tuple[str, ...] = ()  # the people's or the robot's names
    detail: str = ""  # the channel's label
    escalation: bool = False  # a message of the escalation (nobody acknowledged in time)


@dataclass
class CrisisView:
    alert: CrisisAlert
    reasons: list[str]
    team: list[tuple[Any, CrisisAcknowledgement | None]]
    others: list[CrisisAcknowledgement]  # acknowledged, not of the team (legal, brand, the GM …)
    late: bool  # nobody acknowledged and the time to do so has passed
    acknowledged_by_reader: bool
    timeline: list[Entry] = field(default_factory=list)

    @property
    def acknowledged(self) -> bool:
        return any(ack for _p, ack in self.team) or bool(self.others)


def may_see(alert: CrisisAlert, user: Any) -> bool:
    """The crisis team, everyone the alert or its escalation reached, and the system administrators."""
    pk = getattr(user, "pk", None)
    if pk is None:
        return False
    return (alert.team.filter(pk=pk).exists()
            or Notification.objects.filter(recipient_id=pk, complaint_id=alert.complaint_id,
                                           kind__in=CRISIS_KINDS).exists()
            or Role.SYSADMIN in roles_of(user))


def _name(person: Any) -> str:
    return str(getattr(person, "display_name", "") or getattr(person, "username", "") or "")


def reasons_in(alert: CrisisAlert, lang: str) -> list[str]:
    """The alert's reasons in the reader's language: the English ones the dispatch carried."""
    if not lang.startswith("en"):
        return list(alert.reasons)
    for params in Dispatch.objects.filter(complaint_id=alert.complaint_id, event__in=("registered", "crisis")
                                          ).order_by("pk").values_list("params", flat=True):
        english = params.get("reasons_en") or (params.get("crisis") or {}).get("reasons_en")
        if english:
            return list(english)
    return list(alert.reasons)


def crisis_view(complaint_id: int, *, reader: Any, now: datetime, lang: str = "zh-hans") -> CrisisView | None:
    """The complaint's crisis for ``reader``; None when it has none or the reader may not see it."""
    alert = (CrisisAlert.objects.filter(complaint_id=complaint_id).select_related("complaint")
             .prefetch_related("team", "acknowledgements__staff").first())
    if alert is None or not may_see(alert, reader):
        return None
    acks = {a.staff_id: a for a in alert.acknowledgements.all()}
    team = list(alert.team.all())
    members = {p.pk for p in team}
    view = CrisisView(alert=alert, reasons=reasons_in(alert, lang), team=[(p, acks.get(p.pk)) for p in team],
                      others=[a for a in acks.values() if a.staff_id not in members],
                      late=not acks and alert.acknowledge_by < now,
                      acknowledged_by_reader=getattr(reader, "pk", None) in acks)
    view.timeline = _timeline(alert, acks)
    return view


def _timeline(alert: CrisisAlert, acks: dict[int, CrisisAcknowledgement]) -> list[Entry]:
    entries = [Entry(alert.raised_at, "raised")]
    inbox: dict[tuple[datetime, str], list[str]] = {}
    for n in (Notification.objects.filter(complaint_id=alert.complaint_id, kind__in=CRISIS_KINDS)
              .select_related("recipient").order_by("created_at", "pk")):
        inbox.setdefault((n.created_at, n.kind), []).append(_name(n.recipient))
    for (at, kind), names in inbox.items():
        entries.append(Entry(at, "inbox", who=tuple(names), escalation=kind == "crisis_unacknowledged"))
    for dl in (Delivery.objects.filter(complaint_id=alert.complaint_id, kind__in=CRISIS_KINDS)
               .select_related("recipient", "robot").order_by("created_at", "pk")):
        who = (dl.robot.name if dl.robot is not None else _name(dl.recipient) if dl.recipient is not None else "")
        state = {"sent": "sent", "failed": "failed", "folded": "folded"}.get(dl.state, "pending")
        entries.append(Entry(dl.sent_at or dl.created_at, state, who=(who,) if who else (),
                             detail=str(dl.get_channel_display()),
                             escalation=dl.kind == "crisis_unacknowledged"))
    for ack in acks.values():
        entries.append(Entry(ack.at, "acknowledged", who=(_name(ack.staff),)))
    if alert.escalated_at is not None:
        entries.append(Entry(alert.escalated_at, "escalated"))
    # the complaints folded into it, read through the alert's own complaint (its model class), as
    # this layer reads complaints everywhere: by relation, never by importing the layer above
    complaints = type(alert.complaint)._default_manager
    for at, again in (complaints.filter(events__kind="crisis_folded",
                                        events__changes__folded_into__1=alert.complaint.number)
                      .values_list("events__at", "number")):
        entries.append(Entry(at, "again", who=(again,)))
    order = {"raised": 0, "escalated": 1, "inbox": 2}
    return sorted(entries, key=lambda e: (e.at, order.get(e.what, 3)))
