"""The customer side (SPEC F10): no account. The public notice is generated from the policy in
force; a customer registers a complaint, tracks it by number plus phone, adds information,
objects to a result (复审) and rates the handling from a signed link. Every change goes through
kesu.complaints.lifecycle, as the portal's service account (客户自助平台), never as a person."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core import signing
from django.utils.translation import gettext as _

from kesu.complaints import lifecycle
from kesu.complaints.models import Complaint
from kesu.core.catalogues import label
from kesu.core.errors import KesuError
from kesu.core.phone import normalise_phone
from kesu.core.policy import Policy
from kesu.core.policy.model import named
from kesu.core.roles import Role
from kesu.org.models import Staff, StaffRole

PORTAL_USERNAME = "portal"
RATING_SALT = "kesu.portal.rating"
RATING_MAX_AGE = 60 * 60 * 24 * 60  # a rating link works for 60 days
MIN_FILL_SECONDS = 3  # a person needs longer than this to fill the form; a script does not
TEXT_LIMIT = 2000  # characters a customer adds in one go (补充信息, 复审理由, 评价意见)
INFO_LABEL = ("补充信息", "Additional information")
OBJECTION_LABEL = ("复审理由", "Reason for review")
COMMENT_LABEL = ("评价意见", "Comment")
OBJECTION_PREFIX = "客户在线提出异议："  # how the staff see an objection made on the portal


def portal_actor() -> Staff:
    """The service account the portal acts as: it cannot sign in (unusable password)."""
    staff, made = Staff.objects.get_or_create(
        username=PORTAL_USERNAME, defaults={"display_name": "客户自助平台", "password": make_password(None)})
    if made:
        StaffRole.objects.create(staff=staff, role=Role.CS_AGENT)
    return staff


def portal_channel(policy: Policy) -> str | None:
    """The channel a portal complaint is registered under: the policy's own, or none (closed)."""
    return next((c for c in ("portal", "web") if c in policy.channels),
                next((c for c in policy.channels if policy.channel_kind(c) in ("portal", "web")), None))


# --- the notice -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Commitment:
    what: str
    targets: list[tuple[str, str]]  # (level name, "10 分钟" / "3 个工作日")
    working: bool


def commitments(policy: Policy, lang: str = "zh-hans") -> list[Commitment]:
    """What the customer is promised: the clocks the policy marks as promises to customers
    (``customer_facing``), in the customer's words, per level. Internal clocks — a hand-off, the
    follow-up specialist's progress call — are the company's own business and not listed."""
    names = {lv.code: named(lv, lang) for lv in policy.levels}
    out = []
    for clock in policy.clocks:
        if not clock.customer_facing:
            continue
        working = clock.time == "working"
        targets = [(names.get(code, _("其他投诉")) if code != "*" else _("各级投诉"), t.spoken(lang, working))
                   for code, t in clock.targets.items()]
        channels = policy.channel_catalogue()
        targets += [(label(channels, ch, lang), t.spoken(lang, working)) for ch, t in clock.channel_targets.items()]
        what = named(clock, lang, "customer_name") if clock.customer_name else named(clock, lang)
        out.append(Commitment(what, targets, working))
    return out


def channel_names(policy: Policy, lang: str = "zh-hans") -> list[str]:
    return [label(policy.channel_catalogue(), c, lang) for c in policy.channels
            if policy.channel_kind(c) not in ("internal", "import")]


# What the customer was told at each step (F10 tracking): the words of these steps were said to
# the customer — the solution agreed with them, the result told, the answer to a complaint found
# not valid, the review's decision — and the customer's own additions. Every other step's text
# is the staff's working note and stays inside.
TOLD_EVENTS = frozenset({"agree_solution", "inform_customer", "answer_invalid", "uphold_objection",
                         "dismiss_objection", "customer_added_info", "object"})


# --- anti-bot: an image check (django-simple-captcha), each challenge answered once --------------


def challenge_issued(hashkey: str) -> datetime | None:
    """When the challenge was shown (its expiry less its lifetime), or None for an unknown one."""
    from captcha.models import CaptchaStore

    if not re.fullmatch(r"[0-9a-f]{40}", hashkey):
        return None  # not a key this server hands out (nor worth a query: PostgreSQL refuses NUL)
    expires = CaptchaStore.objects.filter(hashkey=hashkey).values_list("expiration", flat=True).first()
    return expires - timedelta(minutes=settings.CAPTCHA_TIMEOUT) if expires else None


