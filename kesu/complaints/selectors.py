"""Reads of complaints. Every list and detail path starts from ``visible_complaints`` so the
visibility rule (SPEC roles, F12) is enforced in exactly one place."""

from __future__ import annotations

import operator
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date, datetime, time, timedelta
from functools import reduce
from typing import Any
from zoneinfo import ZoneInfo

from django.apps import apps
from django.db.models import BooleanField, Exists, ExpressionWrapper, F, Func, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _lazy

from kesu.complaints.models import Complaint
from kesu.core.errors import KesuError
from kesu.core.lifecycle import CLOSED_STATES, OPEN_STATES, State
from kesu.core.roles import Role
from kesu.core.search import MAX_QUERY_CHARS, MAX_TERMS
from kesu.core.search import Query as SearchQuery
from kesu.core.visibility import sees_all
from kesu.org import units
from kesu.org.models import Department, DeputyDesignation, Staff
from kesu.org.services import roles_of

# A running clock already past its due time (the breached queue; partial index clock_breached_open).
BREACHED_RUNNING = Q(breached_at__isnull=False, stopped_at__isnull=True, cancelled_at__isnull=True)


@dataclass(frozen=True)
class Way:
    """One way a person sees a case (the visibility rule is their OR): by the case's own columns
    (``where``) and/or by a handling record of the case (``record``: a queryset of a model with
    ``complaint_id`` — a help request, a corrective action, an approval …)."""

    where: Q = dataclass_field(default_factory=Q)
    record: QuerySet[Any] | None = None

    def q(self, *, per_row: bool = True) -> Q:
        """As a filter: the record as a correlated EXISTS (``per_row``: the visibility filter of a
        list or a detail read), or — this way read on its own — as the records' case ids, and the
        columns' condition said to be rare (:class:`Rare`)."""
        if per_row:
            has = Q(Exists(self.record.filter(complaint_id=OuterRef("pk")))) if self.record is not None else Q()
            return self.where & has
        where = Q(Rare(self.where)) if self.where else Q()
        return where & Q(pk__in=self.record.values("complaint_id")) if self.record is not None else where

    def within(self, scope: frozenset[int]) -> Way:
        return Way(self.where & Q(unit_id__in=sorted(scope)), self.record)


class Rare(Func):
    """A condition few rows meet, said so to SQLite's planner (``likelihood``); elsewhere the
    condition as it is. SQLite's statistics hold only a value's average share of an index — a
    department's, an owner's, a registering person's (all of them when one agent registers every
    case) — so for one store's or one person's cases it reckons a walk of the table newest first
    will meet them soon, and walks it all when they are few or none."""

    template = "likelihood(%(expressions)s, 0.001)"
    output_field = BooleanField()

    def __init__(self, condition: Q) -> None:
        super().__init__(ExpressionWrapper(condition, output_field=BooleanField()))

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> Any:  # type: ignore[override]
        return compiler.compile(self.source_expressions[0])

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return super().as_sql(compiler, connection, **extra)


def sees_everything(staff: Staff) -> bool:
    """Company-wide roles of no unit or of the group (no query: the roles are read once per
    request, the unit tree once per process)."""
    return sees_all(roles_of(staff)) and units.scope_of(staff) is None


