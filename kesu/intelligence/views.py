"""The intelligence's pages (SPEC F13): the panel beside a complaint (suggestions for 分类定级, the
repeated complaints with the earlier case, merging, similar past cases), live suggestions while
registering, the case library (投诉案例库), and the administrators' page (threshold, schedule,
model versions and their quality, retraining on request).

Steps (classify, merge, unmerge) are posted to the step registry's one address (web:act); these
pages decide no role or state themselves — they ask the registry which steps are available."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from kesu import tasks
from kesu.access.shown import reader, words
from kesu.complaints.models import Complaint
from kesu.complaints.selectors import get_visible, visible_complaints
from kesu.core.access import may_open
from kesu.core.errors import KesuError
from kesu.core.lifecycle import state_label
from kesu.intelligence import services, similarity
from kesu.intelligence.models import FIELDS, ModelVersion, Repeat, Settings, Suggestion
from kesu.org.models import Staff
from kesu.org.services import roles_of
from kesu.policies.services import active_version, policy_of
from kesu.workflow import steps as registry


def _staff(request: HttpRequest) -> Staff:
    return request.user  # type: ignore[return-value]


def _lang(request: HttpRequest) -> str:
    return getattr(request, "LANGUAGE_CODE", "zh-hans") or "zh-hans"


def _shown_names(policy: Any, field: str, lang: str) -> dict[str, str]:
    """The policy's names of a suggested field's values in the reader's language (name_en in English)."""
    from kesu.core.policy.model import named

    if not lang.startswith("en"):
        return services._names(policy, field)
    if field == "category":
        return {c: " / ".join(named(n, lang) for n in policy.category_path(c)) for c in policy.category_codes()}
    if field in ("level", "validity"):
        return {x.code: named(x, lang) for x in (policy.levels if field == "level" else policy.validity)}
    return services._names(policy, field)  # departments: their names as entered


def _rows(items: list[Any], policy: Any, lang: str) -> list[dict[str, Any]]:
    names = {f: _shown_names(policy, f, lang) for f in FIELDS}
    out = []
    for s in items:
        label = FIELDS[s.field][1 if lang.startswith("en") else 0]
        out.append({"field": s.field, "label": label, "value": s.value,
                    "shown": names[s.field].get(s.value, s.value), "percent": round(s.confidence * 100),
                    "words": list(s.words), "learned": s.source == "model"})
    return sorted(out, key=lambda r: list(FIELDS).index(r["field"]))


@login_required
def panel(request: HttpRequest, number: str) -> HttpResponse:
    staff, now = _staff(request), timezone.now()
    try:
        c = get_visible(staff, now, number=number)
    except KesuError:
        raise Http404(_("没有这条投诉，或您无权查看")) from None
    policy = policy_of(c.policy_version)
    ctx = registry.context(c, staff, now)
    available = {s.code for s in registry.available(ctx)}
    stored = list(Suggestion.objects.filter(complaint=c))
    items = stored or list(services.suggest(policy, c.customer_words,  # missed at registration: now
                                            vector=services.vector_of(c.pk)).values())
    suggestions = _rows(services.shown(items), policy, _lang(request))
    values = {r["field"]: r["value"] for r in suggestions}
    found = services.repeats_of(c)
    seen = set(visible_complaints(staff, now).filter(
        pk__in=[r.earlier_id for r in found["earlier"]] + [r.complaint_id for r in found["later"]])
        .values_list("pk", flat=True))
    earlier, judge = [], services.may_decide(staff)
    for r in found["earlier"]:
        if r.earlier_id in seen:
            e = r.earlier
            earlier.append({"r": r, "c": e, "status": state_label(e.status, _lang(request)),
                            "words": words(e, reader(staff, e, now)),
                            "mergeable": "merge" in available and r.kind == Repeat.Kind.PROBLEM,
                            "decidable": judge and r.kind == Repeat.Kind.PROBLEM})
    later = [{"r": r, "c": r.complaint, "status": state_label(r.complaint.status, _lang(request))}
             for r in found["later"] if r.complaint_id in seen]
    link, similar = services.merge_link(c), services.similar_cases(c)
    shown_suggestions = suggestions if "classify" in available else []
    return render(request, "intelligence/_panel.html", {
        "any": bool(shown_suggestions or earlier or later or link["into"] or link["from"] or similar),
        "c": c, "suggestions": shown_suggestions, "threshold": round(services.settings_row().min_confidence * 100),
        "may_classify": "classify" in available,
        "classify_all": all(k in values for k in ("level", "category", "validity")), "values": values,
        "earlier": earlier, "later": later, "link": link, "cases": similar, "window": policy.repeats.window,
    })


@login_required
def live(request: HttpRequest) -> HttpResponse:
    """While a complaint is being registered: what the words suggest (nothing is stored)."""
    text = (request.GET.get("customer_words") or request.GET.get("text") or "").strip()[:2000]
    suggestions: list[dict[str, Any]] = []
    if len(text) >= 4:
        try:
            policy = policy_of(active_version())
        except KesuError:
            policy = None
        if policy is not None:
            suggestions = _rows(services.shown(list(services.suggest(policy, text).values())), policy,
                                _lang(request))
    return render(request, "intelligence/_live.html", {"suggestions": suggestions})


