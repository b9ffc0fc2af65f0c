"""Reads of complaints. Every list and detail path starts from ``visible_complaints`` so the
visibility rule (SPEC roles, F12) is enforced in exactly one place."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.apps import apps
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery
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


def visible_complaints(staff: Staff, now: datetime) -> QuerySet[Complaint]:
    """Complaints ``staff`` may see: all for company-wide roles; otherwise those of their own
    departments (including ones they manage or act for as deputy) and those assigned to or
    registered by them. F16: a person of a business unit below the group sees by role only the
    cases of their unit and the units below it (kesu.org.units.scope_of, from the cached tree: no
    query); their own departments', their own and those they registered as anyone does."""
    roles = roles_of(staff)
    scope = units.scope_of(staff)
    if sees_all(roles) and scope is None:
        return Complaint.objects.all()
    mine = department_ids_of(staff, now)
    personal = Q(department_id__in=mine) | Q(owner=staff) | Q(receiver=staff) | Q(Exists(_assists().filter(
        complaint_id=OuterRef("pk"), department_id__in=mine)))
    # Issue 18: the owner and the supervisor of a corrective action, and a person an approval stage
    # names by login (a partner of the partners' meeting), see the case they act on.
    personal |= Q(Exists(_record("CorrectiveAction").filter(Q(owner=staff) | Q(verifier=staff),
                                                        complaint_id=OuterRef("pk"))))
    personal |= Q(Exists(_record("Approval").filter(state="pending", deciders__contains=f" person:{staff.username} ",
                                                complaint_id=OuterRef("pk"))))
    if sees_all(roles):
        return Complaint.objects.filter(Q(unit_id__in=sorted(scope or ())) | personal)
    seen = Q()
    if Role.FINANCE in roles:  # finance opens the cases whose compensation it reviews
        seen |= Q(Exists(_finance_reviewed().filter(complaint_id=OuterRef("pk"))))
    # Least access (issue 14; kesu.core.visibility.SCOPED_ROLES): what archive, HR and legal file or judge.
    if Role.ARCHIVIST in roles:
        seen |= Q(status__in=[*CLOSED_STATES, State.INVALID_ANSWERED])
    if Role.HR in roles:
        from kesu.clocks.models import PenaltyEntry

        seen |= Q(responsible_staff__isnull=False) | Q(Exists(PenaltyEntry.objects.filter(complaint_id=OuterRef("pk"))))
    if Role.LEGAL in roles:
        from kesu.complaints.models import ComplaintEvent

        seen |= Q(legal_hold=True) | Q(Exists(ComplaintEvent.objects.filter(complaint_id=OuterRef("pk"),
                                                                              kind="keyword_flagged")))
    if scope is not None and seen:
        seen &= Q(unit_id__in=sorted(scope))
    return Complaint.objects.filter(personal | seen if seen else personal)


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
               categories: Sequence[str] = ()) -> QuerySet[Complaint]:
    """A work queue (SPEC F6/F12): open complaints the person may see, newest first, each with its
    next due time and whether a clock is breached — one query, whatever the page size — narrowed
    by ``filters`` when given.

    Planned for a million complaints: newest first is primary-key order (numbers are given in
    registration order), so a page reads backwards along the key and stops after a page of rows;
    "due soon" and "breached" start from the few clocks concerned, through partial indexes."""
    from kesu.clocks.models import DUE_CANDIDATE, ComplaintClock

    qs = with_due(
        visible_complaints(staff, now)
        .filter(status__in=[s.value for s in OPEN_STATES])
        .select_related("department", "owner", "policy_version")
        .defer("policy_version__document")  # the parsed policy is cached; don't decode it per row
    )
    if filters is not None:
        qs = narrow(qs, filters, categories=categories)
    if queue == "mine":
        qs = qs.filter(Q(owner=staff) | Q(receiver=staff))
    elif queue == "department":
        qs = qs.filter(department_id__in=department_ids_of(staff, now))
    elif queue == "overnight":  # 工作知会单: received after hours and not yet taken up by the shift
        from kesu.complaints.models import ComplaintEvent

        qs = qs.filter(status=State.REGISTERED).filter(
            Exists(ComplaintEvent.objects.filter(complaint=OuterRef("pk"), kind="after_hours_received")))
    elif queue in ("due_soon", "breached"):
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
    return ordered(qs, filters.sort if filters is not None else "newest")


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
