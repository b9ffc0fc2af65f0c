"""The staff navigation, derived from the rules the pages themselves keep (kesu.core.access and
the administration's gate): nobody is shown a link to a page that would refuse them."""

from __future__ import annotations

from typing import Any

from django import template
from django.contrib import admin
from django.db.models import Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kesu.core.access import MANAGER_PAGES, may_open
from kesu.org.models import Department, DeputyDesignation
from kesu.org.services import roles_of

register = template.Library()


def menu(request: HttpRequest) -> list[tuple[str, str, str]]:
    """(url name, address, label) of each page this person may open, in the header's order."""
    user: Any = request.user
    if not user.is_authenticated:
        return []
    roles = roles_of(user)
    managing: list[bool] = []

    def manages() -> bool:  # asked only when the roles alone do not open a page: one query
        if not managing:
            acting = DeputyDesignation.objects.filter(DeputyDesignation.active_q(timezone.now()), deputy=user)
            managing.append(Department.objects.filter(Q(manager=user) | Q(pk__in=acting.values("department_id")))
                            .exists())
        return managing[0]

    links = [("web:queue", _("工作台")), ("web:register", _("登记投诉")), ("web:approvals", _("待我审批")),
             ("web:notices", _("消息")), ("intelligence:cases", _("案例库"))]
    gated = [("dashboard", "web:dashboard", _("总览")), ("ledger", "web:ledger", _("扣罚台账")),
             ("discipline", "web:discipline", _("处罚名单")), ("reports", "reports:report", _("分析报告")),
             ("policy", "web:policy", _("制度")), ("calendar", "web:calendar", _("日历")),
             ("intelligence", "intelligence:manage", _("智能建议")), ("absences", "web:absences", _("不在岗"))]
    links += [(name, label) for page, name, label in gated
              if may_open(page, roles) or (page in MANAGER_PAGES and manages())]
    if admin.site.has_permission(request):
        links.append(("admin:index", _("管理")))
    return [(name, reverse(name), label) for name, label in links]


@register.simple_tag(takes_context=True)
def navigation(context: template.Context) -> list[tuple[str, str, str]]:
    request = context.get("request")
    return menu(request) if request is not None else []


@register.simple_tag(takes_context=True)
def may_administer(context: template.Context) -> bool:
    """Whether links into the administration may be shown (system administrators only, F12)."""
    request = context.get("request")
    return bool(request is not None and admin.site.has_permission(request))
