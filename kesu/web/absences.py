"""不在岗 (issue 18): a manager marks who is away — on a business trip, on leave — so the approval
stages they would decide go to their fallback (分管合伙人不在，则由主任或其他合伙人处理), and ends it
when they are back. Who may mark whom is the workflow's rule (``absence_markable``); the page lists
only those people, and a forged POST meets the same refusal."""

from __future__ import annotations

from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kesu.core.access import may_open
from kesu.core.errors import KesuError, ValidationFailed
from kesu.org.models import Staff
from kesu.org.services import managed_department_ids, roles_of
from kesu.workflow import services as workflow
from kesu.workflow.models import ApproverAbsence


def _may_open(staff: Staff, now: datetime) -> bool:
    return staff.is_superuser or may_open("absences", roles_of(staff), manages=bool(managed_department_ids(staff, now)))


def _when(value: str, field: str) -> datetime | None:
    """A datetime-local value as Beijing time; empty is None; bad input refused by the field's label."""
    text = (value or "").strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        error = KesuError("bad_type", field=field, expected=_("日期时间"), value=text[:40])
        error.label = workflow.ABSENCE_LABELS[field]
        raise ValidationFailed([error]) from None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


@login_required
def absences(request: HttpRequest) -> HttpResponse:
    staff: Staff = request.user  # type: ignore[assignment]
    now = timezone.now()
    if not _may_open(staff, now):
        raise PermissionDenied(_("不在岗登记仅限人事行政、总经理、客服部经理、系统管理员与部门经理"))
    current = ApproverAbsence.objects.filter(ends_at__isnull=True) | ApproverAbsence.objects.filter(ends_at__gt=now)
    people = (workflow.absence_markable(staff, now).order_by("username")
              .prefetch_related(Prefetch("absences", queryset=current.order_by("starts_at"), to_attr="away")))
    return render(request, "web/absences.html", {"people": people, "now": now})


@login_required
@require_POST
def mark(request: HttpRequest) -> HttpResponse:
    actor: Staff = request.user  # type: ignore[assignment]
    now = timezone.now()
    person = get_object_or_404(Staff, pk=request.POST.get("staff") or 0)
    try:
        starts_at = _when(request.POST.get("starts_at", ""), "starts_at")
        ends_at = _when(request.POST.get("ends_at", ""), "ends_at")
        workflow.mark_absent(person, actor=actor, now=now, starts_at=starts_at, ends_at=ends_at,
                             reason=request.POST.get("reason", ""))
    except KesuError as refused:
        messages.error(request, refused.message(get_language() or "zh-hans"))
        return redirect("web:absences")
    messages.success(request, _("已登记不在岗：%(name)s") % {"name": person.display_name or person.username})
    return redirect("web:absences")


@login_required
@require_POST
def end(request: HttpRequest, pk: int) -> HttpResponse:
    actor: Staff = request.user  # type: ignore[assignment]
    absence = get_object_or_404(ApproverAbsence.objects.select_related("staff"), pk=pk)
    try:
        workflow.end_absence(absence, actor=actor, now=timezone.now())
    except KesuError as refused:
        messages.error(request, refused.message(get_language() or "zh-hans"))
        return redirect("web:absences")
    back = absence.staff.display_name or absence.staff.username
    messages.success(request, _("已结束不在岗：%(name)s") % {"name": back})
    return redirect("web:absences")
