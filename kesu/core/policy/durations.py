"""Clock targets written the way policies state them: 30m, 24h, 3d (and 1d4h).

The unit is kept, not folded into minutes: on a working-time clock "3d" means three working
days and "4h" four business hours, which are different things on the Chinese calendar.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

_PART = re.compile(r"(\d+)([dhm])")
_WHOLE = re.compile(r"^(?:\d+[dhm])+$")
_ORDER = "dhm"


@dataclass(frozen=True, order=True)
class Duration:
    days: int = 0
    hours: int = 0
    minutes: int = 0

    @classmethod
    def parse(cls, text: object) -> Duration:
        """Parse "30m", "24h", "3d", "1d4h"; raise ValueError on anything else."""
        if isinstance(text, Duration):
            return text
        if not isinstance(text, str) or not _WHOLE.match(text.strip()) or text != text.strip():
            raise ValueError(str(text))
        parts: dict[str, int] = {}
        last = -1
        for number, unit in _PART.findall(text):
            pos = _ORDER.index(unit)
            if pos <= last:  # "3h1d" or "3h3h": refuse rather than guess
                raise ValueError(text)
            last = pos
            parts[unit] = int(number)
        return cls(days=parts.get("d", 0), hours=parts.get("h", 0), minutes=parts.get("m", 0))

    @property
    def is_positive(self) -> bool:
        return self.days > 0 or self.hours > 0 or self.minutes > 0

    def as_calendar_timedelta(self) -> timedelta:
        return timedelta(days=self.days, hours=self.hours, minutes=self.minutes)

    def spoken(self, lang: str = "zh-hans", working: bool = False) -> str:
        """As a person reads it: 「20分钟」「1天4小时」「3个工作日」, "20 minutes", "3 working days"."""
        en = lang.startswith("en")
        parts = []
        for value, unit in ((self.days, "d"), (self.hours, "h"), (self.minutes, "m")):
            if not value:
                continue
            if en:
                word = {"d": "day", "h": "hour", "m": "minute"}[unit]
                if working and unit != "m":
                    word = f"working {word}"
                parts.append(f"{value} {word}{'' if value == 1 else 's'}")
            else:
                word = {"d": "天", "h": "小时", "m": "分钟"}[unit]
                if working and unit != "m":
                    word = {"d": "个工作日", "h": "个工作小时"}[unit]
                parts.append(f"{value}{word}")
        if not parts:
            return "0 minutes" if en else "0分钟"
        return " ".join(parts) if en else "".join(parts)

    def __str__(self) -> str:
        out = "".join(f"{v}{u}" for v, u in ((self.days, "d"), (self.hours, "h"), (self.minutes, "m")) if v)
        return out or "0m"
