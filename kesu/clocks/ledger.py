"""The penalty ledger (超时扣罚台账, SPEC F6/F9): filter by month, department and person, waive a
wrong entry with a reason (audited on the complaint's timeline), export to xlsx."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font

from kesu import audit
from kesu.clocks.models import PenaltyEntry
from kesu.clocks.outcomes import penalties_incurred, with_incurred
from kesu.complaints import lifecycle
from kesu.complaints.models import Complaint
from kesu.core.errors import KesuError
from kesu.core.messages import Said
from kesu.core.policy import Policy
from kesu.core.sinks import append_row
from kesu.org.models import Staff

BEIJING = ZoneInfo("Asia/Shanghai")


def month_range(month: date) -> tuple[datetime, datetime]:
    """The Beijing-time month containing ``month``, as aware datetimes."""
    start = datetime.combine(month.replace(day=1), time(), tzinfo=BEIJING)
    nxt = (month.replace(day=28) + (date(2000, 1, 31) - date(2000, 1, 1))).replace(day=1)
    return start, datetime.combine(nxt, time(), tzinfo=BEIJING)


def penalties(*, month: date | None = None, department_id: int | None = None, staff_id: int | None = None,
              include_waived: bool = True, unit_ids: frozenset[int] | None = None) -> QuerySet[PenaltyEntry]:
    """``unit_ids`` (issue 18): the entries of the complaints of these units only, as the queues
    show a store's person their unit and the units below it (``kesu.org.units.scope_of``); None:
    every unit (the group, or an installation without units)."""
    qs = with_incurred()
    if month is not None:  # the month the penalty was incurred in (kesu.clocks.outcomes), as the reports count it
        qs = penalties_incurred(*month_range(month), include_waived=True)
    qs = qs.select_related("complaint", "staff", "department", "clock")
    if unit_ids is not None:
        qs = qs.filter(complaint__unit_id__in=sorted(unit_ids))
    if department_id is not None:
        qs = qs.filter(department_id=department_id)
    if staff_id is not None:
        qs = qs.filter(staff_id=staff_id)
    if not include_waived:
        qs = qs.filter(waived_at__isnull=True)
    return qs.order_by("booked_at", "pk")


def waive(entry: PenaltyEntry, *, actor: Staff, now: datetime, reason: str,
          expected_version: int | None = None) -> PenaltyEntry:
    """Waive a wrong entry. The entry stays in the ledger, marked, and the complaint's timeline
    records who waived it and why. Who may waive is the rulebook's (``penalty_waived``)."""
    waived: list[PenaltyEntry] = []

    def change(c: Complaint, policy: Policy) -> None:
        locked = PenaltyEntry.objects.select_for_update().get(pk=entry.pk)
        if locked.waived_at is not None:
            raise KesuError("bad_value", field="waived_at",
                            detail=Said("该扣罚已免除", "this penalty was waived already"))
        locked.waived_at, locked.waived_by, locked.waive_reason = now, actor, reason
        locked.save(update_fields=["waived_at", "waived_by", "waive_reason"])
        audit.record("penalty.waived", actor=actor, now=now, target=("penalty", locked.pk),
                     data={"complaint": c.pk, "amount": str(locked.amount)})
        waived.append(locked)

    lifecycle.perform_activity(entry.complaint, "penalty_waived", actor=actor, now=now, reason=reason,
                               expected_version=expected_version, change=change,
                               extra=lambda: {"penalty": [str(waived[0].amount), None], "entry": [None, entry.pk]})
    return waived[0]


HEADERS = ["记录时间", "投诉编号", "事由", "责任人", "责任部门", "金额（元）", "状态", "免除原因"]
HEADERS_EN = ["Booked at", "Complaint", "Reason", "Person responsible", "Department responsible", "Amount (yuan)",
              "Status", "Reason for waiving"]
SHEET, STATES = ("扣罚台账", "Penalty ledger"), {True: ("已免除", "Waived"), False: ("有效", "In force")}


def export_xlsx(entries: Iterable[PenaltyEntry], lang: str = "zh-hans",
                reason_of: Callable[[PenaltyEntry], str] | None = None) -> bytes:
    """The ledger as a sheet in ``lang`` (its name, headers and states); ``reason_of`` says each
    entry's 事由 as the page does (the policy's English names), the stored words otherwise."""
    en = 1 if lang.startswith("en") else 0
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET[en]
    append_row(ws, HEADERS_EN if en else HEADERS)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for e in entries:
        append_row(ws, [  # a reason or a name starting with = stays text (kesu.core.sinks)
            timezone.localtime(e.booked_at).replace(tzinfo=None), e.complaint.number,
            reason_of(e) if reason_of else e.reason, str(e.staff) if e.staff else "",
            str(e.department) if e.department else "", e.amount, STATES[e.waived_at is not None][en], e.waive_reason,
        ])
        ws.cell(ws.max_row, 1).number_format = "yyyy-mm-dd hh:mm"
        ws.cell(ws.max_row, 6).number_format = "0.00"
    for col, width in zip("ABCDEFGH", (18, 14, 30, 10, 14, 12, 8, 30), strict=True):
        ws.column_dimensions[col].width = width
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
