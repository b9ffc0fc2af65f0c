"""Issue 16 pages: the crisis page — why the complaint is a crisis, the team alerted, who has
acknowledged, and the button that acknowledges (open to the team, to everyone the alert reached and
to the system administrators; linked from every crisis message) — and one's own quiet hours."""

from __future__ import annotations

from datetime import time

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods

from kesu.notifications import crisis as crisis_rules
from kesu.notifications import outbox
from kesu.notifications.models import CrisisAlert, QuietHours


@login_required
@require_http_methods(["GET", "POST"])
def crisis(request: HttpRequest, number: str) -> HttpResponse:
    alert = CrisisAlert.objects.filter(complaint__number=number).first()
    user = request.user
    if alert is None or not crisis_rules.may_see(alert, user):
        raise Http404
    if request.method == "POST":
        outbox.acknowledge(complaint_id=alert.complaint_id, staff=user, now=timezone.now())  # type: ignore[arg-type]
        if request.POST.get("back") == "detail":  # acknowledged on the complaint's page: back there
            return redirect(reverse("web:detail", args=[number]) + "#crisis")
        return redirect("notifications:crisis", number=number)
    view = crisis_rules.crisis_view(alert.complaint_id, reader=user, now=timezone.now(),
                                    lang=get_language() or "zh-hans")
    return render(request, "notifications/crisis.html", {"crisis": view, "number": number})


QUIET_CHANNELS = (("email", _lazy("邮件")), ("sms", _lazy("短信")))


@login_required
@require_http_methods(["GET", "POST"])
def quiet(request: HttpRequest) -> HttpResponse:
    """One's own quiet hours (免打扰), where the policy in force allows them: e-mail and SMS wait
    until the end; the inbox shows everything at once, and a crisis is never held back."""
    from kesu.policies.services import active_version, policy_of

    allowed = policy_of(active_version()).notifications.quiet_hours
    mine = QuietHours.objects.filter(staff=request.user).first()  # type: ignore[misc]
    error = ""
    if request.method == "POST" and allowed:
        if request.POST.get("clear"):
            QuietHours.objects.filter(staff=request.user).delete()  # type: ignore[misc]
            return redirect("notifications:quiet")
        try:
            start = time.fromisoformat(request.POST.get("start", ""))
            end = time.fromisoformat(request.POST.get("end", ""))
        except ValueError:
            error = _("请按 时:分 填写开始与结束时间，例如 22:00 与 07:30")
        else:
            if start == end:
                error = _("开始与结束时间不能相同")
            else:
                channels = [c for c, _label in QUIET_CHANNELS if c in request.POST.getlist("channels")]
                QuietHours.objects.update_or_create(staff=request.user, defaults={  # type: ignore[misc]
                    "start": start, "end": end, "channels": channels})
                return redirect("notifications:quiet")
    return render(request, "notifications/quiet.html", {
        "allowed": allowed, "mine": mine, "error": error, "channels": QUIET_CHANNELS,
        "chosen": (mine.channels if mine else []) or [c for c, _label in QUIET_CHANNELS]})
