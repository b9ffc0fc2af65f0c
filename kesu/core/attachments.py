"""Evidence attachments: size, count and type limits from the policy (SPEC F2).

The extension must be allowed *and* the first bytes must agree with it for the formats whose
signature is well known, so a renamed executable is not stored as a "photo".
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from kesu.core.errors import KesuError
from kesu.core.policy.model import Attachments

_SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "gif": (b"GIF87a", b"GIF89a"),
    "pdf": (b"%PDF-",),
    "docx": (b"PK\x03\x04",),
    "xlsx": (b"PK\x03\x04",),
    "doc": (b"\xd0\xcf\x11\xe0",),
    "xls": (b"\xd0\xcf\x11\xe0",),
    "webp": (b"RIFF",),
    "wav": (b"RIFF",),
    "amr": (b"#!AMR",),
}
_EXECUTABLE = (b"MZ", b"\x7fELF", b"#!/")


@dataclass(frozen=True)
class Upload:
    name: str
    size: int
    head: bytes  # the first bytes of the file (at least 16 when the file has them)


def check_uploads(uploads: list[Upload], limits: Attachments, *, already: int = 0) -> list[KesuError]:
    errors: list[KesuError] = []
    if already + len(uploads) > limits.max_count:
        errors.append(KesuError("too_many_attachments", field="attachments", limit=limits.max_count))
    for i, up in enumerate(uploads, 1):
        field = f"attachments[{i}]"
        ext = up.name.rsplit(".", 1)[-1].lower() if "." in up.name else ""
        if ext not in limits.types:
            errors.append(KesuError("attachment_type", field=field, name=up.name, allowed=", ".join(limits.types)))
            continue
        if up.size > limits.max_size_mb * 1024 * 1024:
            errors.append(KesuError("attachment_too_large", field=field, name=up.name,
                                    size_mb=round(up.size / 1024 / 1024, 1), limit_mb=limits.max_size_mb))
        signatures = _SIGNATURES.get(ext)
        if up.head.startswith(_EXECUTABLE) or (signatures and not up.head.startswith(signatures)):
            errors.append(KesuError("attachment_content_mismatch", field=field, name=up.name))
    return errors


# --- stored file names ------------------------------------------------------------------------------

MAX_NAME_BYTES = 180  # UTF-8 bytes of a stored name: 60 Chinese characters; the path on disk stays < 255
FALLBACK_NAME = "附件"
_UNSAFE_CHARS = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff\ufff9-\ufffb"
                           r"\ud800-\udfff<>:\"|?*]")


def safe_file_name(name: str, *, max_bytes: int = MAX_NAME_BYTES) -> str:
    """The one name under which a received file is stored and shown, whatever the sender called it:
    only the last component of any path (``../``, ``..\\``, ``C:\\``, ``/etc/``), no NUL, control,
    bidirectional-override or zero-width characters and none Windows forbids, no leading dots or
    trailing dots and spaces; Chinese and other letters kept; at most ``max_bytes`` of UTF-8 with the
    extension kept; 「附件」 (with the extension, if any) when nothing is left."""
    text = unicodedata.normalize("NFC", str(name or ""))
    text = _UNSAFE_CHARS.sub("", text.replace("\\", "/"))
    text = text.rsplit("/", 1)[-1]
    text = re.sub(r"\s+", " ", text).strip()
    stem, dot, ext = text.rpartition(".")
    if not dot or not re.fullmatch(r"[\w-]{1,16}", ext):
        stem, ext = text, ""
    stem = stem.strip(" .") or FALLBACK_NAME
    suffix = f".{ext}" if ext else ""
    budget = max(max_bytes - len(suffix.encode()), len(FALLBACK_NAME.encode()))
    stem = _cut(stem, budget).rstrip(" .") or FALLBACK_NAME
    return stem + suffix


def _cut(text: str, budget: int) -> str:
    """``text`` shortened to ``budget`` bytes of UTF-8 without splitting a character."""
    return text.encode("utf-8")[:budget].decode("utf-8", errors="ignore")
