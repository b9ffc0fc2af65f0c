"""The crisis page (issue 16): why the complaint is a crisis, the team alerted, who has acknowledged,
and the button that acknowledges. Open to the team, to everyone the alert reached, and to the
system administrators; the link is in every crisis message."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from kesu.core.roles import Role
from kesu.notifications import outbox
from kesu.notifications.models import CrisisAlert, Delivery, Notification
from kesu.org.services import roles_of


@login_required
@require_http_methods(["GET", "POST"])
def crisis(request: HttpRequest, number: str) -> HttpResponse:
    alert = (CrisisAlert.objects.select_related("complaint").prefetch_related("team", "acknowledgements__staff")
             .filter(complaint__number=number).first())
    user = request.user
    if alert is None or not _may_see(alert, user):
        raise Http404
    if request.method == "POST":
        outbox.acknowledge(complaint_id=alert.complaint_id, staff=user, now=timezone.now())  # type: ignore[arg-type]
        return redirect("notifications:crisis", number=number)
    acks = {a.staff_id: a for a in alert.acknowledgements.all()}
    channels = (Delivery.objects.filter(complaint_id=alert.complaint_id, kind="crisis")
                .values_list("channel", "state").order_by("channel"))
    return render(request, "notifications/crisis.html", {
        "alert": alert, "number": number, "team": [(p, acks.get(p.pk)) for p in alert.team.all()],
        "others": [a for a in acks.values() if a.staff_id not in {p.pk for p in alert.team.all()}],
        "acknowledged": user.pk in acks,
        "channels": [(Delivery.Channel(ch).label, Delivery.State(st).label) for ch, st in channels], "late": not acks and alert.acknowledge_by < timezone.now(),
    })


def _may_see(alert: CrisisAlert, user: object) -> bool:
    pk = getattr(user, "pk", None)
    return (alert.team.filter(pk=pk).exists()
            or Notification.objects.filter(recipient_id=pk, complaint_id=alert.complaint_id,
                                           kind__startswith="crisis").exists()
            or Role.SYSADMIN in roles_of(user))  # type: ignore[arg-type]
