"""The one module that changes complaints (SPEC F2, F5, F7, F8).

Every function here is one transaction that locks the complaint, asks the domain core whether
the change is allowed, writes it, and appends exactly one timeline event (who, when, what
changed, why). Nothing else writes a complaint's status — tests/complaints/test_status_writers.py
fails if anything tries. ``now`` is always passed in; nothing here reads the clock.

Concurrency: callers pass the ``expected_version`` they loaded; a mismatch means someone else
changed the complaint first, and the change is refused with StaleUpdate (their change is kept).
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from dataclasses import fields as dataclass_fields
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from kesu import tasks
from kesu.audit import services as audit_services
from kesu.audit.services import record_events
from kesu.clocks import services as clock_services
from kesu.complaints import search
from kesu.complaints.models import Attachment, Complaint, ComplaintEvent
from kesu.complaints.numbering import next_number
from kesu.complaints.timeline import INSERT_EVENTS, append_event, build_events
from kesu.core import clocks as clock_rules
from kesu.core import crisis as crisis_rules
from kesu.core import keywords
from kesu.core import lifecycle as rules
from kesu.core.attachments import Upload, check_uploads, safe_file_name
from kesu.core.errors import KesuError, StaleUpdate, TransitionRefused, ValidationFailed
from kesu.core.lifecycle import State
from kesu.core.messages import Said
from kesu.core.policy import Policy
from kesu.core.registration import RegistrationInput, clean_registration, form_missing, labelled
from kesu.core.routing import RoutingFacts, route
from kesu.core.visibility import may_see
from kesu.db.sql import Insert, column_values, rows_of
from kesu.notifications import outbox
from kesu.org import units
from kesu.org.models import Department, Staff
from kesu.org.services import BUILTIN as BUILTIN_ROLES
from kesu.org.services import held_roles, managed_department_ids, member_department_ids, roles_of
from kesu.policies.services import active_version, policy_of

EDITABLE_FIELDS = (
    "customer_name", "customer_phone", "customer_email",
    "customer_region", "customer_ref", "product_name", "product_model",
    "order_number", "purchase_date", "customer_words", "occurred_at", "occurred_place", "amount_involved",
    "demands", "extra", "is_internal",
)


@dataclass(frozen=True)
class FileIn:
    """An uploaded file, independent of how it arrived (form, API, mail). Its name is made safe
    here, once for every channel (``kesu.core.attachments.safe_file_name``: no directories, no
    control characters, at most 180 bytes with the extension kept)."""

    name: str
    content: bytes

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", safe_file_name(self.name))


# --- registration ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Prepared:
    """A registration checked and worked out, before anything is written."""

    policy: Policy
    version: Any
    data: RegistrationInput
    screening: keywords.KeywordHit
    crisis: crisis_rules.CrisisHit
    clock_plan: clock_rules.Plan
    next_shift: datetime | None
    location: Department | None
    complained_department: Department | None
    complained_staff: Staff | None
    files: Sequence[FileIn]
    unit_id: int | None = None  # F16: the business unit it is registered for (its policy version's)


def prepare_registration(
    *, now: datetime, data: RegistrationInput, location: Department | None = None,
    complained_department: Department | None = None, complained_staff: Staff | None = None,
    files: Sequence[FileIn] = (), version: Any = None, unit_id: int | None = None,
) -> Prepared:
    """Everything a registration only reads: the record template's checks, the files against the
    policy's limits, keyword screening (SPEC F3/F13: the policy's warning words raise the level, for
    every channel), the clocks' due times, whether the next shift must take it over. Raises
    ValidationFailed listing every problem by its field's label."""
    version = version or active_version(unit_id)
    policy = policy_of(version)
    errors: list[KesuError] = []
    try:
        data = clean_registration(policy, data, now=now)
    except ValidationFailed as exc:
        errors += exc.errors
    errors += labelled(policy, check_uploads([Upload(f.name, len(f.content), f.content[:16]) for f in files],
                                             policy.attachments))
    if errors:
        raise ValidationFailed(errors)
    screening = keywords.match(policy, data.customer_words, current_level=data.level)
    if screening.level:
        data = replace(data, level=screening.level)
    repeats, alerted = _recent_complaints(policy, now, phone=data.customer_phone, email=data.customer_email,
                                          ref=data.customer_ref)
    crisis = crisis_rules.detect(policy, data.customer_words, level=data.level, repeats=repeats, alerted=alerted)
    if crisis.raise_to:
        data = replace(data, level=crisis.raise_to)
    return Prepared(
        policy=policy, version=version, data=data, screening=screening, crisis=crisis,
        clock_plan=clock_services.plan_registration(policy, level=data.level, channel=data.channel, at=now,
                                                    unit_id=unit_id, category=data.category),
        next_shift=_next_shift(complained_department or location, now, unit_id), location=location,
        complained_department=complained_department, complained_staff=complained_staff, files=files,
        unit_id=unit_id)


def register_complaint(
    *, actor: Staff, now: datetime, data: RegistrationInput, location: Department | None = None,
    complained_department: Department | None = None, complained_staff: Staff | None = None,
    files: Sequence[FileIn] = (), within: Callable[[Complaint], None] | None = None, unit_id: int | None = None,
) -> Complaint:
    """F2: register a complaint under the policy in force (for ``unit_id``, F16), numbered by the
    policy's pattern. Channels call this through the one door, :func:`kesu.complaints.intake.register`."""
    prepared = prepare_registration(now=now, data=data, location=location,
                                    complained_department=complained_department,
                                    complained_staff=complained_staff, files=files, unit_id=unit_id)
    return write_registrations([prepared], actor=actor, now=now, within=within)[0]


def write_registrations(batch: Sequence[Prepared], *, actor: Staff, now: datetime,
                        within: Callable[[Complaint], None] | None = None) -> list[Complaint]:
    """Write prepared registrations in one short transaction (a spreadsheet's rows go in together
    or not at all): per complaint the number, then the complaint, its events and its clocks in one
    INSERT each. On SQLite that transaction holds the single write lock, on PostgreSQL the
    numbering row's lock; the shorter it is, the more registrations go through side by side.
    ``within`` writes the channel's own record of it (the webhook's delivery, the mail's message,
    the API's idempotency key) in the same transaction, so the two exist together or not at all."""
    stored: list[Attachment] = []
    made: list[Complaint] = []
    pending = [_before_lock(p, actor=actor, now=now) for p in batch]  # all that needs no lock
    try:
        with transaction.atomic():
            for w in pending:
                complaint = _write_one(w, actor=actor, now=now, stored=stored)
                if within is not None:
                    within(complaint)
                made.append(complaint)
    except BaseException:
        for att in stored:  # the database rolled back; take the files with it
            att.file.storage.delete(att.file.name)
        raise
    # F13, after commit, never in this request: suggestions and repeat checks (kesu.intelligence).
    # Without arguments, so a burst of registrations wakes one run that takes them all together.
    tasks.enqueue("intelligence.registered")
    return made


