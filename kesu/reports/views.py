"""The analysis report page and its Excel export (SPEC F11)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
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
from kesu.org import units
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


def _units(request: HttpRequest, staff: Staff) -> tuple[frozenset[int] | None, str]:
    """F16: the units the report covers — the reader's own and those below it (a group-level reader:
    all), narrowed to the unit chosen (``unit``, a code) and the units below it; and that code."""
    scope = units.scope_of(staff)
    code = (request.GET.get("unit") or "")[:60]
    if not code:
        return scope, ""
    chosen = units.active_unit(code)
    assert chosen is not None
    if scope is not None and chosen.id not in scope:
        raise PermissionDenied(_("您只能查看本单位及下级单位的报告"))
    return units.tree().subtree(chosen.id), code


def _unit_choices(staff: Staff) -> list[tuple[str, str]]:
    scope = units.scope_of(staff)
    lang = get_language() or "zh-hans"
    return [(node.code, "\u00a0\u00a0" * depth + node.shown(lang)) for depth, node in units.tree().walk()
            if node.is_active and (scope is None or node.id in scope)]


def _unit_shown(code: str) -> str:
    node = units.tree().by_code(code)
    return node.shown(get_language() or "zh-hans") if node is not None else _("未指定业务单位")


@dataclass
class Section:
    """One table of the report, the same on the page, in the xlsx (one sheet) and in the PDF."""

    key: str
    title: str
    sheet: str  # the xlsx sheet's name (≤ 31 characters)
    headers: list[str]
    units: list[str]  # per column: "" text or count, "%" rate, "元" money
    rows: list[list[Any]]
    dimension: str = ""  # the count in column 2 opens the complaints behind it

    def cells(self) -> list[list[str]]:
        return [[figures.text(v, u) for v, u in zip(row, self.units, strict=True)] for row in self.rows]


def sections(r: figures.Report) -> list[Section]:
    """The report's tables, computed once from ``r`` for all three outputs."""
    unnamed_person, unnamed_dept = _("未指定责任人"), _("未指定部门")
    count = _("数量")
    out = [Section(key, title, sheet, [head, count], ["", ""], [list(row) for row in rows], dimension=key)
           for key, title, sheet, head, rows in (
               ("level", _("按级别"), _("按级别"), _("级别"), r.by_level),
               ("category", _("按类别（最常见的问题）"), _("按类别"), _("类别"), r.by_category),
               ("channel", _("按渠道"), _("按渠道"), _("渠道"), r.by_channel),
               ("department", _("按部门"), _("按部门"), _("部门"), r.by_department),
               ("location", _("按地点"), _("按地点"), _("地点"), r.by_location),
               ("repeats_category", _("重复投诉 · 按类别"), _("重复投诉按类别"), _("类别"), r.repeats_by_category),
               ("repeats_department", _("重复投诉 · 按部门"), _("重复投诉按部门"), _("部门"),
                r.repeats_by_department))]
    if r.by_unit:  # F16: rolled up from the stores to the group
        out.append(Section("unit", _("按业务单位（含下级单位）"), _("按业务单位"),
                           [_("业务单位"), _("本单位"), _("含下级单位")], ["", "", ""],
                           [["\u00a0\u00a0" * depth + _unit_shown(code), own, rolled]
                            for depth, code, own, rolled in r.by_unit]))
    out.append(Section("on_time", _("时限按时率"), _("时限按时率"),
                       [_("时限"), _("按时"), _("超时"), _("合计"), _("按时率"), _("平均用时（分钟）")],
                       ["", "", "", "", "%", ""],
                       [[row["name"], row["met"], row["missed"], row["total"], row["rate"], row["average_minutes"]]
                        for row in r.on_time]))
    out.append(Section("penalties", _("扣罚 · 按责任部门"), _("扣罚按部门"),
                       [_("责任部门"), _("笔数"), _("金额（元）")], ["", "", "元"],
                       [[d or unnamed_dept, n, amount] for d, n, amount in r.penalties]))
    out.append(Section("penalties_by_person", _("扣罚 · 按责任人"), _("扣罚按人"),
                       [_("责任人"), _("责任部门"), _("笔数"), _("金额（元）")], ["", "", "", "元"],
                       [[p or unnamed_person, d or unnamed_dept, n, amount]
                        for p, d, n, amount in r.penalties_by_person]))
    out.append(Section("compensation", _("补偿费用"), _("补偿"), [_("承担部门"), _("金额（元）")], ["", "元"],
                       [[d or _("公司"), amount] for d, amount in r.compensation]))
    return out