def ways_to_see(staff: Staff, now: datetime,
                mine: Sequence[int] | QuerySet[Department, int] | None = None) -> list[Way] | None:
    """The visibility rule (SPEC roles, F12, F16) as its parts: a case is visible to ``staff`` when
    any part holds; None — every case (company-wide roles of no unit or of the group).

    Company-wide roles of a business unit below the group see by role the cases of their unit and
    the units below it (kesu.org.units.scope_of, from the cached tree: no query). Everyone sees the
    cases of their own departments (including ones they manage or act for as deputy), those
    assigned to or registered by them, those a department of theirs is asked to help with, and
    (issue 18) those whose corrective action they own or supervise or whose pending approval stage
    names them by login (a partner of the partners' meeting). The least-access roles (issue 14;
    kesu.core.visibility.SCOPED_ROLES) see what they file or judge, within their units. ``mine``:
    the person's departments when already read (else a subquery)."""
    if sees_everything(staff):
        return None
    roles = roles_of(staff)
    scope = units.scope_of(staff)
    if mine is None:
        mine = department_ids_of(staff, now)
    personal = [
        Way(Q(department_id__in=mine)), Way(Q(owner=staff)), Way(Q(receiver=staff)),
        Way(record=_assists().filter(department_id__in=mine)),
        Way(record=_record("CorrectiveAction").filter(Q(owner=staff) | Q(verifier=staff))),
        Way(record=_record("Approval").filter(state="pending", deciders__contains=f" person:{staff.username} ")),
    ]
    if sees_all(roles):
        return [Way(Q(unit_id__in=sorted(scope or ()))), *personal]
    seen: list[Way] = []
    if Role.FINANCE in roles:  # finance opens the cases whose compensation it reviews
        seen.append(Way(record=_finance_reviewed()))
    if Role.ARCHIVIST in roles:
        seen.append(Way(Q(status__in=[*CLOSED_STATES, State.INVALID_ANSWERED])))
    if Role.HR in roles:
        from kesu.clocks.models import PenaltyEntry

        seen += [Way(Q(responsible_staff__isnull=False)), Way(record=PenaltyEntry.objects.all())]
    if Role.LEGAL in roles:
        from kesu.complaints.models import ComplaintEvent

        seen += [Way(Q(legal_hold=True)), Way(record=ComplaintEvent.objects.filter(kind="keyword_flagged"))]
    if scope is not None:
        seen = [way.within(scope) for way in seen]
    return personal + seen


def visible_complaints(staff: Staff, now: datetime) -> QuerySet[Complaint]:
    """Complaints ``staff`` may see: one filter, the OR of :func:`ways_to_see`."""
    ways = ways_to_see(staff, now)
    if ways is None:
        return Complaint.objects.all()
    return Complaint.objects.filter(reduce(operator.or_, (way.q() for way in ways)))


def _finance_reviewed() -> QuerySet[Any]:
    return apps.get_model("workflow", "Approval").objects.filter(finance_review=True)  # type: ignore[no-any-return]


def _record(model: str) -> QuerySet[Any]:
    return apps.get_model("workflow", model).objects.all()  # type: ignore[no-any-return]


def _assists() -> QuerySet[Any]:
    """Help requests (协办): a department asked for help sees the case it helps with. By the app
    registry, not an import: the handling records sit in the layer above."""
    return apps.get_model("workflow", "AssistRequest").objects.all()  # type: ignore[no-any-return]


def department_ids_of(staff: Staff, now: datetime) -> QuerySet[Department, int]:
    """Departments ``staff`` belongs to, manages, or acts for as deputy — a subquery, not a list."""
    acting = DeputyDesignation.objects.filter(DeputyDesignation.active_q(now), deputy=staff).values("department_id")
    return (
        Department.objects.filter(Q(members=staff) | Q(manager=staff) | Q(pk__in=acting))
        .values_list("pk", flat=True)
        .distinct()
    )


def get_visible(staff: Staff, now: datetime, *, pk: int | None = None, number: str | None = None) -> Complaint:
    lookup = {"pk": pk} if pk is not None else {"number": number}
    try:
        return visible_complaints(staff, now).get(**lookup)
    except Complaint.DoesNotExist:
        raise KesuError("not_visible") from None


QUEUES = {
    "mine": _lazy("我的"),
    "department": _lazy("本部门"),
    "due_soon": _lazy("即将到期"),
    "breached": _lazy("已超时"),
    "overnight": _lazy("夜间受理"),
    "all": _lazy("全部可见"),
}
DUE_SOON = timedelta(hours=2)
QUEUE_CAP = 500  # the due-soon and breached queues list the 500 most urgent (ten pages; more than a shift's work)


