"""The API's JSON parser: a size limit (Django's DATA_UPLOAD_MAX_MEMORY_SIZE) while reading and a
depth limit (kesu.core.limits) before parsing, each refused in the one error format (docs/api.md)
with 413 or 400 — never a server error, never Django's HTML page."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework import parsers

from kesu.api.errors import BodyRefused, limit_text
from kesu.core.errors import KesuError
from kesu.core.limits import BODY, load_json


def body_limit() -> int | None:
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


class JSONParser(parsers.JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        encoding = parsers.get_encoding(parser_context or {})
        limit = body_limit()
        raw: bytes = stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(raw) > limit:
            raise BodyRefused(413, KesuError("body_too_large", field="body", label=BODY, limit=limit_text(limit)))
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError as exc:
            error = KesuError("bad_json", field="body", label=BODY, detail=str(exc))
            raise BodyRefused(400, error, "parse_error") from None
        try:
            return load_json(text)
        except KesuError as exc:
            raise BodyRefused(400, exc, "parse_error") from None


# The parsers of every API view: this JSON parser, and DRF's own for forms and multipart (Django
# limits their fields, DATA_UPLOAD_MAX_NUMBER_FIELDS and the memory size, and the handler answers
# those refusals in the error format too).
PARSERS = [JSONParser, parsers.FormParser, parsers.MultiPartParser]
