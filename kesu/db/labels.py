"""A (Chinese, English) pair as a model's choice label, said in the reader's language when shown
(the administration's lists, filters and forms). The value stored is the code; the label a
migration records is the Chinese, as before (the pair compares equal to it)."""

from __future__ import annotations

from django.utils.functional import lazy
from django.utils.translation import get_language


def _in_language(zh: str, en: str) -> str:
    return en if (get_language() or "").startswith("en") and en else zh


said = lazy(_in_language, str)


def choices(pairs: dict[str, tuple[str, str]]) -> list[tuple[str, str]]:
    """A catalogue of code → (zh, en) as a field's choices."""
    return [(code, said(zh, en)) for code, (zh, en) in pairs.items()]