@dataclass
class _Pending:
    """A registration made ready outside the write transaction: the complaint without its number,
    its first events, its row's values (encrypted, blind-indexed) and its search tokens — the write
    lock (SQLite's single writer, PostgreSQL's numbering row) is then held for the writes only."""

    prepared: Prepared
    complaint: Complaint
    timeline: list[ComplaintEvent]
    row: list[Any]
    search_rest: list[str]


def _before_lock(p: Prepared, *, actor: Staff, now: datetime) -> _Pending:
    events: list[tuple[Staff | None, str, dict[str, Any]]] = [
        (actor, "registered", {"to_status": State.REGISTERED, "changes": {"number": [None, ""]}})]
    if p.screening:  # a warning rule's words are an alarm; words only to be noted are just recorded
        kind = "keyword_flagged" if p.screening.alarm else "keyword_noted"
        events.append((None, kind, {"reason": "、".join(p.screening.words), "changes": {
            "words": [None, list(p.screening.words)], "level": [None, p.screening.level]}}))
    if p.crisis:  # folded: the customer's open alert takes it in (kesu.core.crisis), nobody is alerted again
        folded = {"folded_into": [None, p.crisis.folded_into]} if p.crisis.folded_into else {}
        events.append((None, "crisis_folded" if folded else "crisis_flagged", {
            "reason": "；".join(p.crisis.reasons()), "changes": {
                "crisis": [None, p.crisis.as_params()], "level": [None, p.crisis.raise_to], **folded,
                "reason_en": [None, "; ".join(p.crisis.reasons("en"))]}}))
    if p.next_shift is not None:
        events.append((None, "after_hours_received", {"changes": {"next_shift": [None, p.next_shift.isoformat()]}}))
    # its fields as they are (asdict would put every value, each string too, through deepcopy); the two
    # containers copied: the complaint's own, never shared with the request's input
    fields = {f.name: getattr(p.data, f.name) for f in dataclass_fields(p.data)}
    fields["demands"], fields["extra"] = list(p.data.demands), copy.deepcopy(p.data.extra) if p.data.extra else {}
    complaint = INSERT_COMPLAINT.new(
        number="", policy_version=p.version, status=State.REGISTERED, version=1, event_seq=0,
        receiver=actor, location=p.location, complained_department=p.complained_department, unit_id=p.unit_id,
        complained_staff=p.complained_staff, registered_at=now, updated_at=now, updated_by=actor, **fields,
    )
    timeline = build_events(complaint, now=now, events=events)  # event_seq now counts them
    return _Pending(p, complaint, timeline, INSERT_COMPLAINT.row(complaint),
                    search.document_rest(complaint, [e.reason for e in timeline if e.reason]))


def _write_one(w: _Pending, *, actor: Staff, now: datetime, stored: list[Attachment]) -> Complaint:
    p, complaint, timeline = w.prepared, w.complaint, w.timeline
    complaint.number = w.row[NUMBER_AT] = next_number(p.policy, now)
    timeline[0].changes["number"] = [None, complaint.number]
    INSERT_COMPLAINT([complaint], [w.row])
    INSERT_EVENTS(timeline)
    search.add_prepared([(complaint, w.search_rest)])  # findable once committed
    clocks = clock_services.store_plan(complaint, p.policy, p.clock_plan, at=now)
    files = _store_files(complaint, p.files, actor=actor, now=now, stored=stored, in_event=True)
    # the audit chain: one INSERT for all of them, the clocks' and files' rows carried by the first
    record_events(complaint, timeline, [*clocks, *files])
    if p.screening.alarm:
        _tell_screening(complaint, p.screening, now, p.policy)
    alert = bool(p.crisis) and not p.crisis.folded_into
    if alert or outbox.wants(p.policy, "registered", complaint.level):
        # issue 16: the receipt, the routes and the crisis alert in one row, expanded after commit
        outbox.record("registered", complaint_id=complaint.pk, now=now, urgent=alert, params={
            "event": "registered", **({"crisis": {"reasons": p.crisis.reasons(), "reasons_en": p.crisis.reasons("en"),
                                                  **p.crisis.as_params()}} if alert else {})})
    return complaint


def _recent_complaints(policy: Policy, now: datetime, *, phone: str = "", email: str = "", ref: str = ""
                       ) -> tuple[int, str]:
    """F13 repeated complaint: how many complaints the same customer made within the policy's
    crisis window — the same customer as kesu.intelligence finds them, by the blind index of the
    phone, the e-mail address or the member number — and, when that makes this one a repeat, the
    number of the complaint whose crisis alert is open for them ("" if none). Read before the
    registering transaction, only when the policy asks; one query, two for a repeat."""
    from kesu.complaints.fields import blind

    rule = policy.crisis.repeat if policy.crisis is not None else None
    if rule is None:
        return 0, ""
    keys = [(column, blind(kind, value)) for column, kind, value in
            (("phone_index", "phone", phone), ("email_index", "email", email), ("ref_index", "ref", ref)) if value]
    keys = [(column, index) for column, index in keys if index]
    if not keys:
        return 0, ""
    from django.db import connections, router

    since = now - rule.within.as_calendar_timedelta()
    at = connections[router.db_for_read(Complaint)].ops.adapt_datetimefield_value(since)
    params = [p for _c, index in keys for p in (index, at)]
    count = int(column_values(f'SELECT COUNT(*) FROM "{Complaint._meta.db_table}" WHERE {_same_customer(keys)}',
                              params, model=Complaint)[0])
    if count + 1 < rule.count:
        return count, ""
    return count, _open_alert(_same_customer(keys, table="c."), params, since)


def _same_customer(keys: list[tuple[str, str]], *, table: str = "") -> str:
    """The customer's complaints inside the window: each key with the window, so each is read from
    its (key, registered_at) index alone (``table``: the complaints' alias in a join)."""
    return " OR ".join(f'({table}"{column}" = %s AND {table}"registered_at" >= %s)' for column, _index in keys)


