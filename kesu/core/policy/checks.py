"""Cross-reference checks of a structurally valid policy: every name it uses must exist.

Each check yields KesuErrors with the field path, so an administrator sees every problem of a
file at once rather than one per upload.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator

from kesu.core.catalogues import CHANNELS, COMPENSATION_KINDS, DEMANDS, VALIDITY_KINDS
from kesu.core.errors import KesuError
from kesu.core.lifecycle import CLOCK_POSITIONS, EVENTS, OWNER, RECEIVER
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
        *_vocabulary(p),
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
        *_chains(p),
        *_required_steps(p),
        *_capa(p),
        *_schedules(p),
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
    known = p.channel_catalogue()
    for i, ch in enumerate(p.channels, 1):
        if ch not in known:
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
            if key not in p.channel_catalogue():
                yield KesuError("unknown_channel", field=f"{at}.channel_targets.{key}", value=key)
            if c.time == "working" and target.minutes:
                yield KesuError("working_unit_minutes", field=f"{at}.channel_targets.{key}")
        if c.warn_before is not None and c.time == "working" and c.warn_before.minutes:
            yield KesuError("working_unit_minutes", field=f"{at}.warn_before")
        categories = p.category_codes()
        for j, cat in enumerate(c.categories, 1):
            if cat not in categories:
                yield KesuError("unknown_category", field=f"{at}.categories[{j}]", value=cat)
        for key, target in c.category_targets.items():
            if key not in categories:
                yield KesuError("unknown_category", field=f"{at}.category_targets.{key}", value=key)
            if c.time == "working" and target.minutes:
                yield KesuError("working_unit_minutes", field=f"{at}.category_targets.{key}")
        if c.not_before is not None:
            if c.time == "working" and c.not_before.minutes:
                yield KesuError("working_unit_minutes", field=f"{at}.not_before")
            shortest = min([*c.targets.values(), *c.category_targets.values(), *c.channel_targets.values()],
                           default=None)
            if (shortest is not None and c.time == "calendar"
                    and c.not_before.as_calendar_timedelta() >= shortest.as_calendar_timedelta()):
                yield KesuError("clock_not_before_target", field=f"{at}.not_before", value=str(c.not_before),
                                target=str(shortest))


def _validity(p: Policy) -> Iterator[KesuError]:
    yield from _duplicates("validity", (v.code for v in p.validity))
    if "valid" not in {v.code for v in p.validity}:
        yield KesuError("validity_needs_valid", field="validity")
    for i, v in enumerate(p.validity, 1):
        if v.code not in VALIDITY_KINDS and v.counts_as is None:
            yield KesuError("counts_as_required", field=f"validity[{i}].counts_as", value=v.code,
                            allowed=", ".join(VALIDITY_KINDS))
        if v.code == "valid" and v.counts_as not in (None, "valid"):
            yield KesuError("not_one_of", field=f"validity[{i}].counts_as", value=v.counts_as, allowed="valid")


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
            if ch not in p.channel_catalogue():
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
    kinds = p.compensation_catalogue()
    for j, kind in enumerate(a.compensation_kinds, 1):
        if kind not in kinds:
            yield KesuError("not_one_of", field=f"approvals.compensation_kinds[{j}]", value=kind,
                            allowed=", ".join(kinds))


def _roles(p: Policy) -> Iterator[KesuError]:
    roles = p.role_codes()
    contextual = (*roles, OWNER, RECEIVER, *CLOCK_POSITIONS)
    for i, c in enumerate(p.clocks, 1):
        if c.responsible not in contextual:
            yield KesuError("unknown_role", field=f"clocks[{i}].responsible", value=c.responsible,
                            allowed=", ".join(contextual))
    allowed = ", ".join(roles)
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
        if role is not None and role not in roles:
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
    categories = p.category_codes()
    for i, f in enumerate(p.record_fields, 1):
        if f.type == "choice" and not f.choices:
            yield KesuError("record_field_choices", field=f"record_fields[{i}].choices")
        for j, cat in enumerate(f.categories, 1):
            if cat not in categories:
                yield KesuError("unknown_category", field=f"record_fields[{i}].categories[{j}]", value=cat)

        if f.choices_en and len(f.choices_en) != len(f.choices):
            yield KesuError("record_field_choices_en", field=f"record_fields[{i}].choices_en",
                            count=len(f.choices), given=len(f.choices_en))


def _vocabulary(p: Policy) -> Iterator[KesuError]:
    """Issue 18: the policy's own roles, channels, demands and compensation kinds — new codes (a
    built-in one is not redefined), each counting as a built-in one where it says so."""
    builtin_roles = ", ".join(ROLE_CODES)
    yield from _duplicates("roles", (r.code for r in p.roles))
    for i, r in enumerate(p.roles, 1):
        if r.code in ROLE_CODES or r.code in (OWNER, RECEIVER, *CLOCK_POSITIONS):
            yield KesuError("builtin_code", field=f"roles[{i}].code", value=r.code)
        for j, power in enumerate(r.acts_as, 1):
            if power not in ROLE_CODES:
                yield KesuError("unknown_role", field=f"roles[{i}].acts_as[{j}]", value=power, allowed=builtin_roles)
    for section, builtin in (("custom_channels", CHANNELS), ("custom_demands", DEMANDS),
                             ("custom_compensation_kinds", COMPENSATION_KINDS)):
        terms = getattr(p, section)
        yield from _duplicates(section, (t.code for t in terms))
        for i, t in enumerate(terms, 1):
            if t.code in builtin:
                yield KesuError("builtin_code", field=f"{section}[{i}].code", value=t.code)
            if t.counts_as is not None and t.counts_as not in builtin:
                yield KesuError("not_one_of", field=f"{section}[{i}].counts_as", value=t.counts_as,
                                allowed=", ".join(builtin))


def _retention(p: Policy) -> Iterator[KesuError]:
    if p.retention.years < MIN_RETENTION_YEARS:
        yield KesuError("retention_min", field="retention.years", limit=MIN_RETENTION_YEARS)


def _personal_data(p: Policy) -> Iterator[KesuError]:
    """Each kind's lists name roles or a position on the case (owner, manager), once each."""
    allowed = (*p.role_codes(), *POSITIONS)
    for kind in KINDS:
        rule = p.personal_data.rule(kind)
        for which, names in (("full", rule.full), ("masked", rule.masked)):
            yield from _duplicates(f"personal_data.{kind}.{which}", names)
            for i, name in enumerate(names, 1):
                if name not in allowed:
                    yield KesuError("unknown_role", field=f"personal_data.{kind}.{which}[{i}]", value=name,
                                    allowed=", ".join(allowed))


