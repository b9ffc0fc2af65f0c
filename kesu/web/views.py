"""Staff pages: the work queue, complaint detail with its actions, quick registration.

Views are thin: they read through kesu.complaints.selectors (visibility in one place), act
through kesu.complaints.lifecycle (rules in one place), and show the domain's own errors.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kesu.access.services import log_lookup, log_print, lookup_allowed
from kesu.access.shown import printable, reader, shown_to, words
from kesu.clocks.models import ComplaintClock
from kesu.complaints import intake, lifecycle
from kesu.complaints.models import Complaint
from kesu.complaints.selectors import QUEUES, get_visible, visible_complaints, work_queue
from kesu.core.catalogues import CHANNELS, label
from kesu.core.errors import KesuError, StaleUpdate
from kesu.core.lifecycle import event_label, state_label
from kesu.core.policy.model import named
from kesu.org.models import Staff
from kesu.policies.services import active_version, policy_of
from kesu.web import finding, steps
from kesu.web.forms import RegistrationForm, add_domain_errors
from kesu.workflow import steps as registry
from kesu.workflow.selectors import approvals_waiting_for

PAGE = 50


def _staff(request: HttpRequest) -> Staff:
    return request.user  # type: ignore[return-value]


class Page(list[Complaint]):
    """One page of a queue without counting the whole queue (a COUNT over 200,000 open complaints
    costs more than the page): fetch one row more than shown to know whether a next page exists."""

    number: int
    has_next: bool

    @classmethod
    def of(cls, qs: Any, requested: str | None) -> Page:
        number = int(requested) if requested and requested.isdigit() and 0 < int(requested) < 100_000 else 1
        rows = list(qs[(number - 1) * PAGE: number * PAGE + 1])
        page = cls(rows[:PAGE])
        page.number, page.has_next = number, len(rows) > PAGE
        return page

    def has_previous(self) -> bool:
        return self.number > 1

    def previous_page_number(self) -> int:
        return self.number - 1

    def next_page_number(self) -> int:
        return self.number + 1


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    name = request.GET.get("q", "mine")
    if name not in QUEUES:
        name = "mine"
    now = timezone.now()
    form = finding.filter_form(request)
    page = Page.of(work_queue(_staff(request), now, name, form.filters(), categories=form.categories()),
                   request.GET.get("page"))
    policies = {c.policy_version_id: policy_of(c.policy_version) for c in page}
    for c in page:  # level names from the complaint's own policy version
        level = policies[c.policy_version_id].level(c.level)
        c.level_name = named(level, get_language()) if level else ""
    context = {"queues": QUEUES, "current": name, "page": page, "now": now,
               **finding.list_context(request, form, [("q", name)])}
    if not request.htmx:  # type: ignore[attr-defined]
        context["waiting"] = approvals_waiting_for(_staff(request), now).count()
    if request.htmx:  # type: ignore[attr-defined]  # the periodic refresh: rows only
        return render(request, "web/_queue_table.html", context)
    return render(request, "web/queue.html", context)


def _get(request: HttpRequest, number: str) -> Complaint:
    try:
        return get_visible(_staff(request), timezone.now(), number=number)
    except KesuError:
        raise Http404(_("没有这条投诉，或您无权查看")) from None


@login_required
def detail(request: HttpRequest, number: str) -> HttpResponse:
    c = _get(request, number)
    now = timezone.now()
    staff = _staff(request)
    policy = policy_of(c.policy_version)
    who = lifecycle.actor_facts(staff, c, now)
    ctx = registry.context(c, staff, now)
    forms_by_action = {step.code: steps.form_for(step, ctx) for step in registry.available(ctx)}
    personal = shown_to(c, who)  # least access (kesu.core.personal): masked until revealed with a reason
    events = [(e, event_label(e.kind, get_language())) for e in c.events.select_related("actor").order_by("seq")]
    clocks = ComplaintClock.objects.filter(complaint=c).order_by("started_at", "pk")
    level = policy.level(c.level)
    category = " / ".join(named(n, get_language()) for n in policy.category_path(c.category))
    extra = [(named(f, get_language()), personal.extra[f.code])  # plates masked
             for f in policy.record_fields if f.code in c.extra]
    return render(request, "web/detail.html", {
        "channel": label(CHANNELS, c.channel, get_language()), "category": category, "extra": extra,
        "c": c, "policy": policy, "phone": personal.customer_phone, "personal": personal, "events": events,
        "clocks": clocks, "now": now,
        "status_label": state_label(c.status, get_language()), "level": level, "actions": forms_by_action,
        "action_labels": {a: registry.STEPS[a].label(get_language()) for a in forms_by_action},
        "approvals": c.approvals.select_related("requested_by", "decided_by", "finance_by", "charge_to"),
        "investigations": c.investigations.select_related("responsible_staff", "responsible_department"),
        "transfers": c.transfers.select_related("to_department", "to_owner", "acknowledged_by"),
        "assists": c.assists.select_related("department", "answered_by"),
    })


@login_required
def print_form(request: HttpRequest, number: str, form: str) -> HttpResponse:
    """A paper form of the complaint as PDF (kesu.printing.forms), masked as the reader sees it."""
    from kesu.printing.forms import FORMS

    c = _get(request, number)
    if form not in FORMS:
        raise Http404(_("没有这个表单"))
    staff = _staff(request)
    who = lifecycle.actor_facts(staff, c, timezone.now())
    title, render_pdf = FORMS[form]
    try:
        copy = printable(c, who)
        pdf = render_pdf(copy, phone=copy.customer_phone)
        log_print(c, copy, staff=staff, form=form, now=timezone.now())
    except RuntimeError as exc:  # the CJK font is missing on this server
        messages.error(request, str(exc))
        return redirect("web:detail", number=number)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(f'{title}-{c.number}.pdf')}"
    return response


def signed_in_for_case(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Like login_required for a step's POST, but after signing in again (an expired session) the
    person lands on the complaint's page, not on the POST-only address; nothing was done."""

    @wraps(view)
    def wrapper(request: HttpRequest, number: str, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            messages.warning(request, _("登录已过期，您的提交未保存。请重新登录后再操作。"))
            return redirect_to_login(reverse("web:detail", args=[number]))
        return view(request, number, *args, **kwargs)

    return wrapper


@signed_in_for_case
@require_POST
def act(request: HttpRequest, number: str, action: str) -> HttpResponse:
    """Every step goes through the registry and the kernel, whatever the page showed: a forged or
    stale POST meets the same refusal as a hidden button."""
    c = _get(request, number)
    if action not in registry.STEPS:
        raise Http404(_("没有这个操作"))
    try:
        expected = int(request.POST.get("version", ""))
    except ValueError:
        messages.error(request, _("表单缺少版本信息，请刷新页面后重试"))
        return redirect("web:detail", number=number)
    posted = {k: v for k, v in request.POST.items() if k not in ("csrfmiddlewaretoken", "version")}
    now = timezone.now()
    try:
        registry.perform(action, c, posted, actor=_staff(request), now=now, expected_version=expected)
    except StaleUpdate as exc:
        messages.warning(request, exc.message(get_language()))
    except KesuError as exc:
        messages.error(request, exc.message(get_language()))
    else:
        label = registry.STEPS[action].label(get_language())
        messages.success(request, _("已完成：%(action)s") % {"action": label})
        if not visible_complaints(_staff(request), now).filter(pk=c.pk).exists():
            return redirect("web:queue")  # moved out of this person's sight (raised, routed elsewhere)
    return redirect("web:detail", number=number)


@login_required
def register(request: HttpRequest) -> HttpResponse:
    """Quick registration for phone and walk-in complaints (SPEC F2), with the caller's history."""
    try:
        policy = policy_of(active_version())
    except KesuError as exc:
        messages.error(request, exc.message(get_language()))
        return redirect("web:queue")
    history: list[Complaint] = []
    phone = (request.POST.get("customer_phone") or request.GET.get("phone") or "").strip()
    lookup = request.method == "GET" and bool(phone)  # a lookup, not the registration's own POST
    if phone:
        from kesu.complaints.fields import blind  # the keyed blind index: the phone is stored encrypted

        if lookup and not lookup_allowed(_staff(request), blind("phone", phone), timezone.now()):
            messages.error(request, _("电话查询过于频繁，请稍后再试"))
            phone, lookup = "", False
    if phone:
        history = list(visible_complaints(_staff(request), timezone.now()).filter(phone_index=blind("phone", phone))
                       .order_by("-id")[:10])
        if lookup:
            log_lookup(_staff(request), blind("phone", phone), len(history), timezone.now())
    # The phone lookup fills the form with what the customer told us last time (issue 12).
    last = history[0] if history and request.method != "POST" else None
    initial = {"customer_phone": phone} if phone else {}
    now = timezone.now()
    if last is not None:  # only what this reader may see in full of that complaint (F12)
        seen = shown_to(last, reader(_staff(request), last, now), page=False)
        initial.update({f: getattr(last, f) for f in ("customer_name", "customer_email", "customer_region",
                                                       "customer_ref")
                        if getattr(last, f) and getattr(seen, f) == getattr(last, f)})
    for h in history:
        h.words_shown = words(h, reader(_staff(request), h, now))
    form = RegistrationForm(request.POST or None, request.FILES or None, policy=policy, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:  # the one door, as every channel: the record template's fields, the files, the errors by label
            c = intake.register(form.received(), actor=_staff(request), now=timezone.now()).complaint
        except KesuError as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(request, _("已登记，投诉编号 %(number)s") % {"number": c.number})
            return redirect("web:detail", number=c.number)
    return render(request, "web/register.html", {"form": form, "history": history, "phone": phone})
