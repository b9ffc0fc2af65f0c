from django.contrib import admin
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _lazy

from kesu.core.personal import mask_email
from kesu.mailin.models import FailedAttempt, InboundMessage, MailAccount


@admin.register(MailAccount)
class MailAccountAdmin(admin.ModelAdmin):
    list_display = ("name", "host", "port", "username", "folder", "is_active", "last_polled_at", "last_error")


@admin.register(InboundMessage)
class InboundMessageAdmin(admin.ModelAdmin):
    list_display = ("received_at", "sender", "outcome", "complaint", "why")
    list_filter = ("outcome", "account")
    search_fields = ("message_key",)  # never the sender or the subject: the customer's (F12)
    # The sender's address, the subject and the raw mail are the customer's personal data:
    # the change page shows the address masked and leaves the rest out.
    # The reason is shown once, in the reader's language (issue 13).
    exclude = ("from_address", "subject", "raw", "reason", "reason_en")
    readonly_fields = ["sender", "why", *(f.name for f in InboundMessage._meta.fields
                                          if f.name not in ("from_address", "subject", "raw", "reason", "reason_en"))]

    @admin.display(description=_lazy("发件人"))
    def sender(self, obj: InboundMessage) -> str:
        return mask_email(obj.from_address)

    @admin.display(description=_lazy("说明"))
    def why(self, obj: InboundMessage) -> str:
        """Why the message was handled so: its English for an English reader (a row written before
        the English was kept shows the Chinese)."""
        english = (get_language() or "").startswith("en")
        return obj.reason_en if english and obj.reason_en else obj.reason

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False


@admin.register(FailedAttempt)
class FailedAttemptAdmin(admin.ModelAdmin):
    list_display = ("last_at", "account", "message_key", "attempts", "last_error")
    readonly_fields = [f.name for f in FailedAttempt._meta.fields]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False
