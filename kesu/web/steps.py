"""Forms for the steps of kesu.workflow.steps, built from the inputs declared there: a step's form
on the detail page shows the labels, choices and current values the registry gives, and what is
posted goes back through ``steps.perform`` — the page decides no role, state or amount itself."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _lazy

from kesu.core.catalogues import VALIDITY_KINDS
from kesu.core.errors import KesuError, ValidationFailed
from kesu.core.policy.model import named
from kesu.org import units
from kesu.workflow.steps import STEPS, Ctx, Input, Step, category_choices

# The registry's fixed choices, as it words them; their English is in the catalogue.
FIXED_CHOICES = (_lazy("同意"), _lazy("驳回"), _lazy("成立"), _lazy("不成立"), _lazy("处理方案"), _lazy("补偿"),
                 _lazy("客户"), _lazy("员工"), _lazy("积分"), _lazy("优惠券"), _lazy("礼品"), _lazy("现金"),
                 _lazy("通报表扬"), _lazy("奖金"), _lazy("暂停计时（至恢复）"), _lazy("延长时限"),
                 # issue 18: the unattributable cost, a written reply's means, CAPA kinds and verdicts
                 _lazy("是"), _lazy("否"), _lazy("信函"), _lazy("电子邮件"), _lazy("传真"), _lazy("当面送达"),
                 _lazy("纠正措施"), _lazy("预防措施"), _lazy("有效"), _lazy("无效，重新落实"))


def _shown(i: Input, ctx: Ctx, choices: list[tuple[str, str]], lang: str) -> list[tuple[str, str]]:
    """The choices in the reader's language: the policy's names by ``name_en``, the catalogues'
    English, the fixed words through the catalogue; people's and departments' names as they are."""
    if not lang.startswith("en"):
        return choices
    policy = ctx.policy
    if i.name == "category":
        return category_choices(policy, lang)
    out = []
    for value, shown in choices:
        if i.name == "level" and policy.level(value) is not None:
            shown = named(policy.level(value), lang)
        elif i.name == "validity":
            kind = next((v for v in policy.validity if v.code == value), None)
            shown = kind.name_en if kind is not None and kind.name_en else VALIDITY_KINDS.get(value, ("", shown))[1]
        elif i.name == "compensation_kind" and value in policy.compensation_catalogue():
            shown = policy.compensation_catalogue()[value][1]
        elif i.name == "clock":
            clock = next((k for k in policy.clocks if k.code == value), None)
            shown = clock.name_en if clock is not None and clock.name_en else shown
        elif i.name == "unit" and (unit := units.tree().by_code(value)) is not None:
            shown = unit.shown(lang)  # F16: a business unit by its English name when it has one
        elif i.kind == "choice":
            shown = gettext(shown)
        out.append((value, shown))
    return out


def _field(i: Input, ctx: Ctx, lang: str) -> forms.Field:
    label = i.shown_label(lang)
    initial = i.initial(ctx) if i.initial else None
    if i.kind in ("choice", "record") and i.choices is not None:
        choices = _shown(i, ctx, i.choices(ctx), lang)
        if not i.required:
            choices = [("", "—"), *choices]
        return forms.ChoiceField(label=label, choices=choices, required=i.required, initial=initial)
    if i.kind == "line":
        return forms.CharField(label=label, required=i.required, initial=initial, max_length=200)
    return forms.CharField(label=label, required=i.required, initial=initial,
                           widget=forms.Textarea(attrs={"rows": 2}))


def form_for(step: Step, ctx: Ctx, data: Any = None) -> forms.Form:
    lang = get_language() or "zh-hans"
    form = forms.Form(data)
    for i in step.inputs:
        form.fields[i.name] = _field(i, ctx, lang)
    return form


def errors_of(exc: KesuError, lang: str) -> list[tuple[str | None, str]]:
    """The registry's refusal as (input name or None, message): the message names the input by the
    label the registry gives it; a rule of the rulebook, naming no input, goes above the form."""
    return [((e.field or "").split(".")[0] or None, e.message(lang))
            for e in (exc.errors if isinstance(exc, ValidationFailed) else [exc])]


def refused_form(step: Step, ctx: Ctx, posted: dict[str, Any], errors: list[Any]) -> forms.Form:
    """The step's form as it was sent, with the registry's errors beside their inputs (not Django's:
    the registry judged it) and the cursor in the first input in error."""
    form = form_for(step, ctx, data=posted)
    form.full_clean()
    form.errors.clear()
    for name, message in errors:
        form.add_error(name if name in form.fields else None, message)
    first = next((n for n in form.errors if n in form.fields), next(iter(form.fields), None))
    if first is not None:
        form.fields[first].widget.attrs["autofocus"] = "autofocus"
    return form


# A refused step's form, kept for the one page that shows it again (post, redirect, get): what was
# typed and the registry's errors. The detail page keeps its steps' forms by complaint; the approvals
# inbox and the penalty ledger by the handling record the row decides.
REFUSED = "kesu_refused_step"


def keep_refused(request: Any, place: str, key: str, action: str, posted: dict[str, Any],
                 errors: list[tuple[str | None, str]]) -> None:
    request.session[REFUSED] = {"place": place, "key": key, "action": action, "posted": posted,
                                "errors": [list(e) for e in errors]}


def take_refused(request: Any, place: str) -> dict[str, Any] | None:
    """The step refused on ``place`` just before this page, once: the next page that takes steps
    drops it, whichever it is (a refusal is never shown later, on another visit)."""
    held = request.session.pop(REFUSED, None)
    if not isinstance(held, dict) or held.get("place") != place or held.get("action") not in STEPS:
        return None
    return {**held, "errors": [(n, m) for n, m in held.get("errors") or []]}


class RefusedRow:
    """A row of the approvals inbox or the ledger whose step was refused: its form as it was sent
    (``refused_form``), the free-text input shown by its label with its errors beside it, and the
    errors of the rest (the record, the verdict, a rule of the rulebook) above the row's form."""

    def __init__(self, step: Step, ctx: Ctx, held: dict[str, Any], text: str, *, kind: str) -> None:
        self.form = refused_form(step, ctx, held.get("posted") or {}, held["errors"])
        self.kind = kind  # approval | extension | penalty: which of the page's tables the row is in
        self.pk = int(held["key"])
        self.form.fields[text].widget.attrs["autofocus"] = "autofocus"  # where the person goes on
        self.field = self.form[text]
        self.others = [m for n, m in held["errors"] if n != text]


def text_label(code: str, name: str, lang: str) -> str:
    """The label the registry gives input ``name`` of step ``code``: the inbox and the ledger show
    their one text box by it, so that an error naming it names what the reader sees."""
    step = STEPS[code]
    return next(i.shown_label(lang) for i in step.inputs if i.name == name)
