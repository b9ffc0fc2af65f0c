"""Personal fields encrypted at rest, and their keyed blind index (issue 14, docs/privacy.md).

* ``EncryptedCharField``: the value is stored as ``k1.<key id>.<base64 of nonce, ciphertext, tag>``,
  AES-256-GCM (``cryptography``'s AESGCM) with the column's name as associated data (a token copied
  into another column does not decrypt), under the keys of ``KESU_FIELD_KEYS`` (newest first; the
  word ``default`` stands for the key derived from the secret key file). It is encrypted in
  ``get_db_prep_save`` — the one step both ``Model.save`` and ``kesu.db.sql.Insert`` take — and
  decrypted when read. An empty value stays empty. No lookup but ``= ''`` and ``IS NULL`` is
  allowed: a filter on a clear value could only ever compare ciphertext, so it is refused loudly.
* ``BlindIndexField``: HMAC-SHA256 of the normalised source value under ``KESU_BLIND_INDEX_KEY`` (the
  search index's key, ``index_key``), computed in ``pre_save`` from its source attribute, so every
  write path fills it. Lookups go through ``blind(kind, value)``.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import os
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import FieldError
from django.db import models
from django.db.models.lookups import Exact, IsNull
from django.db.models.query_utils import DeferredAttribute

from kesu.core.audit import mac

TOKEN_PREFIX = "k1."  # then the key id, a dot, and base64 of nonce + ciphertext + tag


def index_key() -> bytes:
    """The key of the blind index and the search index's blind tokens: KESU_BLIND_INDEX_KEY, else
    derived from the secret key (then a new secret key needs ``rebuild_search_index`` and
    ``rotate_field_keys --reindex``)."""
    return _index_key(str(getattr(settings, "KESU_BLIND_INDEX_KEY", "") or ""), str(settings.SECRET_KEY))


@functools.lru_cache(maxsize=4)
def _index_key(explicit: str, secret: str) -> bytes:
    if explicit:
        return explicit.encode()
    return hmac.new(secret.encode(), b"kesu search index", hashlib.sha256).digest()


def default_field_key(secret: str | None = None) -> str:
    """The field key derived from the secret key (what ``default`` in KESU_FIELD_KEYS stands for)."""
    raw = hmac.new(str(secret or settings.SECRET_KEY).encode(), b"kesu field encryption", hashlib.sha256).digest()
    return base64.urlsafe_b64encode(raw).decode()


def generate_key() -> str:
    return base64.urlsafe_b64encode(AESGCM.generate_key(bit_length=256)).decode()


class Keys:
    """The configured keys by their id (the first 8 hex digits of their SHA-256), the newest first."""

    def __init__(self, keys: tuple[str, ...], secret: str) -> None:
        self.by_id: dict[str, AESGCM] = {}
        self.newest = ""
        for k in keys:
            raw = base64.urlsafe_b64decode(default_field_key(secret) if k == "default" else k)
            if len(raw) != 32:
                raise ValueError("every key of KESU_FIELD_KEYS must be 32 bytes in URL-safe base64")
            kid = hashlib.sha256(raw).hexdigest()[:8]
            self.by_id.setdefault(kid, AESGCM(raw))
            self.newest = self.newest or kid

    def encrypt(self, value: str, column: str) -> str:
        nonce = os.urandom(12)
        body = self.by_id[self.newest].encrypt(nonce, value.encode(), column.encode())
        return f"{TOKEN_PREFIX}{self.newest}.{base64.urlsafe_b64encode(nonce + body).decode()}"

    def decrypt(self, token: str, column: str) -> str:
        kid, _, body = token[len(TOKEN_PREFIX):].partition(".")
        aead = self.by_id.get(kid)
        if not token.startswith(TOKEN_PREFIX) or aead is None:
            raise ValueError("a personal field cannot be decrypted: its key is not in KESU_FIELD_KEYS")
        raw = base64.urlsafe_b64decode(body)
        try:
            return aead.decrypt(raw[:12], raw[12:], column.encode()).decode()
        except InvalidTag:
            raise ValueError(f"a personal field ({column}) does not match its key: altered or moved") from None

    def is_current(self, token: str) -> bool:
        return token.startswith(f"{TOKEN_PREFIX}{self.newest}.")


def keys() -> Keys:
    return _keys(tuple(getattr(settings, "KESU_FIELD_KEYS", None) or ["default"]), str(settings.SECRET_KEY))


@functools.lru_cache(maxsize=4)
def _keys(configured: tuple[str, ...], secret: str) -> Keys:
    return Keys(configured, secret)


def encrypt(value: str, column: str) -> str:
    return keys().encrypt(value, column) if value else value


def decrypt(value: str, column: str) -> str:
    return keys().decrypt(value, column) if value else value


def is_encrypted(value: str | None) -> bool:
    return bool(value) and str(value).startswith(TOKEN_PREFIX)


# --- the blind index --------------------------------------------------------------------------------

def normalised(kind: str, value: str) -> str:
    value = (value or "").strip()
    if kind == "phone":
        return value.replace(" ", "").replace("-", "")
    if kind == "email":
        return value.lower()
    return value


def blind(kind: str, value: str) -> str:
    """The blind index of ``value`` (32 hex digits, 128 bits), "" for an empty value."""
    value = normalised(kind, value)
    if not value:
        return ""
    return mac(index_key(), f"{kind}\x00{value}")[:32]  # the key's pads hashed once (kesu.core.audit.mac)


class Sealed:
    """A personal field as read from the database, not yet decrypted: a page of 50 complaints that
    shows one name decrypts 50 values, not 300 (``EncryptedAttribute`` opens it when it is read).
    Never seen outside a model instance: ``values()`` / ``values_list()`` of complaints give the
    clear text (``unsealed``)."""

    __slots__ = ("column", "token")

    def __init__(self, token: str, column: str) -> None:
        self.token, self.column = token, column

    def open(self) -> str:
        return decrypt(self.token, self.column)

    def __repr__(self) -> str:
        return "<Sealed>"


class EncryptedAttribute(DeferredAttribute):
    """The field's attribute on a model instance: a value loaded sealed is decrypted when first
    read, then kept in clear; a deferred field is loaded first (Django's own DeferredAttribute)."""

    def __get__(self, instance: Any, cls: Any = None) -> Any:
        if instance is None:
            return self
        data = instance.__dict__
        name = self.field.attname
        if name not in data:
            super().__get__(instance, cls)  # a deferred field: loaded (sealed) by refresh_from_db
        value = data[name]
        if type(value) is Sealed:
            value = data[name] = value.open()
        return value

    def __set__(self, instance: Any, value: Any) -> None:
        instance.__dict__[self.field.attname] = value


def unsealed(value: Any) -> Any:
    return value.open() if type(value) is Sealed else value


class UnsealingQuerySet(models.QuerySet):  # type: ignore[type-arg]
    """The manager of a model with encrypted fields: ``values()`` and ``values_list()`` give the
    clear text, as they did when every value was decrypted on reading."""

    def values(self, *fields: Any, **expressions: Any) -> Any:
        clone = super().values(*fields, **expressions)
        clone._iterable_class = _unsealing(clone._iterable_class)
        return clone

    def values_list(self, *fields: Any, flat: bool = False, named: bool = False) -> Any:
        clone = super().values_list(*fields, flat=flat, named=named)
        clone._iterable_class = _unsealing(clone._iterable_class)
        return clone


@functools.cache
def _unsealing(iterable: type) -> type:
    if getattr(iterable, "unseals", False):
        return iterable

    def __iter__(self: Any) -> Any:
        for row in iterable.__iter__(self):
            if type(row) is dict:
                yield {k: unsealed(v) for k, v in row.items()}
            elif isinstance(row, tuple):
                values = [unsealed(v) for v in row]
                yield type(row)._make(values) if hasattr(row, "_make") else tuple(values)
            else:
                yield unsealed(row)

    return type(f"Unsealing{iterable.__name__}", (iterable,), {"__iter__": __iter__, "unseals": True})


class EncryptedCharField(models.CharField):  # type: ignore[type-arg]
    description = "text encrypted at rest (AES-256-GCM)"
    descriptor_class = EncryptedAttribute

    def get_internal_type(self) -> str:
        return "TextField"  # a token is longer than the value: stored as text, max_length still checked

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        # decrypted lazily, when the attribute is read (EncryptedAttribute; values() through unsealed)
        return Sealed(value, self.column) if isinstance(value, str) and value else value

    def get_db_prep_save(self, value: Any, connection: Any) -> Any:
        value = super().get_db_prep_save(value, connection)
        return encrypt(value, self.column) if isinstance(value, str) else value

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name == "exact":
            return EmptyOnly
        if lookup_name == "isnull":
            return IsNull
        return None

    def get_transform(self, name: str) -> Any:
        return None


class EmptyOnly(Exact):
    """``= ''`` on an encrypted field (an empty value is stored empty); any other value is refused."""

    def get_prep_lookup(self) -> Any:
        if self.rhs != "":
            raise FieldError(f"{self.lhs.target.name} is encrypted: look it up by its blind index")
        return super().get_prep_lookup()


class BlindIndexField(models.CharField):  # type: ignore[type-arg]
    """Declared ``null=True``, it is NULL where the source is empty, so an index over it can leave
    those rows out (``WHERE … IS NOT NULL``: a phone complaint without an e-mail address writes
    nothing to the e-mail's index; a lookup ``= %s`` is answered from such an index on SQLite and
    PostgreSQL alike)."""

    def __init__(self, *args: Any, source: str, kind: str, **kwargs: Any) -> None:
        self.source, self.kind = source, kind
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs.update(source=self.source, kind=self.kind)
        for k, v in (("max_length", 32), ("blank", True), ("editable", False)):
            if kwargs.get(k) == v:
                kwargs.pop(k)
        return name, path, args, kwargs

    def pre_save(self, model_instance: models.Model, add: bool) -> str | None:
        value = blind(self.kind, getattr(model_instance, self.source) or "") or (None if self.null else "")
        setattr(model_instance, self.attname, value)
        return value
