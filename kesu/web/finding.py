"""Finding complaints and working on many at once (issue 12): the search box on every staff page,
the filters every queue and search share, a customer's whole history, and bulk steps.

Reads go through kesu.complaints.selectors (visibility in one place); bulk steps go through the
step registry one complaint at a time, each with its own rules, and the page says which were done
and which refused, and why."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.forms.utils import flatatt
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.html import escape
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from kesu.access.services import log_print
from kesu.access.shown import printable, shown_to
from kesu.complaints import lifecycle
from kesu.complaints.models import Complaint
from kesu.complaints.selectors import SORTS, Filters, customer_history, get_visible, search
from kesu.core.catalogues import CHANNELS
from kesu.core.errors import KesuError
from kesu.core.lifecycle import STATE_LABELS
from kesu.core.policy import Policy
from kesu.core.policy.model import named
from kesu.core.search import Query, highlight_spans, snippet
from kesu.org.models import Department, Staff
from kesu.policies.services import active_version, policy_of
from kesu.workflow import steps as registry

PAGE = 50
BULK_LIMIT = 200  # complaints one bulk step may take (a page of a queue is 50)


def _staff(request: HttpRequest) -> Staff:
    return request.user  # type: ignore[return-value]


def _policy(unit_id: int | None = None) -> Policy | None:
    """The filters' policy: the one in force for the person's business unit (F16)."""
    try:
        return policy_of(active_version(unit_id))
    except KesuError:
        return None


class QuickSelect(forms.Select):
    """Django's select, written out directly: its template per option cost a queue page 5–6 ms of
    its 30 (the filters list every state, category, department and channel on every list page).
    The same markup: attributes as the widget's attrs.html writes them, each value and label escaped."""

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        out = [f'<select name="{escape(name)}"{flatatt(widget["attrs"])}>']
        for group, options, _index in widget["optgroups"]:
            if group:
                out.append(f'<optgroup label="{escape(group)}">')
            out += [f'<option value="{escape(o["value"])}"{flatatt(o["attrs"])}>{escape(o["label"])}</option>'
                    for o in options]
            if group:
                out.append("</optgroup>")
        out.append("</select>")
        return mark_safe("".join(out))  # every piece escaped above


