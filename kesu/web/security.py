"""Response headers every dynamic page carries (static files are answered by WhiteNoise before
this middleware and keep their long cache):

* ``Content-Security-Policy``: scripts, styles, images, fonts and requests from Kesu itself only,
  no inline script or style, no plugins, no framing, forms posted only to Kesu. Kesu's own pages
  need no inline code (their few lines live in kesu/web/static/kesu/*.js), so a script injected
  into a page would not run. One exception: the API's Swagger page (drf-spectacular renders its
  set-up inline), which holds no personal data, gets 'unsafe-inline' for its own page alone.
* ``Cache-Control: no-store`` (Django's never-cache set): every page, export, PDF and API answer
  is built per request and most carry personal data (names, phones, the customer's words). The
  simplest rule that cannot miss one: no dynamic response is kept by a browser or a proxy.

HSTS is Django's SecurityMiddleware, set by KESU_HSTS_SECONDS (docs/settings.md)."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers
from django.utils.http import http_date

POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
CSP = "; ".join(f"{k} {v}" for k, v in POLICY.items())
CSP_INLINE = "; ".join(f"{k} {v} 'unsafe-inline'" if k in ("script-src", "style-src") else f"{k} {v}"
                       for k, v in POLICY.items())


def _inline_page(request: HttpRequest) -> bool:
    match = getattr(request, "resolver_match", None)
    view = getattr(getattr(match, "func", None), "view_class", None)
    if view is None:
        return False
    from drf_spectacular.views import SpectacularSwaggerView

    return issubclass(view, SpectacularSwaggerView)


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CSP_INLINE if _inline_page(request) else CSP)
        if "Cache-Control" in response.headers or "Expires" in response.headers:
            add_never_cache_headers(response)  # merged with what the view set
        else:  # the common case, as Django's helper writes it without parsing and patching (1–2 % of an API call)
            response.headers["Expires"] = _now_as_http_date()
            response.headers["Cache-Control"] = NEVER_CACHE
        return response


NEVER_CACHE = "max-age=0, no-cache, no-store, must-revalidate, private"  # add_never_cache_headers' own value
_date: tuple[int, str] = (0, "")


def _now_as_http_date() -> str:
    """``http_date()`` of now, formatted once a second."""
    global _date
    second = int(time.time())
    if _date[0] != second:
        _date = (second, http_date(second))
    return _date[1]