# Events a route may name besides the lifecycle's: the crisis alert and its escalation, the clocks' breach,
# the automatic escalations (past the contact limit, unsatisfied past the limit, a transfer not acknowledged
# or help not given in time), an approval waiting for its approver (at the request, and again at finance
# review), a scheduled report generated (weekly, monthly, yearly: it concerns no complaint).
ESCALATION_EVENTS = ("contact_limit_exceeded", "unsatisfied_limit_exceeded", "transfer_overdue", "assist_overdue")
NOTICE_EVENTS = ("crisis", "crisis_unacknowledged", "clock_breached", *ESCALATION_EVENTS, "approval_waiting",
                 "report_ready")
TARGET_SPECIAL = ("@owner", "@receiver", "@department", "@department_robot", "@customer", "@approver")
# Targets that are positions on one complaint (its people, its department's robot, its customer): a report has none.
COMPLAINT_TARGETS = ("@owner", "@receiver", "@department", "@department_robot", "@customer", "@approver")
NO_COMPLAINT_EVENTS = ("report_ready",)
TARGET_PREFIXES = ("person:", "department:", "robot:")


def _targets(where: str, targets: list[str], *, customer: bool = True,
             roles: tuple[str, ...] = ROLE_CODES) -> Iterator[KesuError]:
    allowed = ", ".join((*roles, *TARGET_SPECIAL, "person:…", "department:…", "robot:…"))
    for i, t in enumerate(targets, 1):
        ok = (t in roles or (t in TARGET_SPECIAL and (customer or t not in ("@customer", "@approver")))
              or any(t.startswith(pre) and len(t) > len(pre) for pre in TARGET_PREFIXES))
        if not ok:
            yield KesuError("unknown_target", field=f"{where}[{i}]", value=t, allowed=allowed)


def _route_fits_event(at: str, event: str, to: list[str], levels: list[str]) -> Iterator[KesuError]:
    """``@approver`` is the approver of an approval waiting; a report concerns no complaint, so its
    route names no level and nobody in a position on a complaint (nor its customer)."""
    for i, t in enumerate(to, 1):
        if (t == "@approver" and event != "approval_waiting") or (event in NO_COMPLAINT_EVENTS
                                                                  and t in COMPLAINT_TARGETS):
            yield KesuError("target_not_for_event", field=f"{at}.to[{i}]", value=t, event=event)
    if event in NO_COMPLAINT_EVENTS and levels:
        yield KesuError("levels_not_for_event", field=f"{at}.levels", event=event)


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
        yield from _targets(f"{at}.to", r.to, roles=p.role_codes())
        yield from _route_fits_event(at, r.event, r.to, r.levels)
    c = p.crisis
    if c is None:
        return
    for j, lv in enumerate(c.levels, 1):
        if lv not in levels:
            yield KesuError("unknown_level", field=f"crisis.levels[{j}]", value=lv)
    if c.raise_to is not None and c.raise_to not in levels:
        yield KesuError("unknown_level", field="crisis.raise_to", value=c.raise_to)
    for name in ("team", "legal", "brand", "escalate_to"):
        yield from _targets(f"crisis.{name}", getattr(c, name), customer=False, roles=p.role_codes())