@login_required
def report(request: HttpRequest) -> HttpResponse:
    staff: Staff = request.user  # type: ignore[assignment]
    department = _department(request, staff)
    today = timezone.localtime(timezone.now()).date()
    context: dict[str, Any] = {"departments": Department.objects.filter(is_active=True).order_by("code"),
                               "department": department, "company": bool(roles_of(staff) & COMPANY_ROLES),
                               "unit_choices": _unit_choices(staff)}
    try:
        unit_ids, context["unit_code"] = _units(request, staff)
        period = _period(request, today)
    except KesuError as exc:
        context["error"] = exc.message(get_language() or "zh-hans")
        response = render(request, "reports/report.html", context)
        response.status_code = 422
        return response
    r = _named(figures.build(period, department_id=department, unit_ids=unit_ids))
    if request.GET.get("format") in ("xlsx", "pdf"):
        audit.record(f"export.report_{request.GET['format']}", actor=staff, now=timezone.now(),
                     target=("export", "report"), data={"start": period.start.isoformat(),
                                                        "end": period.end.isoformat(), "department": department,
                                                        "unit": context["unit_code"]})
        return _xlsx(r) if request.GET["format"] == "xlsx" else _pdf(r, department)
    context["charts"] = [charts.svg(d) for d in _drawings(r)]
    context.update(r=r, headline=r.headline(), sections=sections(r), start=period.start.isoformat(),
                   end=(period.end - timedelta(days=1)).isoformat())
    return render(request, "reports/report.html", context)


Sheet = tuple[str, list[str], list[list[Any]]]  # a sheet's title, its headers, its rows


