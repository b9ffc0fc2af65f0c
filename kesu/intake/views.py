"""Staff pages for batch intake: spreadsheet import with a per-row report, and a day's
suggestion-box slips in one screen (SPEC F3)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from kesu.complaints import intake
from kesu.complaints.models import Complaint
from kesu.core.attachments import safe_file_name
from kesu.core.errors import KesuError, ValidationFailed
from kesu.core.policy.model import named
from kesu.core.roles import Role
from kesu.intake import spreadsheet
from kesu.intake.models import ImportBatch
from kesu.org.models import Staff
from kesu.org.services import roles_of
from kesu.policies.services import active_version, policy_of
from kesu.web.forms import extra_fields, extra_values

INTAKE_ROLES = frozenset({Role.CS_AGENT, Role.CS_MANAGER})
SLIPS_PER_SCREEN = 10


def _staff(request: HttpRequest) -> Staff:
    staff: Staff = request.user  # type: ignore[assignment]
    if not roles_of(staff) & INTAKE_ROLES:
        raise PermissionDenied(_("批量受理仅限客服人员"))
    return staff


def _messages_of(exc: KesuError) -> list[str]:
    lang = get_language() or "zh-hans"
    return [e.message(lang) for e in exc.errors] if isinstance(exc, ValidationFailed) else [exc.message(lang)]


@login_required
def upload(request: HttpRequest) -> HttpResponse:
    staff = _staff(request)
    context: dict[str, Any] = {}
    if request.method == "POST" and request.FILES.get("file"):
        f = request.FILES["file"]
        content = f.read()
        try:
            spreadsheet.check(f.name or "", content, now=timezone.now(), actor=staff)  # file-level refusals
        except KesuError as exc:
            context["errors"] = _messages_of(exc)
        else:
            batch = ImportBatch.objects.create(name=safe_file_name(f.name or ""), content=content, created_by=staff,
                                               created_at=timezone.now())
            return redirect("intake:review", pk=batch.pk)
    try:
        context["columns"] = spreadsheet.columns(policy_of(active_version(staff.unit_id)),
                                                 get_language() or "zh-hans")
    except KesuError as exc:
        context.setdefault("errors", []).extend(_messages_of(exc))
    return render(request, "intake/upload.html", context)


class AlreadyImported(Exception):
    pass


@login_required
def review(request: HttpRequest, pk: int) -> HttpResponse:
    """The per-row report; the user imports all rows (only when all are valid) or the valid ones."""
    staff = _staff(request)
    batch = get_object_or_404(ImportBatch, pk=pk, created_by=staff)
    now = timezone.now()
    report = spreadsheet.check(batch.name, bytes(batch.content), now=now, actor=staff)
    if request.method == "POST":
        only_valid = request.POST.get("mode") == "valid"
        count = len(report.valid)
        claimed: list[bool] = []

        def claim(c: Complaint) -> None:
            """Inside the registration's transaction, once: a double click imports once."""
            if claimed:
                return
            if not ImportBatch.objects.filter(pk=pk, imported_at__isnull=True).update(imported_at=now,
                                                                                     imported=count):
                raise AlreadyImported
            claimed.append(True)

        try:
            if batch.imported_at is not None:
                raise AlreadyImported
            made = spreadsheet.import_rows(report, actor=staff, now=now, only_valid=only_valid, within=claim)
        except AlreadyImported:
            messages.warning(request, _("该表格已导入，不会重复导入"))
        except KesuError as exc:
            messages.error(request, " ".join(_messages_of(exc)))
        else:
            messages.success(request, _("已导入 %(count)s 条投诉") % {"count": len(made)})
        return redirect("intake:review", pk=pk)
    return render(request, "intake/review.html", {"batch": batch, "report": report})


class SlipForm(forms.Form):
    customer_words = forms.CharField(label=_lazy("意见内容"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    customer_name = forms.CharField(label=_lazy("署名（可空）"), required=False, max_length=60)
    customer_phone = forms.CharField(label=_lazy("电话（可空）"), required=False, max_length=30)
    occurred_place = forms.CharField(label=_lazy("意见箱位置"), required=False, max_length=200)

    RECORD_FIELDS = ("customer_words", "customer_name", "customer_phone", "occurred_place")

    def __init__(self, *args: Any, policy: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.policy = policy
        self.fields.update(extra_fields(policy))  # the policy's own fields (房号 …), one column each

    def extra_cells(self) -> list[Any]:
        return [self[f"extra_{f.code}"] for f in self.policy.record_fields]

    def filled(self) -> bool:
        return bool((self.cleaned_data.get("customer_words") or "").strip())

    def received(self) -> intake.Received:
        fields: dict[str, Any] = {name: self.cleaned_data.get(name) for name in self.RECORD_FIELDS}
        fields.update(extra_values(self, self.policy))
        return intake.Received("suggestion_box", fields)


SlipFormSet = forms.formset_factory(SlipForm, extra=SLIPS_PER_SCREEN, max_num=50)


@login_required
def slips(request: HttpRequest) -> HttpResponse:
    """意见箱: a day's slips in one screen; empty rows are skipped, the rest registered together
    through the one door — each checked first (its errors shown on its row), then all in one go."""
    staff = _staff(request)
    policy = policy_of(active_version(staff.unit_id))  # F16: the slips are for the person's unit
    if "suggestion_box" not in policy.channels:
        messages.error(request, _("现行制度未设意见箱渠道"))
        return redirect("web:queue")
    formset = SlipFormSet(request.POST or None, form_kwargs={"policy": policy})
    if request.method == "POST" and formset.is_valid():
        now = timezone.now()
        filled = [f for f in formset if f.filled()]
        problems = 0
        for f in filled:
            try:
                intake.check(f.received(), now=now, actor=staff)
            except KesuError as exc:
                problems += 1
                for m in _messages_of(exc):
                    f.add_error(None, m)
        if filled and not problems:
            try:
                made = intake.register_batch([f.received() for f in filled], actor=staff, now=now)
            except KesuError as exc:
                messages.error(request, " ".join(_messages_of(exc)))
            else:
                messages.success(request, _("已登记 %(count)s 张意见卡：%(numbers)s")
                                 % {"count": len(made), "numbers": "、".join(c.number for c in made)})
                return redirect("intake:slips")
        if not filled:
            messages.error(request, _("没有填写任何意见内容"))
    return render(request, "intake/slips.html", {"formset": formset, "extra_labels": [
        named(f, get_language() or "zh-hans") for f in policy.record_fields]})