def work_queue(staff: Staff, now: datetime, queue: str, filters: Filters | None = None, *,
               categories: Sequence[str] = ()) -> QuerySet[Complaint] | Newest:
    """A work queue (SPEC F6/F12): open complaints the person may see, newest first, each with its
    next due time and whether a clock is breached — one query, whatever the page size — narrowed
    by ``filters`` when given.

    Planned for a million complaints: newest first is primary-key order (numbers are given in
    registration order), so a page reads backwards along the key and stops after a page of rows;
    "due soon" and "breached" start from the few clocks concerned, through partial indexes. A
    person who sees by several ways (a store's people: their unit's cases, their departments',
    their own …) gets their page through :class:`Newest`: no index serves the OR newest first."""
    from kesu.clocks.models import DUE_CANDIDATE, ComplaintClock

    # A person who sees by several ways: their departments read once (each way names them).
    mine: Sequence[int] | QuerySet[Department, int] = department_ids_of(staff, now)
    if not sees_everything(staff):
        mine = list(mine)
    ways = ways_to_see(staff, now, mine)
    # the queue's own conditions, beside the visibility rule
    base = Complaint.objects.filter(status__in=sorted(s.value for s in OPEN_STATES))
    if filters is not None:
        base = narrow(base, filters, categories=categories)
    if queue == "mine":
        base = base.filter(Q(owner=staff) | Q(receiver=staff))
    elif queue == "department":
        base = base.filter(department_id__in=mine)
    elif queue == "overnight":  # 工作知会单: received after hours and not yet taken up by the shift
        from kesu.complaints.models import ComplaintEvent

        base = base.filter(status=State.REGISTERED).filter(
            Exists(ComplaintEvent.objects.filter(complaint=OuterRef("pk"), kind="after_hours_received")))
    visible = base if ways is None else base.filter(reduce(operator.or_, (way.q() for way in ways)))
    qs = with_due(
        visible.select_related("department", "owner", "policy_version")
        .defer("policy_version__document")  # the parsed policy is cached; don't decode it per row
    )
    if queue in ("due_soon", "breached"):
        # The few complaints concerned, read first through the partial index; handing the planner
        # a subquery instead lets PostgreSQL walk the whole table backwards in key order.
        # Ordered by the partial index's own column and deduplicated here: a DISTINCT would send
        # PostgreSQL along the complaint_id index through every clock.
        clocks = (ComplaintClock.objects.filter(DUE_CANDIDATE, due_at__lte=now + DUE_SOON).order_by("due_at")
                  if queue == "due_soon" else ComplaintClock.objects.filter(BREACHED_RUNNING).order_by("-complaint_id"))
        ids = dict.fromkeys(clocks.values_list("complaint_id", flat=True)[:QUEUE_CAP])
        qs = qs.filter(pk__in=list(ids))
        # Most urgent first; it also keeps PostgreSQL from reading the key index backwards (the
        # concerned ids are often old ones) hoping to meet them early.
        if filters is None or filters.sort in ("newest", "due"):
            return qs.order_by(F("next_due").asc(nulls_last=True), "-id")
    sort = filters.sort if filters is not None else "newest"
    if sort == "newest" and ways is not None and len(ways) > 1:
        return Newest(ordered(qs, sort), [base.filter(way.q(per_row=False)) for way in ways])
    return ordered(qs, sort)


class Newest:
    """A queue newest first for a person who sees by several ways, paged without walking the table.

    The visibility rule is an OR (their unit's cases, their departments', their own, those they
    help with …) that no index reads newest first: the table walked backwards, each wide row
    decoded, until a page of theirs turns up — all of it when they have fewer (a quiet store's
    queue read every complaint). So each way is read on its own, with the queue's conditions,
    through its own index — a store's open cases through (unit, status), a department's through
    (department, status), a person's through (owner, status) and (receiver, status), a handling
    record's cases through the records' index — the newest ``stop`` of each in one UNION ALL; the
    newest ``stop`` of their union are the queue's newest ``stop`` (each is among the newest of a
    way that holds it), and the page's rows are then read by id through the whole filter again.

    A way's own condition is said to be rare (:class:`Rare`), so SQLite reads it through its index
    and sorts, never walking the table; what it reads is the way's open cases — current work,
    which does not grow with the table's history."""

    def __init__(self, qs: QuerySet[Complaint], ways: list[QuerySet[Complaint]]) -> None:
        self.qs, self.ways = qs, ways

    def newest_ids(self, stop: int) -> list[int]:
        from django.db import connections

        connection = connections[self.qs.db]
        parts, params = [], []
        for i, way in enumerate(self.ways):
            part = way.order_by("-pk").values_list("pk", flat=True)[:stop]
            sql, part_params = part.query.get_compiler(connection=connection).as_sql()
            parts.append(f"SELECT * FROM ({sql}) way{i}")
            params += part_params
        with connection.cursor() as cur:
            cur.execute(" UNION ALL ".join(parts), params)
            found = {row[0] for row in cur.fetchall()}
        return sorted(found, reverse=True)[:stop]

    def __getitem__(self, wanted: slice) -> list[Complaint]:
        if wanted.stop is None:
            return list(self.qs)[wanted]
        ids = self.newest_ids(wanted.stop)[wanted.start or 0:]
        return list(self.qs.filter(pk__in=ids)) if ids else []

    def __iter__(self) -> Any:
        return iter(self.qs)


