"""Appending to the audit chain, and the digests that stand for complaint rows, timeline events
and handling records in it (docs/privacy.md "Audit chain").

Appending takes the chain head inside the caller's transaction, serialised with every other
writer, so entries are numbered without gaps and one exists iff its cause committed:

* SQLite: every Kesu transaction already holds the one write lock (``BEGIN IMMEDIATE``), so the
  head cannot move under us: it is read by a plain SELECT, and the new entries, hashed here, go in
  by one multi-row INSERT. (Until 2026-12-07 one INSERT read the head itself through a recursive
  CTE and hashed by an SQL function calling back into Python: one statement less, but about 45 µs
  more a registration than the SELECT and the INSERT; bench/README.md.)
* PostgreSQL: ``kesu_audit_head()`` (migration 0003) takes a transaction-level advisory lock and
  then reads the head — a VOLATILE function's second query sees what the writer before us
  committed — in one round trip; then one multi-row INSERT.

So a registration adds two statements to the audit chain, whatever the number of its events.
"""

from __future__ import annotations

import functools
import json
import operator
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db import connections, models, router, transaction

from kesu.audit import keys
from kesu.audit.models import AuditEntry
from kesu.core.audit import GENESIS, Entry, canonical, entry_hash, instant, mac
from kesu.db import sql

LOCK_KEY = 0x6B65737541554454  # "kesuAUDT": PostgreSQL's advisory lock of the chain head (migration 0003)

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
    # set by the kernel's privacy steps (legal hold, retention, erasure), each with its event
    "legal_hold", "legal_hold_by_id", "legal_hold_at", "legal_hold_reason", "anonymised_at",
)
EVENT_FIELDS = ("complaint_id", "seq", "at", "actor_id", "kind", "from_status", "to_status", "changes", "reason")

# The handling records (docs/workflow.md) and the penalty ledger: every saved row is an entry
# ``record.saved`` with the digest of all its columns; a row changed, inserted or deleted by SQL
# no longer matches its newest entry.
# The complaint's clocks (due, warning and stop times, state) and its attachments' rows (name, size,
# SHA-256 of the file) are held the same way; registration's are carried by its event entry
# (``record_events(rows=…)``), so they add no entry and no statement to the hot path.
RECORDS = ("workflow.transfer", "workflow.assistrequest", "workflow.investigationreport", "workflow.approval",
           "workflow.reward", "workflow.approvalvote", "workflow.correctiveaction", "clocks.penaltyentry",
           "clocks.extensionrequest", "clocks.complaintclock", "complaints.attachment")
# Privacy steps after which verify accepts a redaction of a case's earlier events and records.
REDACTING_STEPS = frozenset({"retention_anonymised", "customer_erased"})


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
    converters, read = _converters(type(obj), tuple(names))
    values = {}
    for (name, convert), value in zip(converters, read(obj), strict=True):
        if value is None or (convert is None and type(value) in (str, int)):
            values[name] = value
        else:
            values[name] = (convert or _generic(type(obj), name))(value)
    return mac(key, canonical(values))


@functools.lru_cache(maxsize=512)  # a registration stamps the same moment on the row, its events, its clocks
def _moment(value: Any) -> Any:
    """A DateTimeField's value as instant() gives it (the common case, an aware datetime, direct)."""
    if type(value) is datetime and value.tzinfo is not None:
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    return instant(models.DateTimeField().to_python(value))


def _json(value: Any) -> Any:
    """A JSONField's value as the database gives it back; the round trip only where it could differ
    from what canonical() writes of the value as it is (a key that is not text)."""
    return value if _textual_keys(value) else json.loads(json.dumps(value))


def _textual_keys(value: Any) -> bool:
    if type(value) in (str, int, bool, float):
        return True
    if type(value) in (list, tuple):
        return all(_textual_keys(v) for v in value)
    if type(value) is dict:
        return all(type(k) is str and _textual_keys(v) for k, v in value.items())
    return False


