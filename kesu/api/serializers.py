"""What the API returns and takes. Personal data in responses is shown as kesu.core.personal
allows the token's owner (the policy's personal_data section), the customer's words included."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from rest_framework import serializers

from kesu.access.shown import Shown, shown_to
from kesu.complaints.models import Complaint
from kesu.complaints.timeline import reason_in
from kesu.core.lifecycle import ActorFacts, event_label, state_label


class ErrorFieldSerializer(serializers.Serializer):
    field = serializers.CharField(allow_null=True)
    code = serializers.CharField()
    label = serializers.CharField(required=False, allow_null=True,
                                  help_text="the field as the record template names it")
    message = serializers.CharField()


class ErrorBodySerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    fields = ErrorFieldSerializer(many=True)


class ErrorSerializer(serializers.Serializer):
    error = ErrorBodySerializer()


class ComplaintSerializer(serializers.ModelSerializer):
    status_label = serializers.SerializerMethodField()
    customer_phone = serializers.SerializerMethodField()
    department = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    owner = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = Complaint
        fields = ["number", "version", "status", "status_label", "channel", "level", "category", "validity",
                  "customer_name", "customer_phone", "customer_words", "department", "owner", "registered_at",
                  "updated_at"]

    def get_status_label(self, c: Complaint) -> str:
        return state_label(c.status, self.context.get("lang", "zh-hans"))

    customer_name = serializers.SerializerMethodField()
    customer_words = serializers.SerializerMethodField()

    def _shown(self, c: Complaint) -> Shown:
        """Each personal value as the token's owner may see it (kesu.core.personal): an API reader
        allowed the full value gets it without a reveal step; a masked reader never does."""
        cache = self.context.setdefault("_shown", {})
        if c.pk not in cache:
            cache[c.pk] = shown_for(c, self.context.get("sees_personal_data"))
        return cache[c.pk]  # type: ignore[no-any-return]

    def get_customer_phone(self, c: Complaint) -> str:
        return self._shown(c).customer_phone

    def get_customer_name(self, c: Complaint) -> str:
        return self._shown(c).customer_name

    def get_customer_words(self, c: Complaint) -> str:
        return self._shown(c).customer_words


def shown_for(c: Complaint, reader: Any) -> Shown:
    """``reader``: the facts of the token's owner towards ``c`` (ActorFacts), or a callable giving
    them per complaint; anything else reads as a reader who holds no role."""
    facts = reader(c) if callable(reader) else reader
    if not isinstance(facts, ActorFacts):
        facts = ActorFacts(staff_id=None, roles=frozenset())
    return shown_to(c, facts, page=False)


_TIME = serializers.DateTimeField()


def complaint_brief(c: Complaint, *, lang: str, sees_personal_data: Any) -> dict[str, Any]:
    """What ComplaintSerializer gives for ``c``, built directly: the answer to a create, the API's
    hot path, without a ModelSerializer's per-call set-up (tests hold the two equal).
    ``sees_personal_data``: the reader's facts towards ``c`` (see shown_for)."""
    seen = shown_for(c, sees_personal_data)
    return {
        "number": c.number, "version": c.version, "status": c.status, "status_label": state_label(c.status, lang),
        "channel": c.channel, "level": c.level, "category": c.category, "validity": c.validity,
        "customer_name": seen.customer_name,
        "customer_phone": seen.customer_phone,
        "customer_words": seen.customer_words,
        "department": c.department.code if c.department_id else None,
        "owner": c.owner.username if c.owner_id else None,
        "registered_at": _TIME.to_representation(c.registered_at),
        "updated_at": _TIME.to_representation(c.updated_at),
    }


class ClockSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    target = serializers.CharField()
    due_at = serializers.DateTimeField()
    stopped_at = serializers.DateTimeField(allow_null=True)
    met = serializers.BooleanField(allow_null=True)
    breached_at = serializers.DateTimeField(allow_null=True)


class EventSerializer(serializers.Serializer):
    seq = serializers.IntegerField()
    at = serializers.DateTimeField()
    kind = serializers.CharField()
    label = serializers.SerializerMethodField()
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True)
    to_status = serializers.CharField()
    reason = serializers.SerializerMethodField()

    def get_label(self, e: Any) -> str:
        return event_label(e.kind, self.context.get("lang", "zh-hans"))

    def get_reason(self, e: Any) -> str:
        return reason_in(e, self.context.get("lang", "zh-hans"))


