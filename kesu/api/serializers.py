"""What the API returns and takes. Responses mask the phone for readers who need no personal
data, exactly as the staff pages do."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from rest_framework import serializers

from kesu.complaints.models import Complaint
from kesu.core.lifecycle import event_label, state_label
from kesu.core.phone import mask_phone


class ErrorFieldSerializer(serializers.Serializer):
    field = serializers.CharField(allow_null=True)
    code = serializers.CharField()
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
    department = serializers.SlugRelatedField(slug_field="code", read_only=True)
    owner = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Complaint
        fields = ["number", "version", "status", "status_label", "channel", "level", "category", "validity",
                  "customer_name", "customer_phone", "customer_words", "department", "owner", "registered_at",
                  "updated_at"]

    def get_status_label(self, c: Complaint) -> str:
        return state_label(c.status, self.context.get("lang", "zh-hans"))

    def get_customer_phone(self, c: Complaint) -> str:
        sees = self.context.get("sees_personal_data")
        return c.customer_phone if (sees is True or (callable(sees) and sees(c))) else mask_phone(c.customer_phone)


_TIME = serializers.DateTimeField()


def complaint_brief(c: Complaint, *, lang: str, sees_personal_data: bool) -> dict[str, Any]:
    """What ComplaintSerializer gives for ``c``, built directly: the answer to a create, the API's
    hot path, without a ModelSerializer's per-call set-up (tests hold the two equal)."""
    return {
        "number": c.number, "version": c.version, "status": c.status, "status_label": state_label(c.status, lang),
        "channel": c.channel, "level": c.level, "category": c.category, "validity": c.validity,
        "customer_name": c.customer_name,
        "customer_phone": c.customer_phone if sees_personal_data else mask_phone(c.customer_phone),
        "customer_words": c.customer_words,
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
    reason = serializers.CharField()

    def get_label(self, e: Any) -> str:
        return event_label(e.kind, self.context.get("lang", "zh-hans"))


class ComplaintDetailSerializer(ComplaintSerializer):
    clocks = ClockSerializer(many=True, read_only=True)
    timeline = serializers.SerializerMethodField()

    class Meta(ComplaintSerializer.Meta):
        fields = [*ComplaintSerializer.Meta.fields, "clocks", "timeline"]

    def get_timeline(self, c: Complaint) -> list[dict[str, Any]]:
        events = c.events.select_related("actor").order_by("seq")
        return EventSerializer(events, many=True, context=self.context).data  # type: ignore[return-value]


class CreateSerializer(serializers.Serializer):
    channel = serializers.CharField(max_length=20)
    customer_words = serializers.CharField(max_length=4000)
    customer_name = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    customer_phone = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    customer_email = serializers.CharField(max_length=254, required=False, allow_blank=True, default="")
    order_number = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    level = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    category = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    complained_department = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")


class ActionSerializer(serializers.Serializer):
    expected_version = serializers.IntegerField(min_value=1, help_text="the complaint's version you read")
    fields = serializers.DictField(required=False, default=dict,
                                   help_text="the step's fields, see GET …/actions/")


class ActionListSerializer(serializers.Serializer):
    action = serializers.CharField()
    label = serializers.CharField()
    fields = serializers.DictField(child=serializers.CharField())
    required = serializers.ListField(child=serializers.CharField())


def now_iso() -> str:
    return timezone.now().isoformat()
