"""Public pages of the portal. No page shows anything of a complaint without its number and the
customer's phone together, or a signed rating link. The phone is only ever posted, never in a URL:
once number and phone match, the session holds the complaint for TRACK_SECONDS. Abuse limits
(kesu.portal.limits) are kept in the shared cache, keyed by the client's address."""

from __future__ import annotations

from typing import Any

from captcha.fields import CaptchaField
from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods

from kesu.complaints import intake
from kesu.complaints.models import Complaint
from kesu.core.catalogues import DEMANDS, label
from kesu.core.errors import KesuError, ValidationFailed
from kesu.core.lifecycle import RATEABLE_STATES, State, customer_may_add_info, event_label, state_label
from kesu.org import units
from kesu.policies.services import active_version, policy_of
from kesu.portal import limits, services
from kesu.web.forms import (
    add_domain_errors,
    door_errors,
    error_summary,
    extra_fields,
    extra_values,
    name_the_fields,
)

TRACK_SECONDS = 30 * 60  # how long one identification (number + phone) opens the case in the session
TRACK_SESSION_KEY = "kesu_portal_track"


class ComplaintForm(forms.Form):
    """The customer's complaint: the record template's fields a customer can tell, and the
    policy's own (房号 under P5, required ones marked). Django checks only the shape; what is valid
    is the door's to say, and its errors are shown against these fields."""

    customer_name = forms.CharField(label=_lazy("您的姓名"), max_length=60)
    customer_phone = forms.CharField(label=_lazy("联系电话"), max_length=30)
    customer_words = forms.CharField(label=_lazy("投诉内容（请写明时间、地点和经过）"), required=False,
                                     max_length=4000,  # the door says it is required, by label, with the rest
                                     widget=forms.Textarea(attrs={"rows": 6, "required": "required"}))
    demands = forms.MultipleChoiceField(label=_lazy("您的诉求（可多选）"), required=False,
                                        widget=forms.CheckboxSelectMultiple(attrs={"class": "checks"}),
                                        choices=[(k, v[0]) for k, v in DEMANDS.items()])
    order_number = forms.CharField(label=_lazy("订单号 / 单据号（可空）"), required=False, max_length=60)
    product_name = forms.CharField(label=_lazy("产品名称（可空）"), required=False, max_length=100)
    product_model = forms.CharField(label=_lazy("产品型号（可空）"), required=False, max_length=60)
    occurred_at = forms.CharField(label=_lazy("发生时间（可空）"), required=False, max_length=40,
                                  widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    occurred_place = forms.CharField(label=_lazy("发生地点（可空）"), required=False, max_length=200)
    captcha = CaptchaField(label=_lazy("验证码（请输入图中的字母）"),
                           error_messages={"invalid": _lazy("验证码不正确或已使用，请输入新图片中的字母")})
    website = forms.CharField(required=False, widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}))

    RECORD_FIELDS = ("customer_name", "customer_phone", "customer_words", "demands", "order_number", "product_name",
                     "product_model", "occurred_at", "occurred_place")

    def __init__(self, *args: Any, policy: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.policy = policy
        self.fields["demands"].choices = [(k, label(policy.demand_catalogue(), k, get_language()))
                                           for k in policy.demand_catalogue()]
        extra = extra_fields(policy)
        # the policy's own fields right after the complaint's words, before the optional details
        order = [*self.fields][:4]
        self.fields = {**{k: self.fields[k] for k in order}, **extra,
                       **{k: v for k, v in self.fields.items() if k not in order}}

    def received(self, channel: str, unit: Any = None) -> intake.Received:
        d = self.cleaned_data  # after is_valid: what passed Django's shape checks (all of it, when valid)
        fields: dict[str, Any] = {name: d.get(name) for name in self.RECORD_FIELDS}
        fields.update(extra_values(self, self.policy))
        return intake.Received(channel, fields, unit=unit)


def _with_status(response: HttpResponse, code: int) -> HttpResponse:
    response.status_code = code
    return response


def _unit(request: HttpRequest) -> Any:
    """F16: the business unit the customer complains to — the ``unit`` of the link (a store's QR
    code: /portal/complain/?unit=store-a); None for the installation's own. An unknown or inactive
    unit is refused (KesuError)."""
    code = request.GET.get("unit") or ""
    return units.active_unit(code[:60]) if code else None


def _policy(unit: Any = None) -> Any:
    try:
        return policy_of(active_version(unit.id if unit is not None else None))
    except KesuError:
        return None


def notice(request: HttpRequest) -> HttpResponse:
    """客户投诉须知 (SPEC F10, seed 001), generated from the policy in force."""
    policy = _policy()
    lang = get_language()
    context: dict[str, Any] = {"policy": policy}
    if policy is not None:
        context.update(channels=services.channel_names(policy, lang), commitments=services.commitments(policy, lang),
                       open=services.portal_channel(policy) is not None, retention=policy.retention.years,
                       organisation=policy.organisation)
    return render(request, "portal/notice.html", context)


@require_http_methods(["GET", "POST"])
def complain(request: HttpRequest) -> HttpResponse:
    try:
        unit = _unit(request)
    except KesuError:
        return _with_status(render(request, "portal/closed.html"), 404)
    policy = _policy(unit)
    channel = services.portal_channel(policy) if policy else None
    if channel is None:
        return _with_status(render(request, "portal/closed.html"), 403)
    now = timezone.now()
    if request.method == "POST":
        issued = services.challenge_issued(request.POST.get("captcha_0", ""))
        form = ComplaintForm(request.POST, policy=policy)
        valid = form.is_valid()  # django-simple-captcha 0.7 spends the challenge here, right or wrong;
        services.spend_challenge(request.POST.get("captcha_0", ""))  # and so does Kesu, whatever the version
        if not valid:  # what the door would say as well (nothing written), so every error shows at once
            add_domain_errors(form, ValidationFailed(door_errors(form.received(channel, unit), now=now)),
                              keep=True)
        if valid:
            slot = None
            try:
                if form.cleaned_data["website"]:  # the hidden field a person never fills
                    raise KesuError("portal_too_fast", field="captcha")
                services.check_pace(issued, now)
                slot = limits.submissions().spend(limits.client_address(request))
                if slot is None:
                    raise KesuError("portal_rate_limited", minutes=60)
                c = intake.register(form.received(channel, unit), actor=services.portal_actor(), now=now).complaint
            except KesuError as exc:
                if exc.code != "portal_rate_limited":
                    limits.Limit.refund(slot)  # a refused registration is not one of the five
                refused = (door_errors(form.received(channel, unit), now=now) if isinstance(exc, ValidationFailed)
                           else [])
                add_domain_errors(form, ValidationFailed(refused or [exc]))
            else:
                return render(request, "portal/received.html", {
                    "c": c, "commitments": services.commitments(policy, get_language()),
                    "organisation": policy.organisation})
        name_the_fields(form)
    else:
        form = ComplaintForm(policy=policy)
    return render(request, "portal/complain.html", {"form": form, "errors": error_summary(form)})


def _identified(request: HttpRequest) -> Any:
    """The complaint this session identified (number + phone) less than TRACK_SECONDS ago."""
    held = request.session.get(TRACK_SESSION_KEY)
    if not isinstance(held, dict) or timezone.now().timestamp() - float(held.get("at", 0)) > TRACK_SECONDS:
        return None
    return Complaint.objects.filter(pk=held.get("c")).select_related("policy_version").first()


def _identify(request: HttpRequest, number: str, phone: str) -> tuple[Any, str | None]:
    """Number and phone to a complaint, within the limits on failures: per address, per number and
    per phone, so neither 400 phones against one number nor 300 numbers against one phone get far,
    from one address or from many. Over a limit, even the right pair is refused until it passes."""
    limit = limits.track_failures()
    subjects = [f"address:{limits.client_address(request)}", f"number:{number.strip().upper()[:40]}",
                f"phone:{''.join(ch for ch in phone if ch.isdigit())[-11:] or phone[:40]}"]
    if any(limit.exhausted(s) for s in subjects):
        return None, _("查询次数过多，请 %(minutes)s 分钟后再试，或拨打客服电话。") % {"minutes": 60}
    c = services.find(number, phone)
    if c is None:
        for s in subjects:
            limit.spend(s)
        return None, KesuError("portal_not_found").message(get_language())
    return c, None


@require_http_methods(["GET", "POST"])
def track(request: HttpRequest) -> HttpResponse:
    """Tracking: number and phone are posted once; the case stays open in the session (never the
    phone in a URL or a page). From there, add information or object to the result."""
    lang = get_language()
    what = request.POST.get("what", "find") if request.method == "POST" else ""
    context: dict[str, Any] = {"number": (request.POST.get("number") or request.GET.get("number") or "").strip()[:40]}
    if what == "find":
        c, error = _identify(request, request.POST.get("number", ""), request.POST.get("phone", ""))
        if c is None:
            context["error"] = error
            return render(request, "portal/track.html", context)
        request.session.cycle_key()  # a fresh session id for what the customer can now see
        request.session[TRACK_SESSION_KEY] = {"c": c.pk, "at": timezone.now().timestamp()}
        return redirect("portal:track")
    if what == "leave":
        request.session.pop(TRACK_SESSION_KEY, None)
        return redirect("portal:track")
    c = _identified(request)
    if c is None:
        if what:
            context["error"] = _("查询已超时，请重新输入投诉编号和电话。")
        return render(request, "portal/track.html", context)
    try:
        text = request.POST.get("text", "")
        if what == "info" and not customer_may_add_info(c.status):  # the kernel refuses it as well
            context["error"] = _("本投诉已结案，不能再补充信息。如对处理结果有异议，请在期限内申请复审，"
                                 "或拨打客服电话。")
        elif what == "info":
            c = services.add_information(c, text=text, now=timezone.now())
            context["done"] = _("您补充的信息已记录，处理人员会尽快查看。")
        elif what == "object":
            c = services.object_to_result(c, reason=text, now=timezone.now())
            context["done"] = _("您的复审申请已提交，上级部门将重新审查处理结果。")
    except KesuError as exc:
        if what in ("info", "object"):  # the box comes back with what was typed, the error beside it by label
            context.update(refused=what, typed=text, refusal=exc.message(lang))
        else:
            context["error"] = exc.message(lang)
    context.update(c=c, state=state_label(c.status, lang), text_limit=services.TEXT_LIMIT,
                   may_object=services.may_object(c, timezone.now()), may_add=customer_may_add_info(c.status),
                   rating_token=services.rating_token(c) if State(c.status) in RATEABLE_STATES
                   and not c.events.filter(kind="customer_rating").exists() else "",
                   events=[(e, event_label(e.kind, lang), services.told(e.kind, e.reason))
                           for e in c.events.filter(kind__in=PUBLIC_EVENTS).order_by("seq")])
    refused = context.get("refused")
    if refused and not context["may_add" if refused == "info" else "may_object"]:  # no box to show it beside
        context["error"] = context["refusal"]
        del context["refused"]
    return render(request, "portal/track.html", context)


# What the customer sees of the timeline: milestones, not internal notes or people.
PUBLIC_EVENTS = ("registered", "assign", "agree_solution", "inform_customer", "return_result", "record_satisfied",
                 "record_unsatisfied", "object", "uphold_objection", "dismiss_objection", "sign_off", "archive",
                 "customer_added_info", "customer_rating")


@require_http_methods(["GET", "POST"])
def rate(request: HttpRequest, token: str) -> HttpResponse:
    lang = get_language()
    try:
        c = services.complaint_for_rating(token)
    except KesuError as exc:
        return _with_status(render(request, "portal/rate.html", {"error": exc.message(lang)}), 404)
    context: dict[str, Any] = {"c": c, "token": token}
    if request.method == "GET":  # rated already: the thanks, not the form again
        context["done"] = c.events.filter(kind="customer_rating").exists()
    if request.method == "POST":
        try:
            services.rate(c, score=int(request.POST.get("score", "0") or 0), comment=request.POST.get("comment", ""),
                          now=timezone.now())
            context["done"] = True
        except (KesuError, ValueError) as exc:
            context["error"] = exc.message(lang) if isinstance(exc, KesuError) else _("请选择 1–5 分")
    return render(request, "portal/rate.html", context)
