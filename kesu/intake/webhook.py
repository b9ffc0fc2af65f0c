"""The signed webhook for chat, app and social sources (SPEC F3). Format: docs/webhook.md.

    POST /intake/webhook/<source>/
    X-Kesu-Timestamp: <unix seconds>
    X-Kesu-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>." + body, keyed with the source's secret>
    {"message_id": "…", "text": "…", "customer": {"name": "…", "phone": "…", "email": "…"}, "number": "…"}

A delivery is processed once per (source, message_id): the same message sent again answers with
the complaint it made. ``number`` adds the message to that complaint, when the customer matches.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from kesu.complaints import lifecycle
from kesu.complaints.models import Complaint
from kesu.core import keywords
from kesu.core.errors import KesuError, ValidationFailed
from kesu.core.registration import RegistrationInput
from kesu.intake.models import WebhookDelivery, WebhookSource
from kesu.mailin.services import service_account
from kesu.policies.services import active_version, policy_of

MAX_SKEW_SECONDS = 300  # a signed request older or newer than this is refused (replay)
MAX_BODY = 64 * 1024


def signature(secret: str, timestamp: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def _error(status: int, code: str, field: str | None = None, **params: Any) -> JsonResponse:
    err = KesuError(code, field=field, **params)
    return JsonResponse({"error": {"code": code, "message": err.message(get_language() or "zh-hans"),
                                   "fields": [{"field": field, "code": code}] if field else []}}, status=status,
                        json_dumps_params={"ensure_ascii": False})


@csrf_exempt
@require_POST
def receive(request: HttpRequest, source: str) -> JsonResponse:
    src = WebhookSource.objects.filter(name=source, is_active=True).first()
    if src is None:
        return _error(404, "webhook_unknown_source", value=source)
    body = request.body
    if len(body) > MAX_BODY:
        return _error(413, "too_large", field="body", limit=f"{MAX_BODY // 1024} KB")
    stamp = request.headers.get("X-Kesu-Timestamp", "")
    given = request.headers.get("X-Kesu-Signature", "")
    now = timezone.now()
    if not stamp.isdigit() or abs(now.timestamp() - int(stamp)) > MAX_SKEW_SECONDS:
        return _error(401, "webhook_stale")
    if not hmac.compare_digest(given, signature(src.secret, stamp, body)):
        return _error(401, "webhook_bad_signature")
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return _error(400, "bad_value", field="body", detail=f"不是有效的 UTF-8 JSON：{exc}")
    if not isinstance(payload, dict):
        return _error(400, "bad_value", field="body", detail="应为 JSON 对象")
    problems = _check(payload)
    if problems:
        lang = get_language() or "zh-hans"
        return JsonResponse({"error": {"code": "validation_failed", "message": ValidationFailed(problems).message(lang),
                                       "fields": [{"field": e.field, "code": e.code, "message": e.message(lang)}
                                                  for e in problems]}}, status=422,
                            json_dumps_params={"ensure_ascii": False})
    try:
        status, data = handle(src, payload, now=now)
    except ValidationFailed as exc:
        lang = get_language() or "zh-hans"
        return JsonResponse({"error": {"code": "validation_failed", "message": exc.message(lang),
                                       "fields": [{"field": e.field, "code": e.code, "message": e.message(lang)}
                                                  for e in exc.errors]}}, status=422,
                            json_dumps_params={"ensure_ascii": False})
    except KesuError as exc:
        return _error(422, exc.code, field=exc.field, **exc.params)
    return JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})


def _check(p: dict[str, Any]) -> list[KesuError]:
    out = []
    for name, limit in (("message_id", 200), ("text", 4000)):
        value = p.get(name)
        if not isinstance(value, str) or not value.strip():
            out.append(KesuError("required", field=name))
        elif len(value) > limit:
            out.append(KesuError("too_large", field=name, limit=limit))
    customer = p.get("customer", {})
    if not isinstance(customer, dict):
        out.append(KesuError("bad_type", field="customer", expected="对象", value=type(customer).__name__))
    else:
        for key, value in customer.items():
            if key not in ("name", "phone", "email"):
                out.append(KesuError("unknown_field", field=f"customer.{key}"))
            elif not isinstance(value, str):
                out.append(KesuError("bad_type", field=f"customer.{key}", expected="字符串", value=value))
    for key in p:
        if key not in ("message_id", "text", "customer", "number"):
            out.append(KesuError("unknown_field", field=key))
    return out


def handle(src: WebhookSource, p: dict[str, Any], *, now: datetime) -> tuple[int, dict[str, Any]]:
    earlier = WebhookDelivery.objects.filter(source=src, message_id=p["message_id"]).select_related("complaint").first()
    if earlier is not None:
        return 200, _answer(earlier.complaint, earlier.outcome, replay=True)
    try:
        with transaction.atomic():
            c, outcome = _process(src, p, now=now)
            WebhookDelivery.objects.create(source=src, message_id=p["message_id"], received_at=now, complaint=c,
                                           outcome=outcome)
    except IntegrityError:  # the same message arrived twice at once: the other request made it
        earlier = WebhookDelivery.objects.select_related("complaint").get(source=src, message_id=p["message_id"])
        return 200, _answer(earlier.complaint, earlier.outcome, replay=True)
    return (201 if outcome == "registered" else 200), _answer(c, outcome)


def _answer(c: Complaint | None, outcome: str, replay: bool = False) -> dict[str, Any]:
    return {"number": c.number if c else None, "outcome": outcome, "replay": replay,
            "level": c.level if c else None}


def _process(src: WebhookSource, p: dict[str, Any], *, now: datetime) -> tuple[Complaint, str]:
    customer = p.get("customer") or {}
    actor = service_account("channel-intake", "渠道接入")
    if p.get("number"):
        c = Complaint.objects.filter(number=str(p["number"])).first()
        if c is None:
            raise KesuError("portal_not_found", field="number")
        phone, email = customer.get("phone", ""), customer.get("email", "").lower()
        if not ((phone and phone.replace("-", "").replace(" ", "") == c.customer_phone)
                or (email and email == c.customer_email)):
            raise KesuError("portal_not_found", field="number")
        lifecycle.record_customer_input(c, kind="customer_added_info", actor=actor, now=now,
                                        text=f"客户通过{src.title}补充：{p['text']}")
        return c, "appended"
    policy = policy_of(active_version())
    hit = keywords.match(policy, p["text"])
    data = RegistrationInput(channel=src.channel, customer_words=p["text"], customer_name=customer.get("name", ""),
                             customer_phone=customer.get("phone", ""), customer_email=customer.get("email", ""),
                             level=hit.level or "")
    c = lifecycle.register_complaint(actor=actor, now=now, data=data)
    if hit:
        c = lifecycle.flag_for_review(c, now=now, words=hit.words, level=hit.level)
    return c, "registered"
