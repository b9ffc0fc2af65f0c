"""Pages around the queues: the approvals inbox, the penalty ledger, and the managers' dashboard.
Decisions go through the step registry (kesu.workflow.steps) — the same steps and rules the API
uses; the pages only choose what to show."""

from __future__ import annotations

import io
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kesu import audit
from kesu.clocks import ledger
from kesu.clocks.models import ComplaintClock, ExtensionRequest, PenaltyEntry
from kesu.complaints.models import Complaint
from kesu.core.access import may_open
from kesu.core.catalogues import CHANNELS, label
from kesu.core.errors import KesuError
from kesu.core.lifecycle import OPEN_STATES, UNSATISFIED_STATES, event_label, state_label
from kesu.core.policy.model import named
from kesu.org.models import Department, Staff
from kesu.org.services import roles_of
from kesu.policies.services import active_version, policy_of
from kesu.workflow import steps as registry
from kesu.workflow.accountability import discipline_list
from kesu.workflow.models import Approval
from kesu.workflow.selectors import approvals_waiting_for, extensions_waiting_for


def _staff(request: HttpRequest) -> Staff:
    return request.user  # type: ignore[return-value]


@login_required
def approvals(request: HttpRequest) -> HttpResponse:
    staff, now = _staff(request), timezone.now()
    return render(request, "web/approvals.html", {
        "approvals": approvals_waiting_for(staff, now), "extensions": extensions_waiting_for(staff),
    })


@login_required
@require_POST
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    """Approve or reject an approval (or review it for finance); refusals come from the rules."""
    a = get_object_or_404(Approval, pk=pk)
    approve = request.POST.get("verdict") == "approve"
    note = request.POST.get("note", "")
    # The stage the inbox showed: a second click on an approval already decided is refused as such.
    step = "finance_reviewed" if request.POST.get("stage") == "finance" else "approval_decided"
    try:
        registry.perform(step, a.complaint, {"approval": str(a.pk), "verdict": request.POST.get("verdict", ""),
                                             "note": note}, actor=_staff(request), now=timezone.now(),
                         expected_version=None)
    except KesuError as exc:
        messages.error(request, exc.message(get_language()))
    else:
        messages.success(request, (_("已批准：投诉 %(number)s") if approve else _("已驳回：投诉 %(number)s"))
                         % {"number": a.complaint.number})
    return redirect("web:approvals")


@login_required
@require_POST
def decide_extension(request: HttpRequest, pk: int) -> HttpResponse:
    req = get_object_or_404(ExtensionRequest, pk=pk)
    approve = request.POST.get("verdict") == "approve"
    try:
        registry.perform("extension_decided", req.complaint, {
            "request": str(req.pk), "verdict": request.POST.get("verdict", ""), "note": request.POST.get("note", "")},
            actor=_staff(request), now=timezone.now(), expected_version=None)
    except KesuError as exc:
        messages.error(request, exc.message(get_language()))
    else:
        messages.success(request, (_("延期申请已批准：投诉 %(number)s") if approve
                                   else _("延期申请已驳回：投诉 %(number)s")) % {"number": req.complaint.number})
    return redirect("web:approvals")


def _month(value: str | None) -> date | None:
    try:
        year, month = (value or "").split("-")
        return date(int(year), int(month), 1)
    except ValueError:
        return None


