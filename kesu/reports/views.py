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

from kesu import audit
from kesu.core.access import PAGE_ROLES, may_open
from kesu.core.errors import KesuError
from kesu.org.models import Department, Staff
from kesu.org.services import managed_department_ids, roles_of
from kesu.reports import charts, figures

COMPANY_ROLES = PAGE_ROLES["reports"]  # the same table the navigation asks (kesu.core.access)


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
    if not may_open("reports", roles, manages=bool(managed)):
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
    r = _named(figures.build(period, department_id=department))
    if request.GET.get("format") in ("xlsx", "pdf"):
        audit.record(f"export.report_{request.GET['format']}", actor=staff, now=timezone.now(),
                     target=("export", "report"), data={"start": period.start.isoformat(),
                                                        "end": period.end.isoformat(), "department": department})
        return _xlsx(r) if request.GET["format"] == "xlsx" else _pdf(r, department)
    context["charts"] = [charts.svg(d) for d in _drawings(r)]
    context.update(r=r, start=period.start.isoformat(),
                   end=(period.end - timedelta(days=1)).isoformat())
    return render(request, "reports/report.html", context)


def _xlsx(r: figures.Report) -> HttpResponse:
    from openpyxl import Workbook

    from kesu.core.sinks import append_row  # every cell written as text or number, never a formula

    wb = Workbook()
    summary = wb.active
    summary.title = "概要"
    append_row(summary, ["指标", "数值"])
    for name, value in (("受理量", r.received), ("上期受理量", r.previous), ("去年同期受理量", r.year_before),
                        ("已解决", r.resolved), ("解决率（%）", r.resolution_rate), ("回访次数", r.visits),
                        ("满意率（%）", r.satisfaction_rate), ("回访率（%）", r.callback_rate),
                        ("重复投诉客户", r.repeated_customers), ("上期结转未结", r.carried_over)):
        append_row(summary, [name, value])
    for title, rows in (("按级别", r.by_level), ("按类别", r.by_category), ("按渠道", r.by_channel),
                        ("按部门", r.by_department), ("按地点", r.by_location), ("扣罚", r.penalties),
                        ("扣罚按人", r.penalties_by_person),
                        ("补偿", r.compensation)):
        ws = wb.create_sheet(title)
        by = title.startswith("按")
        append_row(ws, [title[1:] if by else "部门", "数量" if by else "金额（元）"])
        for key, value in rows:
            append_row(ws, [key, float(value) if not isinstance(value, int) else value])
        ws.freeze_panes = "A2"
    ws = wb.create_sheet("时限按时率")
    append_row(ws, ["时限", "按时", "合计", "按时率（%）", "平均用时（分钟）"])
    for row in r.on_time:
        append_row(ws, [row["name"], row["met"], row["total"], row["rate"], row["average_minutes"]])
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
        dimension = request.GET.get("dimension", "received")
        qs = figures.behind(period, department_id=department, dimension=dimension,
                            value=_code_for(dimension, request.GET.get("value", "")))
    except KesuError as exc:
        response = render(request, "reports/behind.html", {"error": exc.message(get_language() or "zh-hans")})
        response.status_code = 422
        return response
    return render(request, "reports/behind.html", {"rows": qs[:500], "total": qs.count(),
                                                   "query": request.GET.urlencode()})


def _drawings(r: figures.Report) -> list[Any]:
    return [charts.bars(_("按级别"), r.by_level), charts.bars(_("按类别（最常见的问题）"), r.by_category),
            charts.bars(_("时限按时率"), [(row["name"], row["rate"]) for row in r.on_time], unit="%")]


def _pdf(r: figures.Report, department: int | None) -> HttpResponse:
    """The report as PDF with its charts, in Chinese (the font embedded)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate, Spacer

    from kesu.printing.forms import _font, _grid, para

    font = _font()
    title = ParagraphStyle("t", fontName=font, fontSize=16, leading=22, alignment=1)
    last = r.period.end - timedelta(days=1)
    scope = Department.objects.filter(pk=department).values_list("name", flat=True).first() if department else "全公司"
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm,
                            bottomMargin=15 * mm, title=f"投诉分析报告 {r.period.start}", author="客诉 Kesu")
    pct = lambda v: "—" if v is None else f"{v}%"  # noqa: E731
    story: list[Any] = [
        para(f"投诉分析报告　{r.period.start} 至 {last}（{scope}）", title), Spacer(1, 4 * mm),
        _grid([["受理量", str(r.received), "上期 / 去年同期", f"{r.previous} / {r.year_before}"],
               ["解决率", pct(r.resolution_rate), "满意率", pct(r.satisfaction_rate)],
               ["回访率", pct(r.callback_rate), "重复投诉客户", str(r.repeated_customers)],
               ["上期结转未结", str(r.carried_over), "扣罚合计（元）", str(sum((v for _, v in r.penalties), 0))]],
              [32 * mm, 58 * mm, 32 * mm, 58 * mm]),
        Spacer(1, 6 * mm),
    ]
    if r.empty:
        story.append(para("该期间没有投诉。", ParagraphStyle("n", fontName=font, fontSize=10)))
    for drawing in _drawings(r):
        story += [drawing, Spacer(1, 4 * mm)]
    doc.build(story)
    response = HttpResponse(out.getvalue(), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="report-{r.period.start}-{last}.pdf"'
    return response


def _named(r: figures.Report) -> figures.Report:
    """Levels, categories and channels by the names the policy in force gives them."""
    from kesu.core.catalogues import CHANNELS, label
    from kesu.policies.services import active_version, policy_of

    try:
        policy = policy_of(active_version())
    except KesuError:
        return r
    levels = {lv.code: lv.name for lv in policy.levels}
    r.by_level = [(levels.get(code, code), n) for code, n in r.by_level]
    r.by_category = [(" / ".join(c.name for c in policy.category_path(code)) or code, n) for code, n in r.by_category]
    r.by_channel = [(label(CHANNELS, code), n) for code, n in r.by_channel]
    return r


def _code_for(dimension: str, value: str) -> str:
    """The page shows names (_named); the figures filter on codes."""
    from kesu.core.catalogues import CHANNELS
    from kesu.policies.services import active_version, policy_of

    try:
        policy = policy_of(active_version())
    except KesuError:
        return value
    if dimension == "level":
        return next((lv.code for lv in policy.levels if lv.name == value), value)
    if dimension == "category":
        return next((c for c in policy.category_codes()
                     if " / ".join(n.name for n in policy.category_path(c)) == value), value)
    if dimension == "channel":
        return next((code for code, (zh, _en) in CHANNELS.items() if zh == value), value)
    return value
