"""The one door (SPEC F2, F3): every channel — the staff form, the API, the portal, the webhook,
mail, the spreadsheet import, suggestion-box slips — turns what it received into a ``Received``
and calls :func:`register`. The channel adds only what is its own (the mail's thread, the
webhook's message id, the sheet's row number, written by ``within`` in the registration's own
transaction); everything else is the same for all of them:

* one mapping of field values to the record template (``kesu.core.registration.read_fields``):
  every field the policy's template defines, its industry fields and demands included, with the
  same checks and the same errors, each naming the field by its label;
* the files against the policy's limits, content checked against the extension;
* keyword and crisis screening (the policy's warning words raise the level and tell the CS managers);
* one short write transaction (``lifecycle.write_registrations``) — no channel wraps it in a longer one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings

from kesu.complaints import lifecycle
from kesu.complaints.lifecycle import FileIn, Prepared
from kesu.complaints.models import Complaint
from kesu.core.attachments import Upload, check_uploads
from kesu.core.errors import KesuError, ValidationFailed
from kesu.core.registration import labelled, read_fields
from kesu.org import units
from kesu.org.models import Department, Staff
from kesu.policies.services import active_version, policy_of

__all__ = ["FileIn", "Received", "Registered", "check", "policy_in_force", "register", "register_batch"]


@dataclass(frozen=True)
class Received:
    """What a channel received, by the record template's field names (``customer_words``,
    ``customer_phone``, ``demands``, ``extra.unit_number`` …; see ``read_fields``)."""

    channel: str
    fields: Mapping[str, Any]
    files: Sequence[FileIn] = ()
    complained_department: Department | str | None = None  # the department itself or its code
    location: Department | str | None = None
    complained_staff: Staff | None = None
    # F16: the business unit it is for (the unit itself, its code or id) as the channel says it — the
    # API's, portal's and webhook's ``unit``, a mailbox's own, a sheet's column; empty: the
    # registering person's unit, else the installation's own (no units: as before).
    unit: Any = None


@dataclass
class Registered:
    complaint: Complaint
    left_out: list[str] = field(default_factory=list)  # files not kept, each with the reason (lenient channels)


def policy_in_force(unit_id: int | None = None) -> Any:
    return policy_of(active_version(unit_id))


def unit_of(received: Received, actor: Staff | None) -> int | None:
    """The unit a registration is for: the one the channel names, else the registering person's.
    A person of a unit below the group registers only for their unit or one below it. Raises
    KesuError naming the field ``unit``. No query once the unit tree is cached."""
    named = units.active_unit(received.unit)
    scope = units.scope_of(actor)
    if named is None:
        own = getattr(actor, "unit_id", None)
        return own if own is not None and units.node(own) is not None else None
    if scope is not None and named.id not in scope:
        raise KesuError("unit_out_of_scope", field="unit", value=named.name)
    return named.id


def _department(value: Department | str | None, name: str, errors: list[KesuError]) -> Department | None:
    if value is None or value == "":
        return None
    if isinstance(value, Department):
        return value
    found = Department.objects.filter(code=str(value).strip(), is_active=True).first()
    if found is None:
        errors.append(KesuError("unknown_department", field=name, value=value))
    return found


def check(received: Received, *, now: datetime, lenient_files: bool = False,
          version: Any = None, actor: Staff | None = None) -> tuple[Prepared, list[str]]:
    """Read and check ``received`` as a registration; nothing is written. Raises ValidationFailed
    naming every problem by its field's label. With ``lenient_files`` (mail: a message is
    registered with what could be read) files the policy refuses are left out and named instead.
    The policy is the version in force for the registration's business unit (``unit_of``)."""
    unit_errors: list[KesuError] = []
    try:
        unit_id = unit_of(received, actor)
    except KesuError as exc:
        unit_errors.append(exc)
        unit_id = None
    version = version or active_version(unit_id)
    policy = policy_of(version)
    errors: list[KesuError] = list(unit_errors)
    try:
        data = read_fields(policy, received.channel, received.fields, tz=ZoneInfo(settings.TIME_ZONE))
    except ValidationFailed as exc:
        errors += exc.errors
        data = None
    complained = _department(received.complained_department, "complained_department", errors)
    location = _department(received.location, "location", errors)
    files, left_out = list(received.files), []
    if lenient_files:
        files = []
        for f in received.files:
            problems = check_uploads([Upload(f.name, len(f.content), f.content[:16])], policy.attachments,
                                     already=len(files))
            if problems:
                left_out.append(f"{f.name}（{'；'.join(e.message() for e in problems)}）")
            else:
                files.append(f)
    if errors:
        raise ValidationFailed(labelled(policy, errors))
    assert data is not None
    prepared = lifecycle.prepare_registration(
        now=now, data=data, location=location, complained_department=complained,
        complained_staff=received.complained_staff, files=files, version=version, unit_id=unit_id)
    return prepared, left_out


def register(received: Received, *, actor: Staff, now: datetime, lenient_files: bool = False,
             within: Callable[[Complaint], None] | None = None) -> Registered:
    """Register one complaint from any channel."""
    prepared, left_out = check(received, now=now, lenient_files=lenient_files, actor=actor)
    [complaint] = lifecycle.write_registrations([prepared], actor=actor, now=now, within=within)
    return Registered(complaint, left_out)


def register_batch(batch: Sequence[Received], *, actor: Staff, now: datetime,
                   within: Callable[[Complaint], None] | None = None) -> list[Complaint]:
    """Register several complaints together or not at all (a spreadsheet's rows): every one is
    checked first; then one write transaction. Each under the version in force for its unit."""
    prepared = [check(r, now=now, actor=actor)[0] for r in batch]
    return lifecycle.write_registrations(prepared, actor=actor, now=now, within=within)
