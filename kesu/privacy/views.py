"""The staff page for a customer's own data (PIPL art. 45, 47; issue 14, deliverable 6).

Who: the roles kesu.privacy.rules allows (the CS manager, the system administrator); anyone else
gets 403 and nothing is looked up. The customer is found by phone, e-mail or member / card number
through the blind indexes; the identifiers travel only in POST bodies (never a URL, so never an
access log). Each lookup, export and erasure is an entry of the audit chain (kesu.privacy.record);
export and erasure each need a reason, and an erasure spares what the policy keeps (open cases,
legal holds, policies that do not allow it), as the page says before anything is erased.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kesu.core.errors import KesuError
from kesu.core.lifecycle import state_label
from kesu.privacy import customer, rules
from kesu.privacy.record import record

ACTIONS = ("lookup", "export", "erase")


def _lang() -> str:
    return get_language() or "zh-hans"


@login_required
@require_http_methods(["GET", "POST"])
def customer_data(request: HttpRequest) -> HttpResponse:
    staff: Any = request.user
    if not rules.may_handle_customer_data(staff):
        raise PermissionDenied(_("仅客服部经理与系统管理员可处理客户个人信息"))
    context: dict[str, Any] = {"values": {"phone": "", "email": "", "ref": "", "reason": ""}}
    if request.method == "GET":
        return render(request, "privacy/customer.html", context)
    values = {k: request.POST.get(k, "").strip()[:254] for k in ("phone", "email", "ref", "reason")}
    context["values"] = values
    action = request.POST.get("action", "lookup")
    now = timezone.now()
    try:
        if action not in ACTIONS:
            raise KesuError("not_one_of", field="action", value=action, allowed=", ".join(ACTIONS))
        who = customer.Customer.parse(values["phone"], values["email"], values["ref"])
        if action == "export":
            fmt = request.POST.get("format", "")
            body, content_type = customer.export(who, actor=staff, now=now, reason=values["reason"], fmt=fmt)
            response = HttpResponse(body, content_type=content_type)
            response["Content-Disposition"] = f'attachment; filename="customer-{now:%Y%m%d%H%M%S}.{fmt}"'
            response["Cache-Control"] = "no-store"
            return response
        if action == "erase":
            if request.POST.get("confirm") != "yes":
                raise KesuError("required", field="confirm", label=("确认删除", "Confirm the erasure"))
            context["erasure"] = customer.erase(who, actor=staff, now=now, reason=values["reason"])
        context["cases"] = _cases(who)  # after an erasure: what is left under these identifiers
        if not context["cases"] and action == "lookup":
            raise KesuError("privacy_customer_unknown")
        context["plan"] = customer.plan_erasure(who)
        if action == "lookup":
            record("customer_lookup", actor=staff, now=now, customer=who.masked,
                   cases=[c["number"] for c in context["cases"]])
    except KesuError as exc:
        context["problem"] = exc.message(_lang())
        context["problem_field"] = exc.field_name(_lang())
        return render(request, "privacy/customer.html", context, status=422)
    return render(request, "privacy/customer.html", context)


def _cases(who: customer.Customer) -> list[dict[str, Any]]:
    """What the page lists of the customer's cases: their numbers, states and dates — the data
    itself only goes out as the recorded export."""
    plan = customer.plan_erasure(who)
    why = {**{n: _("可删除") for n in plan.erased}, **{n: _("法律保全中，保留") for n in plan.held},
           **{n: _("仍在处理中，保留") for n in plan.open}, **{n: _("制度不允许删除") for n in plan.not_allowed},
           **{n: _("已匿名化") for n in plan.done_before}}
    return [{"number": c.number, "registered_at": c.registered_at, "status": state_label(c.status, _lang()),
             "erasure": why.get(c.number, "")} for c in customer.complaints_of(who)]