@login_required
def cases(request: HttpRequest) -> HttpResponse:
    """The case library: closed cases, their cause, solution and outcome, personal data removed."""
    staff, now = _staff(request), timezone.now()
    query = (request.GET.get("q") or "").strip()[:200]
    found = services.search_cases(query) if query else []
    if not query:
        from kesu.intelligence.models import Case

        found = [services.Found(e, 1.0, False) for e in Case.objects.order_by("-closed_at")[:20]]
    visible = set(visible_complaints(staff, now).filter(pk__in=[f.case.pk for f in found])
                  .values_list("pk", flat=True))
    numbers = dict(Complaint.objects.filter(pk__in=visible).values_list("pk", "number"))
    policy = policy_of(active_version())
    names = _shown_names(policy, "category", _lang(request))
    rows = [{"f": f, "number": numbers.get(f.case.pk), "category": names.get(f.case.category, f.case.category),
             "percent": round(f.score * 100)} for f in found]
    return render(request, "intelligence/cases.html", {"q": query, "rows": rows})


class SettingsForm(forms.ModelForm):
    class Meta:
        model = Settings
        fields = ["min_confidence", "retrain_hours", "repeat_threshold", "duplicate_threshold"]
        # the page's words in the reader's language (the model's own names are the admin's, in Chinese)
        labels = {"min_confidence": _lazy("建议最低置信度"), "retrain_hours": _lazy("自动重新训练间隔（小时）"),
                  "repeat_threshold": _lazy("同一问题相似度阈值"),
                  "duplicate_threshold": _lazy("重复投诉（可合并）相似度阈值")}
        help_texts = {"min_confidence": _lazy("低于此置信度的建议不显示（0–1）"),
                      "repeat_threshold": _lazy("意思相近的程度（0–1），达到即视为同一问题"),
                      "duplicate_threshold": _lazy("用字相同的程度（0–1），达到即视为同一投诉再次提出，可合并")}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in ("min_confidence", "repeat_threshold", "duplicate_threshold"):
            value = data.get(name)
            if value is not None and not 0 <= value <= 1:
                self.add_error(name, _("须在 0 到 1 之间"))
        return data


def _manager(request: HttpRequest) -> Staff:
    staff = _staff(request)
    if not (may_open("intelligence", roles_of(staff)) or staff.is_superuser):
        raise PermissionDenied
    return staff


@login_required
def manage(request: HttpRequest) -> HttpResponse:
    staff = _manager(request)
    row = services.settings_row()
    form = SettingsForm(request.POST or None, instance=row)
    if request.method == "POST" and form.is_valid():
        saved = form.save(commit=False)
        saved.updated_at, saved.updated_by = timezone.now(), staff
        saved.save()
        messages.success(request, _("已保存"))
        return redirect("intelligence:manage")
    versions = list(ModelVersion.objects.defer("blob").order_by("-number")[:10])
    in_use = services.current_bundle(fresh=True)[0]
    taken = services.acceptance()
    lang = _lang(request)
    fields = [{"code": f, "label": FIELDS[f][1 if lang.startswith("en") else 0],
               "taken": taken.get(f, (0, 0))} for f in FIELDS]
    categories = _shown_names(policy_of(active_version()), "category", lang)
    for v in versions:
        v.rows = [{"label": f["label"], **(v.quality.get(f["code"]) or {})} for f in fields]
        v.pairs = v.quality.get(services.PAIRS)
        # the category mix the suggestions follow: the confirmed history's and the stream's (estimated)
        q = v.quality.get("category") or {}
        v.mix = [{"label": categories.get(code, code), "history": round(h * 100, 1),
                  "stream": round(q["stream_mix"].get(code, 0.0) * 100, 1)}
                 for code, h in (q.get("history_mix") or {}).items()] if q.get("stream_mix") else []
        v.stream_texts = q.get("stream_texts", 0)
        v.followed = q.get("followed", True)
    return render(request, "intelligence/manage.html", {"form": form, "versions": versions, "in_use": in_use,
                                                        "fields": fields, "min_decisions": similarity.MIN_DECISIONS,
                                                        "min_each": similarity.MIN_EACH})


@login_required
@require_POST
def retrain(request: HttpRequest) -> HttpResponse:
    staff = _manager(request)
    tasks.enqueue("intelligence.retrain", force=True, actor_id=staff.pk)
    messages.success(request, _("已开始重新训练，完成后在此显示新版本"))
    return redirect("intelligence:manage")


@login_required
@require_POST
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    """A person's decision on a "same problem" flag: 是同一问题 (confirmed) or 不是同一问题 (dismissed).
    What the pair model learns from at the next retrain, with the merges."""
    staff, now = _staff(request), timezone.now()
    r = Repeat.objects.select_related("complaint").filter(pk=pk).first()
    if r is None or not services.may_decide(staff):
        raise Http404(_("没有这条投诉，或您无权查看"))
    seen = set(visible_complaints(staff, now).filter(pk__in=[r.complaint_id, r.earlier_id])
               .values_list("pk", flat=True))
    if seen != {r.complaint_id, r.earlier_id}:
        raise Http404(_("没有这条投诉，或您无权查看"))
    same = request.POST.get("same")
    if same not in ("1", "0"):
        messages.error(request, _("请选择：是同一问题，或不是同一问题"))
    else:
        services.decide(r, same=same == "1", actor=staff, now=now)
        messages.success(request, _("已记录判定，模型下次训练时学习"))
    return redirect("web:detail", r.complaint.number)