@login_required
def penalty_ledger(request: HttpRequest) -> HttpResponse:
    """超时扣罚 and finding penalties: filter by month, department, person; waive; export."""
    staff = _staff(request)
    if not may_open("ledger", roles_of(staff)):
        raise PermissionDenied(_("扣罚台账仅限人事行政、客服部经理、总经理、稽核与财务查看"))
    month = _month(request.GET.get("month"))
    dept = request.GET.get("department") or None
    person = request.GET.get("staff") or None
    entries = ledger.penalties(month=month, department_id=int(dept) if dept and dept.isdigit() else None,
                               staff_id=int(person) if person and person.isdigit() else None)
    if request.GET.get("format") == "xlsx":
        audit.record("export.penalties_xlsx", actor=staff, now=timezone.now(), target=("export", "penalties"),
                     data={"filters": request.GET.dict()})
        response = HttpResponse(ledger.export_xlsx(entries), content_type=(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
        response["Content-Disposition"] = 'attachment; filename="penalties.xlsx"'
        return response
    page = entries[:500]
    return render(request, "web/ledger.html", {
        "entries": page, "month": request.GET.get("month", ""), "department": dept or "", "staff": person or "",
        "departments": Department.objects.filter(is_active=True).order_by("code"),
        "people": Staff.objects.filter(penalties__isnull=False).distinct().order_by("username"),
        "total": sum((e.amount for e in page if e.waived_at is None), 0), "query": request.GET.urlencode(),
    })


@login_required
@require_POST
def waive(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_object_or_404(PenaltyEntry, pk=pk)
    try:
        registry.perform("penalty_waived", entry.complaint, {"entry": str(entry.pk),
                                                             "reason": request.POST.get("reason", "")},
                         actor=_staff(request), now=timezone.now(), expected_version=None)
    except KesuError as exc:
        messages.error(request, exc.message(get_language()))
    else:
        messages.success(request, _("已免除：投诉 %(number)s 的 %(amount)s 元扣罚")
                         % {"number": entry.complaint.number, "amount": entry.amount})
    return redirect(f"{reverse('web:ledger')}?{request.POST.get('query', '')}")


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """Where the CS manager and the GM stand: open cases by level and department, breaches today,
    the on-time rate of clocks finished this month, and the unsatisfied cases."""
    if not may_open("dashboard", roles_of(_staff(request))):
        raise PermissionDenied(_("总览仅限客服部经理、总经理与稽核查看"))
    tz = ZoneInfo(settings.TIME_ZONE)
    now = timezone.now()
    today = datetime.combine(timezone.localtime(now, tz).date(), time(0), tz)
    month_start = today.replace(day=1)
    open_q = Complaint.objects.filter(status__in=[s.value for s in OPEN_STATES])
    names = ({lv.code: named(lv, get_language()) for lv in policy_of(active_version()).levels}
             if active_version_or_none() else {})
    by_level = [(names.get(row["level"], row["level"] or _("未定级")), row["n"])
                for row in open_q.values("level").annotate(n=Count("id")).order_by("level")]
    by_department = list(open_q.values("department__name").annotate(n=Count("id")).order_by("-n")[:20])
    finished = ComplaintClock.objects.filter(stopped_at__gte=month_start, cancelled_at__isnull=True).aggregate(
        total=Count("id"), met=Count("id", filter=Q(met=True)))
    on_time = round(100 * finished["met"] / finished["total"], 1) if finished["total"] else None
    unsatisfied = (Complaint.objects.filter(status__in=UNSATISFIED_STATES)
                   .select_related("department").order_by("-updated_at")[:20])
    return render(request, "web/dashboard.html", {
        "open_total": open_q.count(), "by_level": by_level, "by_department": by_department,
        "breaches_today": ComplaintClock.objects.filter(breached_at__gte=today,
                                                        breached_at__lt=today + timedelta(days=1)).count(),
        "on_time": on_time, "finished": finished,
        "unsatisfied": [(c, state_label(c.status, get_language())) for c in unsatisfied],
    })


def active_version_or_none():  # type: ignore[no-untyped-def]
    try:
        return active_version()
    except KesuError:
        return None


@login_required
def discipline(request: HttpRequest) -> HttpResponse:
    """F9: last month's closed cases with who answers for them and the penalties (due by the 10th)."""
    if not may_open("discipline", roles_of(_staff(request))):
        raise PermissionDenied(_("处罚名单仅限人事行政、客服部经理、总经理、稽核与财务查看"))
    month = _month(request.GET.get("month"))
    if month is None:
        first = timezone.localtime(timezone.now()).date().replace(day=1)
        month = (first - timedelta(days=1)).replace(day=1)
    rows = discipline_list(month.year, month.month)
    if request.GET.get("format") == "xlsx":
        from openpyxl import Workbook

        from kesu.core.sinks import append_row  # names starting with = stay text, never a formula

        wb = Workbook()
        ws = wb.active
        ws.title = f"{month:%Y-%m}"
        append_row(ws, [_("投诉编号"), _("结案时间"), _("级别"), _("责任部门（处理）"), _("责任人"),
                        _("责任部门（调查认定）"), _("超时扣罚（元）"), _("调查处罚（元）")])
        for r in rows:
            append_row(ws, [r.number, timezone.localtime(r.closed_at).replace(tzinfo=None), r.level, r.department,
                            r.responsible_staff, r.responsible_department, float(r.clock_penalties),
                            float(r.finding_penalties)])
        ws.freeze_panes = "A2"
        out = io.BytesIO()
        wb.save(out)
        response = HttpResponse(out.getvalue(), content_type=(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
        response["Content-Disposition"] = f'attachment; filename="discipline-{month:%Y-%m}.xlsx"'
        audit.record("export.discipline_xlsx", actor=request.user, now=timezone.now(), target=("export", "discipline"),
                     data={"month": f"{month:%Y-%m}", "rows": len(rows)})
        return response
    return render(request, "web/discipline.html", {"rows": rows, "month": f"{month:%Y-%m}"})


@login_required
def policy_tables(request: HttpRequest) -> HttpResponse:
    """The policy in force as readable tables: levels, clocks, penalties, routing, approvals.
    Editing and publishing a new version happen in the administration (a draft, then publish)."""
    if not may_open("policy", roles_of(_staff(request))):
        raise PermissionDenied(_("制度配置仅限系统管理员、客服部经理、总经理与稽核查看"))
    version = active_version_or_none()
    if version is None:
        return render(request, "web/policy.html", {"version": None})
    policy = policy_of(version)
    lang = get_language()
    levels = {lv.code: named(lv, lang) for lv in policy.levels}
    categories = {code: " / ".join(named(n, lang) for n in policy.category_path(code))
                  for code in policy.category_codes()}
    departments = dict(Department.objects.values_list("code", "name"))

    def level_name(code: str) -> str:
        return levels.get(code, _("其余级别") if code == "*" else code)

    clocks = [{"clock": k, "targets": [(_("各级") if list(k.targets) == ["*"] else level_name(code),
                                        t.spoken(lang, k.time == "working")) for code, t in k.targets.items()],
               "channel_targets": [(label(CHANNELS, ch, lang), t.spoken(lang, k.time == "working"))
                                   for ch, t in k.channel_targets.items()],
               "start": event_label(k.start, lang), "stop": [event_label(e, lang) for e in k.stop]}
              for k in policy.clocks]
    routing = [{"rule": r, "levels": [level_name(x) for x in r.when.levels],
                "categories": [categories.get(x, x) for x in r.when.categories],
                "channels": [label(CHANNELS, x, lang) for x in r.when.channels],
                "locations": [departments.get(x, x) for x in r.when.locations],
                "department": departments.get(r.department, r.department)} for r in policy.routing]
    return render(request, "web/policy.html", {"version": version, "policy": policy, "clocks": clocks,
                                               "routing": routing})


@login_required
def calendar_years(request: HttpRequest) -> HttpResponse:
    """The statutory holiday table (法定节假日与调休) the working-time clocks count on."""
    if not may_open("calendar", roles_of(_staff(request))):
        raise PermissionDenied(_("工作日历仅限系统管理员、客服部经理、总经理与稽核查看"))
    from kesu.clocks.models import BusinessHours, HolidayYear

    return render(request, "web/calendar.html", {
        "years": HolidayYear.objects.order_by("year"),
        "hours": BusinessHours.objects.select_related("department").order_by("department__code"),
        "this_year": timezone.localtime(timezone.now()).year,
    })