# --- finding: filters, sorts, search, a customer's history (issue 12) ------------------------------

SHANGHAI = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class Filters:
    """What a queue or a search is narrowed to; empty means any."""

    status: str = ""  # a state code, or "open" / "closed"
    level: str = ""
    category: str = ""  # a category code: that category and the ones below it
    department: int | None = None
    channel: str = ""
    since: date | None = None  # registered on or after this day (Asia/Shanghai)
    until: date | None = None  # registered on or before this day
    overdue: bool = False  # a clock of the complaint was missed
    sort: str = "newest"


SORTS: dict[str, Any] = {
    "newest": _lazy("最新登记"),
    "oldest": _lazy("最早登记"),
    "updated": _lazy("最近更新"),
    "due": _lazy("时限最近"),
}


def narrow(qs: QuerySet[Complaint], f: Filters, *, categories: Sequence[str] = ()) -> QuerySet[Complaint]:
    """``qs`` with the filters applied (``categories``: the chosen category and its descendants)."""
    from kesu.clocks.models import ComplaintClock

    if f.status == "open":
        qs = qs.filter(status__in=[s.value for s in OPEN_STATES])
    elif f.status == "closed":
        qs = qs.exclude(status__in=[s.value for s in OPEN_STATES])
    elif f.status:
        qs = qs.filter(status=f.status)
    if f.level:
        qs = qs.filter(level=f.level)
    if f.category:
        qs = qs.filter(category__in=list(categories) or [f.category])
    if f.department is not None:
        qs = qs.filter(department_id=f.department)
    if f.channel:
        qs = qs.filter(channel=f.channel)
    if f.since is not None:
        qs = qs.filter(registered_at__gte=datetime.combine(f.since, time.min, SHANGHAI))
    if f.until is not None:
        qs = qs.filter(registered_at__lt=datetime.combine(f.until + timedelta(days=1), time.min, SHANGHAI))
    if f.overdue:
        qs = qs.filter(Exists(ComplaintClock.objects.filter(complaint=OuterRef("pk"), breached_at__isnull=False)))
    return qs


def ordered(qs: QuerySet[Complaint], sort: str) -> QuerySet[Complaint]:
    if sort == "oldest":
        return qs.order_by("id")
    if sort == "updated":
        return qs.order_by("-updated_at", "-id")
    if sort == "due" and "next_due" in qs.query.annotations:
        return qs.order_by(F("next_due").asc(nulls_last=True), "-id")
    return qs.order_by("-id")


def with_due(qs: QuerySet[Complaint]) -> QuerySet[Complaint]:
    """Each complaint's next due time and whether a running clock is breached (for a list's rows)."""
    from kesu.clocks.models import ComplaintClock

    running = ComplaintClock.objects.filter(complaint=OuterRef("pk"), stopped_at__isnull=True,
                                            cancelled_at__isnull=True)
    return qs.annotate(
        next_due=Subquery(running.filter(paused_at__isnull=True).order_by("due_at").values("due_at")[:1]),
        breached=Exists(running.filter(breached_at__isnull=False)),
    )


SEARCH = ("搜索", "Search")  # how a refusal names the search box


