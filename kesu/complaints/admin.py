"""A read-only view of complaints in the admin, filtered by the same visibility rule as
everything else. Changes go through the lifecycle actions, never through admin forms."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _lazy

from kesu.complaints.models import Complaint, ComplaintEvent
from kesu.complaints.selectors import visible_complaints
from kesu.core.lifecycle import event_label
from kesu.core.phone import mask_phone


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class EventInline(admin.TabularInline):
    model = ComplaintEvent
    fields = ("seq", "at", "actor", "what", "from_status", "to_status", "changes", "reason")
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ("seq",)

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.display(description=_lazy("事件"))
    def what(self, obj: ComplaintEvent) -> str:
        return event_label(obj.kind)


@admin.register(Complaint)
class ComplaintAdmin(ReadOnly):
    list_display = ("number", "status", "level", "category", "customer_name", "phone", "department", "owner",
                    "registered_at")
    list_filter = ("status", "level", "channel")
    search_fields = ("number",)  # the search box: the full-text index, see get_search_results
    list_select_related = ("department", "owner")
    inlines = [EventInline]
    exclude = ("customer_phone", "phone_index", "email_index", "ref_index")
    readonly_fields = ("phone",)
    show_full_result_count = False  # a COUNT(*) over a million rows on every page is wasted work

    # Personal fields are encrypted: the list sorts on none of them (an order of ciphertext) and the
    # URL may filter only by list_filter's fields (no ?customer_phone__startswith= probing).
    sortable_by = ("number", "status", "level", "category", "registered_at")

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest | None = None) -> bool:
        return lookup.split("__")[0] in self.list_filter

    def get_queryset(self, request: HttpRequest) -> QuerySet[Complaint]:
        return visible_complaints(request.user, timezone.now())  # type: ignore[arg-type]

    def get_search_results(self, request: HttpRequest, queryset: QuerySet[Complaint],
                           search_term: str) -> tuple[QuerySet[Complaint], bool]:
        """The same search as the staff pages (kesu.complaints.search): Chinese words, phones by
        their last four digits, parts of numbers; text that cannot be searched finds nothing."""
        from kesu.complaints import search

        if not search_term.strip():
            return queryset, False
        query = search.parse(search_term)
        if query.problem or not query:
            return queryset.none(), False
        return queryset.filter(pk__in=search.matching(query)), False

    @admin.display(description=_lazy("客户电话"))
    def phone(self, obj: Complaint) -> str:
        return mask_phone(obj.customer_phone)  # full numbers only where the role needs them (F12)
