"""Committee decisions (issue 18: 合伙人会议, 所务会议, 人评会) as plain rules: a committee decides once
``quorum`` members have voted, by the ``majority`` the policy names of the votes cast."""

from __future__ import annotations


def committee_decides(majority: str, quorum: int, yes: int, no: int) -> bool | None:
    """True (carried), False (not carried) or None (too few votes yet). ``simple``: more than half of
    the votes cast; ``two_thirds``: at least two thirds; ``unanimous``: nobody against."""
    if yes + no < quorum:
        return None
    if majority == "unanimous":
        return no == 0
    if majority == "two_thirds":
        return yes * 3 >= (yes + no) * 2
    return yes * 2 > yes + no


def approver_name(name: str, lang: str = "zh-hans") -> str:
    """A policy approver shown to people: a role by its label, ``person:<login>`` by the login."""
    from kesu.core.roles import ROLE_CODES, role_label

    if name.startswith("person:"):
        return name[len("person:"):]
    if name.startswith("committee:"):
        return name[len("committee:"):]
    if name in ROLE_CODES:
        return role_label(name, lang)
    return name
