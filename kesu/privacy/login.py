"""Login protection (issue 14, deliverable 7): failed sign-ins are counted per account and per
address in the shared cache, so every worker process counts against the same budget, and past
the limit a sign-in is refused — the right password included — until the window has passed.

* Counting: Django's ``user_login_failed`` signal (sent by ``authenticate`` for every failure,
  whichever form or backend asked) takes one slot of each limit with the portal's atomic
  one-slot-per-attempt technique (kesu.portal.limits.Limit: ``cache.add`` of a slot key, an INSERT
  refused by the primary key on the database cache, SET NX on Redis), so two workers racing for
  the last slot cannot both win. The address is the portal's ``client_address`` (REMOTE_ADDR, or
  the trusted proxy's header when one is configured; an IPv6 client by its /64).
* Refusing: the authentication backend (``ThrottledBackend``, Django's ModelBackend otherwise)
  refuses before the password is checked when either limit is spent. It is the one place every
  password sign-in passes — the staff login page and the admin login (both Django's
  AuthenticationForm); the API takes tokens, not passwords, and has no token endpoint.
* No account enumeration: the account limit is keyed by the name as typed (case-folded), whether
  or not such an account exists, and the refusal reads the same for both.

Why not django-axes: it would bring its own tables and its own counter (read, add one, write),
which two workers can both pass at the limit; Kesu already has the race-free shared limit the
portal uses, tested with two cache clients.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _

from kesu.portal.limits import Limit, client_address

WINDOW_SECONDS = 15 * 60


def per_account() -> Limit:
    return Limit("login-account", getattr(settings, "KESU_LOGIN_FAILURES_PER_ACCOUNT", 10), WINDOW_SECONDS)


def per_address() -> Limit:
    return Limit("login-address", getattr(settings, "KESU_LOGIN_FAILURES_PER_ADDRESS", 50), WINDOW_SECONDS)


def _account(username: object) -> str:
    return str(username or "").strip().casefold()


def refused(request: HttpRequest | None, username: object) -> bool:
    """Whether a sign-in as ``username`` from ``request``'s address is refused now."""
    if per_account().exhausted(_account(username)):
        return True
    return request is not None and per_address().exhausted(client_address(request))


def count_failure(sender: object, credentials: dict[str, Any], request: HttpRequest | None = None,
                  **kwargs: Any) -> None:
    per_account().spend(_account(credentials.get("username")))
    if request is not None:
        per_address().spend(client_address(request))


class ThrottledBackend(ModelBackend):
    """ModelBackend, refusing while the account's or the address's failures are spent."""

    def authenticate(self, request: HttpRequest | None, username: str | None = None, password: str | None = None,
                     **kwargs: Any) -> Any:
        if username is None:
            username = kwargs.get("username")
        if refused(request, username):
            if request is not None:
                request.kesu_login_refused = True  # type: ignore[attr-defined]
            raise PermissionDenied  # authenticate() stops here and tells user_login_failed
        return super().authenticate(request, username=username, password=password, **kwargs)


def refusal() -> ValidationError:
    minutes = WINDOW_SECONDS // 60
    return ValidationError(_("登录失败次数过多，请 %(minutes)s 分钟后再试。") % {"minutes": minutes},
                           code="login_throttled")


class LoginForm(AuthenticationForm):
    """The staff login page's form: the refusal says so, in Chinese."""

    throttled = False

    def get_invalid_login_error(self) -> ValidationError:
        if getattr(self.request, "kesu_login_refused", False):
            self.throttled = True
            return refusal()
        return super().get_invalid_login_error()


class AdminLoginForm(AdminAuthenticationForm):
    throttled = False

    def get_invalid_login_error(self) -> ValidationError:
        if getattr(self.request, "kesu_login_refused", False):
            self.throttled = True
            return refusal()
        return super().get_invalid_login_error()


def connect() -> None:
    user_login_failed.connect(count_failure, dispatch_uid="kesu.privacy.login")
    admin.site.login_form = AdminLoginForm
