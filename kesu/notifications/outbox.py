"""The outbox of routes, channels and crisis alerts (issue 16, docs/notifications.md).

1. **In the cause's transaction, one INSERT**: :func:`record` writes a :class:`Dispatch` — the event,
   the complaint, the few parameters the message quotes. A registration writes exactly one (its
   receipt, its routes and its crisis alert in one row), so the registering request does nothing more.
2. **After commit, expand** (:func:`expand`, task ``notifications.dispatch``): the complaint's policy
   says which routes the event takes (and, for a crisis, the team, legal and brand); each person gets
   each channel once — an inbox notice, an e-mail, an SMS — each robot one post, the customer one
   message by SMS or e-mail as they gave. Every message is a :class:`Delivery` with a unique key
   built from the dispatch, so expanding twice makes nothing twice.
3. **Send** (:func:`send_due`, task ``notifications.send``): each delivery is claimed with a
   conditional UPDATE, sent outside any transaction by its channel's adapter, and retried with
   backoff. A robot is sent to within its platform's limits (企业微信 / 钉钉 20 a minute, 飞书 5 a
   second); what waits beyond them is folded into one digest, never dropped; a robot that answers
   errors is backed off as a whole (钉钉 130101: ten minutes) and its messages wait for it.

The kernel and the clocks call :func:`record`; nothing here reads the complaint tables directly —
the complaints app installs :data:`SUBJECTS` (a loader of what a message needs), the portal the
customer's rating link in :data:`LINKS`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from kesu.core.policy import Policy
from kesu.db.sql import Insert
from kesu.notifications.channels import email as email_channel
from kesu.notifications.channels import sms as sms_channel
from kesu.notifications.channels.base import Outgoing, SendFailed, fit_bytes
from kesu.notifications.channels.robots import ADAPTERS
from kesu.notifications.messages import render_message
from kesu.notifications.models import (
    CrisisAcknowledgement,
    CrisisAlert,
    Delivery,
    Dispatch,
    Notification,
    QuietHours,
    Robot,
)
from kesu.org.models import Department, Staff
from kesu.org.services import role_holders
from kesu.tasks import enqueue

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 10  # e-mail and SMS: then failed, shown to administrators (a robot's messages never give up)
STALE_CLAIM = timedelta(minutes=5)
ROBOT_BACKOFF_CAP = 600.0  # seconds: a failing robot is tried at least every ten minutes


@dataclass(frozen=True)
class Subject:
    """What a message needs to know of its complaint (installed by kesu.complaints.notices)."""

    id: int
    number: str
    level: str
    level_name: str
    level_en: str
    version: Any  # the PolicyVersion it is registered under
    department_id: int | None
    owner_id: int | None
    receiver_id: int | None
    phone: str = ""
    email: str = ""
    lang: str = "zh-hans"
    unit_id: int | None = None  # issue 18: a role named by a route reaches only this unit and those above


SUBJECTS: dict[str, Callable[[int], Subject | None]] = {}
LINKS: dict[str, Callable[[int], str]] = {}  # "rating" → the customer's rating link of a complaint id


def subject(complaint_id: int) -> Subject | None:
    loader = SUBJECTS.get("complaint")
    return loader(complaint_id) if loader else None


# ---- 1. in the cause's transaction --------------------------------------------------------------

INSERT_DISPATCH = Insert(Dispatch)


def record(event: str, *, complaint_id: int | None, now: datetime, params: dict[str, Any] | None = None,
           urgent: bool = False) -> Dispatch:
    """One INSERT in the caller's transaction; expanded after commit (at once when ``urgent``,
    otherwise by the next run of ``notifications.dispatch``, a few seconds later)."""
    d = Dispatch(event=event, complaint_id=complaint_id, params=params or {}, created_at=now)
    INSERT_DISPATCH([d])
    if urgent:
        enqueue("notifications.dispatch")
    return d


def route_event(event: str, *, policy: Policy, complaint_id: int, level: str, now: datetime,
                params: dict[str, Any], told: Iterable[Any] = ()) -> Dispatch | None:
    """A system event (a breach, an automatic escalation) in its cause's transaction: one dispatch
    when the policy routes it. ``told``: the people its built-in notice reaches in the inbox and by
    e-mail — the routes add only what they lack."""
    if not wants(policy, event, level):
        return None
    ids = sorted({getattr(p, "pk", p) for p in told if p is not None})
    return record(event, complaint_id=complaint_id, now=now, params={**params, "told": ids})


def routes_for(policy: Policy, event: str, level: str = "") -> list[Any]:
    return [r for r in policy.notifications.routes if r.event == event and (not r.levels or level in r.levels)]


def wants(policy: Policy, event: str, level: str = "") -> bool:
    """Whether any route of the policy takes ``event`` (the kernel asks before writing a dispatch)."""
    return any(r.event == event and (not r.levels or level in r.levels) for r in policy.notifications.routes)


# ---- 2. after commit: expand into inbox notices and deliveries -----------------------------------


@dataclass
class Plan:
    kind: str
    targets: list[str]
    channels: list[str]
    within: timedelta | None
    quiet: bool
    params: dict[str, Any] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)  # a crisis: why, for its alert record
    approvers: list[int] = field(default_factory=list)  # approval_waiting: who "@approver" names
    # people the cause's own notice already reached in the inbox and by e-mail (the approvers' 待审批
    # notice, the report's readers): the route adds only the channels they lack
    told: list[int] = field(default_factory=list)


def expand(*, now: datetime, limit: int = 200, budget: float | None = None) -> int:
    """Expand waiting dispatches. Everything that only reads (the complaint, the policy, whom the
    routes name) is worked out outside any transaction; each dispatch that makes messages is then
    claimed and written in one short transaction (on SQLite the write lock is held for its INSERTs
    only, never across a batch), and those that make none are marked done in one UPDATE. A
    dispatch that cannot be expanded is set aside with its error (shown in the admin)."""
    from kesu.policies.services import policy_of

    done, empty = 0, []
    stop_at = time.monotonic() + budget if budget is not None else None
    for d in list(Dispatch.objects.filter(expanded_at__isnull=True).order_by("created_at", "pk")[:limit]):
        if stop_at is not None and time.monotonic() > stop_at:
            break  # the periodic run yields to the requests; the next run carries on
        try:
            subj = subject(d.complaint_id) if d.complaint_id else None
            policy = policy_of(subj.version) if subj else _policy_without_complaint(d)
            plans = plans_for(d, subj, policy, now)
            work = [_plan_rows(d, plan, subj, now) for plan in plans]
        except Exception as exc:
            log.exception("dispatch %s could not be expanded", d.pk)
            Dispatch.objects.filter(pk=d.pk, expanded_at__isnull=True).update(
                expanded_at=now, params={**d.params, "_error": repr(exc)[:500]})
            continue
        crisis = next((p for p in plans if p.kind == "crisis"), None)
        if crisis is None and not any(notes or rows for notes, rows in work):
            empty.append(d.pk)
            continue
        with transaction.atomic():
            if not Dispatch.objects.filter(pk=d.pk, expanded_at__isnull=True).update(expanded_at=now):
                continue  # another expander has it
            if crisis is not None and subj is not None and policy is not None:
                _open_crisis(d, subj, policy, crisis.reasons, now)
            for notes, rows in work:
                if notes:
                    Notification.objects.bulk_create(notes, ignore_conflicts=True)
                if rows:
                    Delivery.objects.bulk_create(rows, ignore_conflicts=True)
        done += 1
    if empty:
        done += Dispatch.objects.filter(pk__in=empty, expanded_at__isnull=True).update(expanded_at=now)
    return done


def _policy_without_complaint(d: Dispatch) -> Policy | None:
    """An event of no complaint (report_ready) carries the policy version in force when it happened."""
    from kesu.policies.models import PolicyVersion
    from kesu.policies.services import policy_of

    version = PolicyVersion.objects.filter(pk=d.params.get("version")).first() if d.params.get("version") else None
    return policy_of(version) if version is not None else None


def plans_for(d: Dispatch, subj: Subject | None, policy: Policy | None, now: datetime) -> list[Plan]:
    if policy is None:
        return []
    if subj is None:  # an event of no complaint (report_ready): its routes alone
        if d.complaint_id is not None:
            return []  # the complaint is gone
        params = {k: v for k, v in d.params.items() if k not in ("version", "told")}
        told = [int(pk) for pk in d.params.get("told") or []]
        return [Plan(r.template or d.event, list(r.to), list(r.channels),
                     r.within.as_calendar_timedelta() if r.within else None,
                     quiet=r.quiet and policy.notifications.quiet_hours, params=params, told=told)
                for r in routes_for(policy, d.event)]
    base = {"number": subj.number, "level": subj.level_name, "level_en": subj.level_en, **d.params}
    base.pop("crisis", None)
    approvers = [int(pk) for pk in base.pop("approvers", None) or []]
    told = [int(pk) for pk in base.pop("told", None) or []]
    plans = []
    crisis = policy.crisis
    if crisis is not None and (d.event == "crisis" or d.params.get("crisis")):
        reasons = d.params.get("reasons") or (d.params.get("crisis") or {}).get("reasons", [])
        plans.append(Plan("crisis", [*crisis.team, *crisis.legal, *crisis.brand], list(crisis.channels),
                          crisis.alert_within.as_calendar_timedelta(), quiet=False,
                          params={**base, "reasons": "；".join(reasons),
                                  "reasons_en": "; ".join(d.params.get("reasons_en") or
                                                          (d.params.get("crisis") or {}).get("reasons_en", []))}))
        plans[-1].reasons = list(reasons)
    if crisis is not None and d.event == "crisis_unacknowledged":
        plans.append(Plan("crisis_unacknowledged", [*crisis.escalate_to, *crisis.team], list(crisis.channels),
                          crisis.alert_within.as_calendar_timedelta(), quiet=False, params=base))
    for r in routes_for(policy, d.event, subj.level):
        plans.append(Plan(r.template or d.event, list(r.to), list(r.channels),
                          r.within.as_calendar_timedelta() if r.within else None,
                          quiet=r.quiet and policy.notifications.quiet_hours,
                          params=base, approvers=approvers, told=told))
    return plans


def _open_crisis(d: Dispatch, subj: Subject, policy: Policy, reasons: list[str], now: datetime) -> None:
    assert policy.crisis is not None
    alert, made = CrisisAlert.objects.get_or_create(complaint_id=subj.id, defaults={
        "raised_at": now, "reasons": reasons,
        "acknowledge_by": now + policy.crisis.acknowledge_within.as_calendar_timedelta()})
    if made:
        people, _robots, _customer = resolve(policy.crisis.team, subj)
        alert.team.set(people)


def resolve(targets: Iterable[str], subj: Subject | None, *, approvers: Iterable[int] = ()
            ) -> tuple[list[Staff], list[Robot], bool]:
    """The persons, robots and whether the customer, that a route's ``to`` names (``approvers``:
    who may decide the approval an ``approval_waiting`` dispatch is about)."""
    people: dict[int, Staff] = {}
    robots: dict[int, Robot] = {}
    customer = False
    ids: set[int] = set()
    for t in targets:
        if t == "@customer":
            customer = True
        elif t == "@approver":
            ids |= set(approvers)
        elif t == "@department_robot":  # the group robots an administrator set for the complaint's department
            if subj and subj.department_id:
                for robot in Robot.objects.filter(department_id=subj.department_id, is_active=True):
                    robots[robot.pk] = robot
        elif t in ("@owner", "@receiver"):
            pid = (subj.owner_id if t == "@owner" else subj.receiver_id) if subj else None
            if pid:
                ids.add(pid)
        elif t == "@department":
            if subj and subj.department_id:
                manager = Department.objects.filter(pk=subj.department_id).values_list("manager_id", flat=True).first()
                if manager:
                    ids.add(manager)
        elif t.startswith("person:"):
            ids |= set(Staff.objects.filter(username=t.split(":", 1)[1]).values_list("pk", flat=True))
        elif t.startswith("department:"):
            ids |= {m for m in Department.objects.filter(code=t.split(":", 1)[1]).values_list("manager_id", flat=True)
                    if m}
        elif t.startswith("robot:"):
            for robot in Robot.objects.filter(code=t.split(":", 1)[1], is_active=True):
                robots[robot.pk] = robot
        else:  # a role
            for person in people_with_role(t, subj):
                people[person.pk] = person
    if ids:
        for person in Staff.objects.filter(pk__in=ids - set(people), is_active=True):
            people[person.pk] = person
    return list(people.values()), list(robots.values()), customer


def people_with_role(role: str, subj: Subject | None = None) -> list[Staff]:
    """The people a route's role names: its holders — a policy role of the complaint's version
    carrying its powers — of the complaint's unit and the units above it (org.services.role_holders,
    the one query of a role's people), not the intake channels' service accounts."""
    if subj is None:
        return list(role_holders(role))
    from kesu.policies.services import policy_of

    powers = policy_of(subj.version).powers() if subj.version is not None else None
    return list(role_holders(role, powers, about=subj))


def _plan_rows(d: Dispatch, plan: Plan, subj: Subject | None, now: datetime
               ) -> tuple[list[Notification], list[Delivery]]:
    """The inbox notices and deliveries of one plan, built (not written): reads only."""
    people, robots, customer = resolve(plan.targets, subj, approvers=plan.approvers)
    notes: list[Notification] = []
    complaint_id = subj.id if subj else None
    due = now + plan.within if plan.within else None
    stem = f"d{d.pk}:{plan.kind}"
    sms_on = sms_channel.backend() is not None
    told = set(plan.told)
    if "inapp" in plan.channels and people:
        notes = [Notification(recipient=p, kind=plan.kind, complaint_id=complaint_id, params=plan.params,
                              created_at=now, dedupe_key=f"{stem}:{p.pk}") for p in people if p.pk not in told]
    rows = []
    quiet = {q.staff_id: q for q in QuietHours.objects.filter(staff__in=people)} if plan.quiet and people else {}
    for p in people:
        for channel in ("email", "sms"):
            address = p.email if channel == "email" else p.phone
            if channel not in plan.channels or not address or (channel == "sms" and not sms_on):
                continue
            if channel == "email" and p.pk in told:
                continue  # the cause's own notice has e-mailed them
            start = _after_quiet(quiet.get(p.pk), channel, now)
            rows.append(Delivery(key=f"{stem}:{channel}:p{p.pk}", dispatch=d, complaint_id=complaint_id,
                                 channel=channel, recipient=p, kind=plan.kind, params=plan.params, created_at=now,
                                 due_at=due, next_attempt_at=start))
    for robot in robots:
        rows.append(Delivery(key=f"{stem}:r{robot.pk}", dispatch=d, complaint_id=complaint_id, channel=robot.platform,
                             robot=robot, kind=plan.kind, params=plan.params, created_at=now, due_at=due,
                             next_attempt_at=now))
    if customer and subj is not None:
        channel = ("sms" if subj.phone and "sms" in plan.channels and sms_on else
                   "email" if subj.email and "email" in plan.channels else "")
        if channel:
            kind = plan.kind if plan.kind.startswith("customer_") else f"customer_{plan.kind}"
            params = dict(plan.params)
            if complaint_id:
                for name, link in LINKS.items():
                    params[name] = settings.KESU_SITE_URL + link(complaint_id)
            rows.append(Delivery(key=f"{stem}:{channel}:customer", dispatch=d, complaint_id=complaint_id,
                                 channel=channel, to_customer=True, kind=kind, params=params, lang=subj.lang,
                                 created_at=now, due_at=due, next_attempt_at=now))
    return notes, rows


def _after_quiet(q: QuietHours | None, channel: str, now: datetime) -> datetime:
    """When a message may go to a person with quiet hours ``q``: now, or the end of their quiet time."""
    if q is None or (q.channels and channel not in q.channels):
        return now
    local = timezone.localtime(now)
    t = local.time()
    inside = (q.start <= t < q.end) if q.start <= q.end else (t >= q.start or t < q.end)
    if not inside:
        return now
    end = local.replace(hour=q.end.hour, minute=q.end.minute, second=0, microsecond=0)
    return end if end > local else end + timedelta(days=1)


# ---- 3. send ------------------------------------------------------------------------------------


def send_due(*, now: datetime, limit: int = 200) -> dict[str, int]:
    """Send what is due: e-mail and SMS one by one, each robot within its limits (folding what
    waits beyond them into one digest). Safe to run in several processes."""
    Delivery.objects.filter(state=Delivery.State.SENDING, claimed_at__lt=now - STALE_CLAIM).update(
        state=Delivery.State.PENDING)  # a sender died mid-send: try again
    counts = {"sent": 0, "retry": 0, "failed": 0, "folded": 0}
    due = Q(state=Delivery.State.PENDING, next_attempt_at__lte=now)
    for pk in list(Delivery.objects.filter(due, robot__isnull=True).order_by("next_attempt_at", "pk")
                   .values_list("pk", flat=True)[:limit]):
        _send_one(pk, now, counts)
    robot_ids = set(Delivery.objects.filter(state=Delivery.State.PENDING, robot__isnull=False)
                    .values_list("robot_id", flat=True).distinct())
    for robot in Robot.objects.filter(pk__in=robot_ids):
        _send_robot(robot, now, counts)
    return counts


def _claim(pk: int, now: datetime) -> Delivery | None:
    if not Delivery.objects.filter(pk=pk, state=Delivery.State.PENDING).update(
            state=Delivery.State.SENDING, claimed_at=now, attempts=F("attempts") + 1):
        return None
    return Delivery.objects.select_related("recipient", "robot").get(pk=pk)


def _outgoing(dl: Delivery) -> Outgoing:
    subject_text, text, template = render_message(dl.kind, dl.params, dl.lang)
    address = ""
    if dl.to_customer:
        subj = subject(dl.complaint_id) if dl.complaint_id else None
        if subj is not None:
            address = subj.phone if dl.channel == "sms" else subj.email
    elif dl.recipient is not None:
        address = dl.recipient.phone if dl.channel == "sms" else dl.recipient.email
    names = tuple(n.strip() for n in (template.sms_params if template else "").split(",") if n.strip())
    params = {k: str(v) for k, v in dl.params.items() if isinstance(v, str | int | float)}
    if names:  # an approved template takes exactly its own parameters
        params = {n: params.get(n, "") for n in names}
    return Outgoing(key=dl.key, subject=subject_text, text=text, address=address, params=params,
                    sms_template=template.sms_template if template else "", sms_param_names=names)


def _send_one(pk: int, now: datetime, counts: dict[str, int]) -> None:
    dl = _claim(pk, now)
    if dl is None:
        return
    try:
        msg = _outgoing(dl)
        if not msg.address:
            raise SendFailed("没有可用的地址（客户或员工未留电话/邮箱）", permanent=True)
        if dl.channel == "email":
            receipt = email_channel.send(msg)
        else:
            backend = sms_channel.backend()
            if backend is None:
                raise SendFailed("短信未配置（KESU_SMS_BACKEND）")
            receipt = backend.send(msg)
    except SendFailed as exc:
        final = exc.permanent or dl.attempts >= MAX_ATTEMPTS
        wait = exc.retry_after or min(30 * 2 ** (dl.attempts - 1), 3600)
        Delivery.objects.filter(pk=pk).update(state=Delivery.State.FAILED if final else Delivery.State.PENDING,
                                              last_error=str(exc)[:2000], next_attempt_at=now + timedelta(seconds=wait))
        counts["failed" if final else "retry"] += 1
        log.warning("%s delivery %s failed (attempt %s): %s", dl.channel, pk, dl.attempts, exc)
        return
    Delivery.objects.filter(pk=pk).update(state=Delivery.State.SENT, sent_at=now, provider_id=receipt[:200],
                                          last_error="")
    counts["sent"] += 1


def _capacity(robot: Robot, now: datetime) -> int:
    """How many more posts the robot's platform accepts now: the tightest of its windows, counting
    every call made (a failed call counts toward the platform's limit too)."""
    adapter = ADAPTERS[robot.platform]
    room = []
    for count, seconds in adapter.limits:
        used = Delivery.objects.filter(robot=robot, claimed_at__gt=now - timedelta(seconds=seconds)).exclude(
            state=Delivery.State.FOLDED).count()
        room.append(count - used)
    return max(0, min(room))


def _send_robot(robot: Robot, now: datetime, counts: dict[str, int]) -> None:
    if not robot.is_active or (robot.blocked_until is not None and robot.blocked_until > now):
        return  # it waits; nothing is dropped
    capacity = _capacity(robot, now)
    if capacity <= 0:
        return
    waiting = list(Delivery.objects.filter(robot=robot, state=Delivery.State.PENDING).order_by("created_at", "pk"))
    if not waiting:
        return
    if len(waiting) > capacity:
        waiting = fold(robot, waiting, now, counts)
    for dl in waiting[:capacity]:
        claimed = _claim(dl.pk, now)
        if claimed is None:
            continue
        try:
            _subject, text, _t = render_message(claimed.kind, claimed.params, claimed.lang)
            ADAPTERS[robot.platform].send(url=robot.webhook_url, secret=robot.secret, text=text)
        except SendFailed as exc:
            failures = robot.failures + 1
            wait = exc.block_for or exc.retry_after or min(30 * 2 ** (failures - 1), ROBOT_BACKOFF_CAP)
            Robot.objects.filter(pk=robot.pk).update(failures=failures, blocked_until=now + timedelta(seconds=wait))
            Delivery.objects.filter(pk=dl.pk).update(state=Delivery.State.PENDING, last_error=str(exc)[:2000],
                                                     next_attempt_at=now + timedelta(seconds=wait))
            counts["retry"] += 1
            log.warning("robot %s failed: %s (waits %ss)", robot.code, exc, wait)
            return  # the whole robot waits
        Delivery.objects.filter(pk=dl.pk).update(state=Delivery.State.SENT, sent_at=now, last_error="",
                                                 provider_id="ok")
        if robot.failures or robot.blocked_until:
            Robot.objects.filter(pk=robot.pk).update(failures=0, blocked_until=None)
            robot.failures, robot.blocked_until = 0, None
        counts["sent"] += 1


def fold(robot: Robot, waiting: list[Delivery], now: datetime, counts: dict[str, int]) -> list[Delivery]:
    """More messages wait than the robot may take now: fold them all, oldest first, into digests
    each within the platform's size limit (a digest folded again keeps its items). Returns the
    digests to send, oldest first; none when another sender folded them first."""
    adapter = ADAPTERS[robot.platform]
    budget = adapter.max_text_bytes - 200  # the digest's own header
    chunks: list[list[str]] = [[]]
    first_chunk: dict[int, int] = {}  # delivery → the digest that holds its first item
    size = 0
    for dl in waiting:
        texts = (list(dl.params.get("items", [])) if dl.kind == "digest"
                 else [render_message(dl.kind, dl.params, dl.lang)[1]])
        for text in texts:
            text = fit_bytes(text, budget // 2)
            n = len(text.encode()) + 8
            if chunks[-1] and size + n > budget:
                chunks.append([])
                size = 0
            first_chunk.setdefault(dl.pk, len(chunks) - 1)
            chunks[-1].append(text)
            size += n
    ids = [dl.pk for dl in waiting]
    with transaction.atomic():
        if Delivery.objects.filter(pk__in=ids, state=Delivery.State.PENDING).update(
                state=Delivery.State.FOLDED) != len(ids):
            transaction.set_rollback(True)  # another sender got some of them: leave it to them
            return []
        digests = {i: Delivery.objects.create(
            key=f"digest:r{robot.pk}:{ids[0]}-{ids[-1]}:{i}", channel=robot.platform, robot=robot, kind="digest",
            params={"items": chunk, "count": len(chunk)}, created_at=now, next_attempt_at=now)
            for i, chunk in enumerate(chunks) if chunk}
        for i, digest in digests.items():
            Delivery.objects.filter(pk__in=[pk for pk, c in first_chunk.items() if c == i]).update(folded_into=digest)
    counts["folded"] += len(ids)
    return list(digests.values())


# ---- crisis acknowledgement and escalation ------------------------------------------------------


def acknowledge(*, complaint_id: int, staff: Staff, now: datetime) -> CrisisAcknowledgement | None:
    """A member of the crisis team (or anyone alerted) says they have it; None when there is no alert."""
    alert = CrisisAlert.objects.filter(complaint_id=complaint_id).first()
    if alert is None:
        return None
    ack, _ = CrisisAcknowledgement.objects.get_or_create(alert=alert, staff=staff, defaults={"at": now})
    return ack


def escalate_unacknowledged(*, now: datetime) -> int:
    """Crisis alerts nobody acknowledged within the policy's time: alert ``crisis.escalate_to``."""
    n = 0
    for alert in CrisisAlert.objects.filter(escalated_at__isnull=True, acknowledge_by__lte=now,
                                            acknowledgements__isnull=True):
        with transaction.atomic():
            if CrisisAlert.objects.filter(pk=alert.pk, escalated_at__isnull=True).update(escalated_at=now):
                record("crisis_unacknowledged", complaint_id=alert.complaint_id, now=now,
                       params={"reasons": alert.reasons, "since": timezone.localtime(alert.raised_at)
                               .strftime("%Y-%m-%d %H:%M")})
                n += 1
    if n:
        enqueue("notifications.dispatch")
    return n


__all__ = ["LINKS", "SUBJECTS", "Subject", "acknowledge", "expand", "record", "send_due", "wants"]