def _open_alert(same: str, params: list[Any], since: datetime) -> str:
    """The number of the customer's complaint (inside the window) whose crisis alert is still open:
    the newest of theirs that raised one, or the one it was itself folded into, if inside it."""
    from django.db import connections, router

    ops = connections[router.db_for_read(Complaint)].ops
    c, e = Complaint._meta.db_table, ComplaintEvent._meta.db_table
    found = rows_of(f'SELECT c."number", e."kind", e."changes" FROM "{c}" c JOIN "{e}" e ON e."complaint_id" = c."id" '
                    f'WHERE ({same}) AND e."kind" IN (%s, %s) ORDER BY c."registered_at" DESC, c."id" DESC LIMIT 1',
                    [*params, "crisis_flagged", "crisis_folded"], model=Complaint)
    if not found:
        return ""
    number, kind, changes = found[0]
    if kind == "crisis_flagged":
        return str(number)
    into = (json.loads(changes) if isinstance(changes, str) else changes or {}).get("folded_into") or [None, ""]
    target = str(into[1] or "")
    alerted = column_values(f'SELECT COUNT(*) FROM "{c}" WHERE "number" = %s AND "registered_at" >= %s',
                            [target, ops.adapt_datetimefield_value(since)], model=Complaint) if target else [0]
    return target if alerted[0] else ""


def _tell_screening(c: Complaint, hit: keywords.KeywordHit, now: datetime, policy: Policy) -> None:
    """The CS managers are told of a complaint whose words match a warning rule (one with a level).
    Rules without a level (P1: 投诉、退款、赔偿) only note the words on the timeline: they match
    most complaints, and a notice for each would bury the ones that matter."""
    from kesu.clocks.people import with_role
    from kesu.notifications.services import notify

    notify(recipients=list(with_role("cs_manager", policy, about=c)), kind="keyword_flagged", now=now, complaint=c,
           params={"number": c.number, "words": "、".join(hit.words)}, dedupe_key=f"keyword_flagged:{c.pk}")


INSERT_COMPLAINT = Insert(Complaint)
NUMBER_AT = INSERT_COMPLAINT.index("number")


def _next_shift(department: Department | None, now: datetime, unit_id: int | None = None) -> datetime | None:
    """F3/P5: when a complaint received now, outside business hours, is handed to the next working
    shift (the 工作知会单: kesu.intake.handover); None in business hours."""
    from kesu.clocks.calendar import calendar_for

    calendar = calendar_for(department.pk if department else None, unit_id)
    return None if calendar.is_open(now) else calendar.next_opening(now)


# --- transitions ---------------------------------------------------------------------------------


def classify(
    complaint: Complaint, *, actor: Staff, now: datetime, level: str, category: str, validity: str,
    is_internal: bool | None = None, reason: str = "", expected_version: int | None = None,
) -> Complaint:
    """F4: set type, level and validity (有效投诉 / 咨询 / 求助 / 发泄 / 恶意)."""

    def change(c: Complaint, policy: Policy) -> None:
        problems = []
        if policy.level(level) is None:
            problems.append(KesuError("unknown_level", field="level", value=level))
        if category not in policy.category_codes():
            problems.append(KesuError("unknown_category", field="category", value=category))
        if validity not in {v.code for v in policy.validity}:
            problems.append(KesuError("not_one_of", field="validity", value=validity,
                                      allowed=", ".join(v.code for v in policy.validity)))
        if not problems:  # issue 18: the category's own form (药品不良反应登记表) filled, by label
            problems += form_missing(policy, category, c.extra or {})
        if problems:
            raise ValidationFailed(problems)
        c.level, c.category, c.validity = level, category, validity
        if is_internal is not None:
            c.is_internal = is_internal

    return _transition(complaint, "classify", actor=actor, now=now, reason=reason,
                       expected_version=expected_version, change=change)


def answer_invalid(complaint: Complaint, *, actor: Staff, now: datetime, explanation: str,
                   expected_version: int | None = None) -> Complaint:
    """F7: a complaint found not valid is still answered, with the explanation given."""
    return _transition(complaint, "answer_invalid", actor=actor, now=now, reason=explanation,
                       expected_version=expected_version)


def assign(
    complaint: Complaint, *, actor: Staff, now: datetime, department: Department | None = None,
    owner: Staff | None = None, reason: str = "", expected_version: int | None = None,
) -> Complaint:
    """F5: route to the responsible department — the one given, or the one the policy's routing
    rules choose; its manager (or acting deputy) owns the case, never the person complained
    about (回避)."""
    if department is None:
        department = route_department(complaint, now)
    chosen = owner or default_owner(department, complaint.complained_staff_id, now)

    def change(c: Complaint, policy: Policy) -> None:
        c.department, c.owner = department, chosen

    return _transition(complaint, "assign", actor=actor, now=now, reason=reason, expected_version=expected_version,
                       change=change, proposal=rules.Change(reason=reason, new_owner_id=chosen.pk if chosen else None,
                                                            new_department_id=department.pk))


def route_department(c: Complaint, now: datetime) -> Department:
    """The department the policy's routing rules send ``c`` to."""
    policy = policy_of(c.policy_version)
    receiver_dept = c.receiver.departments.order_by("pk").first()
    found = route(policy, RoutingFacts(
        level=c.level, category=c.category, channel=c.channel,
        location=c.location.code if c.location else None,
        complained=c.complained_department.code if c.complained_department else None,
        receiver_department=receiver_dept.code if receiver_dept else None,
    ))
    if found is None:
        raise KesuError("routing_unresolved", field="department")
    department = Department.objects.filter(code=found.department, is_active=True).first()
    if department is None:
        raise KesuError("routing_unknown_department", field="department", value=found.department, rule=found.rule)
    return department


def accept(complaint: Complaint, *, actor: Staff, now: datetime, reason: str = "",
           expected_version: int | None = None) -> Complaint:
    """F5: the owner (or the department manager / deputy) takes the case on."""

    def change(c: Complaint, policy: Policy) -> None:
        if c.owner_id is None:
            c.owner = actor

    return _transition(complaint, "accept", actor=actor, now=now, reason=reason,
                       expected_version=expected_version, change=change)


def agree_solution(complaint: Complaint, *, actor: Staff, now: datetime, plan: str,
                   expected_version: int | None = None) -> Complaint:
    """P1 第五条(三): the plan and the preliminary agreement reached with the customer."""
    return _transition(complaint, "agree_solution", actor=actor, now=now, reason=plan,
                       expected_version=expected_version)


def return_result(complaint: Complaint, *, actor: Staff, now: datetime, result: str,
                  expected_version: int | None = None) -> Complaint:
    """P1 第五条(五): the result recorded on the work order and returned to the follow-up specialist."""
    return _transition(complaint, "return_result", actor=actor, now=now, reason=result,
                       expected_version=expected_version)


def record_return_visit(complaint: Complaint, *, actor: Staff, now: datetime, satisfied: bool, conversation: str,
                        expected_version: int | None = None) -> Complaint:
    """F8: the return visit's conversation and verdict; not satisfied reopens the case and goes
    round again — past the policy's limit of unsatisfied rounds, the case is escalated."""
    action = "record_satisfied" if satisfied else "record_unsatisfied"
    with transaction.atomic():
        c = _transition(complaint, action, actor=actor, now=now, reason=conversation,
                        expected_version=expected_version)
        if not satisfied:
            _count_unsatisfied(c, policy_of(c.policy_version), now)
        return c


