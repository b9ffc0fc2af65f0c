"""The error pages (404, 403, 500) in the reader's language, for staff and for customers alike:
a sentence a person understands and the way back, never an internal name (「Resolver404」)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

# Django's own wording when a lookup by id finds nothing: not for the reader.
_INTERNAL = ("No ", "Resolver404")


def _said(exception: Exception | None) -> str:
    """The sentence a view raised the error with (「没有这条投诉，或您无权查看」), when it raised one."""
    message = exception.args[0] if exception is not None and exception.args else None
    if isinstance(message, str) and message and not message.startswith(_INTERNAL):
        return message
    return ""


def _page(request: HttpRequest, template: str, status: int, context: dict[str, object]) -> HttpResponse:
    portal = request.path.startswith("/portal/")
    context = {"base": "portal/base.html" if portal else "web/base.html", "portal": portal, **context}
    return HttpResponse(render_to_string(template, context, request=request), status=status)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(request, "404.html", 404, {"said": _said(exception)})


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(request, "403.html", 403, {"said": _said(exception)})


def server_error(request: HttpRequest) -> HttpResponse:
    """Standalone (no menu, no database): whatever failed may fail again."""
    return HttpResponse(render_to_string("500.html", {"title": _("出错了")}), status=500)
