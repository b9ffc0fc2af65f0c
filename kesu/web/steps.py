"""Forms for the handling steps that carry more than a reason (SPEC F5, F7, F9): transfer, help
request, investigation report, approval request, reward. Each posts through the same action URL
as every other step and calls kesu.workflow.services — the rules decide, not the page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from kesu.complaints.models import Complaint
from kesu.complaints.selectors import visible_complaints
from kesu.core.catalogues import COMPENSATION_KINDS
from kesu.core.errors import KesuError, StaleUpdate
from kesu.core.lifecycle import event_label
from kesu.core.policy import Policy
from kesu.org.models import Department, Staff
from kesu.web.forms import add_domain_errors
from kesu.workflow import services as workflow


def _departments() -> Any:
    return Department.objects.filter(is_active=True).order_by("code")


class TransferForm(forms.Form):
    department = forms.ModelChoiceField(label=_lazy("接收部门"), queryset=_departments())
    reason = forms.CharField(label=_lazy("转交原因"), widget=forms.Textarea(attrs={"rows": 2}))


class AssistForm(forms.Form):
    department = forms.ModelChoiceField(label=_lazy("协办部门"), queryset=_departments())
    matter = forms.CharField(label=_lazy("协办事项"), widget=forms.Textarea(attrs={"rows": 2}))
    within = forms.CharField(label=_lazy("协办时限（如 4h、1d；留空按制度默认）"), required=False, max_length=10)


class InvestigationForm(forms.Form):
    valid = forms.TypedChoiceField(label=_lazy("投诉是否成立"), choices=[("1", _lazy("成立")), ("0", _lazy("不成立"))],
                                   coerce=lambda v: v == "1")
    cause = forms.CharField(label=_lazy("原因"), widget=forms.Textarea(attrs={"rows": 2}))
    course = forms.CharField(label=_lazy("经过"), widget=forms.Textarea(attrs={"rows": 2}))
    responsible_staff = forms.ModelChoiceField(label=_lazy("责任人"), required=False,
                                               queryset=Staff.objects.filter(is_active=True).order_by("username"))
    responsible_department = forms.ModelChoiceField(label=_lazy("责任部门"), required=False, queryset=_departments())
    conclusion = forms.CharField(label=_lazy("结论"), widget=forms.Textarea(attrs={"rows": 2}))
    corrective = forms.CharField(label=_lazy("纠正措施"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    preventive = forms.CharField(label=_lazy("预防措施"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    penalty = forms.CharField(label=_lazy("处罚金额（元，可空）"), required=False, max_length=14)


class ApprovalForm(forms.Form):
    kind = forms.ChoiceField(label=_lazy("审批事项"),
                             choices=[("solution", _lazy("处理方案")), ("compensation", _lazy("补偿"))])
    plan = forms.CharField(label=_lazy("方案说明"), widget=forms.Textarea(attrs={"rows": 2}))
    compensation_kind = forms.ChoiceField(label=_lazy("补偿方式"), required=False)
    amount = forms.CharField(label=_lazy("金额（元）"), required=False, max_length=14)

    def __init__(self, *args: Any, policy: Policy, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["compensation_kind"].choices = [("", "—")] + [
            (k, COMPENSATION_KINDS[k][0]) for k in policy.approvals.compensation_kinds]


class RewardForm(forms.Form):
    to = forms.ChoiceField(label=_lazy("奖励对象"), choices=[("customer", _lazy("客户")), ("staff", _lazy("员工"))])
    staff = forms.ModelChoiceField(label=_lazy("员工"), required=False,
                                   queryset=Staff.objects.filter(is_active=True).order_by("username"))
    form = forms.ChoiceField(label=_lazy("方式"), choices=[
        ("points", _lazy("积分")), ("coupon", _lazy("优惠券")), ("gift", _lazy("礼品")), ("cash", _lazy("现金")),
        ("commendation", _lazy("通报表扬")), ("bonus", _lazy("奖金"))])
    amount = forms.CharField(label=_lazy("数额"), required=False, max_length=14)
    reason = forms.CharField(label=_lazy("事由"), widget=forms.Textarea(attrs={"rows": 2}))


STEPS: dict[str, type[forms.Form]] = {
    "transfer": TransferForm, "request_assist": AssistForm, "submit_investigation": InvestigationForm,
    "request_approval": ApprovalForm, "grant_reward": RewardForm,
}


def form_for(action: str, policy: Policy, data: Any = None) -> forms.Form:
    cls = STEPS[action]
    return cls(data, policy=policy) if cls is ApprovalForm else cls(data)


def _call(action: str, c: Complaint, d: dict[str, Any], **kw: Any) -> None:
    if action == "transfer":
        workflow.transfer(c, to_department=d["department"], reason=d["reason"], **kw)
    elif action == "request_assist":
        workflow.request_assist(c, department=d["department"], matter=d["matter"], within=d["within"] or None, **kw)
    elif action == "submit_investigation":
        workflow.submit_investigation(c, findings=workflow.Findings(
            valid=d["valid"], cause=d["cause"], course=d["course"], conclusion=d["conclusion"],
            corrective=d["corrective"], preventive=d["preventive"], responsible_staff=d["responsible_staff"],
            responsible_department=d["responsible_department"], penalty=d["penalty"] or None), **kw)
    elif action == "request_approval":
        workflow.request_approval(c, kind=d["kind"], plan=d["plan"], compensation_kind=d["compensation_kind"],
                                  amount=d["amount"] or None, **kw)
    elif action == "grant_reward":
        workflow.grant_reward(c, to=d["to"], form=d["form"], reason=d["reason"], amount=d["amount"] or None,
                              staff=d["staff"], **kw)


def perform(request: HttpRequest, c: Complaint, action: str, policy: Policy, expected: int) -> HttpResponse:
    form = form_for(action, policy, request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(f"{form.fields[k].label if k in form.fields else ''}：{' '.join(v)}"
                                          for k, v in form.errors.items()))
        return redirect("web:detail", number=c.number)
    try:
        _call(action, c, form.cleaned_data, actor=request.user, now=timezone.now(), expected_version=expected)
    except StaleUpdate as exc:
        messages.warning(request, exc.message(get_language()))
    except KesuError as exc:
        add_domain_errors(form, exc)
        messages.error(request, "；".join(" ".join(v) for v in form.errors.values()) or exc.message(get_language()))
    else:
        messages.success(request, _("已完成：%(action)s") % {"action": event_label(action, get_language())})
        if not visible_complaints(request.user, timezone.now()).filter(pk=c.pk).exists():
            return redirect("web:queue")  # handed to another department: no longer this person's to see
    return redirect("web:detail", number=c.number)


class ExtensionForm(forms.Form):
    """投诉延期处理申请 (the customer cannot be reached), or waiting for the customer's next visit."""

    clock = forms.ChoiceField(label=_lazy("时限"))
    kind = forms.ChoiceField(label=_lazy("方式"), choices=[
        ("pause", _lazy("暂停计时（至恢复）")), ("extend", _lazy("延长时限")),
        ("next_visit", _lazy("等待客户二次到店（无需审批）"))])
    extension = forms.CharField(label=_lazy("延长时长（如 24h、2d，仅“延长时限”）"), required=False, max_length=10)
    reason = forms.CharField(label=_lazy("原因"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, clocks: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["clock"].choices = clocks


def extension_form_for(c: Complaint, actor: Staff, data: Any = None) -> ExtensionForm | None:
    """The form, when ``actor`` may ask for an extension and a clock is running."""
    from kesu.clocks.extensions import MAY_REQUEST
    from kesu.complaints.lifecycle import actor_facts

    who = actor_facts(actor, c, timezone.now())
    if not any(who.plays(r) for r in MAY_REQUEST):
        return None
    running = [(k.code, k.name) for k in c.clocks.filter(stopped_at__isnull=True, cancelled_at__isnull=True,
                                                          paused_at__isnull=True).order_by("due_at")]
    return ExtensionForm(data, clocks=running) if running else None


def request_extension(request: HttpRequest, c: Complaint) -> HttpResponse:
    from kesu.clocks import extensions

    form = extension_form_for(c, request.user, request.POST)  # type: ignore[arg-type]
    if form is None or not form.is_valid():
        why = ("；".join(" ".join(v) for v in form.errors.values()) if form is not None
               else _("您不能为本投诉申请延期，或没有正在计时的时限"))
        messages.error(request, _("延期申请未提交：%(why)s") % {"why": why})
        return redirect("web:detail", number=c.number)
    d = form.cleaned_data
    try:
        if d["kind"] == "next_visit":
            extensions.pause_for_next_visit(c, clock_code=d["clock"], actor=request.user, now=timezone.now(),
                                            reason=d["reason"])
            messages.success(request, _("已暂停计时，等待客户二次到店"))
        else:
            extensions.request_extension(c, clock_code=d["clock"], actor=request.user, now=timezone.now(),
                                         reason=d["reason"], kind=d["kind"], extension=d["extension"])
            messages.success(request, _("已提交延期处理申请，等待审批"))
    except KesuError as exc:
        messages.error(request, exc.message(get_language()))
    return redirect("web:detail", number=c.number)
