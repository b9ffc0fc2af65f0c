"""Taking personal data out of free text (plain Python, no Django): what retention and an erasure
leave of the customer's words and of the timeline's notes.

What goes: phone numbers (found by ``phonenumbers``' matcher, the library that validates them at
registration, so 138 1234 5678, +86-138-1234-5678 and 010-12345678 are all found), resident ID
numbers (18 digits, or 17 and X; the old 15 digits), e-mail addresses, plate numbers, card-like
runs of 12 or more digits, and every value the complaint itself knows as the customer's (name,
phone, e-mail, member number, order number, plate / VIN / room). Each is replaced by a marker
saying what was there (〔电话〕, 〔证件号〕 …), so the sentence still reads: 「客户〔姓名〕来电称
发动机故障灯又亮了」.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import phonenumbers

REMOVED = "〔已删除〕"  # what a purge leaves of a whole text
HIDDEN = "〔已匿名〕"  # a value taken away entirely

_ID = re.compile(r"(?<![0-9A-Za-z])(?:\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+")
_PLATE = re.compile(r"[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-Z]·?[A-Z0-9]{5,6}")
_DIGITS = re.compile(r"(?<!\d)\d(?:[\s-]?\d){11,}(?!\d)")  # bank cards and other long numbers


def scrub(text: str, known: Iterable[str] = ()) -> str:
    """``text`` without personal data; ``known``: values the case holds as the customer's."""
    if not text:
        return text
    out = text
    for value in sorted({v.strip() for v in known if v and len(v.strip()) >= 2}, key=len, reverse=True):
        out = out.replace(value, "〔客户信息〕")
    out = _EMAIL.sub("〔邮箱〕", out)
    out = _ID.sub("〔证件号〕", out)
    out = _phones(out)
    out = _PLATE.sub("〔车牌〕", out)
    return _DIGITS.sub("〔号码〕", out)


def _phones(text: str) -> str:
    spans = [(m.start, m.end) for m in phonenumbers.PhoneNumberMatcher(text, "CN")]
    for start, end in reversed(spans):
        text = text[:start] + "〔电话〕" + text[end:]
    return text


def scrub_value(value: Any, known: Iterable[str]) -> Any:
    """Every text inside a JSON value (an event's ``changes``, a record's ``extra``) scrubbed."""
    known = tuple(known)
    if isinstance(value, str):
        return scrub(value, known)
    if isinstance(value, list):
        return [scrub_value(v, known) for v in value]
    if isinstance(value, dict):
        return {k: scrub_value(v, known) for k, v in value.items()}
    return value
