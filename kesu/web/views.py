"""Staff pages: the work queue, complaint detail with its actions, quick registration.

Views are thin: they read through kesu.complaints.selectors (visibility in one place), act
through kesu.complaints.lifecycle (rules in one place), and show the domain's own errors.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kesu.access.services import log_lookup, log_print, lookup_allowed
from kesu.access.shown import printable, reader, rules_of, shown_to, words
from kesu.clocks.models import ComplaintClock
from kesu.complaints import intake, lifecycle
from kesu.complaints.models import Complaint
from kesu.complaints.selectors import QUEUES, get_visible, visible_complaints, work_queue
from kesu.complaints.timeline import reason_in
from kesu.core.catalogues import VALIDITY_KINDS, label
from kesu.core.errors import KesuError, StaleUpdate, ValidationFailed
from kesu.core.lifecycle import event_label, state_label
from kesu.core.messages import render as render_message
from kesu.core.policy.model import named
from kesu.notifications.crisis import crisis_view
from kesu.org.models import Department, Staff
from kesu.policies.services import active_version, policy_of
from kesu.web import finding, steps
from kesu.web.forms import (
    RegistrationForm,
    add_domain_errors,
    door_errors,
    error_summary,
    level_name,
    name_the_fields,
    plain_label,
)
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
    # Each row's link and times made here, once: the template's {% url %} and three date filters a
    # row cost a page of 50 about 5 ms (the same text: the reader's time zone, as the filters give).
    before, after = reverse("web:detail", args=["0"]).rsplit("0", 1)
    for c in page:  # level names from the complaint's own policy version
        level = policies[c.policy_version_id].level(c.level)
        c.level_name = named(level, get_language()) if level else ""
        c.href = f"{before}{quote(c.number)}{after}"
        due = timezone.localtime(c.next_due) if c.next_due else None
        c.due_at, c.due_short = (due.isoformat(), due.strftime("%m-%d %H:%M")) if due else ("", "")
        c.registered_short = timezone.localtime(c.registered_at).strftime("%Y-%m-%d %H:%M")
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


IMAGE_TYPES = {"jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "gif": "image/gif",
               "webp": "image/webp"}  # shown in the page as previews; everything else is downloaded


def _ext(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def _record(c: Complaint, policy: Any, personal: Any, lang: str) -> list[tuple[str, str]]:
    """Every fact the record template holds for this complaint, by its label, in the template's
    order: what the door received (kesu.core.registration.FIELD_LABELS), the policy's own fields,
    the departments named. Personal data as kesu.access shows it to this reader; empty ones left out."""
    from kesu.core.registration import FIELD_LABELS

    def name(code: str) -> str:
        zh, en = FIELD_LABELS[code]
        return en if lang.startswith("en") else zh

    when = timezone.localtime(c.occurred_at).strftime("%Y-%m-%d %H:%M") if c.occurred_at else ""
    rows = [
        (name("customer_region"), personal.customer_region),
        (name("occurred_at"), when),
        (name("occurred_place"), personal.occurred_place),
        (name("complained_department"), str(c.complained_department or "")),
        (_("被投诉人"), str(c.complained_staff or "")),
        (_("发生门店/场所"), str(c.location or "")),
        (name("product_name"), c.product_name),
        (name("product_model"), c.product_model),
        (name("order_number"), c.order_number),
        (name("purchase_date"), c.purchase_date.isoformat() if c.purchase_date else ""),
        (name("amount_involved"), _("%(amount)s 元") % {"amount": c.amount_involved}
         if c.amount_involved is not None else ""),
        *[(named(f, lang), f.choice_label(str(personal.extra[f.code]), lang))  # plates masked as the reader may see
          for f in policy.record_fields
          if c.extra.get(f.code) not in (None, "")],
        (name("is_internal"), _("是") if c.is_internal else ""),
    ]
    return [(k, v) for k, v in rows if v]


def _ratings(c: Complaint, events: list[Any], who: Any) -> list[dict[str, Any]]:
    """The customer's ratings from the portal's signed link: the score and what they wrote (phone
    numbers and the like in it shown as this reader may see them, as the customer's words are)."""
    from kesu.core.personal import words_for

    out = []
    for e in (e for e in events if e.kind == "customer_rating"):
        score = (e.changes.get("score") or [None, None])[1]
        comment = words_for(e.reason, who, rules_of(c)) if e.reason != f"{score} 分" else ""
        stars = min(max(int(score or 0), 0), 5)
        out.append({"at": e.at, "score": score, "stars": "★" * stars + "☆" * (5 - stars), "comment": comment})
    return out


@login_required
def detail(request: HttpRequest, number: str) -> HttpResponse:
    """The complaint's page. A step just refused (act) comes back open, bound to what was typed,
    with its errors beside their fields: nothing typed is lost."""
    c = _get(request, number)
    now = timezone.now()
    staff = _staff(request)
    lang = get_language() or "zh-hans"
    policy = policy_of(c.policy_version)
    who = lifecycle.actor_facts(staff, c, now)
    ctx = registry.context(c, staff, now)
    actions = [(step.code, step.label(lang), steps.form_for(step, ctx), False) for step in registry.available(ctx)]
    failed = steps.take_refused(request, "detail")
    if failed is not None and failed["key"] == c.number:
        code = failed["action"]
        form = steps.refused_form(registry.STEPS[code], ctx, failed["posted"] or {}, failed["errors"])
        shown = [a for a in actions if a[0] != code]
        at = next((i for i, a in enumerate(actions) if a[0] == code), len(shown))
        actions = [*shown[:at], (code, registry.STEPS[code].label(lang), form, True), *shown[at:]]
    personal = shown_to(c, who)  # least access (kesu.core.personal): masked until revealed with a reason
    timeline = list(c.events.select_related("actor").order_by("seq"))
    for e in timeline:
        e.reason_shown = reason_in(e, lang)
    events = [(e, event_label(e.kind, lang)) for e in timeline]
    clocks = ComplaintClock.objects.filter(complaint=c).order_by("started_at", "pk")
    level = policy.level(c.level)
    category = " / ".join(named(n, lang) for n in policy.category_path(c.category))
    validity = next(((v.name_en or label(VALIDITY_KINDS, v.code, lang)) if lang.startswith("en")
                     else v.name or label(VALIDITY_KINDS, v.code, lang)
                     for v in policy.validity if v.code == c.validity), c.validity)
    attachments = [(a, _ext(a.name) in IMAGE_TYPES) for a in c.attachments.select_related("uploaded_by")
                   .order_by("uploaded_at", "pk")]
    return render(request, "web/detail.html", {
        "channel": label(policy.channel_catalogue(), c.channel, lang), "category": category, "validity": validity,
        "level_name": level_name(level, lang) if level else "",
        "demands": [label(policy.demand_catalogue(), d, lang) for d in c.demands or []],
        "record": _record(c, policy, personal, lang), "ratings": _ratings(c, timeline, who), "attachments": attachments,
        "c": c, "policy": policy, "phone": personal.customer_phone, "personal": personal, "events": events,
        "clocks": clocks, "now": now, "status_label": state_label(c.status, lang), "level": level,
        "actions": actions,
        "approvals": c.approvals.select_related("requested_by", "decided_by", "finance_by", "charge_to"),
        "investigations": c.investigations.select_related("responsible_staff", "responsible_department"),
        "transfers": c.transfers.select_related("to_department", "to_owner", "acknowledged_by"),
        "assists": c.assists.select_related("department", "answered_by"),
        "unit_name": _unit_name(c.unit_id, lang),
        # issue 16: the crisis team, who acknowledged, the crisis's timeline — for those it concerns
        "crisis": crisis_view(c.pk, reader=staff, now=now, lang=lang),
        "capas": c.corrective_actions.select_related("owner", "verifier"),  # 纠正预防措施 (issue 18)
    })


def _unit_name(unit_id: int | None, lang: str) -> str:
    """F16: the case's business unit by name (English where it has one); empty without units."""
    from kesu.org import units

    node = units.node(unit_id)
    return node.shown(lang) if node is not None else ""


@login_required
def attachment(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    """One of the complaint's files, to whoever may open the complaint: images inline (the page's
    previews), everything else as a download, never sniffed into something else."""
    c = _get(request, number)
    att = c.attachments.filter(pk=pk).first()
    if att is None:
        raise Http404(_("没有这个附件"))
    image = IMAGE_TYPES.get(_ext(att.name))
    try:
        handle = att.file.open("rb")
    except OSError:
        raise Http404(_("附件文件已不存在")) from None
    response = FileResponse(handle, as_attachment=image is None, filename=att.name,
                            content_type=image or "application/octet-stream")
    response["X-Content-Type-Options"] = "nosniff"
    return response


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
    stale POST meets the same refusal as a hidden button. A refused step leads back to the page with
    its form open, what was typed still in it and every error beside its field (kept in the session
    for that one page: post, redirect, get)."""
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
    step = registry.STEPS[action]
    lang = get_language() or "zh-hans"
    try:
        registry.perform(action, c, posted, actor=_staff(request), now=now, expected_version=expected)
    except KesuError as exc:
        if isinstance(exc, StaleUpdate):  # the page it leads to is the current one: look, then send again
            messages.warning(request, exc.message(lang))
        else:
            messages.error(request, _("未完成：%(action)s。请按表单中的提示修改后再提交。")
                           % {"action": step.label(lang)})
        steps.keep_refused(request, "detail", c.number, action, posted,
                           [] if isinstance(exc, StaleUpdate) else steps.errors_of(exc, lang))
        return redirect(reverse("web:detail", args=[number]) + f"#step-{action}")
    messages.success(request, _("已完成：%(action)s") % {"action": step.label(lang)})
    if not visible_complaints(_staff(request), now).filter(pk=c.pk).exists():
        return redirect("web:queue")  # moved out of this person's sight (raised, routed elsewhere)
    return redirect("web:detail", number=number)


def _lookup_defaults(staff: Staff, last: Complaint, policy: Any, now: Any) -> dict[str, Any]:
    """What the customer told us last time, to start the form from (only what this reader may see of
    that complaint in full, F12): name, contact, region, member number, product, and the policy's
    fields that identify the customer (车牌号, 车架号, 房号)."""
    seen = shown_to(last, reader(staff, last, now), page=False)
    out = {f: getattr(last, f) for f in ("customer_name", "customer_email", "customer_region", "customer_ref")
           if getattr(last, f) and getattr(seen, f) == getattr(last, f)}
    out.update({f: getattr(last, f) for f in ("product_name", "product_model") if getattr(last, f)})
    out.update({f"extra_{f.code}": last.extra[f.code] for f in policy.record_fields
                if f.identifies_customer and last.extra.get(f.code)})
    return out


def route_preview(staff: Staff, facts: dict[str, Any]) -> tuple[Department | None, KesuError | None]:
    """The department the policy's routing rules would send a complaint with these facts to: what the
    assign step will do when the department box is left on 「按分派规则」 (kernel: route_department)."""
    from kesu.complaints.lifecycle import route_department

    try:
        draft = Complaint(policy_version=active_version(staff.unit_id), receiver=staff, unit_id=staff.unit_id,
                          level=facts.get("level") or "",
                          category=facts.get("category") or "", channel=facts.get("channel") or "",
                          complained_department=facts.get("complained_department"), location=facts.get("location"))
        return route_department(draft, timezone.now()), None
    except KesuError as exc:
        return None, exc


def _department_of(value: Any) -> Department | None:
    if isinstance(value, Department):
        return value
    text = str(value or "")
    return Department.objects.filter(pk=int(text), is_active=True).first() if text.isdigit() else None


@login_required
def register_route(request: HttpRequest) -> HttpResponse:
    """The department box's first option, said again whenever level, category, channel or the
    department complained about change (htmx): 「按分派规则：售后服务部」."""
    facts = {k: request.GET.get(k, "") for k in ("level", "category", "channel")}
    facts["complained_department"] = _department_of(request.GET.get("complained_department"))
    facts["location"] = _department_of(request.GET.get("location"))
    return render(request, "web/_route_options.html", _route_context(_staff(request), facts,
                                                                     request.GET.get("department", "")))


def _route_context(staff: Staff, facts: dict[str, Any], chosen: str) -> dict[str, Any]:
    routed, problem = route_preview(staff, facts)
    why = render_message(problem.code, get_language() or "zh-hans", problem.params) if problem else ""
    return {"routed": routed, "route_problem": why,
            "departments": Department.objects.filter(is_active=True).order_by("code"), "chosen": chosen or ""}


@login_required
def register(request: HttpRequest) -> HttpResponse:
    """One screen to register, classify and route a phone, walk-in or written complaint (SPEC F2,
    issue 13): the door registers (intake.register), then the step registry classifies and assigns
    (steps.perform), each a step of its own in the kernel with its own event — as if the agent had
    taken them one after the other, without the clicks."""
    staff = _staff(request)
    try:
        policy = policy_of(active_version(staff.unit_id))  # F16: the person registers for their unit
    except KesuError as exc:
        messages.error(request, exc.message(get_language()))
        return redirect("web:queue")
    history: list[Complaint] = []
    channel = request.POST.get("channel") or request.GET.get("channel") or ""
    phone = (request.POST.get("customer_phone") or request.GET.get("phone") or "").strip()
    lookup = request.method == "GET" and bool(phone)  # a lookup, not the registration's own POST
    if phone:
        from kesu.complaints.fields import blind  # the keyed blind index: the phone is stored encrypted

        if lookup and not lookup_allowed(staff, blind("phone", phone), timezone.now()):
            messages.error(request, _("电话查询过于频繁，请稍后再试"))
            phone, lookup = "", False
    if phone:
        history = list(visible_complaints(staff, timezone.now()).filter(phone_index=blind("phone", phone))
                       .order_by("-id")[:10])
        if lookup:
            log_lookup(staff, blind("phone", phone), len(history), timezone.now())
    now = timezone.now()
    initial: dict[str, Any] = {"customer_phone": phone} if phone else {}
    if history and request.method != "POST":  # the phone lookup fills the form from the last complaint
        initial.update(_lookup_defaults(staff, history[0], policy, now))
    for h in history:
        h.words_shown = words(h, reader(staff, h, now))
    form = RegistrationForm(request.POST or None, request.FILES or None, policy=policy, channel=channel,
                            initial=initial)
    if request.method == "POST":
        done = _register_classify_assign(request, form, staff)
        if done is not None:
            return done
    start = next((n for n in form.errors if n in form.fields), "") if form.errors else (
        form.first_to_fill() if phone or form.files_up_front() else "")
    if start and start != "demands":
        form.fields[start].widget.attrs["autofocus"] = "autofocus"  # the cursor where the agent goes on
    facts = {k: form.current(k) for k in ("level", "category", "channel")}
    facts["complained_department"] = _department_of(form.current("complained_department"))
    facts["location"] = _department_of(form.current("location"))
    return render(request, "web/register.html", {
        "form": form, "history": history, "phone": phone, "lookup": lookup, "errors": error_summary(form),
        "channels": [(c, label(policy.channel_catalogue(), c, get_language())) for c in policy.channels
                     if policy.channel_kind(c) != "internal"],
        "written": form.files_up_front(), "start": start, "channel": form.current("channel"),
        **_route_context(staff, facts, form.current("department") or ""),
    })


def _register_classify_assign(request: HttpRequest, form: RegistrationForm, staff: Staff) -> HttpResponse | None:
    """The POST of the one screen. Every error of the form is collected before anything is written
    (the form's own, the routing's, the door's), and shown at once beside its field."""
    now = timezone.now()
    shaped = form.is_valid()
    received = form.received() if hasattr(form, "cleaned_data") else None
    if received is not None and staff.unit_id is not None:  # F16: for the person's unit, its policy's template
        received = dataclasses.replace(received, unit=staff.unit_id)
    if shaped and form.assignment() == {}:  # left to the routing rules: they must find a department
        _routed, problem = route_preview(staff, form.cleaned_data)
        if problem is not None:
            shown = plain_label(form.fields["department"])
            form.add_error("department", KesuError(problem.code, field="department", label=(shown, shown),
                                                   **problem.params).message(get_language() or "zh-hans"))
    if form.errors:
        if received is not None:  # what the door would say as well, so that all errors show at once
            add_domain_errors(form, ValidationFailed(door_errors(received, now=now)), keep=True)
        name_the_fields(form)
        return None
    assert received is not None
    try:  # the one door, as every channel: the record template's fields, the files, the errors by label
        c = intake.register(received, actor=staff, now=now).complaint
    except KesuError as exc:
        add_domain_errors(form, ValidationFailed(door_errors(received, now=now) or [exc]))
        name_the_fields(form)
        return None
    done, unfinished = [_("已登记，投诉编号 %(number)s") % {"number": c.number}], ""
    for code, values in (("classify", form.classification()), ("assign", form.assignment())):
        if values is None:
            break
        try:  # the steps as the detail page takes them: the registry, the rulebook, the kernel
            c = registry.perform(code, c, values, actor=staff, now=timezone.now(), expected_version=c.version)
        except KesuError as exc:
            unfinished = _("%(step)s未完成：%(error)s（请在下方完成）") % {
                "step": registry.STEPS[code].label(get_language()), "error": exc.message(get_language())}
            break
        done.append(_("已分类定级") if code == "classify" else
                    _("已分派至 %(department)s") % {"department": c.department})
    messages.success(request, _("；").join(done))
    if unfinished:
        messages.warning(request, unfinished)
    if not visible_complaints(staff, now).filter(pk=c.pk).exists():
        return redirect("web:register")
    return redirect("web:detail", number=c.number)
