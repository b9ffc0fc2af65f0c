"""Forms of the staff interface. They only shape input; the domain core decides what is valid
and what is allowed, and its errors are shown against the fields they name."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from kesu.complaints.intake import FileIn, Received
from kesu.core.catalogues import CHANNELS, DEMANDS, label
from kesu.core.errors import KesuError, ValidationFailed
from kesu.core.policy import Policy
from kesu.core.policy.model import named
from kesu.org.models import Department
from kesu.workflow.steps import category_choices


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


def record_field(f: Any) -> forms.Field:
    """A form field for one of the policy's record fields (房号 …): required ones are marked, but it
    is the door, not the form, that refuses them empty — with the same message on every channel."""
    label = f"{named(f, get_language())}{_('（必填）') if f.required else ''}"
    attrs: dict[str, Any] = {"required": "required"} if f.required else {}
    if f.type == "choice":
        return forms.ChoiceField(label=label, required=False, choices=[("", "—"), *[(c, c) for c in f.choices]],
                                 widget=forms.Select(attrs=attrs))
    if f.type == "date":
        return forms.CharField(label=label, required=False, widget=forms.DateInput(attrs={**attrs, "type": "date"}))
    if f.type == "number":
        return forms.CharField(label=label, required=False,
                               widget=forms.TextInput(attrs={**attrs, "inputmode": "decimal"}))
    if f.max_length:
        attrs["maxlength"] = f.max_length
    return forms.CharField(label=label, required=False, widget=forms.TextInput(attrs=attrs))


def extra_fields(policy: Policy) -> dict[str, forms.Field]:
    """``extra_<code>`` form fields for the policy's record fields (errors at ``extra.<code>`` land there)."""
    return {f"extra_{f.code}": record_field(f) for f in policy.record_fields}


def extra_values(form: forms.Form, policy: Policy) -> dict[str, Any]:
    """The policy's record fields as the door names them: ``extra.<code>``."""
    return {f"extra.{f.code}": form.cleaned_data.get(f"extra_{f.code}") for f in policy.record_fields}


class RegistrationForm(forms.Form):
    """Quick registration (phone, walk-in, letter …): the record template's fields; the door checks them."""

    channel = forms.ChoiceField(label=_lazy("渠道"))
    customer_phone = forms.CharField(label=_lazy("客户电话"), required=False, max_length=30)
    customer_name = forms.CharField(label=_lazy("客户姓名"), required=False, max_length=60)
    customer_region = forms.CharField(label=_lazy("客户地区"), required=False, max_length=60)
    level = forms.ChoiceField(label=_lazy("级别"), required=False)
    category = forms.ChoiceField(label=_lazy("类别"), required=False)
    customer_words = forms.CharField(label=_lazy("客户原话"), widget=forms.Textarea(attrs={"rows": 4}))
    demands = forms.MultipleChoiceField(label=_lazy("客户诉求"), required=False, widget=forms.CheckboxSelectMultiple,
                                        choices=[(k, v[0]) for k, v in DEMANDS.items()])
    complained_department = forms.ModelChoiceField(label=_lazy("被投诉部门"), required=False,
                                                   queryset=Department.objects.filter(is_active=True))
    occurred_at = forms.CharField(label=_lazy("发生时间"), required=False, max_length=40,
                                  widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    occurred_place = forms.CharField(label=_lazy("发生地点"), required=False, max_length=200)
    product_name = forms.CharField(label=_lazy("产品名称"), required=False, max_length=100)
    product_model = forms.CharField(label=_lazy("产品型号"), required=False, max_length=60)
    order_number = forms.CharField(label=_lazy("订单/批号"), required=False, max_length=60)
    purchase_date = forms.CharField(label=_lazy("购买日期"), required=False, max_length=20,
                                    widget=forms.DateInput(attrs={"type": "date"}))
    amount_involved = forms.CharField(label=_lazy("涉及金额（元）"), required=False, max_length=20,
                                      widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    files = MultipleFileField(label=_lazy("附件（照片、来信或传真扫描件）"), required=False)

    RECORD_FIELDS = ("channel", "customer_phone", "customer_name", "customer_region", "level", "category",
                     "customer_words", "demands", "occurred_at", "occurred_place", "product_name", "product_model",
                     "order_number", "purchase_date", "amount_involved")

    def __init__(self, *args: Any, policy: Policy, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.policy = policy
        lang = get_language()
        self.fields["channel"].choices = [(c, label(CHANNELS, c, lang)) for c in policy.channels]
        self.fields["level"].choices = [("", _lazy("（稍后定级）")),
                                        *[(lv.code, named(lv, lang)) for lv in policy.levels]]
        self.fields["demands"].choices = [(k, label(DEMANDS, k, lang)) for k in DEMANDS]
        self.fields["category"].choices = [("", _lazy("（稍后分类）")), *category_choices(policy, lang)]
        # the policy's own fields (房号 …) right after the customer's words
        fields, extra = list(self.fields.items()), extra_fields(policy)
        at = [k for k, _v in fields].index("customer_words") + 1
        self.fields = dict(fields[:at] + list(extra.items()) + fields[at:])

    DETAILS = ("customer_region", "occurred_at", "product_name", "product_model", "order_number", "purchase_date",
               "amount_involved")  # folded on the page unless filled or in error

    def main_fields(self) -> list[Any]:
        return [self[name] for name in self.fields if name not in self.DETAILS]

    def detail_fields(self) -> list[Any]:
        return [self[name] for name in self.fields if name in self.DETAILS]

    def details_open(self) -> bool:
        return any(self[name].errors or self[name].value() for name in self.DETAILS)

    def received(self) -> Received:
        d = self.cleaned_data
        fields = {name: d.get(name) for name in self.RECORD_FIELDS}
        fields.update(extra_values(self, self.policy))
        files = [FileIn(f.name, f.read()) for f in d.get("files") or []]
        return Received(d["channel"], fields, files, complained_department=d.get("complained_department"))


def add_domain_errors(form: forms.Form, exc: KesuError) -> None:
    """Show each domain error against the field it names (or the whole form)."""
    errors = exc.errors if isinstance(exc, ValidationFailed) else [exc]
    for e in errors:
        name = (e.field or "").split(".")[0].split("[")[0]
        if name == "extra":
            name = "extra_" + (e.field or "").split(".", 1)[1]
        elif name == "attachments":
            name = "files"
        form.add_error(name if name in form.fields else None, e.message(get_language()))
