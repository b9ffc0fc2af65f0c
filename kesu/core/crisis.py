"""Crisis signals (SPEC F13, issue 16): whether a complaint is a crisis under its policy, and why.

A signal is one of the policy's crisis words in the customer's words (媒体、记者、曝光、律师、起诉、
12315 …), a repeated complaint by the same customer (``repeats`` earlier complaints with the same
phone inside the policy's window, counted by the caller) or a level the policy treats as a crisis
(重大投诉 / 危机事件). Plain Python: the kernel counts the repeats before its transaction and calls
:func:`detect`; the alert quotes ``reasons`` so the people alerted see which words or rule.

A customer already in crisis is one crisis, not a new alert per complaint: a repeat with no other
signal, from a customer whose earlier complaint inside the window raised an alert, is *folded* into
that alert — flagged on its own timeline and listed on the alert, but nobody is alerted again
(a customer who writes ten times in an hour would otherwise page the crisis team ten times).
Crisis words or a crisis level are a new signal and always alert.
"""

from __future__ import annotations

from dataclasses import dataclass

from kesu.core.policy import Policy


@dataclass(frozen=True)
class CrisisHit:
    words: tuple[str, ...] = ()
    repeats: int = 0  # earlier complaints by the same customer inside the window (0: not a repeat signal)
    level_signal: str = ""  # the level that is itself a crisis signal
    level_signal_en: str = ""  # its English name (the policy's name_en), for the English alert
    raise_to: str | None = None  # the level the complaint must be raised to, None when already there
    folded_into: str = ""  # the number of the complaint whose open alert takes this repeat in

    def __bool__(self) -> bool:
        return bool(self.words or self.repeats or self.level_signal)

    def reasons(self, lang: str = "zh-hans") -> list[str]:
        en = lang.startswith("en")
        out = []
        if self.words:
            out.append(("Crisis words: " if en else "危机关键词：") + "、".join(self.words))
        if self.repeats:
            out.append(f"Repeated complaint: {self.repeats + 1} from the same customer" if en
                       else f"重复投诉：同一客户第 {self.repeats + 1} 次投诉")
        if self.level_signal:
            out.append(("Level: " + (self.level_signal_en or self.level_signal)) if en
                       else "级别：" + self.level_signal)
        if self.folded_into:
            out.append(f"added to the open crisis alert of complaint {self.folded_into}, nobody alerted again" if en
                       else f"并入 {self.folded_into} 号投诉的危机预警，不再另行通知")
        return out

    def as_params(self) -> dict[str, object]:
        return {"words": list(self.words), "repeats": self.repeats, "level_signal": self.level_signal}


def detect(policy: Policy, text: str, *, level: str, repeats: int = 0, alerted: str = "") -> CrisisHit:
    """The crisis signals in a complaint about to be registered (or re-levelled). ``repeats``: the
    customer's earlier complaints inside ``policy.crisis.repeat.within``; ``alerted``: the number of
    the one of them whose crisis alert is open (raised inside the same window), if any."""
    rules = policy.crisis
    if rules is None:
        return CrisisHit()
    words = tuple(w for w in dict.fromkeys(rules.keywords) if w and w in (text or ""))
    counted = repeats if rules.repeat is not None and repeats + 1 >= rules.repeat.count else 0
    named = policy.level(level)
    level_signal = (named.name if named else level) if level in rules.levels else ""
    level_en = (named.name_en or named.name if named else level) if level in rules.levels else ""
    folded = alerted if counted and not (words or level_signal) else ""
    raises = bool(words or level_signal or (counted and rules.repeat is not None and rules.repeat.raise_level))
    order = {lv.code: lv.order for lv in policy.levels}
    raise_to = rules.raise_to if raises and rules.raise_to and order.get(level, 0) < order[rules.raise_to] else None
    return CrisisHit(words=words, repeats=counted, level_signal=level_signal, level_signal_en=level_en,
                     raise_to=raise_to, folded_into=folded)


def became_crisis(policy: Policy, before: str, after: str) -> bool:
    """A level change (classification) that makes the complaint a crisis by its level alone."""
    rules = policy.crisis
    return rules is not None and after in rules.levels and before not in rules.levels
