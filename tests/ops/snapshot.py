"""What an installation holds, told by a process of that installation (``python -m kesu shell -c``):
every complaint with its number, status, personal fields as read (decrypted), its whole timeline,
clocks and penalties, and every attachment with the SHA-256 of the bytes in storage; the audit
entries if the audit app is there. The backup and the SQLite → PostgreSQL tests compare two of these,
told by two installations, so they do not rely on the code they test to say all is well."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from typing import Any

SCRIPT = "from tests.ops.snapshot import show; show()"


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def snapshot() -> dict[str, Any]:
    from datetime import UTC

    from django.apps import apps
    from django.core.files.storage import default_storage

    from kesu.clocks.models import ComplaintClock, PenaltyEntry
    from kesu.complaints.models import Attachment, Complaint, ComplaintEvent

    def utc(v: Any) -> str | None:
        return _iso(v.astimezone(UTC)) if v is not None else None

    out: dict[str, Any] = {}
    for c in Complaint.objects.order_by("number"):
        events = [[e.seq, e.kind, utc(e.at), e.from_status, e.to_status, json.dumps(e.changes, sort_keys=True),
                   e.reason] for e in ComplaintEvent.objects.filter(complaint=c).order_by("seq")]
        clocks = [[k.code, utc(k.started_at), utc(k.due_at), utc(k.breached_at), utc(k.stopped_at), k.met]
                  for k in ComplaintClock.objects.filter(complaint=c).order_by("code", "started_at")]
        penalties = [[p.kind, str(p.amount), utc(p.booked_at)]
                     for p in PenaltyEntry.objects.filter(complaint=c).order_by("booked_at", "kind")]
        files = []
        for a in Attachment.objects.filter(complaint=c).order_by("name"):
            with default_storage.open(a.file.name, "rb") as fh:
                files.append([a.name, a.sha256, hashlib.sha256(fh.read()).hexdigest()])
        out[c.number] = {"status": c.status, "level": c.level, "version": c.version, "registered_at":
                         utc(c.registered_at), "name": c.customer_name, "phone": c.customer_phone,
                         "email": c.customer_email, "words": c.customer_words, "events": events, "clocks": clocks,
                         "penalties": penalties, "files": files}
    audit = 0
    if apps.is_installed("kesu.audit"):
        audit = sum(m._base_manager.count() for m in apps.get_app_config("audit").get_models())
    return {"complaints": out, "audit_entries": audit}


def show() -> None:
    sys.stdout.write("\nSNAPSHOT " + json.dumps(snapshot(), ensure_ascii=False) + "\n")


def told_by(env: dict[str, str]) -> dict[str, Any]:
    """The snapshot as another installation (its environment) tells it."""
    done = subprocess.run([sys.executable, "-m", "kesu", "shell", "-c", SCRIPT], env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    line = next(x for x in done.stdout.splitlines() if x.startswith("SNAPSHOT "))
    result: dict[str, Any] = json.loads(line.removeprefix("SNAPSHOT "))
    return result


PDF = b"%PDF-1.4 the customer's invoice"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
MAKE = "from tests.ops.snapshot import make_day; make_day()"


def make_day() -> None:
    """A small installation with everything a backup must keep: P1 and the demo organisation, a case
    walked through to its archive, a 重大投诉 whose first response was breached (event, penalty), evidence
    files, personal fields (phone, e-mail) stored encrypted."""
    from datetime import timedelta

    from django.utils import timezone

    from kesu.clocks.sweep import sweep
    from kesu.complaints import lifecycle
    from kesu.core.lifecycle import State
    from kesu.core.policy.io import PRESETS_DIR
    from kesu.ops.demo import load_demo_organisation
    from kesu.policies.services import import_and_publish
    from tests.factories import bring_to, register

    now = timezone.now()
    import_and_publish(text=(PRESETS_DIR / "p1_four_level.yaml").read_text(encoding="utf-8"), actor=None,
                       now=now - timedelta(days=10))
    people = load_demo_organisation(now - timedelta(days=10))
    bring_to(State.ARCHIVED, people, now - timedelta(days=3), customer_phone="13711112222")
    late = register(people, now - timedelta(hours=2), level="major", customer_email="ma@customer.test")
    sweep(now=now)  # its 10-minute first response is long past: breach and penalty booked
    lifecycle.add_attachments(late, actor=people["wangkf"], now=now, files=[
        lifecycle.FileIn("现场照片.png", PNG), lifecycle.FileIn("发票.pdf", PDF)])
    register(people, now - timedelta(hours=1), customer_phone="13900001111", customer_name="欧阳女士")