def raise_objection(complaint: Complaint, *, actor: Staff, now: datetime, objection: str,
                    expected_version: int | None = None) -> Complaint:
    """F8 复审: the customer objects to the result and asks the level above to review it."""
    return _transition(complaint, "object", actor=actor, now=now, reason=objection,
                       expected_version=expected_version)


def decide_objection(complaint: Complaint, *, actor: Staff, now: datetime, upheld: bool, finding: str,
                     expected_version: int | None = None) -> Complaint:
    """The policy's reviewer decides: upheld → the case is reopened for re-investigation (a new
    round: a fresh investigation report and approvals are needed); not upheld → back to follow-up,
    where the specialist tells the customer and records the verdict."""
    return _transition(complaint, "uphold_objection" if upheld else "dismiss_objection", actor=actor, now=now,
                       reason=finding, expected_version=expected_version)


def sign_off(complaint: Complaint, *, actor: Staff, now: datetime, note: str = "",
             expected_version: int | None = None) -> Complaint:
    """F8: the CS manager (the policy's sign-off role) signs the closed case."""
    return _transition(complaint, "sign_off", actor=actor, now=now, reason=note, expected_version=expected_version)


def review(complaint: Complaint, *, actor: Staff, now: datetime, note: str = "",
           expected_version: int | None = None) -> Complaint:
    """F8: the general manager (the policy's review role) reviews and signs."""
    return _transition(complaint, "review", actor=actor, now=now, reason=note, expected_version=expected_version)


def archive(complaint: Complaint, *, actor: Staff, now: datetime, note: str = "",
            expected_version: int | None = None) -> Complaint:
    """F8: admin/archive files the case; after this it changes only through a recorded reopening."""
    return _transition(complaint, "archive", actor=actor, now=now, reason=note, expected_version=expected_version)


def reopen(complaint: Complaint, *, actor: Staff, now: datetime, reason: str,
           expected_version: int | None = None) -> Complaint:
    """F8: a closed or archived case reopens only through this recorded step."""
    return _transition(complaint, "reopen", actor=actor, now=now, reason=reason, expected_version=expected_version)


# --- repeated complaints: merging a duplicate (F13) -----------------------------------------------


def merge(duplicate: Complaint, *, into: Complaint, actor: Staff, now: datetime, reason: str,
          expected_version: int | None = None) -> Complaint:
    """F13: the same complaint delivered twice — ``duplicate`` is closed as merged into ``into``,
    which continues. Both are locked (lower id first, the same order everywhere), the duplicate's
    clocks stop (a merged case runs none), and both timelines record it with a link to the other."""
    with transaction.atomic():
        d, s = _lock_pair(duplicate, expected_version, into)
        policy = policy_of(d.policy_version)
        before = _snapshot(d)
        t = rules.permit("merge", facts_of(d, policy), actor_facts(actor, d, now), rules.Change(reason=reason),
                         workflow_roles(policy))
        why = rules.merge_refusal(d.pk, s.pk, State(s.status))
        if why is None and not _may_see(actor, s, now):
            raise TransitionRefused("not_visible")
        if why:
            raise TransitionRefused("guard_failed", field="into", action=Said(*t.label), detail=why)
        d.status = t.target
        d = _save(d, before, policy, kind="merge", actor=actor, now=now, reason=reason,
                  extra={"merged_into": [None, s.number]})
        _save(s, _snapshot(s), policy_of(s.policy_version), kind="merge_received", actor=actor, now=now,
              reason=reason, extra={"merged_from": [None, d.number]})
        return d


def unmerge(duplicate: Complaint, *, actor: Staff, now: datetime, reason: str,
            expected_version: int | None = None) -> Complaint:
    """Undo a merge while the case it went into is open: the duplicate returns to the state it had,
    the clocks the merge stopped run again (their due times unchanged), both timelines record it."""
    merged = duplicate.events.filter(kind="merge").order_by("-seq").first()
    if merged is None:
        raise TransitionRefused("transition_not_allowed", action=Said(*rules.BY_ACTION["unmerge"].label),
                                state=rules.state_said(duplicate.status))
    survivor = Complaint.objects.filter(number=(merged.changes.get("merged_into") or [None, ""])[1]).first()
    if survivor is None:
        raise KesuError("bad_value", field="into",
                        detail=Said("找不到被并入的投诉", "the complaint it went into is gone"))
    with transaction.atomic():
        d, s = _lock_pair(duplicate, expected_version, survivor)
        policy = policy_of(d.policy_version)
        before = _snapshot(d)
        t = rules.permit("unmerge", facts_of(d, policy), actor_facts(actor, d, now), rules.Change(reason=reason),
                         workflow_roles(policy))
        why = rules.unmerge_refusal(State(s.status))
        if why:
            raise TransitionRefused("guard_failed", action=Said(*t.label), detail=why)
        d.status = State(merged.from_status) if merged.from_status else t.target
        from kesu.clocks.models import ComplaintClock

        resumed = list(ComplaintClock.objects.filter(complaint=d, cancelled_at=merged.at).values_list("pk", flat=True))
        ComplaintClock.objects.filter(pk__in=resumed).update(cancelled_at=None)
        audit_services.record_rows(ComplaintClock, resumed, actor=actor, now=now)  # their new digests
        d = _save(d, before, policy, kind="unmerge", actor=actor, now=now, reason=reason,
                  extra={"merged_into": [s.number, None]})
        _save(s, _snapshot(s), policy_of(s.policy_version), kind="merge_undone", actor=actor, now=now,
              reason=reason, extra={"merged_from": [d.number, None]})
        return d


def _lock_pair(first: Complaint, expected_version: int | None, other: Complaint) -> tuple[Complaint, Complaint]:
    """Lock two complaints, the lower id first; the version is checked on ``first`` (the one acted on)."""
    if first.pk < other.pk:
        a = _lock(first, expected_version)
        return a, _lock(other, None)
    b = _lock(other, None)
    return _lock(first, expected_version), b


# --- events that do not change the status ------------------------------------------------------------


def record_contact(complaint: Complaint, *, actor: Staff, now: datetime, note: str,
                   expected_version: int | None = None) -> Complaint:
    """F6: a contact with the customer (初次对应 / 对应次数 count these)."""
    return perform_activity(complaint, "contact_made", actor=actor, now=now, reason=note,
                            expected_version=expected_version)


