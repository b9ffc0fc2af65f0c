"""Forms of the staff interface. They only shape input; the domain core decides what is valid
and what is allowed, and its errors are shown against the fields they name."""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from kesu.complaints.intake import FileIn, Received
from kesu.core.catalogues import VALIDITY_KINDS, label
from kesu.core.errors import KesuError, ValidationFailed
from kesu.core.messages import render
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
    if f.categories:  # issue 18: a category's own form (药品不良反应登记表): filled for that category only
        label += f"（{named(f, get_language(), 'form') if f.form else _('仅限所属类别')}）"
    attrs: dict[str, Any] = {"required": "required"} if f.required and not f.categories else {}
    if f.type == "choice":
        lang = get_language() or "zh-hans"  # the value stays the policy's word; English pages show choices_en
        return forms.ChoiceField(label=label, required=False,
                                 choices=[("", "—"), *[(c, f.choice_label(c, lang)) for c in f.choices]],
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


WRITTEN_CHANNELS = frozenset({"letter", "fax", "suggestion_box", "email"})  # a paper or scan to keep: files up front


class DemandChoices(forms.CheckboxSelectMultiple):
    """The demand boxes as one compact grid, each box beside its label; one Tab stop (arrow keys move
    between the boxes, Space ticks: kesu/static/kesu/register.js)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.attrs.setdefault("class", "checks")


class RegistrationForm(forms.Form):
    """One screen to register, classify and route (issue 13): the record template's fields, and on the
    same screen the classification (级别, 类别, 有效性) and the responsible department, preselected by
    the policy's routing rules. The door (intake.register) checks the registration; the step registry
    (classify, assign) takes the rest — the form only shapes the input. Django checks almost nothing
    itself (no required or length rules of its own), so every error of the form comes back at once,
    from the door, by label."""

    # Tab order is the order here: what a phone call fills, then what usually stays as proposed.
    customer_phone = forms.CharField(label=_lazy("客户电话"), required=False,
                                     widget=forms.TextInput(attrs={"inputmode": "tel", "maxlength": 30,
                                                                   "autocomplete": "off"}))
    customer_name = forms.CharField(label=_lazy("客户姓名"), required=False,
                                    widget=forms.TextInput(attrs={"maxlength": 60, "autocomplete": "off"}))
    customer_words = forms.CharField(label=_lazy("客户原话"), required=False,
                                     widget=forms.Textarea(attrs={"rows": 4, "required": "required"}))
    files = MultipleFileField(label=_lazy("附件（照片、来信或传真扫描件）"), required=False)
    demands = forms.MultipleChoiceField(label=_lazy("客户诉求"), required=False, widget=DemandChoices)
    category = forms.ChoiceField(label=_lazy("类别"), required=False)
    level = forms.ChoiceField(label=_lazy("级别"), required=False)
    complained_department = forms.ModelChoiceField(label=_lazy("被投诉部门"), required=False,
                                                   queryset=Department.objects.filter(is_active=True))
    location = forms.ModelChoiceField(label=_lazy("发生门店/场所"), required=False,
                                      queryset=Department.objects.filter(is_active=True, is_location=True))
    department = forms.ChoiceField(label=_lazy("责任部门"), required=False)
    validity = forms.ChoiceField(label=_lazy("有效性"), required=False)
    channel = forms.ChoiceField(label=_lazy("渠道"))
    customer_region = forms.CharField(label=_lazy("客户地区"), required=False,
                                      widget=forms.TextInput(attrs={"maxlength": 60}))
    occurred_at = forms.CharField(label=_lazy("发生时间"), required=False,
                                  widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    occurred_place = forms.CharField(label=_lazy("发生地点"), required=False,
                                     widget=forms.TextInput(attrs={"maxlength": 200}))
    product_name = forms.CharField(label=_lazy("产品名称"), required=False,
                                   widget=forms.TextInput(attrs={"maxlength": 100}))
    product_model = forms.CharField(label=_lazy("产品型号"), required=False,
                                    widget=forms.TextInput(attrs={"maxlength": 60}))
    order_number = forms.CharField(label=_lazy("订单/批号"), required=False,
                                   widget=forms.TextInput(attrs={"maxlength": 60}))
    purchase_date = forms.CharField(label=_lazy("购买日期"), required=False,
                                    widget=forms.DateInput(attrs={"type": "date"}))
    amount_involved = forms.CharField(label=_lazy("涉及金额（元）"), required=False,
                                      widget=forms.TextInput(attrs={"inputmode": "decimal", "maxlength": 20}))

    RECORD_FIELDS = ("channel", "customer_phone", "customer_name", "customer_region", "level", "category",
                     "customer_words", "demands", "occurred_at", "occurred_place", "product_name", "product_model",
                     "order_number", "purchase_date", "amount_involved")
    CUSTOMER = ("customer_phone", "customer_name", "customer_words", "files", "demands")
    ROUTING = ("category", "complained_department", "level")  # then the policy's own fields, then the rest
    PROPOSED = ("department", "validity", "channel")
    DETAILS = ("customer_region", "occurred_at", "occurred_place", "product_name", "product_model", "order_number",
               "purchase_date", "amount_involved")  # folded on the page unless filled or in error

    def __init__(self, *args: Any, policy: Policy, channel: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.policy = policy
        lang = get_language() or "zh-hans"
        demands = policy.demand_catalogue()
        self.fields["demands"].choices = [(k, label(demands, k, lang)) for k in demands]
        self.fields["channel"].choices = [(c, label(policy.channel_catalogue(), c, lang)) for c in policy.channels]
        levels = sorted(policy.levels, key=lambda lv: lv.order)
        self.fields["level"].choices = [("", _lazy("（稍后定级）")),
                                        *[(lv.code, level_name(lv, lang)) for lv in levels]]
        self.fields["category"].choices = [("", _lazy("（稍后分类，只登记）")), *category_choices(policy, lang)]
        self.fields["validity"].choices = [(v.code, (v.name_en or label(VALIDITY_KINDS, v.code, lang))
                                            if lang.startswith("en") else v.name or label(VALIDITY_KINDS, v.code, lang))
                                           for v in policy.validity]
        self.fields["department"].choices = [("", _lazy("按分派规则")), *[
            (d.code, str(d)) for d in Department.objects.filter(is_active=True).order_by("code")]]
        # the policy's defaults: the channel asked for (else the policy's first), the lowest level, a valid complaint
        self.channel_code = channel if channel in policy.channels else policy.channels[0]
        self.fields["channel"].initial = self.channel_code
        self.fields["level"].initial = levels[0].code if levels else ""
        self.fields["validity"].initial = "valid" if any(v.code == "valid" for v in policy.validity) else ""
        extra = extra_fields(policy)
        self.fields.update(extra)
        self.extra_names = list(extra)

    def clean(self) -> dict[str, Any]:
        """Classifying on this screen needs the level and the validity too (the classify step's rule,
        said here so that nothing is registered half-classified)."""
        d = super().clean() or {}
        if d.get("category"):
            for name in ("level", "validity"):
                if not d.get(name):
                    self.add_error(name, KesuError("required", field=name,
                                                   label=(plain_label(self.fields[name]),) * 2).message(
                        get_language() or "zh-hans"))
        return d

    def _group(self, names: Any) -> list[Any]:
        return [self[n] for n in names if n in self.fields]

    def customer_fields(self) -> list[Any]:
        names = [n for n in self.CUSTOMER if n != "files" or self.files_up_front()]
        return self._group(names)

    def routes_by_location(self) -> bool:
        """Whether the policy's routing looks at where it happened (P2: the store handles its own)."""
        return any(r.department == "@location" or r.when.locations for r in self.policy.routing)

    def routing_fields(self) -> list[Any]:
        where = ["location"] if self.routes_by_location() else []
        return self._group([*self.ROUTING, *where, *self.extra_names, *self.PROPOSED])

    def detail_fields(self) -> list[Any]:
        where = [] if self.routes_by_location() else ["location"]
        return self._group([*self.DETAILS, *where, *([] if self.files_up_front() else ["files"])])

    def files_up_front(self) -> bool:
        return self.policy.channel_kind(self.current("channel") or "") in WRITTEN_CHANNELS

    def details_open(self) -> bool:
        return any(self[name].errors or self[name].value() for name in self.DETAILS)

    def current(self, name: str) -> Any:
        return self[name].value()

    def first_to_fill(self) -> str:
        """Where the cursor starts: the first field of the call still empty."""
        for name in ("customer_name", "customer_words"):
            if not self.current(name):
                return name
        return "category"

    def classification(self) -> dict[str, str] | None:
        """The classify step's inputs, when the agent classified on this screen (a category chosen)."""
        d = self.cleaned_data
        if not d.get("category"):
            return None
        return {"level": d.get("level") or "", "category": d["category"], "validity": d.get("validity") or ""}

    def assignment(self) -> dict[str, str] | None:
        """The assign step's inputs, when the complaint is classified as valid here: the department
        chosen, or none — then the policy's routing rules choose, as the department box proposed."""
        found = self.classification()
        if found is None or found["validity"] != "valid":
            return None
        return {"department": self.cleaned_data["department"]} if self.cleaned_data.get("department") else {}

    def received(self) -> Received:
        d = self.cleaned_data
        fields = {name: d.get(name) for name in self.RECORD_FIELDS}
        fields.update(extra_values(self, self.policy))
        files = [FileIn(f.name, f.read()) for f in d.get("files") or []]
        return Received(d.get("channel") or self.channel_code, fields, files,
                        complained_department=d.get("complained_department"), location=d.get("location"))


def level_name(level: Any, lang: str) -> str:
    return str(level.name_en) if lang.startswith("en") and getattr(level, "name_en", "") else str(level.name)


_HINT = re.compile(r"\s*[（(][^（）()]*[）)]\s*$")


def plain_label(field: forms.Field) -> str:
    """A form field's label as an error names it: without its hint in brackets (「订单号（可空）」 → 订单号)."""
    text = str(field.label or "")
    return _HINT.sub("", text) or text


def door_errors(received: Received, *, now: datetime) -> list[KesuError]:
    """Everything the door would refuse in ``received``, at once. The door stops at the values it
    cannot read (「八百」 as an amount) before it checks the record template (the phone, the words
    required); asked again without those, it says the rest. Nothing is written."""
    from kesu.complaints.intake import check

    found: list[KesuError] = []
    fields = dict(received.fields)
    for _round in range(3):
        try:
            check(dataclasses.replace(received, fields=fields), now=now)
        except ValidationFailed as exc:
            named = {e.field for e in found}
            found += [e for e in exc.errors if e.field not in named or e.field is None]
            unreadable = {e.field for e in exc.errors if e.field in fields}
            if not unreadable:
                break
            fields = {k: v for k, v in fields.items() if k not in unreadable}
        except KesuError as exc:
            found.append(exc)
            break
        else:
            break
    return found


def add_domain_errors(form: forms.Form, exc: KesuError, *, keep: bool = False) -> None:
    """Show each domain error beside the field it names (or above the form), naming the field as
    this form labels it, in the reader's language. ``keep``: a field the form already refused keeps
    that one message (the door, asked as well, would only say it again)."""
    lang = get_language() or "zh-hans"
    errors = exc.errors if isinstance(exc, ValidationFailed) else [exc]
    for e in errors:
        name = (e.field or "").split(".")[0].split("[")[0]
        if name == "extra":
            name = "extra_" + (e.field or "").split(".", 1)[1]
        elif name == "attachments":
            name = "files"
        if keep and name in form.errors:
            continue
        if name in form.fields and not name.startswith("extra_"):  # the policy's own fields keep its names
            shown = plain_label(form.fields[name])
            e.label = (shown, shown)
        form.add_error(name if name in form.fields else None, e.message(lang))


def name_the_fields(form: forms.Form) -> None:
    """Django's own refusals (a choice not offered, an image check failed) name their field too."""
    lang = get_language() or "zh-hans"
    for name, errors in form.errors.items():
        if name not in form.fields:
            continue
        prefix = render("field_prefix", lang, {"field": plain_label(form.fields[name])})
        errors.data = [ValidationError(m if m.startswith(prefix) else f"{prefix}{m}") for m in map(str, errors)]


def error_summary(form: forms.Form) -> list[tuple[str, str]]:
    """Every error of the form at once, for the list above it: (field id or "", message)."""
    out: list[tuple[str, str]] = []
    for name, errors in form.errors.items():
        anchor = form[name].auto_id if name in form.fields else ""
        out += [(anchor, str(m)) for m in errors]
    return out
