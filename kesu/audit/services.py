"""Appending to the audit chain, and the digests that stand for timeline events and complaint
rows in it (docs/privacy.md "Audit chain").

Appending takes the chain head inside the caller's transaction — PostgreSQL: a transaction-level
advisory lock, then the last entry; SQLite: every Kesu transaction already holds the one write
lock from its ``BEGIN IMMEDIATE`` — so entries are numbered without gaps and one exists iff its
cause committed. The registration hot path adds one statement that reads the head and one
multi-row INSERT, whatever the number of its events.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import connections, models, router, transaction

from kesu.audit import keys
from kesu.audit.models import AuditEntry
from kesu.core.audit import GENESIS, Entry, canonical, entry_hash, instant, mac
from kesu.db.sql import Insert

LOCK_KEY = 0x6B65737541554454  # "kesuAUDT": PostgreSQL's advisory lock of the chain head

# What stands for a complaint row in the chain: everything a person or the kernel changes.
# Listed, not read from the model, so a derived column added later (a blind index, say) does not
# make every stored digest disagree; add a field here only with a kernel event that sets it.
COMPLAINT_FIELDS = (
    "number", "policy_version_id", "status", "version", "event_seq", "channel", "level", "category", "validity",
    "is_internal", "customer_name", "customer_phone", "customer_email", "customer_region", "customer_ref",
    "product_name", "product_model", "order_number", "purchase_date", "customer_words", "occurred_at",
    "occurred_place", "amount_involved", "demands", "extra", "receiver_id", "location_id",
    "complained_department_id", "complained_staff_id", "department_id", "owner_id", "responsible_staff_id",
    "responsible_department_id", "registered_at", "updated_at", "updated_by_id",
)
EVENT_FIELDS = ("complaint_id", "seq", "at", "actor_id", "kind", "from_status", "to_status", "changes", "reason")


class _InsertWithKey(Insert[AuditEntry]):
    """kesu.db.sql.Insert with the primary key among the columns: ``seq`` is given, not generated."""

    def __init__(self) -> None:
        super().__init__(AuditEntry)
        self.fields = list(AuditEntry._meta.local_concrete_fields)


INSERT_ENTRIES = _InsertWithKey()


def _plain(field: models.Field[Any, Any], value: Any) -> Any:
    """A field's value as the database gives it back, whatever the object held before saving."""
    if value is None:
        return None
    if isinstance(field, models.JSONField):
        return json.loads(json.dumps(value))
    if isinstance(field, models.DateTimeField):
        return instant(field.to_python(value))
    if isinstance(field, models.DateField):
        v = field.to_python(value)
        return v.isoformat() if isinstance(v, date) else v
    if isinstance(field, models.DecimalField):
        v = field.to_python(value)
        return format(v.quantize(Decimal(1).scaleb(-(field.decimal_places or 0))), "f")
    if isinstance(field, models.BooleanField):
        return bool(value)
    if isinstance(value, datetime | date | Decimal):
        return str(value)
    return value


def _digest(key: bytes, obj: models.Model, names: Sequence[str]) -> str:
    fields = _fields(type(obj), tuple(names))
    return mac(key, canonical({name: _plain(f, getattr(obj, name)) for name, f in zip(names, fields, strict=True)}))


@functools.cache
def _fields(model: type[models.Model], names: tuple[str, ...]) -> list[models.Field[Any, Any]]:
    return [model._meta.get_field(name) for name in names]  # type: ignore[misc]


def complaint_digest(key: bytes, c: models.Model) -> str:
    return _digest(key, c, COMPLAINT_FIELDS)


def event_digest(key: bytes, e: models.Model) -> str:
    return _digest(key, e, EVENT_FIELDS)


def _head(alias: str) -> tuple[int, str]:
    connection = connections[alias]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
        cursor.execute(f"SELECT seq, hash FROM {AuditEntry._meta.db_table} ORDER BY seq DESC LIMIT 1")
        row = cursor.fetchone()
    return (int(row[0]), str(row[1])) if row else (0, GENESIS)


def _append(items: Sequence[tuple[str, Any, datetime, tuple[str, object], Any]]) -> list[AuditEntry]:
    """Append (kind, actor id, at, target, data) items in order, in the caller's transaction."""
    alias = router.db_for_write(AuditEntry)
    kid, key = keys.current()
    with transaction.atomic(using=alias, savepoint=False):  # no SAVEPOINT inside the caller's
        seq, prev = _head(alias)
        rows = []
        for kind, actor_id, at, (target_type, target_id), data in items:
            seq += 1
            e = Entry(seq=seq, at=instant(at) or "", actor_id=actor_id, kind=kind, target_type=target_type,
                      target_id=str(target_id), data=canonical(data if data is not None else {}), key_id=kid,
                      prev_hash=prev)
            prev = entry_hash(key, e)
            rows.append(AuditEntry(seq=seq, at=at, actor_id=actor_id, kind=kind, target_type=target_type,
                                   target_id=e.target_id, data=e.data, key_id=kid, prev_hash=e.prev_hash, hash=prev))
        INSERT_ENTRIES(rows)
    return rows


def record(kind: str, *, actor: Any, now: datetime, target: tuple[str, object], data: Any = None) -> AuditEntry:
    """One entry (see kesu.audit.record)."""
    actor_id = getattr(actor, "pk", actor)
    return _append([(kind, actor_id, now, target, data)])[0]


def record_events(complaint: models.Model, events: Sequence[Any]) -> None:
    """The kernel's timeline events, one entry each: the event's digest, and the digest of the
    complaint's row as the same transaction leaves it (the newest entry of a complaint must match
    its row: a change by SQL shows)."""
    if not events:
        return
    _kid, key = keys.current()
    row = complaint_digest(key, complaint)
    _append([("complaint.event", e.actor_id, e.at, ("complaint", complaint.pk),
              {"seq": e.seq, "event": e.kind, "digest": event_digest(key, e), "row": row}) for e in events])
