"""The audit chain's arithmetic: canonical serialisation, keyed hashes, and the walk that finds the
first entry that no longer matches (SPEC F12). Plain Python; kesu.audit stores and reads the rows.

Each entry's hash is HMAC-SHA-256, under the audit key (kept outside the database), of the
canonical JSON of ``[seq, at, actor, kind, target_type, target_id, data, prev_hash]``, where
``prev_hash`` is the hash of the entry before (GENESIS for the first). So:

* an entry altered in place no longer matches its hash;
* a deleted entry leaves a gap in ``seq`` (or, when the rows after it were renumbered, a
  ``prev_hash`` that names no entry);
* an entry inserted by hand cannot carry a valid hash without the key;
* a chain rewritten by someone who has the key is caught by the anchors written out before.

Personal data never enters the chain: timeline events and complaint rows are represented by keyed
digests (``mac`` over their canonical form), which prove a row unchanged without revealing it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64


def canonical(value: Any) -> str:
    """One text for one value: keys sorted, no spaces, UTF-8 as is; NaN refused."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def instant(value: datetime | None) -> str | None:
    """A moment as UTC ISO text with microseconds, whatever zone it was given in."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("audit times are aware datetimes")
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def mac(key: bytes, text: str) -> str:
    base = _KEYED.get(key)
    if base is None:
        base = _KEYED[key] = hmac.new(key, digestmod=hashlib.sha256)
    h = base.copy()  # the key's inner and outer pads are hashed once per key, not once per entry
    h.update(text.encode("utf-8"))
    return h.hexdigest()


_KEYED: dict[bytes, hmac.HMAC] = {}


def key_id(key: bytes) -> str:
    """A short public name of a key, stored in each entry so verification after a rotation knows
    which key to use; it reveals nothing about the key."""
    return hashlib.sha256(b"kesu-audit-key-id:" + key).hexdigest()[:12]


@dataclass(frozen=True)
class Entry:
    seq: int
    at: str  # instant()
    actor_id: int | None
    kind: str
    target_type: str
    target_id: str
    data: str  # canonical JSON text, stored as is
    key_id: str
    prev_hash: str
    hash: str = ""


def entry_hash(key: bytes, e: Entry) -> str:
    return mac(key, canonical([e.seq, e.at, e.actor_id, e.kind, e.target_type, e.target_id, e.data, e.prev_hash]))


@dataclass(frozen=True)
class Problem:
    """One finding of ``verify``: ``code`` for programs, ``text`` (Chinese) for people."""

    code: str
    text: str
    seq: int | None = None


def walk(entries: Iterable[Entry], keys: Mapping[str, bytes]) -> Iterator[Problem]:
    """Check the chain in ``seq`` order; yield the first break of each kind it meets. The walk
    goes on after a break (linking each entry to the one stored before it), so an altered entry
    and a later gap are both named."""
    expected, prev = 1, GENESIS
    for e in entries:
        if e.seq != expected:
            yield Problem("missing", f"第 {expected} 条" + (f"至第 {e.seq - 1} 条" if e.seq - 1 > expected else "")
                          + "审计记录缺失（被删除）", expected)
        elif e.prev_hash != prev:
            yield Problem("relinked", f"第 {e.seq} 条审计记录的前序哈希不符（其前的记录被删除、改动或重排）", e.seq)
        key = keys.get(e.key_id)
        if key is None:
            yield Problem("unknown_key", f"第 {e.seq} 条审计记录的密钥 {e.key_id} 未配置（KESU_AUDIT_OLD_KEYS）", e.seq)
        elif not hmac.compare_digest(entry_hash(key, e), e.hash):
            yield Problem("altered", f"第 {e.seq} 条审计记录与其哈希不符（被改动或伪造）", e.seq)
        expected, prev = e.seq + 1, e.hash


@dataclass(frozen=True)
class Anchor:
    seq: int
    hash: str
    at: str


def check_anchor(anchor: Anchor, stored: Entry | None, last_seq: int) -> Problem | None:
    """An anchor written out earlier names an entry the chain must still hold, unchanged."""
    if stored is None:
        if anchor.seq > last_seq:
            return Problem("truncated", f"锚点（{anchor.at}）记录到第 {anchor.seq} 条，链上只剩 {last_seq} 条"
                                        "（链尾被删除或整条链被重写）", anchor.seq)
        return Problem("anchor_missing", f"锚点（{anchor.at}）的第 {anchor.seq} 条审计记录已不存在", anchor.seq)
    if not hmac.compare_digest(stored.hash, anchor.hash):
        return Problem("rewritten", f"第 {anchor.seq} 条审计记录与锚点（{anchor.at}）不符（链被重写）", anchor.seq)
    return None
