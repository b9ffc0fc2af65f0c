"""What every channel adapter receives and how it says a send failed."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Outgoing:
    key: str  # the outbox row's idempotency key; passed to providers that take one
    subject: str
    text: str
    address: str = ""  # e-mail address or mobile number (robots: unused)
    params: dict[str, str] = field(default_factory=dict)  # an SMS template's parameters by name
    sms_template: str = ""  # the approved template's code at the provider
    sms_param_names: tuple[str, ...] = ()  # their order (Tencent fills templates by position)


class SendFailed(Exception):
    def __init__(self, message: str, *, code: str = "", retry_after: float | None = None,
                 block_for: float | None = None, permanent: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.retry_after = retry_after  # seconds the provider asks us to wait
        self.block_for = block_for  # seconds the whole robot is blocked (钉钉: 10 minutes after 20 a minute)
        self.permanent = permanent


TIMEOUT = 10.0


def post_json(url: str, body: bytes, headers: dict[str, str] | None = None, *, method: str = "POST") -> Any:
    """Send a request and read a JSON answer; a transport error or a non-2xx status raises SendFailed
    (to be retried), a 2xx with JSON returns it for the platform to judge."""
    request = urllib.request.Request(url, data=body if method == "POST" else None, method=method,
                                     headers={"Content-Type": "application/json; charset=utf-8", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            raw = response.read()
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        try:
            return {"_http_status": exc.code, **json.loads(raw or b"{}")}
        except ValueError:
            raise SendFailed(f"HTTP {exc.code}", code=str(exc.code)) from None
    except (OSError, urllib.error.URLError) as exc:
        raise SendFailed(f"{type(exc).__name__}: {exc}") from None
    try:
        return json.loads(raw or b"{}")
    except ValueError:
        raise SendFailed("answer is not JSON") from None


def fit_bytes(text: str, limit: int, tail: str = "…") -> str:
    """``text`` cut to at most ``limit`` UTF-8 bytes (whole characters), ending in ``tail`` when cut."""
    data = text.encode()
    if len(data) <= limit:
        return text
    room = limit - len(tail.encode())
    return data[:room].decode("utf-8", errors="ignore") + tail