# ---- issue 18: approval chains and committees, required steps, CAPA, report schedules -----------

APPROVER_PREFIX = "person:"


def _approver_ok(name: str, roles: tuple[str, ...] = ROLE_CODES) -> bool:
    return name in roles or (name.startswith(APPROVER_PREFIX) and len(name) > len(APPROVER_PREFIX))


def _approvers(where: str, names: list[str], roles: tuple[str, ...] = ROLE_CODES) -> Iterator[KesuError]:
    allowed = ", ".join((*roles, "person:…"))
    for i, name in enumerate(names, 1):
        if not _approver_ok(name, roles):
            yield KesuError("unknown_role", field=f"{where}[{i}]", value=name, allowed=allowed)


def _scope(where: str, levels: list[str], categories: list[str], p: Policy) -> Iterator[KesuError]:
    known_levels, known_categories = {lv.code for lv in p.levels}, p.category_codes()
    for j, lv in enumerate(levels, 1):
        if lv not in known_levels:
            yield KesuError("unknown_level", field=f"{where}.levels[{j}]", value=lv)
    for j, cat in enumerate(categories, 1):
        if cat not in known_categories:
            yield KesuError("unknown_category", field=f"{where}.categories[{j}]", value=cat)


def _chains(p: Policy) -> Iterator[KesuError]:
    a = p.approvals
    yield from _duplicates("approvals.committees", (c.code for c in a.committees))
    yield from _duplicates("approvals.chains", (c.code for c in a.chains))
    for i, committee in enumerate(a.committees, 1):
        at = f"approvals.committees[{i}]"
        yield from _approvers(f"{at}.members", committee.members, p.role_codes())
        people = [m for m in committee.members if m.startswith(APPROVER_PREFIX)]
        if len(people) == len(committee.members) and committee.quorum > len(people):
            yield KesuError("too_large", field=f"{at}.quorum", limit=len(people))
    committees = {c.code for c in a.committees}
    for i, chain in enumerate(a.chains, 1):
        at = f"approvals.chains[{i}]"
        yield from _scope(at, chain.levels, chain.categories, p)
        for j, stage in enumerate(chain.stages, 1):
            st = f"{at}.stages[{j}]"
            if (stage.approver is None) == (stage.committee is None):
                yield KesuError("stage_one_decider", field=st)
            if stage.approver is not None and not _approver_ok(stage.approver, p.role_codes()):
                yield KesuError("unknown_role", field=f"{st}.approver", value=stage.approver,
                                allowed=", ".join((*p.role_codes(), "person:…")))
            if stage.committee is not None and stage.committee not in committees:
                yield KesuError("unknown_committee", field=f"{st}.committee", value=stage.committee,
                                allowed=", ".join(sorted(committees)) or "（未定义委员会）")
            yield from _approvers(f"{st}.fallback", stage.fallback, p.role_codes())
            if stage.fallback_after is not None and not stage.fallback:
                yield KesuError("required", field=f"{st}.fallback")


def _required_steps(p: Policy) -> Iterator[KesuError]:
    for name in ("external_notice", "written_reply"):
        rule = getattr(p.handling, name)
        if rule is not None:
            yield from _scope(f"handling.{name}", rule.levels, rule.categories, p)
    yield from _duplicates("handling.external_bodies", p.handling.external_bodies)


def _capa(p: Policy) -> Iterator[KesuError]:
    c = p.capa
    levels = {lv.code for lv in p.levels}
    for j, lv in enumerate(c.required_levels, 1):
        if lv not in levels:
            yield KesuError("unknown_level", field=f"capa.required_levels[{j}]", value=lv)
    yield from _approvers("capa.verifiers", c.verifiers, p.role_codes())
    for where, role in (("capa.escalate_to", c.escalate_to), ("capa.opened_by", c.opened_by)):
        if role is not None and role not in p.role_codes():
            yield KesuError("unknown_role", field=where, value=role, allowed=", ".join(p.role_codes()))
    for where, d in (("capa.due_within", c.due_within), ("capa.warn_before", c.warn_before)):
        if d is not None and c.time == "working" and d.minutes:
            yield KesuError("working_unit_minutes", field=where)


def _schedules(p: Policy) -> Iterator[KesuError]:
    yield from _duplicates("reporting.schedules", (s.report for s in p.reporting.schedules))
    for i, s in enumerate(p.reporting.schedules, 1):
        at = f"reporting.schedules[{i}]"
        yield from _approvers(f"{at}.recipients", s.recipients, p.role_codes())
        if s.by_day is not None and s.by_day < s.day:
            yield KesuError("too_small", field=f"{at}.by_day", limit=s.day)
        if s.report == "weekly" and (s.day > 7 or (s.by_day or 1) > 7):
            yield KesuError("too_large", field=f"{at}.day", limit=7)
