"""Pages around the queues: the approvals inbox, the penalty ledger, and the managers' dashboard.
Decisions go through the step registry (kesu.workflow.steps) — the same steps and rules the API
uses; the pages only choose what to show."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any
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
from kesu.clocks import ledger, outcomes
from kesu.clocks.models import ComplaintClock, ExtensionRequest, PenaltyEntry
from kesu.complaints.models import Complaint
from kesu.core.access import may_open
from kesu.core.catalogues import label
from kesu.core.errors import KesuError
from kesu.core.lifecycle import OPEN_STATES, UNSATISFIED_STATES, event_label, state_label
from kesu.core.policy.model import named
from kesu.core.units import UNIT_KINDS
from kesu.org import units
from kesu.org.models import Department, Staff
from kesu.org.services import roles_of
from kesu.policies.services import active_version, policy_of, versions_in_force
from kesu.web import steps
from kesu.workflow import steps as registry
from kesu.workflow.accountability import discipline_list
from kesu.workflow.models import Approval
from kesu.workflow.selectors import approvals_waiting_for, extensions_waiting_for


def _staff(request: HttpRequest) -> Staff:
    return request.user  # type: ignore[return-value]


@login_required
def approvals(request: HttpRequest) -> HttpResponse:
    """The approvals and extension requests waiting for the reader. A decision just refused comes
    back in its row: the comment as typed, every error beside it or above the row, by label."""
    staff, now = _staff(request), timezone.now()
    lang = get_language() or "zh-hans"
    waiting, extensions = approvals_waiting_for(staff, now), extensions_waiting_for(staff)
    refused = steps.take_refused(request, "approvals")
    row = None
    if refused is not None:
        model = ExtensionRequest if refused["action"] == "extension_decided" else Approval
        record = model.objects.filter(pk=int(refused["key"])).select_related("complaint").first()
        if record is not None:
            row = steps.RefusedRow(registry.STEPS[refused["action"]], registry.context(record.complaint, staff, now),
                                   refused, "note", kind="extension" if model is ExtensionRequest else "approval")
            shown = extensions if model is ExtensionRequest else waiting
            if not any(r.pk == row.pk for r in shown):  # decided meanwhile, or never the reader's: said above
                _said_above(request, refused["errors"])
    return render(request, "web/approvals.html", {
        "approvals": waiting, "extensions": extensions, "refused": row,
        "note_label": steps.text_label("approval_decided", "note", lang),
        "extension_note_label": steps.text_label("extension_decided", "note", lang),
    })


def _said_above(request: HttpRequest, errors: list[tuple[str | None, str]]) -> None:
    """A refused decision whose row the page no longer shows: its errors at the top of the page."""
    for _name, message in errors:
        messages.error(request, message)


def _decision(request: HttpRequest, step: str, complaint: Complaint, values: dict[str, str], *, place: str,
              key: int) -> bool:
    """Take a decision of the inbox or the ledger through the registry. Refused, the row's form is
    kept for the page it leads back to (kesu.web.steps.keep_refused, as the detail page keeps a
    step's form): nothing typed is lost, and every error shows by the label of its field."""
    lang = get_language() or "zh-hans"
    try:
        registry.perform(step, complaint, values, actor=_staff(request), now=timezone.now(), expected_version=None)
    except KesuError as exc:
        messages.error(request, _("未完成：%(action)s（投诉 %(number)s）。请按表单中的提示修改后再提交。")
                       % {"action": registry.STEPS[step].label(lang), "number": complaint.number})
        steps.keep_refused(request, place, str(key), step, values, steps.errors_of(exc, lang))
        return False
    return True


@login_required
@require_POST
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    """Approve or reject an approval (or review it for finance); refusals come from the rules."""
    a = get_object_or_404(Approval, pk=pk)
    approve = request.POST.get("verdict") == "approve"
    # The stage the inbox showed: a second click on an approval already decided is refused as such.
    step = "finance_reviewed" if request.POST.get("stage") == "finance" else "approval_decided"
    values = {"approval": str(a.pk), "verdict": request.POST.get("verdict", ""), "note": request.POST.get("note", "")}
    if not _decision(request, step, a.complaint, values, place="approvals", key=a.pk):
        return redirect(reverse("web:approvals") + f"#approval-{a.pk}")
    messages.success(request, (_("已批准：投诉 %(number)s") if approve else _("已驳回：投诉 %(number)s"))
                     % {"number": a.complaint.number})
    return redirect("web:approvals")


@login_required
@require_POST
def decide_extension(request: HttpRequest, pk: int) -> HttpResponse:
    req = get_object_or_404(ExtensionRequest, pk=pk)
    approve = request.POST.get("verdict") == "approve"
    values = {"request": str(req.pk), "verdict": request.POST.get("verdict", ""), "note": request.POST.get("note", "")}
    if not _decision(request, "extension_decided", req.complaint, values, place="approvals", key=req.pk):
        return redirect(reverse("web:approvals") + f"#extension-{req.pk}")
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
    scope = units.scope_of(staff)  # issue 18: a store's person sees their unit's (and below), as in the queues
    entries = ledger.penalties(month=month, department_id=int(dept) if dept and dept.isdigit() else None,
                               staff_id=int(person) if person and person.isdigit() else None, unit_ids=scope)
    lang = get_language() or "zh-hans"
    if request.GET.get("format") == "xlsx":
        audit.record("export.penalties_xlsx", actor=staff, now=timezone.now(), target=("export", "penalties"),
                     data={"filters": request.GET.dict()})
        rows = list(entries)
        response = HttpResponse(ledger.export_xlsx(rows, lang, reason_of=_reasons(rows, lang)), content_type=(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
        response["Content-Disposition"] = 'attachment; filename="penalties.xlsx"'
        return response
    page = list(entries[:500])
    reason_of = _reasons(page, lang)
    for e in page:
        e.reason_shown = reason_of(e)
    refused, row = steps.take_refused(request, "ledger"), None
    if refused is not None:
        entry = PenaltyEntry.objects.filter(pk=int(refused["key"])).select_related("complaint").first()
        if entry is not None:
            row = steps.RefusedRow(registry.STEPS["penalty_waived"],
                                   registry.context(entry.complaint, staff, timezone.now()), refused, "reason",
                                   kind="penalty")
            if not any(e.pk == row.pk for e in page):
                _said_above(request, refused["errors"])
    return render(request, "web/ledger.html", {
        "refused": row, "reason_label": steps.text_label("penalty_waived", "reason", get_language() or "zh-hans"),
        "entries": page, "month": request.GET.get("month", ""), "department": dept or "", "staff": person or "",
        "departments": Department.objects.filter(_in_units(scope), is_active=True).order_by("code"),
        "people": Staff.objects.filter(penalties__isnull=False, **(
            {} if scope is None else {"penalties__complaint__unit_id__in": sorted(scope)})
        ).distinct().order_by("username"),
        "total": sum((e.amount for e in page if e.waived_at is None), 0), "query": request.GET.urlencode(),
    })


def _reasons(entries: list[PenaltyEntry], lang: str) -> Callable[[PenaltyEntry], str]:
    """Each entry's 事由 in ``lang``; in English the entries' policies are read once, to say their
    clocks and levels by name_en (the page and the sheet alike)."""
    policies: dict[int, Any] = {}
    if lang.startswith("en"):
        from kesu.policies.models import PolicyVersion

        versions = PolicyVersion.objects.in_bulk({e.complaint.policy_version_id for e in entries if e.clock_id})
        policies = {pk: policy_of(v) for pk, v in versions.items()}
    return lambda e: _penalty_reason(e, policies.get(e.complaint.policy_version_id), lang)


def _penalty_reason(e: PenaltyEntry, policy: Any, lang: str) -> str:
    """The ledger's 事由: an overtime penalty the sweep booked as 「初次对应超时（不满意）」 reads, in
    English, by the policy's English names ("First response overdue (Dissatisfied)"); anything else
    (an investigation's words, an entry whose names the policy no longer has) as it was written."""
    if e.clock is None or policy is None:
        return e.reason
    clock = next((k for k in policy.clocks if k.code == e.clock.code), None)
    level = next((lv for lv in policy.levels if e.reason == f"{e.clock.name}超时（{lv.name}）"), None)
    if clock is None or level is None:
        return e.reason
    return _("%(clock)s超时（%(level)s）") % {"clock": named(clock, lang), "level": named(level, lang)}


@login_required
@require_POST
def waive(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_object_or_404(PenaltyEntry, pk=pk)
    back = f"{reverse('web:ledger')}?{request.POST.get('query', '')}"
    if not _decision(request, "penalty_waived", entry.complaint,
                     {"entry": str(entry.pk), "reason": request.POST.get("reason", "")},
                     place="ledger", key=entry.pk):
        return redirect(f"{back}#penalty-{entry.pk}")
    messages.success(request, _("已免除：投诉 %(number)s 的 %(amount)s 元扣罚")
                     % {"number": entry.complaint.number, "amount": entry.amount})
    return redirect(back)


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """Where the CS manager and the GM stand, each figure by one definition (docs/reports.md):

    * 在办投诉 — complaints not archived and not answered as not valid (OPEN_STATES), each once;
      the by-level and by-department tables split exactly these;
    * 今日超时 — of those, the complaints with a clock that went past its due time today (Beijing
      date), each complaint once however many of its clocks did: never more than 在办投诉;
    * 超时未办结 — of those, the complaints with a breached clock still running, each once;
    * 本月时限按时率 — the analysis report's on-time rule (kesu.clocks.outcomes) for this month so
      far: clocks met ÷ (met + missed), a clock counted once, when its outcome became known — so a
      breached clock still running counts as missed;
    * 不满意 / 复审中 — all complaints reopened after an unsatisfied visit or under review (the
      table lists the 20 most recently changed)."""
    if not may_open("dashboard", roles_of(_staff(request))):
        raise PermissionDenied(_("总览仅限客服部经理、总经理与稽核查看"))
    scope = units.scope_of(_staff(request))  # F16: a store's CS manager sees their store's (and below)
    figures = dashboard_figures(timezone.now(), unit_ids=scope)
    unsatisfied = (Complaint.objects.filter(_in_units(scope), status__in=UNSATISFIED_STATES)
                   .select_related("department").order_by("-updated_at")[:20])
    return render(request, "web/dashboard.html", {
        **figures, "unsatisfied": [(c, state_label(c.status, get_language())) for c in unsatisfied]})


def _in_units(unit_ids: frozenset[int] | None, prefix: str = "") -> Q:
    return Q() if unit_ids is None else Q(**{f"{prefix}unit_id__in": sorted(unit_ids)})


def dashboard_figures(now: datetime, *, unit_ids: frozenset[int] | None = None) -> dict[str, Any]:
    """The dashboard's figures at ``now`` (definitions in ``dashboard``'s docstring), for the units
    ``unit_ids`` (F16; None: the whole organisation)."""
    tz = ZoneInfo(settings.TIME_ZONE)
    today = datetime.combine(timezone.localtime(now, tz).date(), time(0), tz)
    month_start = today.replace(day=1)
    next_month = (month_start + timedelta(days=32)).replace(day=1)
    open_states = [s.value for s in OPEN_STATES]
    open_q = Complaint.objects.filter(_in_units(unit_ids), status__in=open_states)
    english = (get_language() or "").startswith("en")
    names = {lv.code: (lv.name_en if english and lv.name_en else lv.name)
             for lv in policy_of(active_version()).levels} if active_version_or_none() else {}
    by_level = [(names.get(row["level"], row["level"] or _("未定级")), row["n"])
                for row in open_q.values("level").annotate(n=Count("id")).order_by("level")]
    by_department = list(open_q.values("department__name").annotate(n=Count("id")).order_by("-n", "department__name"))
    open_clocks = ComplaintClock.objects.filter(_in_units(unit_ids, "complaint__"), complaint__status__in=open_states)
    breached_today = (open_clocks.filter(breached_at__isnull=False, due_at__gte=today,
                                         due_at__lt=today + timedelta(days=1))
                      .values("complaint_id").distinct().count())
    overdue = (open_clocks.filter(breached_at__isnull=False, stopped_at__isnull=True, cancelled_at__isnull=True)
               .values("complaint_id").distinct().count())
    finished = outcomes.on_time_total(outcomes.clock_outcomes(month_start, next_month, unit_ids=unit_ids))
    return {"open_total": open_q.count(), "by_level": by_level, "by_department": by_department,
            "breaches_today": breached_today, "overdue": overdue, "on_time": finished["rate"], "finished": finished,
            "unsatisfied_total": Complaint.objects.filter(_in_units(unit_ids), status__in=UNSATISFIED_STATES).count()}


def active_version_or_none():  # type: ignore[no-untyped-def]
    try:
        return active_version()
    except KesuError:
        return None


@login_required
def discipline(request: HttpRequest) -> HttpResponse:
    """F9: the month's penalties per department and per person, with the cases behind them (due by
    the 10th of the next month; the rule in kesu.workflow.accountability)."""
    if not may_open("discipline", roles_of(_staff(request))):
        raise PermissionDenied(_("处罚名单仅限人事行政、客服部经理、总经理、稽核与财务查看"))
    month = _month(request.GET.get("month"))
    if month is None:
        first = timezone.localtime(timezone.now()).date().replace(day=1)
        month = (first - timedelta(days=1)).replace(day=1)
    listed = discipline_list(month.year, month.month, unit_ids=units.scope_of(_staff(request)))  # issue 18: by unit
    nobody, nowhere = _("未指定责任人"), _("未指定部门")
    if request.GET.get("format") == "xlsx":
        from openpyxl import Workbook

        from kesu.core.sinks import append_row  # names starting with = stay text, never a formula

        money = (_("超时扣罚（元）"), _("调查处罚（元）"), _("合计（元）"))
        wb = Workbook()
        by_dept = wb.active
        by_dept.title = _("按部门")
        append_row(by_dept, [_("责任部门"), _("笔数"), *money])
        for d in listed.departments.values():
            append_row(by_dept, [d.name or nowhere, d.entries, float(d.clock_penalties), float(d.finding_penalties),
                                 float(d.total)])
        append_row(by_dept, [_("合计"), listed.entries, float(listed.clock_penalties),
                             float(listed.finding_penalties), float(listed.total)])
        by_person = wb.create_sheet(_("按责任人"))
        append_row(by_person, [_("责任人"), _("责任部门"), _("笔数"), *money, _("投诉")])
        cases = wb.create_sheet(_("投诉明细"))
        append_row(cases, [_("责任部门"), _("责任人"), _("投诉编号"), _("已结案"), _("笔数"), *money, _("事由")])
        for p in listed.people():
            append_row(by_person, [p.name or nobody, p.department or nowhere, p.entries, float(p.clock_penalties),
                                   float(p.finding_penalties), float(p.total), "、".join(p.cases)])
            for c in p.cases.values():
                append_row(cases, [p.department or nowhere, p.name or nobody, c.number,
                                   _("是") if c.closed else _("否"), c.entries, float(c.clock_penalties),
                                   float(c.finding_penalties), float(c.total), "；".join(c.reasons)])
        for ws in (by_dept, by_person, cases):
            ws.freeze_panes = "A2"
        out = io.BytesIO()
        wb.save(out)
        response = HttpResponse(out.getvalue(), content_type=(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
        response["Content-Disposition"] = f'attachment; filename="discipline-{month:%Y-%m}.xlsx"'
        audit.record("export.discipline_xlsx", actor=request.user, now=timezone.now(), target=("export", "discipline"),
                     data={"month": f"{month:%Y-%m}", "rows": listed.entries})  # one per penalty entry
        return response
    return render(request, "web/discipline.html", {"listed": listed, "month": f"{month:%Y-%m}", "nobody": nobody,
                                                   "nowhere": nowhere})


@login_required
def policy_tables(request: HttpRequest) -> HttpResponse:
    """The policy in force as readable tables: levels, clocks, penalties, routing, approvals.
    Editing and publishing a new version happen in the administration (a draft, then publish)."""
    if not may_open("policy", roles_of(_staff(request))):
        raise PermissionDenied(_("制度配置仅限系统管理员、客服部经理、总经理与稽核查看"))
    staff = _staff(request)
    unit_rows, chosen = _units_and_versions(staff, (request.GET.get("unit") or "")[:60])
    try:  # F16: the policy in force for the unit chosen, else the person's own unit's
        version = active_version(chosen.id if chosen else staff.unit_id)
    except KesuError:
        version = None
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
               "channel_targets": [(label(policy.channel_catalogue(), ch, lang), t.spoken(lang, k.time == "working"))
                                   for ch, t in k.channel_targets.items()],
               "category_targets": [(categories.get(code, code), t.spoken(lang, k.time == "working"))
                                    for code, t in k.category_targets.items()],
               "only": [categories.get(code, code) for code in k.categories],
               "not_before": k.not_before.spoken(lang) if k.not_before else "",
               "start": event_label(k.start, lang), "stop": [event_label(e, lang) for e in k.stop]}
              for k in policy.clocks]
    routing = [{"rule": r, "levels": [level_name(x) for x in r.when.levels],
                "categories": [categories.get(x, x) for x in r.when.categories],
                "channels": [label(policy.channel_catalogue(), x, lang) for x in r.when.channels],
                "locations": [departments.get(x, x) for x in r.when.locations],
                "department": departments.get(r.department, r.department)} for r in policy.routing]
    return render(request, "web/policy.html", {"version": version, "policy": policy, "clocks": clocks,
                                               "routing": routing, "unit_rows": unit_rows,
                                               "unit": chosen.code if chosen else ""})


def _units_and_versions(staff: Staff, code: str) -> tuple[list[dict[str, Any]], Any]:
    """F16: the person's units in tree order, each with the version in force there and whether it
    is the unit's own (one query for the published versions; the tree is cached); and the unit
    chosen by ``code`` (within the person's units), or None."""
    tree = units.tree()
    if not tree:
        return [], None
    scope = units.scope_of(staff)
    own = versions_in_force()
    ids = {u: v.pk for u, v in own.items()}
    by_id = {v.pk: v for v in own.values()}
    lang = get_language() or "zh-hans"
    rows = []
    for depth, node in tree.walk():
        if scope is not None and node.id not in scope:
            continue
        found = tree.nearest(node.id, ids)
        rows.append({"depth": range(depth), "code": node.code, "name": node.shown(lang),
                     "kind": UNIT_KINDS.get(node.kind, (node.kind, node.kind))[1 if lang.startswith("en") else 0],
                     "version": by_id.get(found) if found else None, "own": node.id in own})
    chosen = tree.by_code(code) if code else None
    if chosen is not None and scope is not None and chosen.id not in scope:
        chosen = None
    return rows, chosen


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
