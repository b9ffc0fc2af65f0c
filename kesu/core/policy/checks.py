"""Cross-reference checks of a structurally valid policy: every name it uses must exist.

Each check yields KesuErrors with the field path, so an administrator sees every problem of a
file at once rather than one per upload.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator

from kesu.core.catalogues import CHANNELS, COMPENSATION_KINDS
from kesu.core.errors import KesuError
from kesu.core.lifecycle import EVENTS, OWNER, RECEIVER
from kesu.core.personal import KINDS, POSITIONS
from kesu.core.policy.model import Category, Policy
from kesu.core.roles import ROLE_CODES

MIN_RETENTION_YEARS = 2  # SPEC F12 / seed 002: records kept at least two years
ROUTING_SPECIAL = ("@complained", "@location", "@receiver")
NUMBER_TOKEN = re.compile(r"\{([^{}]*)\}")
NUMBER_TOKENS = re.compile(r"^(yyyy|yy|mm|dd|seq(:[1-9])?)$")


def check_policy(p: Policy) -> list[KesuError]:
    return [
        *_duplicates("levels", (lv.code for lv in p.levels)),
        *_level_order(p),
        *_channels(p),
        *_categories(p),
        *_clocks(p),
        *_validity(p),
        *_routing(p),
        *_approvals(p),
        *_roles(p),
        *_numbering(p),
        *_record_fields(p),
        *_retention(p),
        *_personal_data(p),
        *_notifications(p),
    ]


def _duplicates(where: str, codes: Iterable[str]) -> Iterator[KesuError]:
    for code, n in Counter(codes).items():
        if n > 1:
            yield KesuError("duplicate_code", field=where, value=code)


def _level_order(p: Policy) -> Iterator[KesuError]:
    orders = sorted(lv.order for lv in p.levels)
    if orders != list(range(1, len(orders) + 1)):
        yield KesuError("level_order", field="levels", value=orders)


def _channels(p: Policy) -> Iterator[KesuError]:
    yield from _duplicates("channels", p.channels)
    for i, ch in enumerate(p.channels, 1):
        if ch not in CHANNELS:
            yield KesuError("unknown_channel", field=f"channels[{i}]", value=ch)


def _categories(p: Policy) -> Iterator[KesuError]:
    def codes(nodes: list[Category]) -> Iterator[str]:
        for n in nodes:
            yield n.code
            yield from codes(n.children)

    yield from _duplicates("categories", codes(p.categories))


def _clocks(p: Policy) -> Iterator[KesuError]:
    levels = {lv.code for lv in p.levels}
    yield from _duplicates("clocks", (c.code for c in p.clocks))
    events = ", ".join(EVENTS)
    for i, c in enumerate(p.clocks, 1):
        at = f"clocks[{i}]"
        if c.start not in EVENTS:
            yield KesuError("unknown_event", field=f"{at}.start", value=c.start, allowed=events)
        for j, stop in enumerate(c.stop, 1):
            if stop not in EVENTS:
                yield KesuError("unknown_event", field=f"{at}.stop[{j}]", value=stop, allowed=events)
            if stop == c.start:
                yield KesuError("clock_same_event", field=f"{at}.stop[{j}]", value=stop)
        if not c.targets:
            yield KesuError("clock_no_target", field=f"{at}.targets")
        for key, target in c.targets.items():
            if key != "*" and key not in levels:
                yield KesuError("unknown_level", field=f"{at}.targets.{key}", value=key)
            if c.time == "working" and target.minutes:
                yield KesuError("working_unit_minutes", field=f"{at}.targets.{key}")
        for key, target in c.channel_targets.items():
            if key not in CHANNELS:
                yield KesuError("unknown_channel", field=f"{at}.channel_targets.{key}", value=key)
            if c.time == "working" and target.minutes:
                yield KesuError("working_unit_minutes", field=f"{at}.channel_targets.{key}")
        if c.warn_before is not None and c.time == "working" and c.warn_before.minutes:
            yield KesuError("working_unit_minutes", field=f"{at}.warn_before")


def _validity(p: Policy) -> Iterator[KesuError]:
    yield from _duplicates("validity", (v.code for v in p.validity))
    if "valid" not in {v.code for v in p.validity}:
        yield KesuError("validity_needs_valid", field="validity")


def _routing(p: Policy) -> Iterator[KesuError]:
    levels = {lv.code for lv in p.levels}
    categories = p.category_codes()
    for i, rule in enumerate(p.routing, 1):
        at = f"routing[{i}].when"
        for j, lv in enumerate(rule.when.levels, 1):
            if lv not in levels:
                yield KesuError("unknown_level", field=f"{at}.levels[{j}]", value=lv)
        for j, cat in enumerate(rule.when.categories, 1):
            if cat not in categories:
                yield KesuError("unknown_category", field=f"{at}.categories[{j}]", value=cat)
        for j, ch in enumerate(rule.when.channels, 1):
            if ch not in CHANNELS:
                yield KesuError("unknown_channel", field=f"{at}.channels[{j}]", value=ch)
        if rule.department.startswith("@") and rule.department not in ROUTING_SPECIAL:
            yield KesuError(
                "not_one_of", field=f"routing[{i}].department", value=rule.department,
                allowed=", ".join(ROUTING_SPECIAL) + "（或部门编码）",
            )
    if not p.routing[-1].when.is_empty:
        yield KesuError("routing_no_default", field=f"routing[{len(p.routing)}].when")


def _approvals(p: Policy) -> Iterator[KesuError]:
    levels = {lv.code for lv in p.levels}
    a = p.approvals
    for j, lv in enumerate(a.solution_levels, 1):
        if lv not in levels:
            yield KesuError("unknown_level", field=f"approvals.solution_levels[{j}]", value=lv)
    for j, rule in enumerate(p.keywords, 1):
        if rule.level is not None and rule.level not in levels:
            yield KesuError("unknown_level", field=f"keywords[{j}].level", value=rule.level)
    for j, lv in enumerate(p.handling.investigation_levels, 1):
        if lv not in levels:
            yield KesuError("unknown_level", field=f"handling.investigation_levels[{j}]", value=lv)
    previous = None
    for i, t in enumerate(a.compensation, 1):
        at = f"approvals.compensation[{i}]"
        if t.up_to is None and i != len(a.compensation):
            yield KesuError("threshold_open_last", field=f"{at}.up_to")
        if t.up_to is not None and previous is not None and t.up_to <= previous:
            yield KesuError("thresholds_ascending", field=f"{at}.up_to", value=t.up_to, previous=previous)
        if t.up_to is not None:
            previous = t.up_to
    for j, kind in enumerate(a.compensation_kinds, 1):
        if kind not in COMPENSATION_KINDS:
            yield KesuError("not_one_of", field=f"approvals.compensation_kinds[{j}]", value=kind,
                            allowed=", ".join(COMPENSATION_KINDS))


def _roles(p: Policy) -> Iterator[KesuError]:
    contextual = (*ROLE_CODES, OWNER, RECEIVER)
    for i, c in enumerate(p.clocks, 1):
        if c.responsible not in contextual:
            yield KesuError("unknown_role", field=f"clocks[{i}].responsible", value=c.responsible,
                            allowed=", ".join(contextual))
    allowed = ", ".join(ROLE_CODES)
    named: list[tuple[str, str | None]] = [
        *((f"clocks[{i}].escalate_to", c.escalate_to) for i, c in enumerate(p.clocks, 1)),
        *((f"approvals.compensation[{i}].approver", t.approver)
          for i, t in enumerate(p.approvals.compensation, 1)),
        ("approvals.solution_approver", p.approvals.solution_approver),
        ("follow_up.escalate_to", p.follow_up.escalate_to),
        ("follow_up.objection_reviewer", p.follow_up.objection_reviewer),
        ("workflow.sign_off", p.workflow.sign_off),
        ("workflow.review", p.workflow.review),
        ("workflow.archive", p.workflow.archive),
        ("workflow.extension_approver", p.workflow.extension_approver),
        ("handling.transfer_escalate_to", p.handling.transfer_escalate_to),
        *((f"reporting.recipients[{i}]", role) for i, role in enumerate(p.reporting.recipients, 1)),
    ]
    for where, role in named:
        if role is not None and role not in ROLE_CODES:
            yield KesuError("unknown_role", field=where, value=role, allowed=allowed)


def _numbering(p: Policy) -> Iterator[KesuError]:
    tokens = NUMBER_TOKEN.findall(p.numbering.pattern)
    for tok in tokens:
        if not NUMBER_TOKENS.match(tok):
            yield KesuError("numbering_token", field="numbering.pattern", value=tok)
    names = {t.split(":")[0] for t in tokens}
    if "seq" not in names:
        yield KesuError("numbering_no_seq", field="numbering.pattern")
    needs = {"year": [{"yy", "yyyy"}], "month": [{"yy", "yyyy"}, {"mm"}],
             "day": [{"yy", "yyyy"}, {"mm"}, {"dd"}], "never": []}[p.numbering.reset]
    missing = [next(iter(sorted(group))) for group in needs if not (group & names)]
    if missing:
        yield KesuError("numbering_period", field="numbering.pattern", reset=p.numbering.reset,
                        needs="、".join("{" + m + "}" for m in missing))


def _record_fields(p: Policy) -> Iterator[KesuError]:
    yield from _duplicates("record_fields", (f.code for f in p.record_fields))
    for i, f in enumerate(p.record_fields, 1):
        if f.type == "choice" and not f.choices:
            yield KesuError("record_field_choices", field=f"record_fields[{i}].choices")
        if f.choices_en and len(f.choices_en) != len(f.choices):
            yield KesuError("record_field_choices_en", field=f"record_fields[{i}].choices_en",
                            count=len(f.choices), given=len(f.choices_en))


def _retention(p: Policy) -> Iterator[KesuError]:
    if p.retention.years < MIN_RETENTION_YEARS:
        yield KesuError("retention_min", field="retention.years", limit=MIN_RETENTION_YEARS)


def _personal_data(p: Policy) -> Iterator[KesuError]:
    """Each kind's lists name roles or a position on the case (owner, manager), once each."""
    allowed = (*ROLE_CODES, *POSITIONS)
    for kind in KINDS:
        rule = p.personal_data.rule(kind)
        for which, names in (("full", rule.full), ("masked", rule.masked)):
            yield from _duplicates(f"personal_data.{kind}.{which}", names)
            for i, name in enumerate(names, 1):
                if name not in allowed:
                    yield KesuError("unknown_role", field=f"personal_data.{kind}.{which}[{i}]", value=name,
                                    allowed=", ".join(allowed))