def record_progress_call(complaint: Complaint, *, actor: Staff, now: datetime, note: str,
                         expected_version: int | None = None) -> Complaint:
    """P1 第五条(四): the follow-up specialist's call to check progress."""
    return perform_activity(complaint, "progress_call", actor=actor, now=now, reason=note,
                            expected_version=expected_version)


def record_customer_input(complaint: Complaint, *, kind: str, actor: Staff, now: datetime, text: str,
                          changes: dict[str, Any] | None = None) -> Complaint:
    """F10: what the customer adds from the portal (more information, a satisfaction rating), on
    the timeline in their words. ``actor`` is the portal's service account."""
    if kind not in ("customer_added_info", "customer_rating"):
        raise KesuError("bad_value", field="kind", detail=kind)
    if not text.strip() and kind == "customer_added_info":
        raise KesuError("required", field="text")

    def once(c: Complaint, policy: Policy) -> None:  # checked under the row lock: two clicks rate once
        if kind == "customer_added_info" and not rules.customer_may_add_info(c.status):
            raise TransitionRefused("transition_not_allowed", action=rules.event_said(kind),
                                    state=rules.state_said(c.status))
        if kind == "customer_rating" and State(c.status) not in rules.RATEABLE_STATES:
            raise TransitionRefused("transition_not_allowed", action=rules.event_said(kind),
                                    state=rules.state_said(c.status))
        if kind == "customer_rating" and c.events.filter(kind="customer_rating").exists():
            raise KesuError("portal_already_rated")

    return _event(complaint, kind, actor=actor, now=now, reason=text, expected_version=None, extra=changes,
                  change=once)


def add_note(complaint: Complaint, *, actor: Staff, now: datetime, note: str,
             expected_version: int | None = None, note_en: str = "") -> Complaint:
    """A note on the timeline. A note the system writes (the mail intake's) gives its English as
    ``note_en``, kept as ``changes["reason_en"]`` (kesu.complaints.timeline.reason_in)."""
    if not note.strip():
        raise KesuError("required", field="note")
    return perform_activity(complaint, "note", actor=actor, now=now, reason=note, expected_version=expected_version,
                            extra=(lambda: {"reason_en": [None, note_en]}) if note_en else None)


def edit_complaint(complaint: Complaint, *, actor: Staff, now: datetime, changes: dict[str, Any], reason: str,
                   expected_version: int | None = None) -> Complaint:
    """Correct registration fields; the timeline keeps the before and after of each."""
    unknown = [KesuError("unknown_field", field=k) for k in changes if k not in EDITABLE_FIELDS]
    if unknown:
        raise ValidationFailed(unknown)
    if not reason.strip():
        raise KesuError("reason_required", field="reason", action=Said(*rules.ACTIVITY_BY_ACTION["edited"].label))

    def change(c: Complaint, policy: Policy) -> None:
        current = {k: getattr(c, k) for k in EDITABLE_FIELDS if k != "is_internal"}
        current["demands"] = tuple(current["demands"])
        merged = {**current, **{k: v for k, v in changes.items() if k != "is_internal"}}
        merged["demands"] = tuple(merged["demands"])
        cleaned = clean_registration(policy, RegistrationInput(channel=c.channel, **merged), now=now)
        for key in changes:
            value = getattr(cleaned, key) if key != "is_internal" else bool(changes[key])
            setattr(c, key, list(value) if key == "demands" else value)

    return perform_activity(complaint, "edited", actor=actor, now=now, reason=reason,
                            expected_version=expected_version, change=change)


def add_attachments(complaint: Complaint, *, actor: Staff, now: datetime, files: Sequence[FileIn],
                    expected_version: int | None = None) -> Complaint:
    """F2: evidence added after registration, within the policy's limits."""
    stored: list[Attachment] = []

    def change(c: Complaint, policy: Policy) -> None:
        errors = check_uploads([Upload(f.name, len(f.content), f.content[:16]) for f in files], policy.attachments,
                               already=c.attachments.count())
        if errors:
            raise ValidationFailed(errors)
        _store_files(c, files, actor=actor, now=now, stored=stored)

    try:
        return perform_activity(complaint, "attachment_added", actor=actor, now=now,
                                reason=", ".join(f.name for f in files), expected_version=expected_version,
                                change=change)
    except BaseException:
        for att in stored:
            att.file.storage.delete(att.file.name)
        raise


def privacy_step(complaint: Complaint, kind: str, *, actor: Staff | None, now: datetime, reason: str,
                 change: Change, hidden: Sequence[str] = (), extra: dict[str, Any] | None = None) -> Complaint:
    """Issue 14: retention, a customer's erasure, a legal hold (kesu.privacy judges who may, and
    when): on a case in any state, locked, changed and recorded with one event like every step.
    The fields in ``hidden`` that change appear on the event by name only — the event must not keep
    the values the step took away."""
    with transaction.atomic():
        c = _lock(complaint, None)
        before = _snapshot(c)
        policy = policy_of(c.policy_version)
        change(c, policy)
        masked = {k: ["〔已匿名〕", "〔已匿名〕"] for k in hidden if k in before and before[k] != getattr(c, k)}
        return _save(c, before, policy, kind=kind, actor=actor, now=now, reason=reason,  # type: ignore[arg-type]
                     extra={**masked, **(extra or {})})


# --- machinery -------------------------------------------------------------------------------------

Change = Callable[[Complaint, Policy], None]
TRACKED = ("status", "level", "category", "validity", "is_internal", "unit_id", "department_id", "owner_id",
           "responsible_staff_id", "responsible_department_id", *EDITABLE_FIELDS)


@dataclass(frozen=True)
class Standing:
    """What a person's facts towards any complaint are made of: read once for a list of them."""

    roles: frozenset[str]
    managed: frozenset[int]
    members: frozenset[int]


def standing_of(staff: Staff, now: datetime) -> Standing:
    return Standing(roles_of(staff), frozenset(managed_department_ids(staff, now)),
                    frozenset(member_department_ids(staff)))


def actor_facts(staff: Staff, complaint: Complaint, now: datetime, *,
                standing: Standing | None = None) -> rules.ActorFacts:
    """How ``staff`` stands towards ``complaint``: global roles plus manager/owner/receiver
    (``standing``: read once by the caller for many complaints)."""
    s = standing or standing_of(staff, now)
    roles = s.roles
    if not held_roles(staff) <= BUILTIN_ROLES:
        # issue 18: a policy's own role (店长, 总裁办 …) carries the powers the complaint's policy
        # version gives it — its unit's — not those of the version in force where the person works
        roles = roles_of(staff, policy_of(complaint.policy_version).powers())
    return rules.ActorFacts(
        staff_id=staff.pk,
        roles=roles,
        manages_department=complaint.department_id is not None and complaint.department_id in s.managed,
        is_owner=complaint.owner_id == staff.pk,
        is_receiver=complaint.receiver_id == staff.pk,
        department_ids=s.managed | s.members,
        login=staff.username,
    )


