"""The in-app inbox (消息): each person's notices — clock warnings and breaches, approvals to
decide, the 工作知会单 of the night, reports and the discipline list — newest first, the unread
marked, with a live unread count in the header. Everyone sees only their own."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.http import require_POST

from kesu.notifications.messages import render as render_notice
from kesu.notifications.models import Notification
from kesu.notifications.services import mark_read, unread_for

PAGE = 50


@login_required
def notices(request: HttpRequest) -> HttpResponse:
    mine = Notification.objects.filter(recipient=request.user).select_related("complaint").only(
        "id", "kind", "params", "created_at", "read_at", "complaint__number")
    before = request.GET.get("before", "")
    if before.isdigit():
        mine = mine.filter(pk__lt=int(before))
    page = list(mine.order_by("-id")[:PAGE + 1])
    lang = get_language() or "zh-hans"
    rows = [(n, *render_notice(n.kind, n.params, lang)) for n in page[:PAGE]]
    return render(request, "web/notices.html", {
        "rows": rows, "older": page[PAGE - 1].pk if len(page) > PAGE else None,
        "unread": unread_for(request.user).count(),
    })


@login_required
def badge(request: HttpRequest) -> HttpResponse:
    """The header's unread count (htmx fragment, refreshed every minute)."""
    count = unread_for(request.user).count()
    return HttpResponse(f'<span class="badge red">{count}</span>' if count else "")


@login_required
@require_POST
def read(request: HttpRequest) -> HttpResponse:
    """Mark read: the notices named (``id``, repeatable), or all of one's unread with ``all``."""
    ids = [int(i) for i in request.POST.getlist("id") if i.isdigit()]
    if request.POST.get("all"):
        ids = list(unread_for(request.user).values_list("pk", flat=True))
    mark_read(request.user, ids, timezone.now())  # only the reader's own: the filter is by recipient
    return redirect("web:notices")
