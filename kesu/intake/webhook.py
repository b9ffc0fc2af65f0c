"""The signed webhook for chat, app and social sources (SPEC F3). Format: docs/webhook.md.

    POST /intake/webhook/<source>/
    X-Kesu-Timestamp: <unix seconds>
    X-Kesu-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>." + body, keyed with the source's secret>
    {"message_id": "…", "text": "…", "customer": {"name": "…", "phone": "…", "email": "…"},
     "fields": {"order_number": "…", "extra": {"unit_number": "1203"}, …}, "number": "…", "unit": "…"}

A delivery is processed once per (source, message_id): the same message sent again answers with
the complaint it made. ``number`` adds the message to that complaint, when the customer matches.
A new complaint goes through the one door (kesu.complaints.intake): ``fields`` carries any field of
the policy's record template; the delivery's own row is written inside the registration's
transaction, and its unique constraint catches the same message arriving twice at once.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.db import IntegrityError, transaction
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from kesu.complaints import intake, lifecycle
from kesu.complaints.models import Complaint
from kesu.core.errors import KesuError, ValidationFailed
from kesu.core.limits import BODY, load_json
from kesu.core.messages import Said
from kesu.intake.models import WebhookDelivery, WebhookSource
from kesu.mailin.services import service_account

MAX_SKEW_SECONDS = 300  # a signed request older or newer than this is refused (replay)
MAX_BODY = 64 * 1024
OBJECT, TEXT = Said("对象", "an object"), Said("字符串", "a string")  # what a refusal says it expected


def signature(secret: str, timestamp: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


OWN_PLACES = ("channel", "customer_words", "customer_name", "customer_phone", "customer_email")  # not in "fields"


def _json(data: dict[str, Any], status: int) -> JsonResponse:
    return JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})


def _error(status: int, code: str, field: str | None = None, **params: Any) -> JsonResponse:
    return _refused(KesuError(code, field=field, **params), status)


def _refused(exc: KesuError, status: int = 422) -> JsonResponse:
    """The one error body: every problem with its field, the field's label and the message."""
    lang = get_language() or "zh-hans"
    errors = exc.errors if isinstance(exc, ValidationFailed) else [exc] if exc.field else []
    fields = [{"field": e.field, "code": e.code, "label": e.field_name(lang), "message": e.message(lang)}
              for e in errors]
    return _json({"error": {"code": exc.code, "message": exc.message(lang), "fields": fields}}, status)


@csrf_exempt
@require_POST
def receive(request: HttpRequest, source: str) -> JsonResponse:
    src = None if "\x00" in source else WebhookSource.objects.filter(name=source, is_active=True).first()
    if src is None:
        return _error(404, "webhook_unknown_source", value=source)
    too_large = KesuError("body_too_large", field="body", label=BODY, limit=f"{MAX_BODY // 1024} KB")
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if declared.isdigit() and int(declared) > MAX_BODY:  # refused before a byte is read
        return _refused(too_large, 413)
    try:
        body = request.body
    except RequestDataTooBig:
        return _refused(too_large, 413)
    if len(body) > MAX_BODY:
        return _refused(too_large, 413)
    stamp = request.headers.get("X-Kesu-Timestamp", "")
    given = request.headers.get("X-Kesu-Signature", "")
    now = timezone.now()
    if not stamp.isdigit() or abs(now.timestamp() - int(stamp)) > MAX_SKEW_SECONDS:
        return _error(401, "webhook_stale")
    if not hmac.compare_digest(given, signature(src.secret, stamp, body)):
        return _error(401, "webhook_bad_signature")
    try:  # measured for nesting before it is parsed (kesu.core.limits): too deep is a 400, never a crash
        payload = load_json(body.decode("utf-8"))
    except UnicodeDecodeError as exc:
        return _refused(KesuError("bad_json", field="body", label=BODY,
                                  detail=Said(f"不是 UTF-8：{exc}", f"not UTF-8: {exc}")), 400)
    except KesuError as exc:
        return _refused(exc, 400)
    if not isinstance(payload, dict):
        return _refused(KesuError("bad_type", field="body", label=BODY, expected=Said("JSON 对象", "a JSON object"),
                                  value=type(payload).__name__), 400)
    problems = _check(payload)
    if problems:
        return _refused(ValidationFailed(problems))
    try:
        status, data = handle(src, payload, now=now)
    except KesuError as exc:  # the door's own checks, each field named by its label
        return _refused(exc)
    return _json(data, status)


