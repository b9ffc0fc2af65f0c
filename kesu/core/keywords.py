"""Keyword monitoring (SPEC F3, F13): which of the policy's warning words a text contains, and the
level they call for. Plain substring matching — Chinese has no spaces to split words on, and the
policy's words are short and specific (曝光, 12315, 律师)."""

from __future__ import annotations

from dataclasses import dataclass

from kesu.core.policy import Policy


@dataclass(frozen=True)
class KeywordHit:
    words: tuple[str, ...]
    level: str | None  # the highest level the matched rules call for, None when they only flag
    alarm: bool = False  # a matched rule names a level: a warning sign, not just words to note

    def __bool__(self) -> bool:
        return bool(self.words)


def match(policy: Policy, text: str, current_level: str = "") -> KeywordHit:
    order = {lv.code: lv.order for lv in policy.levels}
    words: list[str] = []
    level: str | None = None
    alarm = False
    for rule in policy.keywords:
        found = [w for w in rule.words if w in text]
        if not found:
            continue
        words += [w for w in found if w not in words]
        alarm = alarm or bool(rule.level)
        if rule.level and (level is None or order[rule.level] > order[level]):
            level = rule.level
    if level is not None and current_level and order.get(current_level, 0) >= order[level]:
        level = None  # already at least that serious
    return KeywordHit(tuple(words), level, alarm)
