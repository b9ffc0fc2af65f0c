from django.contrib import admin
from django.utils.translation import gettext_lazy as _lazy

from kesu.core.personal import mask_email
from kesu.notifications.models import Notification, OutboundEmail


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
