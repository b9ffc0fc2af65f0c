"""The admin is for system administrators only (SPEC F12): one gate for every admin page, and the
reveal and lookup logs offered read-only to them."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from kesu.access.models import PhoneLookup, Reveal
from kesu.core.roles import Role
from kesu.org.services import roles_of


def sysadmin_only(request: HttpRequest) -> bool:
    """AdminSite.has_permission: an active superuser or holder of the system administrator role."""
    user: Any = request.user
    if not (user.is_active and user.is_staff):
        return False
    return bool(user.is_superuser or Role.SYSADMIN in roles_of(user))


class ReadOnly(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Reveal)
class RevealAdmin(ReadOnly):
    list_display = ("at", "staff", "complaint", "field", "reason", "note")
    list_filter = ("reason", "field")


@admin.register(PhoneLookup)
class PhoneLookupAdmin(ReadOnly):
    list_display = ("at", "staff", "found", "refused")
    list_filter = ("refused",)


# Columns that hold a customer's personal data, whatever model they sit on. No admin list may be
# filtered (?customer_phone__startswith=…), searched or sorted by them: each answer would leak a
# little of a value the page masks.
PERSONAL_COLUMNS = frozenset({
    "customer_name", "customer_phone", "customer_email", "customer_region", "customer_ref", "occurred_place",
    "customer_words", "phone_index", "email_index", "ref_index", "from_address", "from_name", "raw", "body",
    "subject", "payload", "contact", "phone", "to_address",
})


def _probes_personal(lookup: str) -> bool:
    return any(part in PERSONAL_COLUMNS for part in lookup.split("__"))


def _sorts_personal(model_admin: Any, request: Any) -> bool:
    """Whether ?o= (indexes into list_display) sorts by a personal column, directly or through a
    column's admin_order_field. Django's sortable_by only hides the header; the URL still sorts."""
    columns = list(model_admin.get_list_display(request))
    if model_admin.get_actions(request):  # the ChangeList counts the checkbox column too
        columns = ["action_checkbox", *columns]
    for part in str(request.GET.get("o", "")).split("."):
        index = part.lstrip("-")
        if not index.isdigit() or int(index) >= len(columns):
            continue
        name = columns[int(index)]
        attr = name if callable(name) else getattr(model_admin, str(name), None)
        order = str(getattr(attr, "admin_order_field", "") or "")
        if (isinstance(name, str) and _probes_personal(name)) or _probes_personal(order.lstrip("-")):
            return True
    return False


def guard_site(site: admin.AdminSite) -> None:
    """Refuse, on every registered ModelAdmin, URL lookups and sorts through a personal column."""
    for model_admin in site._registry.values():
        cls = type(model_admin)
        if getattr(cls, "_kesu_guarded", False):
            continue
        allowed = cls.lookup_allowed

        def lookup_allowed(self: Any, lookup: str, value: str, request: Any = None, *,
                           _allowed: Any = allowed) -> bool:
            return not _probes_personal(lookup) and bool(_allowed(self, lookup, value, request))

        def get_sortable_by(self: Any, request: Any, *, _cls: Any = cls) -> Any:
            sortable = super(_cls, self).get_sortable_by(request)  # type: ignore[misc]
            return [name for name in sortable if name not in PERSONAL_COLUMNS]

        changelist_view = cls.changelist_view

        def guarded_changelist(self: Any, request: Any, extra_context: Any = None, *,
                               _view: Any = changelist_view) -> Any:
            if "o" in request.GET and _sorts_personal(self, request):
                request.GET = request.GET.copy()  # the sort is dropped, never applied
                del request.GET["o"]
            return _view(self, request, extra_context)

        cls.changelist_view = guarded_changelist  # type: ignore[method-assign]
        cls.lookup_allowed = lookup_allowed  # type: ignore[method-assign]
        if "get_sortable_by" not in cls.__dict__:
            cls.get_sortable_by = get_sortable_by  # type: ignore[method-assign]
        cls.search_fields = tuple(f for f in cls.search_fields if not _probes_personal(f.lstrip("^=@")))
        cls._kesu_guarded = True  # type: ignore[attr-defined]