def searchable(text: str) -> SearchQuery:
    """The search box's text as a query, or KesuError saying why it cannot be searched (too long,
    too many words, nothing to look for) — for every surface that searches."""
    from kesu.complaints import search as index

    query = index.parse(text)
    if query.problem:
        limit = MAX_QUERY_CHARS if query.problem == "search_too_long" else MAX_TERMS
        raise KesuError(query.problem, field="q", label=SEARCH, limit=limit)
    if not query:
        raise KesuError("search_nothing", field="q", label=SEARCH)
    return query


def search(staff: Staff, now: datetime, text: str, filters: Filters = Filters(), *,
           categories: Sequence[str] = ()) -> tuple[SearchQuery, QuerySet[Complaint] | Found]:
    """Complaints ``staff`` may see that match ``text`` (every word; see kesu.core.search), with the
    filters, newest first unless sorted otherwise — a queryset, or for newest/oldest first a
    :class:`Found` read along the index. Raises KesuError for a query that cannot be
    searched (:func:`searchable`)."""
    from kesu.complaints import search as index

    query = searchable(text)
    qs = narrow(visible_complaints(staff, now), filters, categories=categories)
    qs = with_due(qs.select_related("department", "owner", "policy_version").defer("policy_version__document"))
    if filters.sort in ("newest", "oldest"):
        return query, Found(qs, query, descending=filters.sort == "newest")
    return query, ordered(qs.filter(pk__in=index.matching(query)), filters.sort)


class Found:
    """Search results read along the full-text index in id order, a chunk of ids at a time, each
    chunk narrowed by ``qs`` (visibility, filters): a page of a common word over a million
    complaints reads a few hundred index entries, not all of them (SQLite's FTS5 walks its rowids
    in order; on PostgreSQL see search.ids_in_order)."""

    FIRST_CHUNK = 200

    def __init__(self, qs: QuerySet[Complaint], query: SearchQuery, *, descending: bool) -> None:
        self.qs = qs.order_by("-id" if descending else "id")
        self.query, self.descending = query, descending

    def _chunks(self, wanted: int | None = None) -> Any:
        """Lists of rows in order; ``wanted``: how many rows are still needed (None: all)."""
        from kesu.complaints import search as index

        after: int | None = None
        size = self.FIRST_CHUNK
        while True:
            ids = index.ids_in_order(self.query, after=after, descending=self.descending, limit=size)
            if not ids:
                return
            rows = self.qs.filter(pk__in=ids)
            got = list(rows if wanted is None else rows[:wanted])
            yield got
            if wanted is not None:
                wanted -= len(got)
                if wanted <= 0:
                    return
            if len(ids) < size:
                return
            after, size = ids[-1], min(size * 4, 20_000)

    def __iter__(self) -> Any:
        for rows in self._chunks():
            yield from rows

    def __getitem__(self, wanted: slice) -> list[Complaint]:
        start, stop = wanted.start or 0, wanted.stop
        out: list[Complaint] = []
        for rows in self._chunks(stop):
            out += rows
        return out[start:stop]


def customer_history(staff: Staff, now: datetime, c: Complaint) -> QuerySet[Complaint]:
    """All complaints of ``c``'s customer that ``staff`` may see, newest first, ``c`` included: the
    same phone, e-mail or member / card number, or the same value of a record field the policy says
    identifies the customer (plate, VIN, room number — inside ``extra``, so shortlisted through the
    search index and then compared exactly)."""
    from kesu.complaints import search as index
    from kesu.policies.services import policy_of

    same = Q(pk=c.pk)
    from kesu.complaints.fields import blind  # personal fields are encrypted: matched by their blind index

    if c.customer_phone:
        same |= Q(phone_index=blind("phone", c.customer_phone))
    if c.customer_email:
        same |= Q(email_index=blind("email", c.customer_email))
    if c.customer_ref:
        same |= Q(ref_index=blind("ref", c.customer_ref))
    for field in policy_of(c.policy_version).record_fields:
        value = (c.extra or {}).get(field.code)
        if field.identifies_customer and isinstance(value, str) and value.strip():
            same |= Q(pk__in=index.candidates(value), **{f"extra__{field.code}": value})
    return with_due(visible_complaints(staff, now).filter(same).select_related("department", "owner",
                                                                             "policy_version")
                    .defer("policy_version__document")).order_by("-id")
