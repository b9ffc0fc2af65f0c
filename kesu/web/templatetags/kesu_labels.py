"""Domain labels in the reader's language (the core keeps zh/en pairs, not gettext): states,
events, roles, channels, validity kinds, the policy's own names (``name_en``) and durations. A
page shows these, never a code (registered, dept_manager, @complained, 20m)."""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings
from django.utils.translation import get_language

from kesu.core.catalogues import CHANNELS, DEMANDS, VALIDITY_KINDS
from kesu.core.errors import KesuError
from kesu.core.lifecycle import ASSISTING, event_label, state_label
from kesu.core.messages import Said
from kesu.core.policy.durations import Duration
from kesu.core.policy.model import Policy, named
from kesu.core.roles import ROLE_CODES, role_label

register = template.Library()

# Who a policy names beside the roles: the person in a position on the complaint.
POSITIONS: dict[str, tuple[str, str]] = {
    "owner": ("当前处理人", "Current handler"),
    "receiver": ("受理人", "Receiver"),
    "manager": ("部门经理或其责任代理人", "Department manager or deputy"),
    "anyone": ("可查看本投诉的人员", "Anyone who may see the complaint"),
}
# Where a routing rule sends a complaint when it names no department code (kesu.core.routing).
DEPARTMENT_REFS: dict[str, tuple[str, str]] = {
    "@complained": ("被投诉部门", "The department complained about"),
    "@location": ("发生地点所在单位", "The unit where it happened"),
    "@receiver": ("首问受理人所在部门", "The first receiver's department"),
}
# Each language named in itself (not 「英语」 in Chinese): the menu reads the same in every language.
LANGUAGE_NAMES = {"zh-hans": "中文", "en": "English"}


def _lang() -> str:
    return get_language() or settings.LANGUAGE_CODE


def _pair(pair: tuple[str, str]) -> str:
    return pair[1] if _lang().startswith("en") else pair[0]


@register.filter
def state_name(value: str) -> str:
    return state_label(value, _lang())


@register.filter(name="said")
def said_filter(value: Any) -> Any:
    """Words the domain gave in both languages (a ``Said``: an import row's problem …) in the reader's."""
    return value.in_language(_lang()) if isinstance(value, Said) else value


@register.filter
def event_name(value: str) -> str:
    return event_label(value, _lang())


def _in_force() -> Policy | None:
    """The policy in force, for the names of its own roles, channels and demands (issue 18); asked
    only for a code that is not Kesu's own."""
    from kesu.policies.services import active_version, policy_of

    try:
        return policy_of(active_version())
    except KesuError:
        return None


def _own(catalogue: str, code: str) -> str:
    policy = _in_force()
    pair = getattr(policy, catalogue)().get(code) if policy is not None else None
    return _pair(pair) if pair else code


@register.filter
def role_name(value: str, policy: Any = None) -> str:
    """A role code — Kesu's or the policy's own (总裁办) — or a position (owner, receiver) as its label.
    ``policy``: the policy the role belongs to (a complaint's or a unit's version, issue 18: two units
    name different roles); else the policy in force, else any unit's version in force that names it."""
    if value in ROLE_CODES:
        return role_label(value, _lang())
    if value in POSITIONS:
        return _pair(POSITIONS[value])
    if value == ASSISTING:
        return _pair(("被请求协办部门的经理", "Manager of the department asked for help"))
    policy = policy if policy is not None and hasattr(policy, "role_label") else _in_force()
    if policy is not None and policy.role(value) is not None:
        return policy.role_label(value, _lang())
    from kesu.org.services import every_policy_role

    own = next((r for r in every_policy_role() if r.code == value), None)
    if own is not None:
        return (own.name_en or own.name) if _lang().startswith("en") else own.name
    return policy.role_label(value, _lang()) if policy is not None else value


@register.filter
def channel_name(value: str) -> str:
    return _pair(CHANNELS[value]) if value in CHANNELS else _own("channel_catalogue", value)


@register.filter
def validity_name(value: Any) -> str:
    """A validity kind of the policy (its ``name_en``, else the catalogue's English) or a code."""
    code = getattr(value, "code", value)
    if hasattr(value, "name") and not (_lang().startswith("en") and not value.name_en):
        return named(value, _lang())
    return _pair(VALIDITY_KINDS[code]) if code in VALIDITY_KINDS else str(code)


@register.filter
def demand_name(value: str) -> str:
    return _pair(DEMANDS[value]) if value in DEMANDS else _own("demand_catalogue", value)


@register.filter
def department_ref(value: str) -> str:
    """A routing target: @complained / @location / @receiver as words; a department code as is."""
    return _pair(DEPARTMENT_REFS[value]) if value in DEPARTMENT_REFS else value


@register.filter(name="named")
def named_filter(thing: Any, field: str = "name") -> str:
    """The policy item's ``name`` — or its ``name_en`` (``label_en`` …) in English."""
    if thing is None or thing == "":
        return ""
    return named(thing, _lang(), field)


@register.filter
def duration(value: Any, working: Any = False) -> str:
    """A policy duration (20m, 1d4h) as words: 20分钟, 1天4小时 / 20 minutes, 1 day 4 hours."""
    if value in (None, ""):
        return ""
    try:
        d = Duration.parse(value if isinstance(value, Duration) else str(value))
    except ValueError:
        return str(value)
    return d.spoken(_lang(), working in (True, "working"))


@register.simple_tag
def language_names() -> list[tuple[str, str]]:
    """The language menu: each language by its own name, untranslated."""
    return [(code, LANGUAGE_NAMES.get(code, name)) for code, name in settings.LANGUAGES]


@register.filter
def clock_name(k: Any, policy: Any = None) -> str:
    """A complaint's clock by the name its policy gives it (``name_en`` in English)."""
    if not _lang().startswith("en"):
        return str(k.name)
    if not policy:
        from kesu.policies.services import policy_of

        policy = policy_of(k.complaint.policy_version)
    clock = next((x for x in policy.clocks if x.code == k.code), None)
    return clock.name_en if clock is not None and clock.name_en else str(k.name)


@register.filter
def threshold_name(approval: Any, policy: Any = None) -> str:
    """An approval's threshold (权限核决表 row) as the policy names it: ``label_en`` in English."""
    label = str(approval.threshold_label or "")
    if not label or not _lang().startswith("en"):
        return label
    if not policy:
        from kesu.policies.services import policy_of

        policy = policy_of(approval.complaint.policy_version)
    row = next((t for t in policy.approvals.compensation if t.label == label), None)
    if row is None and getattr(approval, "chain", ""):  # an approval chain (issue 18): its English name
        chain = next((c for c in policy.approvals.chains if c.code == approval.chain), None)
        return chain.name_en if chain is not None and chain.name_en and chain.name == label else label
    return row.label_en if row is not None and row.label_en else label
