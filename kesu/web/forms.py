"""Forms of the staff interface. They only shape input; the domain core decides what is valid
and what is allowed, and its errors are shown against the fields they name."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _lazy

from kesu.core.catalogues import CHANNELS, DEMANDS, VALIDITY_KINDS, label
from kesu.core.errors import KesuError, ValidationFailed
from kesu.core.policy import Policy
from kesu.org.models import Department


def category_choices(policy: Policy) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []

    def walk(nodes: list[Any], depth: int) -> None:
        for n in nodes:
            out.append((n.code, "　" * depth + n.name))
            walk(n.children, depth + 1)

    walk(policy.categories, 0)
    return out


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented recipe)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class RegistrationForm(forms.Form):
    channel = forms.ChoiceField(label=_lazy("渠道"))
    customer_phone = forms.CharField(label=_lazy("客户电话"), required=False, max_length=30)
    customer_name = forms.CharField(label=_lazy("客户姓名"), required=False, max_length=60)
    level = forms.ChoiceField(label=_lazy("级别"), required=False)
    category = forms.ChoiceField(label=_lazy("类别"), required=False)
    customer_words = forms.CharField(label=_lazy("客户原话"), widget=forms.Textarea(attrs={"rows": 4}))
    demands = forms.MultipleChoiceField(label=_lazy("客户诉求"), required=False, widget=forms.CheckboxSelectMultiple,
                                        choices=[(k, v[0]) for k, v in DEMANDS.items()])
    complained_department = forms.ModelChoiceField(label=_lazy("被投诉部门"), required=False,
                                                   queryset=Department.objects.filter(is_active=True))
    occurred_place = forms.CharField(label=_lazy("发生地点"), required=False, max_length=200)
    files = MultipleFileField(label=_lazy("附件（照片、来信或传真扫描件）"), required=False)

    def __init__(self, *args: Any, policy: Policy, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.policy = policy
        self.fields["channel"].choices = [(c, label(CHANNELS, c)) for c in policy.channels]
        self.fields["level"].choices = [("", _lazy("（稍后定级）"))] + [(lv.code, lv.name) for lv in policy.levels]
        self.fields["category"].choices = [("", _lazy("（稍后分类）")), *category_choices(policy)]
        for f in policy.record_fields:
            self.fields[f"extra_{f.code}"] = forms.CharField(label=f.name, required=False)

    def extra(self) -> dict[str, str]:
        return {f.code: self.cleaned_data.get(f"extra_{f.code}", "") for f in self.policy.record_fields
                if self.cleaned_data.get(f"extra_{f.code}")}


class ClassifyForm(forms.Form):
    level = forms.ChoiceField(label=_lazy("级别"))
    category = forms.ChoiceField(label=_lazy("类别"))
    validity = forms.ChoiceField(label=_lazy("有效性"))

    def __init__(self, *args: Any, policy: Policy, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["level"].choices = [(lv.code, lv.name) for lv in policy.levels]
        self.fields["category"].choices = category_choices(policy)
        self.fields["validity"].choices = [(v.code, v.name or label(VALIDITY_KINDS, v.code)) for v in policy.validity]


class AssignForm(forms.Form):
    department = forms.ModelChoiceField(label=_lazy("责任部门"), required=False, empty_label=_lazy("（按分派规则）"),
                                        queryset=Department.objects.filter(is_active=True))
    reason = forms.CharField(label=_lazy("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_lazy("说明"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


def add_domain_errors(form: forms.Form, exc: KesuError) -> None:
    """Show each domain error against the field it names (or the whole form)."""
    errors = exc.errors if isinstance(exc, ValidationFailed) else [exc]
    for e in errors:
        name = (e.field or "").split(".")[0].split("[")[0]
        if name == "extra":
            name = "extra_" + (e.field or "").split(".", 1)[1]
        form.add_error(name if name in form.fields else None, e.message(get_language()))
