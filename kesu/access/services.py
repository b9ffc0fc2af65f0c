"""The reveal of a full value with a reason, and the registration page's throttled phone lookup.
Both leave a row here; a reveal is also an entry of the audit chain (kesu.audit)."""

from __future__ import annotations

from datetime import datetime
from importlib import import_module
from typing import Any

from django.apps import apps
from django.db import transaction

from kesu.access.models import REASONS, PhoneLookup, Reveal
from kesu.access.shown import full_value, may_reveal, reader
from kesu.core.errors import KesuError
from kesu.portal.limits import Limit


# A clerk on the phone line looks up a caller or two a minute; guessing a masked number's four
# hidden digits takes thousands of lookups. 60 an hour per account, counted by every worker.
class NotAllowed(Exception):
    """The policy does not give this reader the full value (the view answers 403)."""


LOOKUPS = Limit("staff_phone_lookup", 60, 3600)


def reveal(c: Any, name: str, *, staff: Any, reason: str, note: str, now: datetime) -> str:
    """The full value of ``name`` on ``c`` for ``staff``, logged with the reason; refused (the
    value never leaves) when the policy does not give this reader the full value."""
    who = reader(staff, c, now)
    if not may_reveal(c, who, name):
        raise NotAllowed(name)
    note = note.strip()[:200]
    if reason not in REASONS:
        raise KesuError("required", field="reason", label=("查看原因", "Reason"))
    if reason == "other" and not note:
        raise KesuError("required", field="note", label=("说明", "Note"))
    with transaction.atomic():
        Reveal.objects.create(at=now, staff=staff, complaint=c, field=name, reason=reason, note=note)
        _chain("personal.reveal", actor=staff, now=now, target=("complaint", c.number),
               data={"field": name, "reason": reason, "note": note})
    return full_value(c, name)


def log_print(c: Any, printed: Any, *, staff: Any, form: str, now: datetime) -> None:
    """A paper form that carries a full value the page shows only after a reveal: one reveal row
    per field, reason 处理投诉, the form named in the note (printing is asked for by a click too)."""
    fields = list(getattr(printed, "printed_full", []))
    if not fields:
        return
    with transaction.atomic():
        for name in fields:
            Reveal.objects.create(at=now, staff=staff, complaint=c, field=name, reason="handling",
                                  note=f"打印 {form}")
        _chain("personal.print", actor=staff, now=now, target=("complaint", c.number),
               data={"fields": fields, "form": form})


def _chain(kind: str, **entry: Any) -> None:
    """Into the tamper-evident audit chain (kesu.audit.record) when that app is installed; the
    Reveal row is the record either way."""
    if apps.is_installed("kesu.audit"):
        import_module("kesu.audit").record(kind, **entry)


def lookup_allowed(staff: Any, phone_index: str, now: datetime) -> bool:
    """Spend one of the account's lookups; False (and logged as refused) when none is left."""
    if LOOKUPS.spend(str(staff.pk)) is None:
        PhoneLookup.objects.create(at=now, staff=staff, phone_index=phone_index, refused=True)
        return False
    return True


def log_lookup(staff: Any, phone_index: str, found: int, now: datetime) -> None:
    PhoneLookup.objects.create(at=now, staff=staff, phone_index=phone_index, found=found)