# Events a route may name besides the lifecycle's: the crisis alert and its escalation, the clocks' breach.
NOTICE_EVENTS = ("crisis", "crisis_unacknowledged", "clock_breached")
TARGET_SPECIAL = ("@owner", "@receiver", "@department", "@customer")
TARGET_PREFIXES = ("person:", "department:", "robot:")


def _targets(where: str, targets: list[str], *, customer: bool = True) -> Iterator[KesuError]:
    allowed = ", ".join((*ROLE_CODES, *TARGET_SPECIAL, "person:…", "department:…", "robot:…"))
    for i, t in enumerate(targets, 1):
        ok = (t in ROLE_CODES or (t in TARGET_SPECIAL and (customer or t != "@customer"))
              or any(t.startswith(pre) and len(t) > len(pre) for pre in TARGET_PREFIXES))
        if not ok:
            yield KesuError("unknown_target", field=f"{where}[{i}]", value=t, allowed=allowed)


def _notifications(p: Policy) -> Iterator[KesuError]:
    """F14 routes and F13 crisis rules name known events, levels and recipients."""
    levels = {lv.code for lv in p.levels}
    events = (*EVENTS, *NOTICE_EVENTS)
    for i, r in enumerate(p.notifications.routes, 1):
        at = f"notifications.routes[{i}]"
        if r.event not in events:
            yield KesuError("unknown_notice_event", field=f"{at}.event", value=r.event, allowed=", ".join(events))
        for j, lv in enumerate(r.levels, 1):
            if lv not in levels:
                yield KesuError("unknown_level", field=f"{at}.levels[{j}]", value=lv)
        yield from _targets(f"{at}.to", r.to)
    c = p.crisis
    if c is None:
        return
    for j, lv in enumerate(c.levels, 1):
        if lv not in levels:
            yield KesuError("unknown_level", field=f"crisis.levels[{j}]", value=lv)
    if c.raise_to is not None and c.raise_to not in levels:
        yield KesuError("unknown_level", field="crisis.raise_to", value=c.raise_to)
    for name in ("team", "legal", "brand", "escalate_to"):
        yield from _targets(f"crisis.{name}", getattr(c, name), customer=False)
