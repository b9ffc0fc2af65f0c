"""The analysis report page and its Excel export (SPEC F11)."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from kesu.core.errors import KesuError
from kesu.core.roles import Role
from kesu.org.models import Department, Staff
from kesu.org.services import managed_department_ids, roles_of
from kesu.reports import figures

COMPANY_ROLES = frozenset({Role.CS_MANAGER, Role.GM, Role.AUDITOR})


def _period(request: HttpRequest, today: date) -> figures.Period:
    start, end = request.GET.get("start"), request.GET.get("end")
    if start and end:
        try:
            return figures.checked(date.fromisoformat(start), date.fromisoformat(end), today)
        except ValueError:
            raise KesuError("date_format", field="start", value=f"{start} / {end}") from None
    first = today.replace(day=1)  # by default: last month, the one the monthly report is about
    return figures.Period((first - timedelta(days=1)).replace(day=1), first)


def _department(request: HttpRequest, staff: Staff) -> int | None:
    """Company-wide readers choose; a department manager sees their own department only."""
    raw = request.GET.get("department") or ""
    roles = roles_of(staff)
    managed = managed_department_ids(staff, timezone.now())
    if roles & COMPANY_ROLES:
        return int(raw) if raw.isdigit() else None
    if not managed:
        raise PermissionDenied(_("分析报告仅限客服部经理、总经理、稽核与部门经理查看"))
    chosen = int(raw) if raw.isdigit() else min(managed)
    if chosen not in managed:
        raise PermissionDenied(_("您只能查看本部门的报告"))
    return chosen


@login_required
def report(request: HttpRequest) -> HttpResponse:
    staff: Staff = request.user  # type: ignore[assignment]
    department = _department(request, staff)
    today = timezone.localtime(timezone.now()).date()
    context: dict[str, Any] = {"departments": Department.objects.filter(is_active=True).order_by("code"),
                               "department": department, "company": bool(roles_of(staff) & COMPANY_ROLES)}
    try:
        period = _period(request, today)
    except KesuError as exc:
        context["error"] = exc.message(get_language() or "zh-hans")
        response = render(request, "reports/report.html", context)
        response.status_code = 422
        return response
    r = figures.build(period, department_id=department)
    if request.GET.get("format") == "xlsx":
        return _xlsx(r)
    context.update(r=r, start=period.start.isoformat(),
                   end=(period.end - timedelta(days=1)).isoformat())
    return render(request, "reports/report.html", context)


def _xlsx(r: figures.Report) -> HttpResponse:
    from openpyxl import Workbook

    wb = Workbook()
    summary = wb.active
    summary.title = "概要"
    summary.append(["指标", "数值"])
    for name, value in (("受理量", r.received), ("上期受理量", r.previous), ("去年同期受理量", r.year_before),
                        ("已解决", r.resolved), ("解决率（%）", r.resolution_rate), ("回访次数", r.visits),
                        ("满意率（%）", r.satisfaction_rate), ("回访率（%）", r.callback_rate),
                        ("重复投诉客户", r.repeated_customers), ("上期结转未结", r.carried_over)):
        summary.append([name, value])
    for title, rows in (("按级别", r.by_level), ("按类别", r.by_category), ("按渠道", r.by_channel),
                        ("按部门", r.by_department), ("按地点", r.by_location), ("扣罚", r.penalties),
                        ("补偿", r.compensation)):
        ws = wb.create_sheet(title)
        ws.append([title[1:] if title.startswith("按") else "部门", "数量" if title.startswith("按") else "金额（元）"])
        for key, value in rows:
            ws.append([key, float(value) if not isinstance(value, int) else value])
        ws.freeze_panes = "A2"
    ws = wb.create_sheet("时限按时率")
    ws.append(["时限", "按时", "合计", "按时率（%）"])
    for row in r.on_time:
        ws.append([row["name"], row["met"], row["total"], row["rate"]])
    summary.freeze_panes = "A2"
    out = io.BytesIO()
    wb.save(out)
    response = HttpResponse(out.getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="report-{r.period.start}-{r.period.end}.xlsx"'
    return response


@login_required
def complaints_behind(request: HttpRequest) -> HttpResponse:
    """The complaints behind a figure (same period, department and reader's scope as the report)."""
    staff: Staff = request.user  # type: ignore[assignment]
    department = _department(request, staff)
    today = timezone.localtime(timezone.now()).date()
    try:
        period = _period(request, today)
        qs = figures.behind(period, department_id=department, dimension=request.GET.get("dimension", "received"),
                            value=request.GET.get("value", ""))
    except KesuError as exc:
        response = render(request, "reports/behind.html", {"error": exc.message(get_language() or "zh-hans")})
        response.status_code = 422
        return response
    return render(request, "reports/behind.html", {"rows": qs[:500], "total": qs.count(),
                                                   "query": request.GET.urlencode()})