class FilterForm(forms.Form):
    """The filters of a queue or a search; every choice comes from the policy in force."""

    status = forms.ChoiceField(label=_lazy("状态"), required=False, widget=QuickSelect)
    level = forms.ChoiceField(label=_lazy("级别"), required=False, widget=QuickSelect)
    category = forms.ChoiceField(label=_lazy("类别"), required=False, widget=QuickSelect)
    department = forms.ChoiceField(label=_lazy("责任部门"), required=False, widget=QuickSelect)
    channel = forms.ChoiceField(label=_lazy("渠道"), required=False, widget=QuickSelect)
    since = forms.DateField(label=_lazy("登记日期从"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_lazy("至"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    overdue = forms.BooleanField(label=_lazy("有超时"), required=False)
    sort = forms.ChoiceField(label=_lazy("排序"), required=False, choices=list(SORTS.items()), widget=QuickSelect)

    def __init__(self, data: Any, *, policy: Policy | None, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        lang = get_language() or "zh-hans"
        english = lang.startswith("en")
        anyone = [("", _("全部"))]
        self.fields["status"].choices = anyone + [("open", _("未结案")), ("closed", _("已结案"))] + [
            (s.value, en if english else zh) for s, (zh, en) in STATE_LABELS.items()]
        self.fields["level"].choices = anyone + [
            (lv.code, (lv.name_en or lv.name) if english else lv.name) for lv in (policy.levels if policy else [])]
        self.fields["category"].choices = anyone + (registry.category_choices(policy, lang) if policy else [])
        self.departments = list(Department.objects.filter(is_active=True).order_by("code"))
        self.fields["department"].choices = anyone + [(str(d.pk), str(d)) for d in self.departments]
        channels = policy.channel_catalogue() if policy else CHANNELS  # the policy's own too (QQ, 400 热线)
        self.fields["channel"].choices = anyone + [(code, en if english else zh)
                                                   for code, (zh, en) in channels.items()]
        self.policy = policy

    def filters(self) -> Filters:
        """The filters as chosen; a field with a bad value counts as not chosen (its error shows)."""
        if not self.is_bound:
            return Filters()
        self.is_valid()
        d = getattr(self, "cleaned_data", {})
        department = d.get("department") or ""
        return Filters(
            status=d.get("status") or "", level=d.get("level") or "", category=d.get("category") or "",
            department=int(department) if department.isdigit() else None, channel=d.get("channel") or "",
            since=d.get("since") if isinstance(d.get("since"), date) else None,
            until=d.get("until") if isinstance(d.get("until"), date) else None,
            overdue=bool(d.get("overdue")), sort=d.get("sort") or "newest")

    def categories(self) -> list[str]:
        code = getattr(self, "cleaned_data", {}).get("category") or ""
        if not code:
            return []
        return (self.policy.category_and_below(code) if self.policy else []) or [code]

    def chosen(self) -> bool:
        return bool(self.is_bound and any(v for k, v in getattr(self, "cleaned_data", {}).items() if k != "sort"))


def filter_form(request: HttpRequest) -> FilterForm:
    keys = set(FilterForm.base_fields)
    data = {k: v for k, v in request.GET.items() if k in keys and v}
    return FilterForm(data or None, policy=_policy(getattr(request.user, "unit_id", None)))


def list_context(request: HttpRequest, form: FilterForm, keep: list[tuple[str, str]]) -> dict[str, Any]:
    """What a list page with filters and bulk steps needs: the filter form, the parameters it keeps
    (the queue, the search text), the query strings for its pager, refresh and tabs."""
    from urllib.parse import urlencode

    chosen = [(k, v) for k, v in request.GET.items() if k in FilterForm.base_fields and v]
    return {
        "form": form, "keep": keep, "query_string": urlencode(keep + chosen), "filter_string": urlencode(chosen),
        "bulk_steps": BULK_STEPS, "bulk_departments": form.departments,
    }


def marked(text: str, query: Query) -> SafeString:
    """``text`` escaped, with the searched-for words in <mark>."""
    return mark_safe("".join(f"<mark>{escape(p)}</mark>" if hit else escape(p)  # each piece escaped
                             for p, hit in highlight_spans(text, query)))


@dataclass
class Hit:
    complaint: Complaint
    number: SafeString
    name: SafeString
    phone: SafeString
    words: SafeString
    level_name: str


def _hits(staff: Staff, rows: list[Complaint], query: Query) -> list[Hit]:
    now = timezone.now()
    policies: dict[int, Policy] = {}
    standing = lifecycle.standing_of(staff, now)  # once for the page, not per row
    out = []
    for c in rows:
        policy = policies.setdefault(c.policy_version_id, policy_of(c.policy_version))
        seen = shown_to(c, lifecycle.actor_facts(staff, c, now, standing=standing),  # masked before highlighting
                        only=("customer_name", "customer_phone"))  # what a hit shows: the rest stays sealed
        level = policy.level(c.level)
        out.append(Hit(c, marked(c.number, query), marked(seen.customer_name, query),
                       marked(seen.customer_phone, query), marked(snippet(seen.customer_words, query), query),
                       named(level, get_language()) if level else ""))
    return out


@login_required
def search_page(request: HttpRequest) -> HttpResponse:
    """The search box's results: every word must match; newest first unless sorted otherwise."""
    from kesu.web.views import Page

    text = request.GET.get("q", "").strip()
    form = filter_form(request)
    staff, now = _staff(request), timezone.now()
    context: dict[str, Any] = {"q": text, "hits": [], "page": None, **list_context(request, form, [("q", text)])}
    if text:
        try:
            query, qs = search(staff, now, text, form.filters(), categories=form.categories())
        except KesuError as exc:
            context["problem"] = exc.message(get_language())
        else:
            page = Page.of(qs, request.GET.get("page"))
            context.update(page=page, hits=_hits(staff, list(page), query))
    return render(request, "web/search.html", context)


@login_required
def history(request: HttpRequest, number: str) -> HttpResponse:
    """The customer's whole history: every complaint with the same phone, e-mail or member number
    that the reader may see, with how each ended."""
    staff, now = _staff(request), timezone.now()
    try:
        c = get_visible(staff, now, number=number)
    except KesuError:
        raise Http404(_("没有这条投诉，或您无权查看")) from None
    rows = list(customer_history(staff, now, c)[:200])
    return render(request, "web/history.html", {"c": c, "hits": _hits(staff, rows, Query(())), "count": len(rows)})


# --- bulk steps ------------------------------------------------------------------------------------

BULK_STEPS = {"assign": _lazy("分派"), "transfer": _lazy("转交"), "note": _lazy("添加备注"), "print": _lazy("打印")}


@login_required
@require_POST
def bulk(request: HttpRequest) -> HttpResponse:
    """One step on each selected complaint, through the registry, one complaint at a time: each is
    judged by its own rules (state, role, version), and a refusal of one stops none of the others."""
    staff, now = _staff(request), timezone.now()
    back = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        back = "/queue/"  # never off the site (an open redirect)
    step = request.POST.get("step", "")
    chosen = list(dict.fromkeys(request.POST.getlist("c")))
    if step not in BULK_STEPS:
        messages.error(request, _("请选择批量操作"))
        return redirect(back)
    if not chosen:
        messages.error(request, _("请先勾选投诉"))
        return redirect(back)
    if len(chosen) > BULK_LIMIT:
        messages.error(request, _("一次最多批量处理 %(limit)s 条投诉") % {"limit": BULK_LIMIT})
        return redirect(back)
    if step == "print":
        return _print_many(request, staff, chosen, back)
    text = request.POST.get("text", "")
    values = {"note": text} if step == "note" else {"department": request.POST.get("department", ""), "reason": text}
    done: list[str] = []
    refused: list[str] = []
    label = str(BULK_STEPS[step])
    for number in chosen:
        try:
            c = get_visible(staff, now, number=number)
            registry.perform(step, c, values, actor=staff, now=now, expected_version=None)
        except KesuError as exc:
            refused.append(f"{number}：{exc.message(get_language())}")
        else:
            done.append(number)
    if done:
        messages.success(request, _("%(step)s：已完成 %(count)s 条（%(numbers)s）") % {
            "step": label, "count": len(done), "numbers": "、".join(done)})
    if refused:
        messages.error(request, _("%(step)s：未执行 %(count)s 条 —— %(why)s") % {
            "step": label, "count": len(refused), "why": "；".join(refused)})
    return redirect(back)


def _print_many(request: HttpRequest, staff: Staff, chosen: list[str], back: str) -> HttpResponse:
    """The selected complaints' work orders in one PDF, masked as the reader sees each."""
    from io import BytesIO

    from pypdf import PdfWriter

    from kesu.printing.forms import FORMS

    now = timezone.now()
    title, render_pdf = FORMS["work-order"]
    writer = PdfWriter()
    refused = []
    for number in chosen:
        try:
            c = get_visible(staff, now, number=number)
        except KesuError as exc:
            refused.append(f"{number}：{exc.message(get_language())}")
            continue
        copy = printable(c, lifecycle.actor_facts(staff, c, now))
        try:
            writer.append(BytesIO(render_pdf(copy, phone=copy.customer_phone)))
            log_print(c, copy, staff=staff, form="work-order", now=now)
        except RuntimeError as exc:  # the CJK font is missing on this server
            messages.error(request, str(exc))
            return redirect(back)
    if refused:  # shown on the next page the person opens
        messages.error(request, _("打印：未执行 %(count)s 条 —— %(why)s") % {"count": len(refused),
                                                                          "why": "；".join(refused)})
    if not writer.pages:
        return redirect(back)
    out = BytesIO()
    writer.write(out)
    response = HttpResponse(out.getvalue(), content_type="application/pdf")
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(f'{title}-{len(writer.pages)}.pdf')}"
    return response
