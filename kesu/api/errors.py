"""One error format for the whole API (docs/api.md):

    {"error": {"code": "…", "message": "…", "fields": [{"field": "…", "code": "…", "message": "…"}]}}

Messages follow Accept-Language (Simplified Chinese by default, English available)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, TooManyFieldsSent, TooManyFilesSent
from django.http import Http404
from django.utils.translation import get_language
from rest_framework import exceptions, status
from rest_framework.response import Response

from kesu.core.errors import KesuError, StaleUpdate, TransitionRefused, ValidationFailed
from kesu.core.limits import BODY
from kesu.core.messages import render

FORBIDDEN_CODES = {"role_not_allowed", "self_approval", "not_visible", "not_assisting_department",
                   "capa_not_owner", "capa_own_verification", "capa_not_verifier"}
CONFLICT_CODES = {"transition_not_allowed", "guard_failed", "approval_not_pending", "not_finance_stage",
                  "assist_answered", "no_pending_transfer", "top_level", "already_voted", "capa_not_open",
                  "capa_not_done"}


class BodyRefused(exceptions.APIException):
    """A body Kesu will not read (too large, too deep, not JSON): its status and the problem, named."""

    def __init__(self, status_code: int, error: KesuError, code: str | None = None) -> None:
        super().__init__(error.message())
        self.status_code = status_code
        self.error = error
        self.top = code or error.code  # the body's code: parse_error for every unreadable body (as DRF names it)


def limit_text(limit: int) -> str:
    return f"{limit // 1024} KB" if limit < 1024 * 1024 else f"{limit / 1024 / 1024:g} MB"


def body(code: str, message: str, fields: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "fields": fields or []}}


def _lang() -> str:
    return get_language() or "zh-hans"


def from_kesu(exc: KesuError) -> Response:
    lang = _lang()
    if isinstance(exc, ValidationFailed):
        fields = [{"field": e.field, "code": e.code, "message": e.message(lang)} for e in exc.errors]
        return Response(body("validation_failed", exc.message(lang), fields), status=422)
    fields = [{"field": exc.field, "code": exc.code, "message": exc.message(lang)}] if exc.field else []
    if isinstance(exc, StaleUpdate):
        code = status.HTTP_409_CONFLICT
    elif exc.code in FORBIDDEN_CODES:
        code = status.HTTP_403_FORBIDDEN
    elif isinstance(exc, TransitionRefused) or exc.code in CONFLICT_CODES:
        code = status.HTTP_409_CONFLICT if exc.code != "reason_required" else 422
    else:
        code = 422
    return Response(body(exc.code, exc.message(lang), fields), status=code)


def _flatten(detail: Any, prefix: str = "") -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if isinstance(detail, dict):
        for k, v in detail.items():
            out += _flatten(v, f"{prefix}.{k}" if prefix else str(k))
    elif isinstance(detail, list):
        for item in detail:
            out += _flatten(item, prefix)
    else:
        out.append({"field": prefix or None, "code": getattr(detail, "code", "invalid"), "message": str(detail)})
    return out


def handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    lang = _lang()
    if isinstance(exc, KesuError):
        return from_kesu(exc)
    if isinstance(exc, BodyRefused):
        e = exc.error
        return Response(body(exc.top, e.message(lang), [{"field": e.field, "code": e.code, "label": e.field_name(lang),
                                                        "message": e.message(lang)}]), status=exc.status_code)
    if isinstance(exc, SuspiciousOperation):  # Django's own limits on a body it read (multipart, forms)
        if isinstance(exc, RequestDataTooBig):
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0
            e = KesuError("body_too_large", field="body", label=BODY, limit=limit_text(limit))
            return handler(BodyRefused(413, e), context)
        if isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
            limit = (settings.DATA_UPLOAD_MAX_NUMBER_FIELDS if isinstance(exc, TooManyFieldsSent)
                     else settings.DATA_UPLOAD_MAX_NUMBER_FILES)
            e = KesuError("too_many_parts", field="body", label=BODY, limit=limit)
            return handler(BodyRefused(400, e), context)
        return Response(body("bad_request", render("http_400", lang, {"detail": str(exc)})), status=400)
    if isinstance(exc, Http404 | exceptions.NotFound):
        return Response(body("not_found", render("not_found", lang, {})), status=404)
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        return Response(body("validation_failed", render("validation_failed", lang, {"count": len(fields)}), fields),
                        status=422)
    if isinstance(exc, exceptions.APIException):
        code = exc.get_codes() if isinstance(exc.get_codes(), str) else "error"
        response = Response(body(str(code), render(f"http_{exc.status_code}", lang, {"detail": str(exc.detail)})),
                            status=exc.status_code)
        if isinstance(exc, exceptions.Throttled) and exc.wait:
            response["Retry-After"] = str(int(exc.wait))
        return response
    return None  # a bug: let Django report it
