"""The audit key: KESU_AUDIT_KEY (kept outside the database), else derived from the secret key.
Retired keys stay readable through KESU_AUDIT_OLD_KEYS (comma-separated), so a rotation never
makes old entries unverifiable (docs/privacy.md)."""

from __future__ import annotations

import functools
import hashlib
import hmac

from django.conf import settings

from kesu.core.audit import key_id
from kesu.env import env_str


def _configured(name: str) -> str:
    return str(getattr(settings, name, "") or env_str(name, ""))


@functools.lru_cache(maxsize=8)
def _derive(explicit: str, secret: str) -> bytes:
    if explicit:
        return explicit.encode()
    return hmac.new(secret.encode(), b"kesu audit chain", hashlib.sha256).digest()


def current() -> tuple[str, bytes]:
    """(key id, key) for new entries."""
    key = _derive(_configured("KESU_AUDIT_KEY"), str(settings.SECRET_KEY))
    return _id(key), key


@functools.lru_cache(maxsize=8)
def _id(key: bytes) -> str:
    return key_id(key)


def all_keys() -> dict[str, bytes]:
    """Every key verification may meet, by id: the current one and the retired ones."""
    keys = [current()[1]] + [k.strip().encode() for k in _configured("KESU_AUDIT_OLD_KEYS").split(",") if k.strip()]
    return {_id(k): k for k in keys}
