"""F9: the monthly discipline list (seed 000: last month's closed cases with who answers for them
and the penalties booked, due by the policy's day — the 10th)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Max, Q, Sum

from kesu.clocks.models import PenaltyEntry
from kesu.complaints.models import Complaint
from kesu.core.lifecycle import CLOSED_STATES

CLOSING_EVENTS = ("sign_off",)  # a case counts as closed in the month its CS manager signed it


@dataclass
class DisciplineRow:
    number: str
    closed_at: datetime
    level: str
    department: str
    responsible_staff: str
    responsible_department: str
    clock_penalties: Decimal = Decimal(0)
    finding_penalties: Decimal = Decimal(0)
    notes: list[str] = field(default_factory=list)


def month_bounds(year: int, month: int) -> tuple[datetime, datetime]:
    tz = ZoneInfo(settings.TIME_ZONE)
    start = datetime.combine(date(year, month, 1), time(0), tz)
    end = datetime.combine(date(year + month // 12, month % 12 + 1, 1), time(0), tz)
    return start, end


def discipline_list(year: int, month: int) -> list[DisciplineRow]:
    """Cases signed off in the month (Asia/Shanghai) and still closed, with the responsible person
    and department and the penalties booked on them (waived entries left out)."""
    start, end = month_bounds(year, month)
    cases = (Complaint.objects.filter(events__kind__in=CLOSING_EVENTS, events__at__gte=start, events__at__lt=end,
                                      status__in=[s.value for s in CLOSED_STATES])
             .select_related("department", "responsible_staff", "responsible_department")
             .annotate(
                 clock_total=Sum("penalties__amount", filter=Q(penalties__kind=PenaltyEntry.Kind.CLOCK_BREACH,
                                                               penalties__waived_at__isnull=True)),
                 finding_total=Sum("penalties__amount", filter=Q(penalties__kind=PenaltyEntry.Kind.FINDING,
                                                                 penalties__waived_at__isnull=True)))
             .distinct().order_by("number"))
    closed_at = dict(Complaint.objects.filter(pk__in=[c.pk for c in cases]).filter(
        events__kind__in=CLOSING_EVENTS).values_list("pk").annotate(last=Max("events__at")).values_list("pk", "last"))
    rows = []
    for c in cases:
        rows.append(DisciplineRow(
            number=c.number, closed_at=closed_at[c.pk], level=c.level,
            department=c.department.name if c.department else "",
            responsible_staff=(c.responsible_staff.display_name or c.responsible_staff.username)
            if c.responsible_staff else "",
            responsible_department=c.responsible_department.name if c.responsible_department else "",
            clock_penalties=c.clock_total or Decimal(0), finding_penalties=c.finding_total or Decimal(0)))
    return rows


def due_date(year: int, month: int, day: int) -> date:
    """The list of ``month`` is due on ``day`` of the following month."""
    return date(year + month // 12, month % 12 + 1, day)