class ComplaintDetailSerializer(ComplaintSerializer):
    clocks = ClockSerializer(many=True, read_only=True)
    timeline = serializers.SerializerMethodField()

    class Meta(ComplaintSerializer.Meta):
        fields = [*ComplaintSerializer.Meta.fields, "clocks", "timeline"]

    def get_timeline(self, c: Complaint) -> list[dict[str, Any]]:
        events = c.events.select_related("actor").order_by("seq")
        return EventSerializer(events, many=True, context=self.context).data  # type: ignore[return-value]


class CreateSerializer(serializers.Serializer):
    """What creation takes — for the schema only: the fields go to the one door as sent
    (kesu.core.registration.read_fields checks types, unknown fields and the record template)."""

    channel = serializers.CharField(help_text="channel code or name (phone / 电话 …); the policy must offer it")
    customer_words = serializers.CharField(help_text="the customer's own words, verbatim")
    customer_name = serializers.CharField(required=False, allow_blank=True)
    customer_phone = serializers.CharField(required=False, allow_blank=True)
    customer_email = serializers.CharField(required=False, allow_blank=True)
    customer_region = serializers.CharField(required=False, allow_blank=True)
    customer_ref = serializers.CharField(required=False, allow_blank=True, help_text="member / card number")
    product_name = serializers.CharField(required=False, allow_blank=True)
    product_model = serializers.CharField(required=False, allow_blank=True)
    order_number = serializers.CharField(required=False, allow_blank=True, help_text="order or batch number")
    purchase_date = serializers.DateField(required=False, allow_null=True)
    occurred_at = serializers.DateTimeField(required=False, allow_null=True,
                                            help_text="ISO 8601; without a zone, Beijing time")
    occurred_place = serializers.CharField(required=False, allow_blank=True)
    amount_involved = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True)
    demands = serializers.ListField(child=serializers.CharField(), required=False,
                                    help_text="codes or names: refund / 退款, apology / 道歉 …")
    level = serializers.CharField(required=False, allow_blank=True, help_text="level code or name")
    category = serializers.CharField(required=False, allow_blank=True, help_text="category code or name")
    is_internal = serializers.BooleanField(required=False)
    extra = serializers.DictField(required=False, help_text="the policy's industry fields by code (房号: unit_number)")
    complained_department = serializers.CharField(required=False, allow_blank=True, help_text="department code")
    unit = serializers.CharField(required=False, allow_blank=True,
                                 help_text="business unit code (F16); empty: the token owner's unit")


class CreateMultipartSerializer(CreateSerializer):
    """The same fields as form parts (``extra.<code>`` parts or ``extra`` as JSON text), with files."""

    extra = serializers.CharField(required=False, help_text="JSON object, or send extra.<code> parts")
    files = serializers.ListField(child=serializers.FileField(), required=False,
                                  help_text="evidence, within the policy's attachment limits")


class ComplaintPageSerializer(serializers.Serializer):
    """The list's answer as it really is: one cursor page (no count; docs/api.md)."""

    next = serializers.URLField(allow_null=True, help_text="the next page, or null on the last")
    previous = serializers.URLField(allow_null=True, help_text="the previous page, or null on the first")
    results = ComplaintSerializer(many=True)


def text_fields() -> frozenset[str]:
    """The creation fields that take text only (a JSON number there is refused, not turned into words)."""
    return frozenset(name for name, f in CreateSerializer().fields.items()
                     if type(f) is serializers.CharField and name != "extra")


class ActionSerializer(serializers.Serializer):
    expected_version = serializers.IntegerField(min_value=1, help_text="the complaint's version you read")
    fields = serializers.DictField(required=False, default=dict,
                                   child=serializers.CharField(allow_blank=True, trim_whitespace=False),
                                   help_text="the step's fields, see GET …/actions/ (text; each within its "
                                             "input's max_length)")


class ChoiceSerializer(serializers.Serializer):
    value = serializers.CharField()
    label = serializers.CharField()


class StepInputSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    kind = serializers.ChoiceField(choices=["text", "line", "choice", "record"])
    required = serializers.BooleanField()
    max_length = serializers.IntegerField(allow_null=True, help_text="for text and line: the most characters taken")
    choices = ChoiceSerializer(many=True, allow_null=True)
    initial = serializers.CharField(allow_null=True)


class ActionListSerializer(serializers.Serializer):
    action = serializers.CharField()
    label = serializers.CharField()
    fields = serializers.DictField(child=serializers.CharField())
    required = serializers.ListField(child=serializers.CharField())
    inputs = StepInputSerializer(many=True)


def now_iso() -> str:
    return timezone.now().isoformat()
