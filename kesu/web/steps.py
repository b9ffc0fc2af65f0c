"""Forms for the steps of kesu.workflow.steps, built from the inputs declared there: a step's form
on the detail page shows the labels, choices and current values the registry gives, and what is
posted goes back through ``steps.perform`` — the page decides no role, state or amount itself."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import get_language

from kesu.core.errors import KesuError, ValidationFailed
from kesu.workflow.steps import Ctx, Input, Step


def _field(i: Input, ctx: Ctx, lang: str) -> forms.Field:
    label = i.shown_label(lang)
    initial = i.initial(ctx) if i.initial else None
    if i.kind in ("choice", "record") and i.choices is not None:
        choices = i.choices(ctx)
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
