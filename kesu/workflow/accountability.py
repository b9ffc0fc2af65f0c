"""F9: the monthly discipline list (seed 000 第十九条: HR reviews last month's cases and the
penalties on the departments and people responsible, by the 10th).

The list of a month is every penalty **incurred** in it and not waived — the one rule the
analysis report and the penalty ledger's month also follow (kesu.clocks.outcomes): a breach at
its clock's due time, a penalty from investigation findings when it was booked. It gives the
totals per department and, within each, per person (the person the penalty names: the clock's
responsible person, or the investigation's responsible staff; entries naming no one are shown
as such), each with the cases behind them and whether each case is closed yet. Cases without a
penalty are not listed: a list of closed cases at 0 / 0 told HR nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings

from kesu.clocks.models import PenaltyEntry
from kesu.clocks.outcomes import penalties_incurred
from kesu.core.lifecycle import CLOSED_STATES, State

ZERO = Decimal("0.00")
FINAL = frozenset({*(s.value for s in CLOSED_STATES), State.INVALID_ANSWERED.value})


@dataclass
class Amounts:
    entries: int = 0
    clock_penalties: Decimal = ZERO
    finding_penalties: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return self.clock_penalties + self.finding_penalties

    def add(self, e: PenaltyEntry) -> None:
        self.entries += 1
        if e.kind == PenaltyEntry.Kind.FINDING:
            self.finding_penalties += e.amount
        else:
            self.clock_penalties += e.amount


@dataclass
class Case(Amounts):
    number: str = ""
    closed: bool = False  # signed off or later: its penalties can no longer be waived on the case
    reasons: list[str] = field(default_factory=list)


@dataclass
class Person(Amounts):
    name: str = ""  # "" = the entries name no person
    department: str = ""
    cases: dict[str, Case] = field(default_factory=dict)


@dataclass
class DepartmentTotal(Amounts):
    name: str = ""  # "" = no department named
    people: dict[str, Person] = field(default_factory=dict)


@dataclass
class DisciplineList(Amounts):
    year: int = 0
    month: int = 0
    departments: dict[str, DepartmentTotal] = field(default_factory=dict)
    numbers: set[str] = field(default_factory=set)

    @property
    def cases(self) -> int:
        return len(self.numbers)

    def people(self) -> list[Person]:
        return [p for d in self.departments.values() for p in d.people.values()]


def month_bounds(year: int, month: int) -> tuple[datetime, datetime]:
    tz = ZoneInfo(settings.TIME_ZONE)
    start = datetime.combine(date(year, month, 1), time(0), tz)
    end = datetime.combine(date(year + month // 12, month % 12 + 1, 1), time(0), tz)
    return start, end


def discipline_list(year: int, month: int, *, unit_ids: frozenset[int] | None = None) -> DisciplineList:
    """The penalties incurred in the month (Asia/Shanghai), not waived, per department and person,
    largest total first, with the cases behind each. ``unit_ids`` (issue 18): of the complaints of
    these units only (a store's list: its unit and those below it); None: every unit."""
    out = DisciplineList(year=year, month=month)
    entries = penalties_incurred(*month_bounds(year, month))
    if unit_ids is not None:
        entries = entries.filter(complaint__unit_id__in=sorted(unit_ids))
    entries = entries.select_related("complaint", "staff", "department").order_by("incurred_at", "pk")
    for e in entries:
        dept_name = str(e.department) if e.department else ""
        person_name = (e.staff.display_name or e.staff.username) if e.staff else ""
        dept = out.departments.setdefault(dept_name, DepartmentTotal(name=dept_name))
        person = dept.people.setdefault(person_name, Person(name=person_name, department=dept_name))
        case = person.cases.setdefault(e.complaint.number, Case(number=e.complaint.number,
                                                                closed=e.complaint.status in FINAL))
        case.reasons.append(e.reason)
        for totals in (out, dept, person, case):
            totals.add(e)
        out.numbers.add(e.complaint.number)
    out.departments = dict(sorted(out.departments.items(), key=lambda kv: (-kv[1].total, kv[0])))
    for d in out.departments.values():
        d.people = dict(sorted(d.people.items(), key=lambda kv: (-kv[1].total, kv[0])))
    return out
