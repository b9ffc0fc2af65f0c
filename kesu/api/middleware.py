"""The layers a browser needs and an integration with a token does not.

Sessions, CSRF, the signed-in user, messages and htmx serve people in a browser. A request to the
API that carries ``Authorization: Token …`` is decided by the token alone (DRF's TokenAuthentication
answers it or refuses it with 401, never falling back to a session), is exempt from CSRF like every
API view, and never reads a session or a message. So it goes past those five layers: 0.06–0.07 ms
of a registration through the API, 2–3 % of the API's busiest path (bench/README.md, stop 27).
Every other request — pages, the portal, the browsable API signed in — passes through all of them,
in the order ``BROWSER_MIDDLEWARE`` gives, exactly as if they were listed in ``MIDDLEWARE`` in this
one's place.

Django gathers ``process_view`` hooks (CSRF's check) from the middleware it instantiates itself;
this one instantiates its five, so it hands their hooks on from its own ``process_view``. Django's
own checks for those layers (the admin's, CSRF's deploy warning) look in ``MIDDLEWARE`` only and are
silenced in the settings; ``kesu.E003`` below checks them where they are.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.core.handlers.exception import convert_exception_to_response
from django.http import HttpRequest, HttpResponse
from django.utils.module_loading import import_string

API_PREFIX = "/api/"


def token_api_request(request: HttpRequest) -> bool:
    """A request to the API authenticated by a token (the scheme's name in any case, as DRF reads it)."""
    return request.path_info.startswith(API_PREFIX) and request.META.get(
        "HTTP_AUTHORIZATION", "")[:6].lower() == "token "


class BrowserLayers:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.past = get_response
        handler: Callable[[HttpRequest], HttpResponse] = convert_exception_to_response(get_response)
        hooks: list[Callable[..., HttpResponse | None]] = []
        for path in reversed(settings.BROWSER_MIDDLEWARE):  # as Django's BaseHandler.load_middleware
            layer = import_string(path)(handler)
            if hasattr(layer, "process_view"):
                hooks.insert(0, layer.process_view)
            handler = convert_exception_to_response(layer)
        self.browser = handler
        self.view_hooks = hooks

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.past(request) if token_api_request(request) else self.browser(request)

    def process_view(self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
                     ) -> HttpResponse | None:
        if token_api_request(request):
            return None
        for hook in self.view_hooks:
            response = hook(request, view, args, kwargs)
            if response is not None:
                return response
        return None


# What must stay in the browser layers, in this order (sessions before what reads them).
REQUIRED = ("django.contrib.sessions.middleware.SessionMiddleware", "django.middleware.csrf.CsrfViewMiddleware",
            "django.contrib.auth.middleware.AuthenticationMiddleware",
            "django.contrib.messages.middleware.MessageMiddleware")


@register(Tags.security)
def check_browser_layers(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """Sessions, CSRF protection, the signed-in user and messages wrap every browser's request."""
    here = f"{__name__}.BrowserLayers"
    layers = list(getattr(settings, "BROWSER_MIDDLEWARE", []))
    missing = [path for path in REQUIRED if path not in layers]
    if here not in settings.MIDDLEWARE or [p for p in layers if p in REQUIRED] != list(REQUIRED):
        return [Error(f"BROWSER_MIDDLEWARE 须依次包含 {', '.join(REQUIRED)}，且 MIDDLEWARE 须包含 {here}"
                      + (f"；缺少：{', '.join(missing)}" if missing else ""), id="kesu.E003")]
    return []