def workbook(sheets: list[Sheet], filename: str) -> HttpResponse:
    """The reports' xlsx exporter: each sheet with its header row frozen, numbers as numbers, every
    cell written as text or number — never a formula (kesu.core.sinks.append_row)."""
    from openpyxl import Workbook

    from kesu.core.sinks import append_row

    wb = Workbook()
    for i, (title, headers, rows) in enumerate(sheets):
        ws = wb.active if i == 0 else wb.create_sheet(title)
        ws.title = title
        append_row(ws, headers)
        for row in rows:
            append_row(ws, [_number(v) for v in row])
        ws.freeze_panes = "A2"
    out = io.BytesIO()
    wb.save(out)
    response = HttpResponse(out.getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _xlsx(r: figures.Report) -> HttpResponse:
    # numbers stay numbers: a rate as 66.7 with its unit beside it
    summary: Sheet = (_("概要"), [_("指标"), _("数值"), _("单位"), _("计算")],
                      [[str(f.label), f.value, f.unit, f.basis] for f in r.headline()])
    last = r.period.end - timedelta(days=1)
    return workbook([summary, *((s.sheet, s.headers, s.rows) for s in sections(r))],
                    f"report-{r.period.start}-{last}.xlsx")


def _number(value: Any) -> Any:
    return float(value) if isinstance(value, Decimal) else value


@login_required
def complaints_behind(request: HttpRequest) -> HttpResponse:
    """The complaints behind a figure (same period, department and reader's scope as the report)."""
    staff: Staff = request.user  # type: ignore[assignment]
    department = _department(request, staff)
    today = timezone.localtime(timezone.now()).date()
    try:
        unit_ids, _code = _units(request, staff)
        period = _period(request, today)
        dimension = request.GET.get("dimension", "received")
        qs = figures.behind(period, department_id=department, dimension=dimension,
                            value=_code_for(dimension, request.GET.get("value", "")), unit_ids=unit_ids)
    except KesuError as exc:
        response = render(request, "reports/behind.html", {"error": exc.message(get_language() or "zh-hans")})
        response.status_code = 422
        return response
    return render(request, "reports/behind.html", {"rows": qs[:500], "total": qs.count(),
                                                   "query": request.GET.urlencode()})


def _drawings(r: figures.Report) -> list[Any]:
    return [charts.bars(_("按级别（件）"), r.by_level), charts.bars(_("按类别（最常见的问题，件）"), r.by_category),
            charts.bars(_("时限按时率（%）"), [(row["name"], row["rate"]) for row in r.on_time], unit="%")]


def table_pdf(title: str, tables: list[tuple[str, list[str], list[list[str]]]], filename: str) -> HttpResponse:
    """The reports' PDF exporter for tables alone (the CAPA report): a title, then each table under
    its heading, in the reader's language (the Chinese font embedded, as the analysis report's)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import CondPageBreak, SimpleDocTemplate, Spacer

    from kesu.printing.forms import _font, _grid, para

    font = _font()
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm,
                            bottomMargin=15 * mm, title=title, author="客诉 Kesu")
    story: list[Any] = [para(title, ParagraphStyle("t", fontName=font, fontSize=16, leading=22, alignment=1)),
                        Spacer(1, 5 * mm)]
    heading = ParagraphStyle("h", fontName=font, fontSize=11.5, leading=16, spaceBefore=2)
    for name, headers, rows in tables:
        width = 180 * mm / len(headers)
        cells = [[str(v) for v in row] for row in rows] or [[_("无")] + [""] * (len(headers) - 1)]
        story += [CondPageBreak(30 * mm), para(name, heading), Spacer(1, 1.5 * mm),
                  _grid([headers, *cells], [width] * len(headers)), Spacer(1, 4 * mm)]
    doc.build(story)
    response = HttpResponse(out.getvalue(), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def _pdf(r: figures.Report, department: int | None) -> HttpResponse:
    """The report as PDF: the same headline figures and tables as the page, with its charts as
    vectors, in the reader's language (the Chinese font embedded)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import CondPageBreak, SimpleDocTemplate, Spacer

    from kesu.printing.forms import _font, _grid, para

    font = _font()
    title = ParagraphStyle("t", fontName=font, fontSize=16, leading=22, alignment=1)
    heading = ParagraphStyle("h", fontName=font, fontSize=11.5, leading=16, spaceBefore=2)
    last = r.period.end - timedelta(days=1)
    scope = (Department.objects.filter(pk=department).values_list("name", flat=True).first() if department
             else _("全公司"))
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm,
                            bottomMargin=15 * mm, title=f"{_('投诉分析报告')} {r.period.start}", author="客诉 Kesu")
    pairs = [(f"{f.label}", f.text() + (f" ({f.basis})" if f.basis else "")) for f in r.headline()]
    grid = [[*pairs[i], *(pairs[i + 1] if i + 1 < len(pairs) else ("", ""))] for i in range(0, len(pairs), 2)]
    story: list[Any] = [
        para(f"{_('投诉分析报告')}　{r.period.start} {_('至')} {last}（{scope}）", title), Spacer(1, 4 * mm),
        _grid(grid, [40 * mm, 50 * mm, 40 * mm, 50 * mm]), Spacer(1, 6 * mm),
    ]
    if r.empty:
        story.append(para(_("该期间没有投诉。"), ParagraphStyle("n", fontName=font, fontSize=10)))
    for drawing in _drawings(r):
        story += [CondPageBreak(drawing.height + 4 * mm), drawing, Spacer(1, 4 * mm)]
    for section in sections(r):
        width = 180 * mm / len(section.headers)
        rows = section.cells() or [[_("无")] + [""] * (len(section.headers) - 1)]
        story += [CondPageBreak(30 * mm), para(section.title, heading), Spacer(1, 1.5 * mm),
                  _grid([section.headers, *rows], [width] * len(section.headers)), Spacer(1, 4 * mm)]
    doc.build(story)
    response = HttpResponse(out.getvalue(), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="report-{r.period.start}-{last}.pdf"'
    return response


def _named(r: figures.Report) -> figures.Report:
    """Levels, categories, channels and clocks by the names the policy in force gives them, in English
    where the reader reads English and the policy has an English name."""
    from kesu.core.catalogues import label
    from kesu.policies.services import active_version, policy_of

    try:
        policy = policy_of(active_version())
    except KesuError:
        return r
    lang = get_language() or "zh-hans"
    levels = {lv.code: _in(lang, lv.name, lv.name_en) for lv in policy.levels}
    r.by_level = [(levels.get(code, code), n) for code, n in r.by_level]
    r.by_category = [(_category(policy, code, lang) or code, n) for code, n in r.by_category]
    r.repeats_by_category = [(_category(policy, code, lang) or code, n) for code, n in r.repeats_by_category]
    r.by_channel = [(label(policy.channel_catalogue(), code, lang), n) for code, n in r.by_channel]
    if lang.startswith("en"):  # a clock by the English the policy in force gives its code (name_en)
        clocks = {k.code: k.name_en for k in policy.clocks if k.name_en}
        r.on_time = [{**row, "name": clocks.get(row["code"], row["name"])} for row in r.on_time]
        english = _department_english()  # the figures group by the department's (Chinese) name
        if english:
            r.by_department = [(english.get(d, d), n) for d, n in r.by_department]
            r.by_location = [(english.get(d, d), n) for d, n in r.by_location]  # a store is a department too
            r.repeats_by_department = [(english.get(d, d), n) for d, n in r.repeats_by_department]
            r.penalties = [(english.get(d, d), n, amount) for d, n, amount in r.penalties]
            r.penalties_by_person = [(p, english.get(d, d), n, amount) for p, d, n, amount in r.penalties_by_person]
            r.compensation = [(english.get(d, d), amount) for d, amount in r.compensation]
    return r


def _department_english() -> dict[str, str]:
    """Each department's name → its English name, where it has one."""
    from kesu.org.models import Department

    return dict(Department.objects.exclude(name_en="").values_list("name", "name_en"))


def _in(lang: str, zh: str, en: str) -> str:
    return en if lang.startswith("en") and en else zh


def _category(policy: Any, code: str, lang: str) -> str:
    return " / ".join(_in(lang, c.name, c.name_en) for c in policy.category_path(code))


def _code_for(dimension: str, value: str) -> str:
    """The page shows names (_named), in either language; the figures filter on codes."""
    from kesu.core.catalogues import CHANNELS
    from kesu.policies.services import active_version, policy_of

    try:
        policy = policy_of(active_version())
    except KesuError:
        return value
    if dimension == "level":
        return next((lv.code for lv in policy.levels if value in (lv.name, lv.name_en)), value)
    if dimension in ("category", "repeats_category"):
        return next((c for c in policy.category_codes()
                     if value in (_category(policy, c, "zh-hans"), _category(policy, c, "en"))), value)
    if dimension == "channel":
        return next((code for code, names in CHANNELS.items() if value in names), value)
    if dimension in ("department", "repeats_department", "location"):  # shown by its English name: filtered by its name
        return next((zh for zh, en in _department_english().items() if value == en), value)
    return value


@login_required
def capa(request: HttpRequest) -> HttpResponse:
    """纠正预防措施报告 (issue 18): open, overdue, awaiting verification and verified corrective
    actions per department, of the complaints the reader may see (a manager: their departments')."""
    from kesu.complaints.selectors import visible_complaints
    from kesu.workflow.capa import capa_report

    staff: Staff = request.user  # type: ignore[assignment]
    now = timezone.now()
    roles = roles_of(staff)
    if not may_open("reports", roles, manages=bool(managed_department_ids(staff, now))):
        raise PermissionDenied(_("纠正预防措施报告仅限客服部经理、总经理、稽核与部门经理查看"))
    rows = capa_report(now, complaints=visible_complaints(staff, now))
    fmt = request.GET.get("format")
    if fmt in ("xlsx", "pdf"):  # issue 18: downloadable as the other reports are, through their exporters
        audit.record(f"export.capa_{fmt}", actor=staff, now=now, target=("export", "capa"),
                     data={"rows": len(rows)})
        headers = [_("负责部门"), _("未落实"), _("其中逾期"), _("待确认效果"), _("已确认有效"), _("曾判无效"),
                   _("逾期的投诉")]
        table = [[r.department, r.open, r.overdue, r.awaiting_verification, r.verified, r.reopened,
                  _("、").join(r.numbers)] for r in rows]
        day = timezone.localtime(now).date()
        if fmt == "xlsx":
            return workbook([(_("纠正预防措施"), headers, table)], f"capa-{day}.xlsx")
        return table_pdf(f"{_('纠正预防措施报告')}　{day}", [(_("按负责部门"), headers, table)], f"capa-{day}.pdf")
    return render(request, "reports/capa.html", {"rows": rows})
