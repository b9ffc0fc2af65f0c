"""The reveal button's answer and the audit's list of reveals and lookups."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.http import require_POST

from kesu.access import services
from kesu.access.models import PhoneLookup, Reveal
from kesu.complaints.selectors import get_visible
from kesu.core.errors import KesuError
from kesu.core.roles import Role
from kesu.org.services import roles_of

REVIEWERS = frozenset({Role.AUDITOR, Role.SYSADMIN})  # who reviews the reveals and lookups


@login_required
@require_POST
def reveal(request: HttpRequest, number: str) -> HttpResponse:
    """One click: the full value of one field, shown once and logged with the reason."""
    now = timezone.now()
    try:
        c = get_visible(request.user, now, number=number)  # type: ignore[arg-type]
    except KesuError:
        raise Http404 from None
    name = request.POST.get("field", "")
    try:
        value = services.reveal(c, name, staff=request.user, reason=request.POST.get("reason", ""),
                                note=request.POST.get("note", ""), now=now)
    except services.NotAllowed:
        raise PermissionDenied from None
    except KesuError as exc:
        context = {"c": c, "field": name, "problem": exc.message(get_language())}
        return render(request, "access/_revealed.html", context, status=422)
    template = "access/_revealed.html" if request.htmx else "access/revealed.html"  # type: ignore[attr-defined]
    return render(request, template, {"c": c, "field": name, "value": value})


@login_required
def reveals(request: HttpRequest) -> HttpResponse:
    """The audit's review: who saw which full value of which complaint, when and why; and the
    registration page's phone lookups (the number only as its blind index)."""
    if not roles_of(request.user) & REVIEWERS:  # type: ignore[arg-type]
        raise PermissionDenied
    return render(request, "access/reveals.html", {
        "reveals": Reveal.objects.select_related("staff", "complaint").order_by("-at", "-pk")[:500],
        "lookups": PhoneLookup.objects.select_related("staff").order_by("-at", "-pk")[:500],
    })