def workflow_roles(policy: Policy) -> rules.WorkflowRoles:
    steps = {"sign_off": policy.workflow.sign_off, "archive": policy.workflow.archive,
             "objection_reviewer": policy.follow_up.objection_reviewer,
             "extension_approver": policy.workflow.extension_approver}
    if policy.capa.opened_by:
        steps["capa_opener"] = policy.capa.opened_by
    if policy.workflow.review:
        steps["review"] = policy.workflow.review
    return rules.WorkflowRoles(steps, names={r.code: (r.name, r.name_en or r.name) for r in policy.roles})


# A new round of handling starts when the customer is not satisfied, the case is reopened or an
# objection is upheld: the solution then needs its investigation and approvals afresh.
ROUND_STARTERS = ("record_unsatisfied", "reopen", "uphold_objection")


def round_started_at(c: Complaint) -> datetime | None:
    last = c.events.filter(kind__in=ROUND_STARTERS).order_by("-seq").values_list("at", flat=True).first()
    return last


def facts_of(c: Complaint, policy: Policy, *, records: bool = False, now: datetime | None = None) -> rules.Facts:
    """The snapshot the rulebook judges. Approvals, reports and transfers are looked up only in
    the states where a guard reads them; the handling records open on the complaint (clocks,
    requests, penalties) only when ``records`` — for the steps on them, and to list every step."""
    pending = 0
    solution_missing = investigation_missing = pending_transfer = False
    status = State(c.status)
    if status in (State.ASSIGNED, State.HANDLING, State.REOPENED) and c.pk:
        pending_transfer = c.transfers.filter(acknowledged_at__isnull=True).exists()
    if status == State.HANDLING and c.pk:
        since = round_started_at(c)
        current = c.approvals.all() if since is None else c.approvals.filter(requested_at__gte=since)
        pending = current.filter(state__in=("pending", "finance")).count()
        if c.level in policy.approvals.solution_levels:
            solution_missing = not current.filter(kind="solution", state="approved").exists()
        if c.level in policy.handling.investigation_levels:
            reports = c.investigations.all() if since is None else c.investigations.filter(written_at__gte=since)
            investigation_missing = not reports.exists()
    acceptance_missing = False
    required_missing: frozenset[tuple[str, str]] = frozenset()
    capa_unsettled = False
    if c.pk and status in (State.CLASSIFIED, State.HANDLING, State.SOLUTION_AGREED, State.SATISFIED):
        trail = policy.category_trail(c.category)
        if status == State.CLASSIFIED and policy.approvals.chain_for("acceptance", c.level, trail):
            acceptance_missing = not c.approvals.filter(kind="acceptance", state="approved").exists()
        required_missing = _required_missing(c, policy, status, trail)
        if status == State.SATISFIED and c.level in policy.capa.required_levels:
            actions = list(c.corrective_actions.values_list("effective", flat=True))
            capa_unsettled = not actions or not all(e is True for e in actions)
    facts = rules.Facts(
        status=status, level=c.level or None, category=c.category or None,
        validity=policy.validity_kind(c.validity),  # the policy's own kinds (抱怨类) count as a built-in one
        department_id=c.department_id, owner_id=c.owner_id, complained_staff_id=c.complained_staff_id,
        has_review_step=policy.workflow.review is not None, pending_approvals=pending,
        solution_approval_missing=solution_missing, investigation_missing=investigation_missing,
        pending_transfer=pending_transfer,
        objection_window_over=_objection_window_over(c, policy, now),
        acceptance_missing=acceptance_missing, required_missing=required_missing, capa_unsettled=capa_unsettled,
        **_unit_facts(c.unit_id),
    )
    return _with_records(c, facts, policy, now) if records and c.pk else facts


# The step each required step must come before, by the state in which that step is taken.
_BEFORE_FROM = {"agree_solution": State.HANDLING, "return_result": State.SOLUTION_AGREED, "sign_off": State.SATISFIED}


def _required_missing(c: Complaint, policy: Policy, status: State, trail: list[str]) -> frozenset[tuple[str, str]]:
    """Issue 18: the steps the policy requires of this complaint (通报相关管理部门, 书面回复) that are
    not yet on its timeline, with the step they must come before — read only in that step's state."""
    out = set()
    for step, rule in (("external_notified", policy.handling.external_notice),
                       ("written_reply", policy.handling.written_reply)):
        if rule is None or _BEFORE_FROM[rule.before] != status or not rule.applies(c.level, trail):
            continue
        if not c.events.filter(kind=step).exists():
            out.add((step, rule.before))
    return frozenset(out)


def holders_of(name: str, c: Complaint, now: datetime) -> list[Staff]:
    """Who a policy's approver name stands for on this complaint: ``person:<login>``, the manager of
    the complaint's department (and an acting deputy) for ``dept_manager``, else the role's holders."""
    from kesu.clocks.people import with_role
    from kesu.org.models import DeputyDesignation

    if name.startswith(rules.PERSON):
        return list(Staff.objects.filter(username=name[len(rules.PERSON):], is_active=True))
    if name == rules.DEPT_MANAGER:
        d = c.department
        if d is None:
            return []
        people = [d.manager] if d.manager else []
        return people + [x.deputy for x in DeputyDesignation.objects.filter(
            DeputyDesignation.active_q(now), department=d).select_related("deputy")]
    return list(with_role(name, about=c))


def approval_stage(a: Any, policy: Policy) -> tuple[list[str], Any, list[str]]:
    """(approvers, committee or None, fallback) of the stage deciding approval ``a`` now: its chain's
    current stage (policy.approvals.chains), or the one approver it was put to."""
    chain = next((ch for ch in policy.approvals.chains if ch.code == a.chain), None) if a.chain else None
    if chain is None or a.stage >= len(chain.stages):
        return [a.approver_role], None, []
    stage = chain.stages[a.stage]
    if stage.committee:
        committee = policy.approvals.committee(stage.committee)
        return list(committee.members) if committee else [], committee, list(stage.fallback)
    return [stage.approver or a.approver_role], None, list(stage.fallback)


def fallback_active(a: Any, c: Complaint, policy: Policy, now: datetime | None) -> bool:
    """The stage's fallback may decide: its time has come (fallback_after), or every person the
    stage names (but the requester) is marked absent (分管合伙人不在) — or there is nobody else at all."""
    approvers, _committee, fallback = approval_stage(a, policy)
    if not fallback or now is None:
        return False
    if a.fallback_at is not None and now >= a.fallback_at:
        return True
    # the requester is no one to wait for: nobody decides their own request
    people = [p for name in approvers for p in holders_of(name, c, now) if p.pk != a.requested_by_id]
    if not people:
        return True
    absent = set(Staff.objects.filter(pk__in=[p.pk for p in people], absences__starts_at__lte=now).filter(
        Q(absences__ends_at__isnull=True) | Q(absences__ends_at__gt=now)).values_list("pk", flat=True))
    return all(p.pk in absent for p in people)


