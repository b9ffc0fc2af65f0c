"""Routing (SPEC F5): the policy's rules map level, category, channel and location to the
responsible department. The first rule whose conditions all hold and whose department can be
resolved wins; the last rule has no conditions, so every complaint finds a home unless a special
target (the store where it happened, the department complained about) is unknown — then the
person routing chooses."""

from __future__ import annotations

from dataclasses import dataclass

from kesu.core.policy.model import Policy, RoutingRule


@dataclass(frozen=True)
class RoutingFacts:
    level: str = ""
    category: str = ""
    channel: str = ""
    location: str | None = None  # department code of the place it happened (a store)
    complained: str | None = None  # department code complained about
    receiver_department: str | None = None  # the first receiver's department (首问负责)


@dataclass(frozen=True)
class Route:
    department: str  # a department code
    unit: str
    rule: int  # 1-based index of the rule that decided


def _matches(rule: RoutingRule, policy: Policy, f: RoutingFacts) -> bool:
    w = rule.when
    if w.levels and f.level not in w.levels:
        return False
    if w.channels and f.channel not in w.channels:
        return False
    if w.locations and f.location not in w.locations:
        return False
    if w.categories:
        lineage = {c.code for c in policy.category_path(f.category)}
        if not lineage & set(w.categories):
            return False
    return True


def _target(rule: RoutingRule, f: RoutingFacts) -> str | None:
    return {"@complained": f.complained, "@location": f.location, "@receiver": f.receiver_department}.get(
        rule.department, rule.department)


def route(policy: Policy, facts: RoutingFacts) -> Route | None:
    for i, rule in enumerate(policy.routing, 1):
        if _matches(rule, policy, facts):
            department = _target(rule, facts)
            if department:
                return Route(department, rule.unit, i)
    return None
