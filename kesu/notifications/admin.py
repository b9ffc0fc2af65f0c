from django.contrib import admin
from django.contrib import messages as admin_messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _lazy

from kesu.core.personal import mask_email
from kesu.notifications.models import (
    CrisisAcknowledgement,
    CrisisAlert,
    Delivery,
    Dispatch,
    MessageTemplate,
    Notification,
    OutboundEmail,
    QuietHours,
    Robot,
)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "recipient", "kind", "complaint", "read_at")
    list_filter = ("kind",)
    list_select_related = ("recipient", "complaint")

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
    list_display = ("created_at", "recipient", "state", "attempts", "sent_at", "last_error")
    list_filter = ("state",)
    # A customer may be the recipient and the body may quote them: the address masked, the body left
    # out (F12; the staff pages and the customer's own export show what was sent).
    exclude = ("to_address", "subject", "body")
    readonly_fields = ("recipient",)

    @admin.display(description=_lazy("收件人"))
    def recipient(self, obj: OutboundEmail) -> str:
        return mask_email(obj.to_address)

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


# ---- issue 16: the outbox's status for administrators, robots, templates, quiet hours, crises ----

@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """Every message by SMS, robot or e-mail: its state, attempts, last error, and whether it
    arrived within the policy's time; a failed one can be sent again."""

    list_display = ("created_at", "channel", "kind", "target", "state", "attempts", "due_at", "sent_at", "on_time",
                    "last_error")
    list_filter = ("state", "channel", "kind")
    list_select_related = ("recipient", "robot")
    search_fields = ("kind", "key")
    exclude = ("params",)
    readonly_fields = [f.name for f in Delivery._meta.fields if f.name != "params"]
    actions = ["send_again"]

    @admin.display(description=_lazy("收件方"))
    def target(self, obj: Delivery) -> str:
        if obj.robot_id:
            return str(obj.robot)
        if obj.to_customer:
            return str(_lazy("客户"))
        return str(obj.recipient) if obj.recipient_id else "—"

    @admin.display(description=_lazy("按时"), boolean=True)
    def on_time(self, obj: Delivery) -> bool | None:
        if obj.due_at is None or obj.state not in (Delivery.State.SENT, Delivery.State.FOLDED):
            return None
        sent = obj.sent_at or (obj.folded_into.sent_at if obj.folded_into_id and obj.folded_into else None)
        return sent is not None and sent <= obj.due_at

    @admin.action(description=_lazy("立即重新发送所选消息"))
    def send_again(self, request, queryset):  # type: ignore[no-untyped-def]
        n = queryset.filter(state__in=[Delivery.State.FAILED, Delivery.State.PENDING]).update(
            state=Delivery.State.PENDING, next_attempt_at=timezone.now(), attempts=0)
        Robot.objects.filter(deliveries__in=queryset).update(blocked_until=None)
        self.message_user(request, str(_lazy("%(n)s 条消息将重新发送")) % {"n": n}, admin_messages.SUCCESS)

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False


@admin.register(Dispatch)
class DispatchAdmin(admin.ModelAdmin):
    list_display = ("created_at", "event", "complaint", "expanded_at")
    list_filter = ("event",)
    readonly_fields = ("event", "complaint", "params", "created_at", "expanded_at")

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False


@admin.register(Robot)
class RobotAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "platform", "department", "is_active", "blocked_until", "failures")
    list_filter = ("platform", "is_active")


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    # The language column and filter name each language in itself (中文 / English), on Chinese and
    # English pages alike, as the header's language menu does: the field says whose template it is,
    # and a reader finds their own language by its own name. A choice label translated into the
    # page's language (「英语」, "Chinese") would be the one place where the two menus disagree.
    list_display = ("kind", "lang", "subject", "sms_template")
    list_filter = ("lang",)


@admin.register(QuietHours)
class QuietHoursAdmin(admin.ModelAdmin):
    list_display = ("staff", "start", "end", "channels")


class AcknowledgementInline(admin.TabularInline):
    model = CrisisAcknowledgement
    extra = 0
    readonly_fields = ("staff", "at")


@admin.register(CrisisAlert)
class CrisisAlertAdmin(admin.ModelAdmin):
    list_display = ("complaint", "raised_at", "acknowledge_by", "escalated_at")
    readonly_fields = ("complaint", "raised_at", "reasons", "acknowledge_by", "escalated_at")
    inlines = [AcknowledgementInline]