def _generic(model: type[models.Model], name: str) -> Any:
    field = _fields(model, (name,))[0]
    return lambda value: _plain(field, value)


@functools.cache
def _converters(model: type[models.Model], names: tuple[str, ...]) -> tuple[list[tuple[str, Any]], Any]:
    """Each name with how its value becomes what the database gives back: None for text, numbers
    and keys (used as they are when a str, an int or None — most of a row), a direct conversion
    for date-times and JSON, _plain for the rest. The same result as _plain for every value."""
    out: list[tuple[str, Any]] = []
    for name, f in zip(names, _fields(model, names), strict=True):
        if isinstance(f, models.DateTimeField):
            out.append((name, _moment))
        elif isinstance(f, models.JSONField):
            out.append((name, _json))
        elif isinstance(f, models.FileField):  # the stored name (an attachment's file)
            out.append((name, lambda value: getattr(value, "name", value) or ""))
        elif isinstance(f, models.DateField | models.DecimalField | models.BooleanField):
            out.append((name, functools.partial(_plain, f)))
        else:
            out.append((name, None))
    read = operator.attrgetter(*names)  # every value in one call (a tuple: names are never one)
    return out, read


@functools.cache
def _fields(model: type[models.Model], names: tuple[str, ...]) -> list[models.Field[Any, Any]]:
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    return [by_attname[name] for name in names]


def complaint_digest(key: bytes, c: models.Model) -> str:
    return _digest(key, c, COMPLAINT_FIELDS)


def event_digest(key: bytes, e: models.Model) -> str:
    return _digest(key, e, EVENT_FIELDS)


@functools.cache
def record_fields(model: type[models.Model]) -> tuple[str, ...]:
    return tuple(f.attname for f in model._meta.concrete_fields)


# Columns added to a handling record after rows were written: counted in the row's digest only when
# set, so the rows written before keep the digest the chain holds for them (issue 18: the department
# a help request's clock times).
ADDED_LATER: dict[str, tuple[str, ...]] = {"clocks.complaintclock": ("assist_department_id",)}


def record_digest(key: bytes, row: models.Model) -> str:
    names, without_later, later = _record_names(type(row))
    if later:
        names = without_later if all(getattr(row, n) is None for n in later) else tuple(
            n for n in names if n not in later or getattr(row, n) is not None)
    return _digest(key, row, names)


@functools.cache
def _record_names(model: type[models.Model]) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """A record's columns, the same without those added later, and those (ADDED_LATER)."""
    names, later = record_fields(model), ADDED_LATER.get(model._meta.label_lower, ())
    return names, tuple(n for n in names if n not in later), later


def record_models() -> list[type[models.Model]]:
    return [apps.get_model(label) for label in RECORDS]


# --- appending -------------------------------------------------------------------------------------

Item = tuple[str, Any, datetime, tuple[str, object], Any]  # kind, actor id, at, (target type, id), data


def _append(items: Sequence[Item], current: tuple[str, bytes] | None = None) -> None:
    """Append the items in order, in the caller's transaction (see the module's docstring);
    ``current``: the key as the caller already read it."""
    if not items:
        return
    alias = router.db_for_write(AuditEntry)
    connection = connections[alias]
    kid, key = current or keys.current()
    with transaction.atomic(using=alias, savepoint=False):  # no SAVEPOINT inside the caller's
        rows = [(kind, actor_id, at, str(target_type), str(target_id), canonical(data if data is not None else {}))
                for kind, actor_id, at, (target_type, target_id), data in items]
        _insert_linked(connection, kid, key, rows)