def _check(p: dict[str, Any]) -> list[KesuError]:
    """The webhook's own envelope; what ``fields`` holds is checked by the door, as for every channel."""
    out = []
    for name, limit in (("message_id", 200), ("text", 4000)):
        value = p.get(name)
        if not isinstance(value, str) or not value.strip():
            out.append(KesuError("required", field=name))
        elif len(value) > limit:
            out.append(KesuError("too_large", field=name, limit=limit))
        elif "\x00" in value:  # the delivery's row keeps the message_id; the door checks the text too
            out.append(KesuError("nul_character", field=name))
    customer = p.get("customer", {})
    if not isinstance(customer, dict):
        out.append(KesuError("bad_type", field="customer", expected=OBJECT, value=type(customer).__name__))
    else:
        for key, value in customer.items():
            if key not in ("name", "phone", "email"):
                out.append(KesuError("unknown_field", field=f"customer.{key}"))
            elif not isinstance(value, str):
                out.append(KesuError("bad_type", field=f"customer.{key}", expected=TEXT, value=value))
    fields = p.get("fields", {})
    if not isinstance(fields, dict):
        out.append(KesuError("bad_type", field="fields", expected=OBJECT, value=type(fields).__name__))
    else:
        out += [KesuError("unknown_field", field=f"fields.{key}") for key in fields if key in OWN_PLACES]
    number = p.get("number")
    if number is not None and not isinstance(number, str | int):
        out.append(KesuError("bad_type", field="number", expected=TEXT, value=type(number).__name__))
    elif isinstance(number, str) and "\x00" in number:
        out.append(KesuError("nul_character", field="number"))
    for key in p:
        if key not in ("message_id", "text", "customer", "fields", "number", "unit"):  # unit: F16, a unit's code
            out.append(KesuError("unknown_field", field=key))
    return out


def handle(src: WebhookSource, p: dict[str, Any], *, now: datetime) -> tuple[int, dict[str, Any]]:
    earlier = WebhookDelivery.objects.filter(source=src, message_id=p["message_id"]).select_related("complaint").first()
    if earlier is not None:
        return 200, _answer(earlier.complaint, earlier.outcome, replay=True)
    try:
        if p.get("number"):
            with transaction.atomic():  # an addition to a complaint (not a registration) and its delivery
                c = _append(src, p, now=now)
                WebhookDelivery.objects.create(source=src, message_id=p["message_id"], received_at=now, complaint=c,
                                               outcome="appended")
            return 200, _answer(c, "appended")
        c = _register(src, p, now=now)
    except IntegrityError:  # the same message arrived twice at once: the other request made it
        earlier = WebhookDelivery.objects.select_related("complaint").get(source=src, message_id=p["message_id"])
        return 200, _answer(earlier.complaint, earlier.outcome, replay=True)
    return 201, _answer(c, "registered")


def _answer(c: Complaint | None, outcome: str, replay: bool = False) -> dict[str, Any]:
    return {"number": c.number if c else None, "outcome": outcome, "replay": replay,
            "level": c.level if c else None}


def _actor() -> Any:
    return service_account("channel-intake", "渠道接入")


def _append(src: WebhookSource, p: dict[str, Any], *, now: datetime) -> Complaint:
    customer = p.get("customer") or {}
    c = Complaint.objects.filter(number=str(p["number"])).first()
    if c is None:
        raise KesuError("portal_not_found", field="number")
    phone, email = customer.get("phone", ""), customer.get("email", "").lower()
    if not ((phone and phone.replace("-", "").replace(" ", "") == c.customer_phone)
            or (email and email == c.customer_email)):
        raise KesuError("portal_not_found", field="number")
    return lifecycle.record_customer_input(c, kind="customer_added_info", actor=_actor(), now=now,
                                           text=f"客户通过{src.title}补充：{p['text']}", changes={
                                               "reason_en": [None, f"The customer added via {src.title}: {p['text']}"]})


def received(src: WebhookSource, p: Mapping[str, Any]) -> intake.Received:
    """The delivery as a registration request: the text is the customer's words, ``customer`` their
    contact, ``fields`` any other field of the record template."""
    fields = dict(p.get("fields") or {})
    department = fields.pop("complained_department", None)
    unit = p.get("unit")  # F16: the business unit's code, if the sender names one
    customer = p.get("customer") or {}
    fields.update(customer_words=p["text"], customer_name=customer.get("name", ""),
                  customer_phone=customer.get("phone", ""), customer_email=customer.get("email", ""))
    return intake.Received(src.channel, fields, complained_department=department, unit=unit)


def _register(src: WebhookSource, p: dict[str, Any], *, now: datetime) -> Complaint:
    def record(c: Complaint) -> None:  # in the registration's transaction: the two exist together or not at all
        WebhookDelivery.objects.create(source=src, message_id=p["message_id"], received_at=now, complaint=c,
                                       outcome="registered")

    return intake.register(received(src, p), actor=_actor(), now=now, within=record).complaint
