"""Evidence attachments: size, count and type limits from the policy (SPEC F2).

The extension must be allowed *and* the first bytes must agree with it for the formats whose
signature is well known, so a renamed executable is not stored as a "photo".
"""

from __future__ import annotations

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