def _insert_linked(connection: Any, kid: str, key: bytes, rows: list[tuple[Any, ...]]) -> None:
    """Read the head under the transaction's lock, link and hash the rows after it, insert them."""
    if connection.vendor == "postgresql":
        head = sql.rows(connection, "SELECT seq, hash FROM kesu_audit_head()", [])
    else:  # SQLite: the transaction's BEGIN IMMEDIATE holds the one write lock already
        head = sql.rows(connection, f"SELECT seq, hash FROM {AuditEntry._meta.db_table} ORDER BY seq DESC LIMIT 1", [])
    seq, prev = (int(head[0][0]), str(head[0][1])) if head and head[0][0] is not None else (0, GENESIS)
    params: list[Any] = []
    field = AuditEntry._meta.get_field("at")
    for kind, actor_id, at, target_type, target_id, data in rows:
        seq += 1
        e = Entry(seq=seq, at=instant(at) or "", actor_id=actor_id, kind=kind, target_type=target_type,
                  target_id=target_id, data=data, key_id=kid, prev_hash=prev)
        h = entry_hash(key, e)
        params += [seq, field.get_db_prep_save(at, connection), actor_id, kind, target_type, target_id, data,
                   kid, prev, h]
        prev = h
    one = "(" + ", ".join(["%s"] * 10) + ")"
    sql.rows(connection, f"INSERT INTO {AuditEntry._meta.db_table} ({COLUMNS}) VALUES {', '.join([one] * len(rows))}",
             params)


COLUMNS = "seq, at, actor_id, kind, target_type, target_id, data, key_id, prev_hash, hash"


# --- what callers record ---------------------------------------------------------------------------


def record(kind: str, *, actor: Any, now: datetime, target: tuple[str, object], data: Any = None) -> None:
    """One entry (see kesu.audit.record)."""
    actor_id = getattr(actor, "pk", actor)
    _append([(kind, actor_id, now, target, data)])


def record_events(complaint: models.Model, events: Sequence[Any], rows: Sequence[models.Model] = ()) -> None:
    """The kernel's timeline events with the digest of the complaint's row as the same transaction
    leaves it (the newest entry of a complaint must match its row: a change by SQL shows). One event
    is one ``complaint.event`` entry (its seq, kind and digest); several written together (a
    registration's: registered, keywords, after hours) are one ``complaint.events`` entry listing
    each, which verify holds event by event — one entry's hashing and row instead of one per event.
    ``rows``: records written with them (registration's clocks and attachments), whose digests the
    entry carries as ``records`` — held by verify like a ``record.saved`` entry, at the cost of their
    digests only."""
    if not events:
        return
    current = keys.current()
    key = current[1]
    first = events[0]
    data: dict[str, Any] = {"row": complaint_digest(key, complaint)}
    if len(events) == 1:
        data.update(seq=first.seq, event=first.kind, digest=event_digest(key, first))
    else:
        data["events"] = [{"seq": e.seq, "event": e.kind, "digest": event_digest(key, e)} for e in events]
    if rows:
        carried: dict[str, dict[str, str]] = {}
        for r in rows:
            carried.setdefault(r._meta.label_lower, {})[str(r.pk)] = record_digest(key, r)
        data["records"] = carried
    kind = "complaint.event" if len(events) == 1 else "complaint.events"
    _append([(kind, first.actor_id, first.at, ("complaint", complaint.pk), data)], current)


def record_rows(model: type[models.Model], pks: Iterable[Any], *, actor: Any = None, now: datetime) -> None:
    """Handling records written (saved, or updated by a queryset): one ``record.saved`` entry per
    row with the digest of the row as stored now (read back, so the digest is what verify reads)."""
    _kid, key = keys.current()
    label = model._meta.label_lower
    actor_id = getattr(actor, "pk", actor)
    rows = list(model._default_manager.filter(pk__in=list(pks)).order_by("pk"))
    _append([("record.saved", actor_id, now, (label, row.pk), {"digest": record_digest(key, row)}) for row in rows])


def record_deleted(row: models.Model, *, actor: Any = None, now: datetime) -> None:
    _append([("record.deleted", getattr(actor, "pk", actor), now, (row._meta.label_lower, row.pk), {})])


