"""A real PNG for tests that store or show a photo (the customer's picture of the scratch)."""

from __future__ import annotations

import struct
import zlib


def png(width: int = 48, height: int = 32, rgb: tuple[int, int, int] = (200, 60, 40)) -> bytes:
    """A PNG of ``width`` × ``height``, shading from ``rgb`` at the top to white at the bottom."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    def row(y: int) -> bytes:
        shade = tuple(c + (255 - c) * y // max(height - 1, 1) for c in rgb)
        return b"\x00" + bytes(shade) * width

    rows = b"".join(row(y) for y in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