def approval_deciders(a: Any, c: Complaint, policy: Policy, now: datetime | None) -> frozenset[str]:
    """Who may decide approval ``a`` now: the stage's approver or committee members, and its fallback
    once that applies (role codes and ``person:<login>``)."""
    approvers, _committee, fallback = approval_stage(a, policy)
    out = set(approvers)
    if fallback and fallback_active(a, c, policy, now):
        out |= set(fallback)
    return frozenset(out)


def _unit_facts(unit_id: int | None) -> dict[str, bool]:
    """F16: whether the case's unit has a unit above it and units below it (the cached tree: no query)."""
    node = units.node(unit_id)
    if node is None:
        return {}
    tree = units.tree()
    return {"unit_above": tree.get(node.parent_id) is not None,
            "units_below": any(u.is_active for u in tree.children(node.id))}


def _objection_window_over(c: Complaint, policy: Policy, now: datetime | None) -> bool:
    """Past the policy's window after closing (the last sign-off), the customer may no longer object."""
    if now is None or c.pk is None or State(c.status) not in rules.CLOSED_STATES:
        return False
    closed_at = c.events.filter(kind="sign_off").order_by("-seq").values_list("at", flat=True).first()
    return rules.objection_window_over(closed_at, now, policy.follow_up.objection_within.as_calendar_timedelta())


def _with_records(c: Complaint, facts: rules.Facts, policy: Policy, now: datetime | None) -> rules.Facts:
    from kesu.clocks.models import ExtensionRequest, PenaltyEntry

    clocks = list(c.clocks.filter(stopped_at__isnull=True, cancelled_at__isnull=True).values_list("paused_at",
                                                                                                   flat=True))
    pending = c.approvals.filter(state="pending")
    if State(c.status) in rules.CLOSED_STATES:  # issue 18: a closed case decides only its reward
        pending = pending.filter(kind__in=sorted(rules.DECIDED_AFTER_CLOSING))
    waiting = [(role, a.requested_by_id) for a in pending for role in approval_deciders(a, c, policy, now)]
    capas = list(c.corrective_actions.exclude(effective=True).values_list("owner_id", "done_at"))
    return replace(
        facts, records_loaded=True,
        capa_owners=frozenset(owner for owner, done in capas if done is None),
        capa_awaiting_verification=any(done is not None for _owner, done in capas),
        running_clock=any(p is None for p in clocks), paused_clock=any(p is not None for p in clocks),
        pending_extension=ExtensionRequest.objects.filter(complaint=c, state="pending").exists(),
        approver_roles=frozenset(r for r, _ in waiting), approval_requesters=frozenset(b for _, b in waiting),
        finance_pending=c.approvals.filter(state="finance").exists(),
        assist_departments=frozenset(c.assists.filter(answered_at__isnull=True).values_list("department_id",
                                                                                            flat=True)),
        unwaived_penalty=PenaltyEntry.objects.filter(complaint=c, waived_at__isnull=True).exists(),
    )


def perform_activity(complaint: Complaint, action: str, *, actor: Staff, now: datetime, reason: str,
                     expected_version: int | None, change: Change | None = None,
                     event: Callable[[], str] | str | None = None,
                     extra: Callable[[], dict[str, Any]] | None = None) -> Complaint:
    """A step that keeps the status (kesu.workflow.services, kesu.clocks.extensions, the ledger):
    judged by the same rulebook (state, role, reason, what must be open), applied in one
    transaction — the complaint locked first, then any record ``change`` touches — with its
    timeline event (``event``, when it differs from the step's code, is read after ``change``:
    approved or rejected) and clock effects."""
    with transaction.atomic():
        c = _lock(complaint, expected_version)
        policy = policy_of(c.policy_version)
        before = _snapshot(c)
        activity = rules.ACTIVITY_BY_ACTION.get(action)
        if activity and rules.ANYONE in activity.roles and activity.available is None and not _may_see(actor, c, now):
            raise TransitionRefused("not_visible")  # open to anyone who sees the case: a note, a file
        # Issue 18: a step open to whoever something waits for (an approval's role) is still taken only by
        # a person whose units include the case's — another store's manager holds the role, not the case.
        if action in DECIDED_BY_ROLE and not units.covers(actor.unit_id, c.unit_id):
            raise TransitionRefused("not_visible")
        rules.permit_activity(action, facts_of(c, policy), actor_facts(actor, c, now), reason, workflow_roles(policy))
        if change is not None:
            change(c, policy)
        kind = event() if callable(event) else (event or action)
        c = _save(c, before, policy, kind=kind, actor=actor, now=now, reason=reason,
                  extra=extra() if extra is not None else None)
        if kind == "contact_made":
            _count_contact(c, policy, now)
        return c


def _transition(complaint: Complaint, action: str, *, actor: Staff, now: datetime, reason: str,
                expected_version: int | None, change: Change | None = None,
                proposal: rules.Change | None = None) -> Complaint:
    with transaction.atomic():
        c = _lock(complaint, expected_version)
        policy = policy_of(c.policy_version)
        before = _snapshot(c)
        proposal = proposal or rules.Change(reason=reason)
        # State and role are judged on the complaint as it stands; guards on what it will become.
        t = rules.permit(action, facts_of(c, policy), actor_facts(actor, c, now), proposal, workflow_roles(policy))
        if change is not None:
            change(c, policy)
        rules.check_guards(t, facts_of(c, policy, now=now), proposal)
        c.status = t.target
        return _save(c, before, policy, kind=action, actor=actor, now=now, reason=reason)


def _event(complaint: Complaint, kind: str, *, actor: Staff, now: datetime, reason: str,
           expected_version: int | None, change: Change | None = None,
           extra: dict[str, Any] | None = None) -> Complaint:
    with transaction.atomic():
        c = _lock(complaint, expected_version)
        if State(c.status) == State.ARCHIVED:
            raise TransitionRefused("transition_not_allowed", action=rules.event_said(kind),
                                    state=rules.state_said(c.status))
        before = _snapshot(c)
        policy = policy_of(c.policy_version)
        if change is not None:
            change(c, policy)
        return _save(c, before, policy, kind=kind, actor=actor, now=now, reason=reason, extra=extra)