def spend_challenge(hashkey: str) -> None:
    """A challenge is answered once: it is gone after the first post that names it."""
    from captcha.models import CaptchaStore

    if re.fullmatch(r"[0-9a-f]{40}", hashkey):
        CaptchaStore.objects.filter(hashkey=hashkey).delete()


def check_pace(issued: datetime | None, now: datetime) -> None:
    """A person needs longer than MIN_FILL_SECONDS to fill the form; a script does not."""
    if issued is not None and (now - issued).total_seconds() < MIN_FILL_SECONDS:
        raise KesuError("portal_too_fast", field="captcha")


# --- tracking, information, objection, rating ----------------------------------------------------


def find(number: str, phone: str) -> Complaint | None:
    """The complaint only when the number and the customer's phone both match — nothing else is
    revealed (a wrong pair and a missing number look the same)."""
    number = number.strip()
    if not number or len(number) > 40 or not number.isprintable() or "\x00" in phone:
        return None  # no number looks like this: not worth a query (and PostgreSQL refuses NUL)
    try:
        wanted = normalise_phone(phone[:40])
    except KesuError:
        return None
    from kesu.complaints.fields import blind  # the phone is stored encrypted: matched by its blind index

    return (Complaint.objects.filter(number=number, phone_index=blind("phone", wanted))
            .select_related("policy_version").first())


def _within_limit(text: str, label: tuple[str, str], field: str = "text", *, required: bool = True) -> str:
    """The customer's text as it can be stored (a NUL carries nothing and PostgreSQL refuses it),
    refused by label past TEXT_LIMIT."""
    text = text.replace("\x00", "")
    if required and not text.strip():
        raise KesuError("required", field=field, label=label)
    if len(text) > TEXT_LIMIT:
        raise KesuError("too_long", field=field, label=label, limit=TEXT_LIMIT)
    return text


def add_information(c: Complaint, *, text: str, now: datetime) -> Complaint:
    text = _within_limit(text, INFO_LABEL)
    return lifecycle.record_customer_input(c, kind="customer_added_info", actor=portal_actor(), now=now, text=text)


def object_to_result(c: Complaint, *, reason: str, now: datetime) -> Complaint:
    """F8/F10 复审: the customer asks the level above to review the result."""
    reason = _within_limit(reason, OBJECTION_LABEL)
    return lifecycle.raise_objection(c, actor=portal_actor(), now=now, objection=f"{OBJECTION_PREFIX}{reason}")


def may_object(c: Complaint, now: datetime) -> bool:
    """Whether the rulebook takes the customer's objection now (kesu.core.lifecycle: the states,
    and the policy's window after closing — archived cases included)."""
    from kesu.core.lifecycle import customer_may_object
    from kesu.policies.services import policy_of

    return customer_may_object(lifecycle.facts_of(c, policy_of(c.policy_version), now=now))


def told(kind: str, reason: str) -> str:
    """What the customer was told (or told us) at a step of the timeline; "" for internal steps."""
    if kind not in TOLD_EVENTS:
        return ""
    return reason.removeprefix(OBJECTION_PREFIX)


def rating_token(c: Complaint) -> str:
    return signing.dumps({"c": c.pk}, salt=RATING_SALT)


def complaint_for_rating(token: str) -> Complaint:
    try:
        data = signing.loads(token, salt=RATING_SALT, max_age=RATING_MAX_AGE)
    except signing.SignatureExpired:
        raise KesuError("portal_link_expired") from None
    except signing.BadSignature:
        raise KesuError("portal_link_invalid") from None
    c = Complaint.objects.filter(pk=data.get("c") if isinstance(data, dict) else None).first()
    if c is None:  # signed by us for a complaint that is no more
        raise KesuError("portal_link_invalid")
    return c


def rate(c: Complaint, *, score: int, comment: str, now: datetime) -> Complaint:
    if score not in range(1, 6):
        raise KesuError("not_one_of", field="score", value=score, allowed="1, 2, 3, 4, 5")
    comment = _within_limit(comment, COMMENT_LABEL, "comment", required=False)
    return lifecycle.record_customer_input(c, kind="customer_rating", actor=portal_actor(), now=now,
                                           text=comment or f"{score} 分", changes={"score": [None, score]})