def record_redaction(complaint: models.Model, *, step: int, events: Sequence[Any], actor: Any,
                     now: datetime) -> None:
    """A privacy step (retention, a customer's erasure) rewrote earlier events of the case: one
    entry ``complaint.redacted`` with their new digests, naming the step's own event (``step``:
    its seq). verify holds each event against its newest digest, and accepts a redaction only
    after a redacting step of the same case."""
    if not events:
        return
    _kid, key = keys.current()
    _append([("complaint.redacted", getattr(actor, "pk", actor), now, ("complaint", complaint.pk),
              {"step": step, "events": {str(e.seq): event_digest(key, e) for e in events}})])


# --- the handling records' signals (connected in AuditConfig.ready) --------------------------------


def _now() -> datetime:
    from django.utils import timezone

    return timezone.now()


IN_EVENT = "_audit_in_event"  # set on a row whose digest its step's event entry carries (record_events)


def on_saved(sender: type[models.Model], instance: models.Model, raw: bool = False, **kwargs: Any) -> None:
    if raw or getattr(instance, IN_EVENT, False):  # loaddata; or carried by the step's own entry
        return
    record_rows(sender, [instance.pk], now=_now())


def on_deleted(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    record_deleted(instance, now=_now())


# --- the starting point for data older than the chain ----------------------------------------------


def baseline(*, now: datetime, chunk: int = 500) -> dict[str, int]:
    """Data written before the chain existed (an upgraded installation) enters it once, as it
    stands now: one ``complaint.baseline`` entry per complaint not yet in the chain (its row's and
    its events' digests) and one ``record.saved`` per handling record not yet in it. Run once,
    by ``python -m kesu audit baseline``, right after the upgrade; what was changed before that
    cannot be told (docs/privacy.md)."""
    Complaint = apps.get_model("complaints", "Complaint")
    Event = apps.get_model("complaints", "ComplaintEvent")
    _kid, key = keys.current()
    known_complaints: set[str] = set()
    known_records: set[tuple[str, str]] = set()
    for kind, target_type, target_id, data in AuditEntry.objects.values_list(
            "kind", "target_type", "target_id", "data").iterator(chunk_size=5000):
        if target_type == "complaint" and kind.startswith("complaint."):
            known_complaints.add(target_id)
            if '"records"' in data:  # a registration's clocks and files, carried by its event entry
                for label, digests in (json.loads(data).get("records") or {}).items():
                    known_records.update((label, pk) for pk in digests)
        elif kind.startswith("record."):
            known_records.add((target_type, target_id))
    done = {"complaints": 0, "records": 0}
    ids = [pk for pk in Complaint.objects.order_by("pk").values_list("pk", flat=True)
           if str(pk) not in known_complaints]
    for i in range(0, len(ids), chunk):
        part = ids[i:i + chunk]
        with transaction.atomic():
            events: dict[int, dict[str, str]] = {}
            for e in Event.objects.filter(complaint_id__in=part).only(*EVENT_FIELDS).order_by("complaint_id", "seq"):
                events.setdefault(e.complaint_id, {})[str(e.seq)] = event_digest(key, e)
            rows = Complaint.objects.filter(pk__in=part).only(*COMPLAINT_FIELDS).order_by("pk")
            _append([("complaint.baseline", None, now, ("complaint", c.pk),
                      {"row": complaint_digest(key, c), "events": events.get(c.pk, {})}) for c in rows])
        done["complaints"] += len(part)
    for model in record_models():
        label = model._meta.label_lower
        pks = [pk for pk in model._default_manager.order_by("pk").values_list("pk", flat=True)
               if (label, str(pk)) not in known_records]
        for i in range(0, len(pks), chunk):
            with transaction.atomic():
                record_rows(model, pks[i:i + chunk], now=now)
            done["records"] += len(pks[i:i + chunk])
    return done
