"""Policy versions: draft, edit, publish, import, export (SPEC F1).

Only these functions write PolicyVersion rows. A version is parsed once and cached by id:
published versions never change, drafts are re-read after each edit.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from functools import lru_cache
from typing import Any

from django.db import transaction
from django.db.models import Max

from kesu import audit
from kesu.core.audit import canonical
from kesu.core.errors import KesuError
from kesu.core.policy import Policy, dump_policy, load_policy, policy_from_data
from kesu.core.policy.io import policy_to_data
from kesu.db.sql import column_values, rows_of
from kesu.org import units
from kesu.org.models import Staff, Unit
from kesu.policies.models import PolicyVersion


def create_draft(*, text: str, actor: Staff | None, now: datetime, note: str = "",
                 unit: Unit | None = None) -> PolicyVersion:
    """Import a policy file as a new draft version (for ``unit``, or the installation's own); the
    whole file is validated first."""
    policy = load_policy(text)
    with transaction.atomic():
        number = (PolicyVersion.objects.select_for_update().aggregate(n=Max("number"))["n"] or 0) + 1
        return PolicyVersion.objects.create(
            number=number, code=policy.code, name=policy.name, document=policy_to_data(policy),
            source_text=text, state=PolicyVersion.State.DRAFT, note=note, created_by=actor, created_at=now,
            unit=unit,
        )


def update_draft(*, version: PolicyVersion, text: str, note: str | None = None) -> PolicyVersion:
    """Replace a draft's content; published versions are frozen."""
    policy = load_policy(text)
    with transaction.atomic():
        locked = PolicyVersion.objects.select_for_update().get(pk=version.pk)
        if locked.state != PolicyVersion.State.DRAFT:
            raise KesuError("policy_version_published", field="state")
        locked.code, locked.name = policy.code, policy.name
        locked.document, locked.source_text = policy_to_data(policy), text
        if note is not None:
            locked.note = note
        locked.save(update_fields=["code", "name", "document", "source_text", "note"])
    _parsed.cache_clear()
    return locked


def publish(*, version: PolicyVersion, actor: Staff | None, now: datetime) -> PolicyVersion:
    """Make a draft the policy in force for its unit (or the installation). Existing complaints
    keep their own version; other units' versions are not touched."""
    with transaction.atomic():
        locked = PolicyVersion.objects.select_for_update().get(pk=version.pk)
        if locked.state != PolicyVersion.State.DRAFT:
            raise KesuError("policy_version_published", field="state")
        policy_from_data(locked.document)  # re-validate: the code may have moved on since the draft
        PolicyVersion.objects.filter(state=PolicyVersion.State.PUBLISHED, unit_id=locked.unit_id).update(
            state=PolicyVersion.State.SUPERSEDED
        )
        locked.state, locked.published_by, locked.published_at = PolicyVersion.State.PUBLISHED, actor, now
        locked.save(update_fields=["state", "published_by", "published_at"])
        audit.record("policy.published", actor=actor, now=now, target=("policy_version", locked.pk),
                     data={"code": locked.code, "name": locked.name, "unit": locked.unit_id,
                           "document": hashlib.sha256(canonical(locked.document).encode()).hexdigest()})
    return locked


def import_and_publish(*, text: str, actor: Staff | None, now: datetime, note: str = "",
                       unit: Unit | None = None) -> PolicyVersion:
    with transaction.atomic():
        return publish(version=create_draft(text=text, actor=actor, now=now, note=note, unit=unit), actor=actor,
                       now=now)


def active_version(unit_id: int | None = None) -> PolicyVersion:
    """The version in force for a unit: its own published version, else the nearest unit's above
    it, else the installation's own. Asked at every registration, so: one indexed SELECT (of the
    published versions of the unit's chain — the chain itself from the cached unit tree), and the
    row from a per-process cache (published versions never change; texts deferred)."""
    table, published = PolicyVersion._meta.db_table, PolicyVersion.State.PUBLISHED.value
    tree = units.tree()
    if unit_id is not None and tree.get(unit_id) is None:
        tree = units.tree(fresh=True)  # a unit created in another process since the cache was read
    chain = tree.chain(unit_id)
    if not chain:
        ids = column_values(f'SELECT "id" FROM "{table}" WHERE "state" = %s AND "unit_id" IS NULL '
                            'ORDER BY "number" DESC LIMIT 1', [published], model=PolicyVersion)
        if not ids:
            raise KesuError("no_active_policy")
        return _published_row(ids[0])
    marks = ", ".join(["%s"] * len(chain))
    rows = rows_of(f'SELECT "unit_id", "id" FROM "{table}" WHERE "state" = %s AND '
                   f'("unit_id" IS NULL OR "unit_id" IN ({marks})) ORDER BY "number"', [published, *chain],
                   model=PolicyVersion)
    found = tree.nearest(unit_id, {u: i for u, i in rows})  # the newest per unit wins (ordered)
    if found is None:
        raise KesuError("no_active_policy")
    return _published_row(found)


def versions_in_force() -> dict[int | None, PolicyVersion]:
    """Each unit's own published version (None: the installation's), for the units page."""
    return {v.unit_id: v for v in PolicyVersion.objects.filter(state=PolicyVersion.State.PUBLISHED)
            .defer("document", "source_text").order_by("number")}


@lru_cache(maxsize=1024)
def _published_row(version_id: int) -> PolicyVersion:
    return PolicyVersion.objects.defer("document", "source_text").get(pk=version_id)


def active_roles(unit_id: int | None = None) -> list[Any]:
    """Issue 18: the roles the policy in force for the unit names (总裁办, 店长 …), each with the
    powers it carries."""
    return list(policy_of(active_version(unit_id)).roles)


def roles_in_force_anywhere() -> list[Any]:
    """Issue 18: the roles every unit's version in force names (the administration's role choices)."""
    return [r for v in versions_in_force().values() for r in policy_of(v).roles]


def policy_of(version: PolicyVersion) -> Policy:
    if version.state == PolicyVersion.State.DRAFT:
        return policy_from_data(version.document)
    return _parsed(version.pk)


def forget_cached_policies() -> None:
    """Drop parsed versions. Published rows never change, so only tests (which roll the database
    back and reuse ids) need this."""
    _parsed.cache_clear()
    _parsed_document.cache_clear()
    _published_row.cache_clear()
    units.forget_units()


@lru_cache(maxsize=256)  # 50 units × their versions in use (issue 18): the sweep and pages re-parse less
def _parsed(version_id: int) -> Policy:
    document = PolicyVersion.objects.values_list("document", flat=True).get(pk=version_id)
    return _parsed_document(canonical(document))


@lru_cache(maxsize=64)
def _parsed_document(text: str) -> Policy:
    """One parse per distinct document: units that publish the group's policy unchanged (F16)
    share it, rather than each version paying the parse again."""
    import json

    return policy_from_data(json.loads(text))


def export_text(version: PolicyVersion) -> str:
    """The canonical YAML of a version; importing it gives the same policy."""
    return dump_policy(policy_of(version))
