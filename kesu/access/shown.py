"""What one reader is shown of one complaint's personal data: kesu.core.personal applied to the
complaint's fields under the complaint's own policy version. Every page, the API, the printed
forms, search hits and the registration lookup call ``shown_to``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kesu.complaints import lifecycle
from kesu.core import personal
from kesu.core.lifecycle import ActorFacts
from kesu.core.policy.model import PersonalData
from kesu.policies.services import _published_row, policy_of  # the cleared-in-tests caches

# The fields a reader allowed their full value may reveal with a reason, and the kind each is.
REVEALABLE: dict[str, personal.Kind] = {
    "customer_phone": "phone", "customer_email": "email", "customer_ref": "id_number", "customer_words": "phone",
}


@dataclass
class Shown:
    customer_name: str
    customer_phone: str
    customer_email: str
    customer_region: str
    customer_ref: str
    occurred_place: str
    customer_words: str
    revealable: list[str] = field(default_factory=list)  # fields shown masked that this reader may reveal
    extra: dict[str, Any] = field(default_factory=dict)  # the industry fields, identifiers (plate …) masked


def rules_of(c: Any) -> PersonalData:
    """The personal_data section of the complaint's own policy version, without a query per row:
    a loaded version as is, else through the services' cache of published rows (a complaint's
    version is published or superseded, never a draft)."""
    version = c._state.fields_cache.get("policy_version") or _published_row(c.policy_version_id)
    return policy_of(version).personal_data


def words(c: Any, who: ActorFacts, *, page: bool = True) -> str:
    return personal.words_for(c.customer_words, who, rules_of(c), page=page)


def shown_to(c: Any, who: ActorFacts, *, page: bool = True, only: tuple[str, ...] | None = None) -> Shown:
    """``page``: as a page shows it before any reveal (the policy's ``reveal`` kinds masked for
    everyone); otherwise each value as the reader's access allows (the API). ``only``: the
    personal fields a list shows (search hits, a history): the others are left empty and never
    decrypted (kesu.complaints.fields: a field is decrypted when read)."""
    rules = rules_of(c)
    look = personal.on_page if page else personal.access_of

    def one(name: str) -> str:
        if only is not None and name not in only:
            return ""
        kind = personal.FIELD_KINDS[name]
        return personal.shown(kind, getattr(c, name) or "", look(kind, who, rules))

    out = Shown(**{n: one(n) for n in personal.FIELD_KINDS},
                customer_words=personal.words_for(c.customer_words, who, rules, page=page),
                extra=extra_for(c, personal.access_of(personal.IDENTIFIER_KIND, who, rules)))  # no reveal step
    if page:
        for name, kind in REVEALABLE.items():
            if only is not None and name not in only and name != "customer_words":
                continue
            if personal.access_of(kind, who, rules) == "full" and getattr(out, name) != (getattr(c, name) or ""):
                out.revealable.append(name)
    return out


def extra_for(c: Any, access: personal.Access) -> dict[str, Any]:
    """The complaint's industry fields, those the policy marks ``identifies_customer`` (plate, VIN,
    room) shown as ``access`` allows."""
    extra = dict(c.extra or {})
    if access == "full" or not extra:
        return extra
    version = c._state.fields_cache.get("policy_version") or _published_row(c.policy_version_id)
    for f in policy_of(version).record_fields:
        if f.identifies_customer and isinstance(extra.get(f.code), str):
            extra[f.code] = personal.shown_identifier(extra[f.code], access)
    return extra


def reader(staff: Any, c: Any, now: datetime) -> ActorFacts:
    return lifecycle.actor_facts(staff, c, now)


def may_reveal(c: Any, who: ActorFacts, name: str) -> bool:
    kind = REVEALABLE.get(name)
    return kind is not None and personal.access_of(kind, who, rules_of(c)) == "full"


def full_value(c: Any, name: str) -> str:
    return str(getattr(c, name) or "")


def printable(c: Any, who: ActorFacts) -> Any:
    """A copy of ``c`` for a paper form: its personal fields and the customer's words as the
    reader's access allows (a reader allowed the full value prints it; the caller logs that as a
    reveal, see kesu.access.services.log_print). Never saved."""
    import copy

    seen = shown_to(c, who, page=False)
    out = copy.copy(c)
    for name in (*personal.FIELD_KINDS, "customer_words", "extra"):
        setattr(out, name, getattr(seen, name))
    out.save = _never_saved
    out.printed_full = [n for n in REVEALABLE if getattr(seen, n) and getattr(seen, n) != getattr(
        shown_to(c, who), n)]
    return out


def _never_saved(*args: Any, **kwargs: Any) -> None:
    raise RuntimeError("a printable copy is never saved")
