"""Appending to a complaint's timeline. Callers hold the complaint's row lock (they are inside a
lifecycle or clock action) and save the complaint afterwards, which stores ``event_seq``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kesu.audit.services import record_events
from kesu.complaints.models import Complaint, ComplaintEvent
from kesu.db.sql import Insert
from kesu.org.models import Staff

INSERT_EVENTS = Insert(ComplaintEvent)  # the registration writes its events by one INSERT (lifecycle)


def append_event(
    c: Complaint, *, actor: Staff | None, now: datetime, kind: str, from_status: str = "", to_status: str = "",
    changes: dict[str, Any] | None = None, reason: str = "",
) -> ComplaintEvent:
    """Write the next event; ``actor`` None means the system (a clock sweep)."""
    [event] = build_events(c, now=now, events=[(actor, kind, {"from_status": from_status, "to_status": to_status,
                                                               "changes": changes, "reason": reason})])
    event.save(force_insert=True)
    record_events(c, [event])  # its entry in the audit chain (docs/privacy.md)
    return event


def reason_in(e: ComplaintEvent, lang: str) -> str:
    """An event's reason in the reader's language. What a person or the customer wrote is shown as
    written; a reason the system wrote carries its English as ``changes["reason_en"]``."""
    en = (e.changes or {}).get("reason_en") if lang.startswith("en") else None
    return str(en[1]) if isinstance(en, list) and len(en) == 2 and en[1] else e.reason


def build_events(c: Complaint, *, now: datetime,
                 events: list[tuple[Staff | None, str, dict[str, Any]]]) -> list[ComplaintEvent]:
    """The next events, numbered on from the complaint's last one and not yet saved (so a new
    complaint and its first events go in as one INSERT each); each is (actor, kind, the other
    fields of ``append_event``)."""
    rows = []
    for actor, kind, details in events:
        c.event_seq += 1
        from_status, to_status = details.get("from_status", ""), details.get("to_status", "")
        rows.append(INSERT_EVENTS.new(
            complaint=c, seq=c.event_seq, at=now, actor=actor, kind=kind, from_status=from_status,
            to_status=to_status if to_status != from_status else "", changes=details.get("changes") or {},
            reason=details.get("reason", ""),
        ))
    return rows
