"""``python -m kesu audit verify`` and ``audit anchor`` (docs/privacy.md "Audit chain").

verify walks the whole chain (kesu.core.audit.walk), then holds the database against it:

* every timeline event has its entry and still matches the entry's digest — an event edited by
  SQL, deleted, or inserted by hand (a forged 「审阅」) is named;
* every complaint row matches the digest in its newest entry — a phone or status changed by SQL,
  a complaint inserted or deleted by hand, is named;
* every handling record (transfer, help request, investigation, approval, reward, penalty,
  extension request), every clock of a complaint (its due and warning times, its state) and every
  attachment's row matches its newest entry (``record.saved``, or the registration's event entry
  that carried it) — changed, inserted or deleted by SQL, it is named;
* an event rewritten by retention or a customer's erasure is held against the digest the
  ``complaint.redacted`` entry gave it, and such an entry counts only after that case's
  retention / erasure event;
* every anchor written out earlier still names an entry of the chain, with the same hash — a
  chain rewritten from some point on, or cut short, is named.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.mail import send_mail
from django.db import connections, router, transaction

from kesu.audit import keys
from kesu.audit.models import AuditEntry
from kesu.audit.services import (
    COMPLAINT_FIELDS,
    EVENT_FIELDS,
    REDACTING_STEPS,
    complaint_digest,
    event_digest,
    record_digest,
    record_models,
)
from kesu.core.audit import Anchor, Entry, Problem, check_anchor, instant, walk
from kesu.env import env_str

log = logging.getLogger(__name__)
CHUNK = 5000


def anchor_file() -> Path:
    configured = str(getattr(settings, "KESU_AUDIT_ANCHOR_FILE", "") or env_str("KESU_AUDIT_ANCHOR_FILE", ""))
    return Path(configured) if configured else Path(settings.DATA_DIR) / "audit-anchors.jsonl"


def anchor_email() -> str:
    return str(getattr(settings, "KESU_AUDIT_ANCHOR_EMAIL", "") or env_str("KESU_AUDIT_ANCHOR_EMAIL", ""))


@dataclass
class Report:
    entries: int = 0
    events: int = 0
    complaints: int = 0
    records: int = 0
    anchors: int = 0
    last_seq: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _entries() -> Iterator[Entry]:
    names = ("seq", "at", "actor_id", "kind", "target_type", "target_id", "data", "key_id", "prev_hash", "hash")
    for row in AuditEntry.objects.order_by("seq").values_list(*names).iterator(chunk_size=CHUNK):
        values = dict(zip(names, row, strict=True))
        values["at"] = instant(values["at"])
        yield Entry(**values)


def verify(*, anchors: Path | None = None) -> Report:
    """Everything verify checks, read in one snapshot (so a registration meanwhile is not taken
    for a forgery) that holds no writer up."""
    with _snapshot():
        return _verify(anchors if anchors is not None else anchor_file())


@contextmanager
def _snapshot() -> Iterator[None]:
    connection = connections[router.db_for_read(AuditEntry)]
    if connection.in_atomic_block:  # the caller's transaction is the snapshot
        yield
        return
    if connection.vendor == "sqlite":  # a read transaction: WAL keeps its view, writers go on
        connection.ensure_connection()  # (connecting sets transaction_mode from the settings)
        mode, connection.transaction_mode = connection.transaction_mode, "DEFERRED"
        try:
            with transaction.atomic(using=connection.alias):
                yield
        finally:
            connection.transaction_mode = mode
        return
    with transaction.atomic(using=connection.alias):
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield


def _verify(anchor_path: Path) -> Report:
    report = Report()
    keyring = keys.all_keys()
    events: dict[tuple[int, int], tuple[int, str, str]] = {}  # (complaint, seq) → (entry, key id, digest)
    rows: dict[int, tuple[int, str, str]] = {}  # complaint → its newest entry's (entry, key id, row digest)
    records: dict[tuple[str, str], tuple[int, str, str | None]] = {}  # (model, pk) → newest (entry, key, digest)
    redacting: set[tuple[int, int]] = set()  # (complaint, seq) of its retention / erasure events
    unfounded: list[Problem] = []
    by_seq: dict[int, str] = {}
    wanted = {a.seq for a in _anchors(anchor_path)}

    def read(e: Entry) -> None:
        data = json.loads(e.data)
        if e.kind in ("complaint.event", "complaint.events") and e.target_type == "complaint":
            cid = int(e.target_id)
            for one in data["events"] if e.kind == "complaint.events" else [data]:  # several written together
                events[(cid, int(one["seq"]))] = (e.seq, e.key_id, str(one["digest"]))
                if one.get("event") in REDACTING_STEPS:
                    redacting.add((cid, int(one["seq"])))
            rows[cid] = (e.seq, e.key_id, str(data["row"]))
            for label, digests in (data.get("records") or {}).items():  # registration's clocks and files
                for pk, digest in digests.items():
                    records[(str(label), str(pk))] = (e.seq, e.key_id, str(digest))
        elif e.kind == "complaint.baseline" and e.target_type == "complaint":  # data older than the chain
            cid = int(e.target_id)
            for event_seq, digest in data["events"].items():
                events[(cid, int(event_seq))] = (e.seq, e.key_id, str(digest))
            rows[cid] = (e.seq, e.key_id, str(data["row"]))
        elif e.kind == "complaint.redacted" and e.target_type == "complaint":
            cid = int(e.target_id)
            rewritten = {int(k): str(v) for k, v in data["events"].items()}
            if (cid, int(data["step"])) not in redacting or any((cid, s) not in events for s in rewritten):
                unfounded.append(Problem("redaction_unfounded", f"第 {e.seq} 条审计记录改写了投诉 id {cid} 的时间线，"
                                                                "但该投诉没有保存期满或应客户请求删除的步骤", e.seq))
                return
            for event_seq, digest in rewritten.items():
                events[(cid, event_seq)] = (e.seq, e.key_id, digest)
        elif e.kind == "record.saved":
            records[(e.target_type, e.target_id)] = (e.seq, e.key_id, str(data["digest"]))
        elif e.kind == "record.deleted":
            records[(e.target_type, e.target_id)] = (e.seq, e.key_id, None)

    def counted() -> Iterator[Entry]:
        for e in _entries():
            report.entries += 1
            report.last_seq = e.seq
            if e.seq in wanted:
                by_seq[e.seq] = e.hash
            with contextlib.suppress(ValueError, KeyError, TypeError, AttributeError):
                read(e)  # unreadable: the walk names the entry, its hash no longer matches
            yield e

    first_break: dict[str, Problem] = {}
    for problem in walk(counted(), keyring):
        first_break.setdefault(problem.code, problem)
    report.problems += sorted(first_break.values(), key=lambda p: p.seq or 0)
    report.problems += unfounded[:1]
    report.problems += _check_events(events, keyring, report)
    report.problems += _check_complaints(rows, keyring, report)
    report.problems += _check_records(records, keyring, report)
    report.problems += _check_anchors(anchor_path, by_seq, report)
    return report


def _check_records(expected: dict[tuple[str, str], tuple[int, str, str | None]], keyring: dict[str, bytes],
                   report: Report) -> list[Problem]:
    """Every handling record (transfers, help, investigations, approvals, rewards, penalties,
    extension requests) matches its newest entry; one without an entry was inserted by SQL, an
    entry without its row names a row deleted by SQL."""
    problems = []
    for model in record_models():
        label, name = model._meta.label_lower, str(model._meta.verbose_name)
        for row in model._default_manager.order_by("pk").iterator(chunk_size=CHUNK):
            report.records += 1
            stored = expected.pop((label, str(row.pk)), None)
            if stored is None or stored[2] is None:
                problems.append(Problem("record_unrecorded", f"{name} id {row.pk} 不在审计链中（由 SQL 插入）"))
                continue
            seq, kid, digest = stored
            key = keyring.get(kid)
            if key is not None and record_digest(key, row) != digest:
                problems.append(Problem("record_altered", f"{name} id {row.pk} 与其最新审计记录（第 {seq} 条）不符"
                                                          "（被 SQL 改动）", seq))
    names = {m._meta.label_lower: str(m._meta.verbose_name) for m in record_models()}
    for (label, pk), (seq, _kid, digest) in sorted(expected.items(), key=lambda kv: kv[1][0]):
        if digest is not None:
            problems.append(Problem("record_deleted", f"{names.get(label, label)} id {pk} 已不存在"
                                                      f"（第 {seq} 条审计记录记载了它：被删除）", seq))
    return problems


def _check_events(expected: dict[tuple[int, int], tuple[int, str, str]], keyring: dict[str, bytes],
                  report: Report) -> list[Problem]:
    Event = apps.get_model("complaints", "ComplaintEvent")
    Complaint = apps.get_model("complaints", "Complaint")
    numbers = dict(Complaint.objects.values_list("pk", "number"))
    problems = []
    for e in Event.objects.order_by("complaint_id", "seq").only(*EVENT_FIELDS).iterator(chunk_size=CHUNK):
        report.events += 1
        where = f"投诉 {numbers.get(e.complaint_id, e.complaint_id)} 的第 {e.seq} 号时间线事件（{e.kind}）"
        stored = expected.pop((e.complaint_id, e.seq), None)
        if stored is None:
            problems.append(Problem("event_unrecorded", f"{where}不在审计链中（由 SQL 插入或伪造）"))
            continue
        seq, kid, digest = stored
        key = keyring.get(kid)
        if key is not None and event_digest(key, e) != digest:
            problems.append(Problem("event_altered", f"{where}与第 {seq} 条审计记录不符（被改动）", seq))
    for (cid, event_seq), (seq, _kid, _digest) in sorted(expected.items(), key=lambda kv: kv[1][0]):
        problems.append(Problem("event_deleted", f"投诉 {numbers.get(cid, cid)} 的第 {event_seq} 号时间线事件已不存在"
                                                 f"（第 {seq} 条审计记录记载了它：被删除）", seq))
    return problems


def _check_complaints(expected: dict[int, tuple[int, str, str]], keyring: dict[str, bytes],
                      report: Report) -> list[Problem]:
    Complaint = apps.get_model("complaints", "Complaint")
    problems = []
    for c in _rows(Complaint.objects.order_by("pk").only(*COMPLAINT_FIELDS), problems, expected):
        report.complaints += 1
        stored = expected.pop(c.pk, None)
        if stored is None:
            problems.append(Problem("complaint_unrecorded",
                                    f"投诉 {c.number}（id {c.pk}）不在审计链中（由 SQL 插入）"))
            continue
        seq, kid, digest = stored
        key = keyring.get(kid)
        if key is not None and complaint_digest(key, c) != digest:
            problems.append(Problem("complaint_altered", f"投诉 {c.number} 的当前内容与其最新审计记录"
                                    f"（第 {seq} 条）不符（被 SQL 改动：如电话、状态）", seq))
    for cid, (seq, _kid, _digest) in sorted(expected.items(), key=lambda kv: kv[1][0]):
        problems.append(Problem("complaint_deleted",
                                f"投诉 id {cid} 已不存在（第 {seq} 条审计记录记载了它：被删除）", seq))
    return problems


def _rows(qs: Any, problems: list[Problem], expected: dict[int, Any]) -> Iterator[Any]:
    """The rows of ``qs`` a chunk at a time; a row the model cannot read (a personal field written
    by SQL in clear, so not decryptable) is reported instead of stopping the walk."""
    ids = list(qs.values_list("pk", flat=True))
    for i in range(0, len(ids), CHUNK):
        chunk = ids[i:i + CHUNK]
        try:
            yield from _opened(qs.filter(pk__in=chunk))
            continue
        except (ValueError, TypeError):
            pass
        for pk in chunk:
            try:
                yield from _opened(qs.filter(pk=pk))
            except (ValueError, TypeError) as exc:
                number = qs.model.objects.filter(pk=pk).values_list("number", flat=True).first()
                seq = expected.pop(pk, (None,))[0]
                problems.append(Problem("complaint_altered",
                                        f"投诉 {number or pk} 的内容无法读出（被 SQL 改动：{exc}）", seq))


def _opened(qs: Any) -> list[Any]:
    """The rows with their personal fields decrypted now (they are decrypted when read: a field
    that does not decrypt must fail here, where it is reported, not in the digest)."""
    rows = list(qs)
    for row in rows:
        for name in COMPLAINT_FIELDS:
            getattr(row, name)
    return rows


def _anchors(path: Path) -> list[Anchor]:
    if not path.exists():
        return []
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            data = json.loads(line)
            found.append(Anchor(seq=int(data["seq"]), hash=str(data["hash"]), at=str(data["at"])))
    return found


def _check_anchors(path: Path, by_seq: dict[int, str], report: Report) -> list[Problem]:
    problems = []
    for a in _anchors(path):
        report.anchors += 1
        h = by_seq.get(a.seq)
        stored = None if h is None else Entry(a.seq, "", None, "", "", "", "", "", "", h)
        problem = check_anchor(a, stored, report.last_seq)
        if problem is not None:
            problems.append(problem)
            break  # the earliest anchor that disagrees is where the rewrite begins
    return problems


def anchor(*, now: datetime, path: Path | None = None) -> dict[str, Any]:
    """Write the chain head (seq, hash, at) as one more line of the anchor file, and mail it to
    KESU_AUDIT_ANCHOR_EMAIL when one is configured. An empty chain writes nothing."""
    head = AuditEntry.objects.order_by("-seq").values("seq", "hash").first()
    if head is None:
        return {"seq": 0}
    line = {"seq": head["seq"], "hash": head["hash"], "at": instant(now)}
    target = path if path is not None else anchor_file()
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("a", encoding="utf-8") as f:
        f.write(json.dumps(line, ensure_ascii=False) + "\n")
    to = anchor_email()
    if to:
        send_mail(f"客诉审计链锚点 / Kesu audit anchor #{head['seq']}",
                  f"审计链头 / chain head\nseq: {line['seq']}\nhash: {line['hash']}\nat: {line['at']}\n",
                  None, [to])
    return line
