"""Complaint numbers from the policy pattern (SPEC F2). Default AABBCCDDD: 250912099 is the 99th
complaint of 2025, registered on 12 September. The sequence widens past its digits rather than
wrap, so numbers stay unique beyond 999 a year."""

from __future__ import annotations

import re
from datetime import date

from kesu.core.policy.model import Numbering

_TOKEN = re.compile(r"\{(yyyy|yy|mm|dd|seq(?::([1-9]))?)\}")


def counter_scope(numbering: Numbering, day: date) -> str:
    """The counter a number draws from: one per year, month or day, or a single one."""
    return {
        "year": f"{day:%Y}",
        "month": f"{day:%Y-%m}",
        "day": f"{day:%Y-%m-%d}",
        "never": "all",
    }[numbering.reset]


def format_number(numbering: Numbering, day: date, seq: int) -> str:
    def repl(m: re.Match[str]) -> str:
        token = m.group(1)
        if token.startswith("seq"):
            return str(seq).zfill(int(m.group(2) or 1))
        return {"yyyy": f"{day:%Y}", "yy": f"{day:%y}", "mm": f"{day:%m}", "dd": f"{day:%d}"}[token]

    return _TOKEN.sub(repl, numbering.pattern)
