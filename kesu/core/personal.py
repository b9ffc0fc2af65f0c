"""Who sees which personal data, and how it looks when masked (SPEC F12, issue 14): the ONE place.

The policy's ``personal_data`` section names, per kind of personal data (phone, e-mail, address,
ID numbers, name), the roles that see the full value and the roles that see it masked; every
other role sees nothing of it. ``owner`` (the case's handler) and ``manager`` (who manages the
case's department, or acts for them as deputy) stand for people in a position on the case.

Pages, the API, printed forms, search hits and exports all ask :func:`access_of` and show
:func:`shown`; the customer's own words pass through :func:`words_for`, which masks the phone
numbers, ID numbers and e-mail addresses typed into them for a reader who may not see those in
full. Plain Python: the callers hand in the facts (kesu.core.lifecycle.ActorFacts).
"""

from __future__ import annotations

import re
from typing import Literal, Protocol

from kesu.core.phone import mask_phone

Kind = Literal["phone", "email", "address", "id_number", "name"]
Access = Literal["full", "masked", "none"]
KINDS: tuple[Kind, ...] = ("phone", "email", "address", "id_number", "name")

# Positions on a case a list may name besides the roles.
OWNER = "owner"
MANAGER = "manager"
POSITIONS = (OWNER, MANAGER)

# Which complaint field is which kind.
FIELD_KINDS: dict[str, Kind] = {
    "customer_phone": "phone",
    "customer_email": "email",
    "customer_region": "address",
    "occurred_place": "address",
    "customer_name": "name",
    "customer_ref": "id_number",
}

HIDDEN = "〔无权查看〕"


class Facts(Protocol):
    @property
    def roles(self) -> frozenset[str]: ...
    @property
    def is_owner(self) -> bool: ...
    @property
    def manages_department(self) -> bool: ...


class KindRule(Protocol):
    @property
    def full(self) -> list[str]: ...
    @property
    def masked(self) -> list[str]: ...


class Rules(Protocol):
    """kesu.core.policy.model.PersonalData"""

    @property
    def reveal(self) -> list[str]: ...
    def rule(self, kind: str) -> KindRule: ...


def _holds(names: list[str], who: Facts) -> bool:
    return bool(who.roles & set(names)) or (OWNER in names and who.is_owner) or (
        MANAGER in names and who.manages_department)


def access_of(kind: Kind, who: Facts, rules: Rules) -> Access:
    """What ``who`` may see of ``kind`` on one complaint: the full value, a masked one, or none."""
    rule = rules.rule(kind)
    if _holds(rule.full, who):
        return "full"
    if _holds(rule.masked, who):
        return "masked"
    return "none"


def must_reveal(kind: Kind, rules: Rules) -> bool:
    """Whether a reader allowed the full value sees it masked first and asks for it with a reason."""
    return kind in rules.reveal


def on_page(kind: Kind, who: Facts, rules: Rules) -> Access:
    """What a page shows before any reveal: a full value the policy wants revealed shows masked."""
    access = access_of(kind, who, rules)
    return "masked" if access == "full" and must_reveal(kind, rules) else access


# --- masks -------------------------------------------------------------------------------------

def mask_email(value: str) -> str:
    """z***@example.com: the first letter and the domain stay."""
    local, at, domain = value.partition("@")
    if not at:
        return mask_other(value)
    return (local[:1] + "***" if local else "***") + "@" + domain


def mask_id(value: str) -> str:
    """110***********123X: the region's first three and the last four stay (ID numbers, cards)."""
    if len(value) <= 6:
        return "*" * len(value)
    keep = 3 if len(value) > 10 else 1
    return value[:keep] + "*" * (len(value) - keep - 4) + value[-4:]


def mask_name(value: str) -> str:
    """张** / J***: the first character stays."""
    return value[:1] + "*" * max(len(value) - 1, 2) if value else ""


def mask_address(value: str) -> str:
    """The first six characters (province, city) stay."""
    return value[:6] + "****" if len(value) > 6 else value[:2] + "****" if value else ""


def mask_other(value: str) -> str:
    return "*" * min(len(value), 8)


def mask_identifier(value: str) -> str:
    """京A***45 / LS***89: an industry identifier (plate, VIN, room) keeps its first two and last
    two characters — enough to tell two apart on the phone, not to find the customer by."""
    return value[:2] + "***" + value[-2:] if len(value) > 5 else "*" * len(value)


# Industry identifiers (the policy's record fields marked ``identifies_customer``: plate, VIN, room)
# follow the ID numbers' rule: like a member number, each leads to one customer.
IDENTIFIER_KIND: Kind = "id_number"


def shown_identifier(value: str, access: Access) -> str:
    if not value or access == "full":
        return value
    return HIDDEN if access == "none" else mask_identifier(value)


MASKS = {"phone": mask_phone, "email": mask_email, "address": mask_address, "id_number": mask_id,
         "name": mask_name}


def shown(kind: Kind, value: str, access: Access) -> str:
    """``value`` as a reader with ``access`` sees it."""
    if not value or access == "full":
        return value
    if access == "none":
        return HIDDEN
    return MASKS[kind](value)


# --- the customer's own words -----------------------------------------------------------------

# An 18-digit 身份证 number (last place a digit or X), a mainland mobile (optionally +86), a landline
# with its area code, an e-mail address. Digits glued to other digits are not a number of their own.
ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}"
                       r"[0-9Xx](?![0-9A-Za-z])")
MOBILE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d(?:[- ]?\d{4}){2}(?!\d)")
LANDLINE = re.compile(r"(?<!\d)0\d{2,3}[- ]?\d{7,8}(?!\d)")
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
PLATE = re.compile(r"[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-Z]·?[A-Z0-9]{5,6}(?![A-Z0-9])")


def _mask_number(text: str) -> str:
    digits = re.sub(r"\D", "", text)
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return mask_phone(digits)


def mask_text(text: str, *, phone: Access = "masked", email: Access = "masked",
              id_number: Access = "masked", plate: Access | None = None) -> str:
    """``text`` with the phone numbers, ID numbers, plate numbers and e-mail addresses in it shown
    as a reader with these accesses sees them (a reader who sees none of a kind meets 〔无权查看〕)."""
    if id_number != "full":
        text = ID_NUMBER.sub(lambda m: shown("id_number", m.group(0), id_number), text)
    plates: Access = id_number if plate is None else plate
    if plates != "full":
        text = PLATE.sub(lambda m: shown_identifier(m.group(0), plates), text)  # 京A12345 → 京A***45
    if email != "full":
        text = EMAIL.sub(lambda m: shown("email", m.group(0), email), text)
    if phone != "full":
        text = MOBILE.sub(lambda m: HIDDEN if phone == "none" else _mask_number(m.group(0)), text)
        text = LANDLINE.sub(lambda m: HIDDEN if phone == "none" else _mask_number(m.group(0)), text)
    return text


def words_for(text: str, who: Facts, rules: Rules, *, page: bool = True) -> str:
    """The customer's words as ``who`` reads them (on a page: before any reveal)."""
    look = on_page if page else access_of
    return mask_text(text, phone=look("phone", who, rules), email=look("email", who, rules),
                     id_number=look("id_number", who, rules), plate=access_of(IDENTIFIER_KIND, who, rules))