def _lock(complaint: Complaint, expected_version: int | None) -> Complaint:
    c = Complaint.objects.select_for_update().select_related("policy_version").get(pk=complaint.pk)
    if expected_version is not None and c.version != expected_version:
        who = c.updated_by.display_name or c.updated_by.username if c.updated_by else "他人"
        raise StaleUpdate("stale_update", who=who, when=timezone.localtime(c.updated_at).strftime("%Y-%m-%d %H:%M"))
    return c


def _may_see(actor: Staff, c: Complaint, now: datetime) -> bool:
    departments = member_department_ids(actor) | managed_department_ids(actor, now)
    return may_see(roles=roles_of(actor), staff_id=actor.pk, department_ids=departments,
                   complaint_department_id=c.department_id, owner_id=c.owner_id, receiver_id=c.receiver_id,
                   unit_scope=units.scope_of(actor), complaint_unit_id=c.unit_id,
                   ) or c.assists.filter(department_id__in=departments).exists()  # asked to help (协办)


DECIDED_BY_ROLE = frozenset({"approval_decided", "finance_reviewed"})  # waiting for a role, not a person or department


def _snapshot(c: Complaint) -> dict[str, Any]:
    return {k: getattr(c, k) for k in TRACKED}


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _save(c: Complaint, before: dict[str, Any], policy: Policy, *, kind: str, actor: Staff, now: datetime,
          reason: str, extra: dict[str, Any] | None = None) -> Complaint:
    """Write the change, its timeline event, and what it does to the clocks (SPEC F6)."""
    after = _snapshot(c)
    diff = {k: [_jsonable(before[k]), _jsonable(after[k])] for k in TRACKED if before[k] != after[k] and k != "status"}
    diff.update(extra or {})
    early = clock_services.too_early(c, policy, event=kind, at=now)
    if early:  # issue 18: recorded, but too early to complete a "not before" clock
        diff["too_early"] = [None, early]
    c.version += 1
    c.updated_at, c.updated_by = now, actor
    append_event(c, actor=actor, now=now, kind=kind, from_status=before["status"], to_status=c.status, changes=diff,
                 reason=reason)
    search.on_change(c, diff, reason)
    if before["level"] != c.level or (before["category"] != c.category and _category_clocks(policy)):
        clock_services.on_level_change(c, policy, at=now)
    clock_services.on_event(c, policy, event=kind, at=now)
    c.save()
    _tell_routes(c, policy, kind=kind, level_before=before["level"], reason=reason, now=now)
    return c


def _category_clocks(policy: Policy) -> bool:
    """Whether the policy times some complaints by their category (issue 18)."""
    return any(k.categories or k.category_targets for k in policy.clocks)


def _tell_routes(c: Complaint, policy: Policy, *, kind: str, level_before: str, reason: str, now: datetime) -> None:
    """Issue 16: a step the policy's routes name, or a level that makes the complaint a crisis, leaves
    one dispatch row in this transaction; who hears of it, and how, is worked out after commit."""
    if crisis_rules.became_crisis(policy, level_before, c.level):
        hit = crisis_rules.detect(policy, "", level=c.level)
        outbox.record("crisis", complaint_id=c.pk, now=now, urgent=True,
                      params={"reasons": hit.reasons(), "reasons_en": hit.reasons("en")})
    if outbox.wants(policy, kind, c.level):
        outbox.record(kind, complaint_id=c.pk, now=now, params={"event": kind, "result": reason[:500]})


def _count_contact(c: Complaint, policy: Policy, now: datetime) -> None:
    """对应次数: past the level's limit of contacts, the policy's escalation role is told."""
    contacts = c.events.filter(kind="contact_made").count()
    if not clock_rules.contact_limit_exceeded(policy, c.level, contacts):
        return
    level = policy.level(c.level)
    assert level is not None and level.contact_attempts is not None
    append_event(c, actor=None, now=now, kind="contact_limit_exceeded",
                 changes={"contacts": [level.contact_attempts, contacts]})
    c.save(update_fields=["event_seq"])
    from kesu.clocks.alerts import alert_contact_limit

    alert_contact_limit(c, contacts=contacts, limit=level.contact_attempts, escalate_to=policy.follow_up.escalate_to,
                        now=now)


def _count_unsatisfied(c: Complaint, policy: Policy, now: datetime) -> None:
    """F8: each not-satisfied verdict is a round; past the policy's limit the case is escalated."""
    rounds = c.events.filter(kind="record_unsatisfied").count()
    limit = policy.follow_up.max_unsatisfied_rounds
    if rounds <= limit:
        return
    append_event(c, actor=None, now=now, kind="unsatisfied_limit_exceeded", changes={"rounds": [limit, rounds]})
    c.save(update_fields=["event_seq"])
    from kesu.clocks.people import manager_above, with_role
    from kesu.notifications.services import notify

    recipients = set(with_role(policy.follow_up.escalate_to, policy, about=c)) | set(
        manager_above(c.department, c.owner, about=c))
    params = {"number": c.number, "rounds": rounds, "limit": limit}
    notify(recipients=list(recipients), kind="unsatisfied_limit_exceeded", now=now, complaint=c, params=params,
           dedupe_key=f"unsatisfied_limit:{c.pk}:{rounds}")
    outbox.route_event("unsatisfied_limit_exceeded", policy=policy, complaint_id=c.pk, level=c.level, now=now,
                       params=params, told=recipients)


def _store_files(c: Complaint, files: Sequence[FileIn], *, actor: Staff, now: datetime,
                 stored: list[Attachment], in_event: bool = False) -> list[Attachment]:
    """Write each file and its row; each file written is in ``stored`` at once, so the caller's
    rollback takes it away even when a later file or row fails (no orphan on disk). Each row is an
    entry of the audit chain (``record.saved``), or, ``in_event``, carried by the caller's event
    entry (registration: ``record_events(rows=…)``)."""
    made = []
    for f in files:
        digest = hashlib.sha256(f.content).hexdigest()
        att = Attachment(complaint=c, name=f.name, size=len(f.content), sha256=digest, uploaded_by=actor,
                         uploaded_at=now)
        att.file.save(f.name, ContentFile(f.content), save=False)
        stored.append(att)
        if in_event:
            setattr(att, audit_services.IN_EVENT, True)
        att.save()
        made.append(att)
    return made


def default_owner(department: Department, complained_staff_id: int | None, now: datetime) -> Staff | None:
    """The department manager, or the designated deputy when the manager is on leave of the case (回避)."""
    from kesu.org.models import DeputyDesignation

    if department.manager_id and department.manager_id != complained_staff_id:
        return department.manager
    deputy = (
        DeputyDesignation.objects.filter(DeputyDesignation.active_q(now), department=department)
        .exclude(deputy_id=complained_staff_id).select_related("deputy").first()
    )
    return deputy.deputy if deputy else None
