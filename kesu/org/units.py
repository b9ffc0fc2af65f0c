"""The unit tree as every request reads it: cached per process (units change rarely, and the
registration hot path and every visibility filter ask it). A save or delete in this process
clears it at once; another process's change is seen within ``CACHE_SECONDS`` — and at once when a
code or id is not yet known (a unit just created elsewhere)."""

from __future__ import annotations

import time

from django.db.models.signals import post_delete, post_save

from kesu.core.errors import KesuError
from kesu.core.units import UnitNode, UnitTree
from kesu.core.visibility import in_unit_scope
from kesu.org.models import Staff, Unit

CACHE_SECONDS = 30.0
_cache: list[tuple[float, UnitTree]] = []


def tree(*, fresh: bool = False) -> UnitTree:
    if _cache and not fresh and time.monotonic() - _cache[0][0] < CACHE_SECONDS:
        return _cache[0][1]
    rows = Unit.objects.values_list("id", "code", "name", "kind", "parent_id", "is_active", "name_en")
    built = UnitTree.of(UnitNode(*row) for row in rows)
    _cache[:] = [(time.monotonic(), built)]
    return built


def forget_units(**_: object) -> None:
    _cache.clear()


post_save.connect(forget_units, sender=Unit, dispatch_uid="kesu.org.units.saved")
post_delete.connect(forget_units, sender=Unit, dispatch_uid="kesu.org.units.deleted")


def node(unit_id: int | None) -> UnitNode | None:
    if unit_id is None:
        return None
    found = tree().get(unit_id)
    return found if found is not None else tree(fresh=True).get(unit_id)


def active_unit(value: object, field: str = "unit") -> UnitNode | None:
    """The active unit a channel names (the object, its code or its id); empty is None (the
    installation's own, or the registering person's unit). Unknown or inactive: refused by the
    field."""
    if value is None or value == "":
        return None
    if isinstance(value, Unit):
        value = value.pk
    key = str(value).strip()
    for t in (tree(), tree(fresh=True)):
        found = t.by_code(key) or (t.get(int(key)) if key.isdigit() else None)
        if found is not None and found.is_active:
            return found
    raise KesuError("unknown_unit", field=field, value=value)


def scope_of(staff: Staff | None) -> frozenset[int] | None:
    """The units whose cases ``staff`` sees by unit: None — no limit — for a person of no unit or
    of the top unit (the group sees all units below it)."""
    return _scope(getattr(staff, "unit_id", None))


def _scope(unit_id: int | None) -> frozenset[int] | None:
    if unit_id is None:
        return None
    t = tree()
    if t.get(unit_id) is None:
        t = tree(fresh=True)
    return t.scope(unit_id)


def covers(unit_id: int | None, other: int | None) -> bool:
    """Whether a person of unit ``unit_id`` reaches the cases of unit ``other`` by unit — the one
    unit-scope rule (kesu.core.visibility.in_unit_scope over :func:`scope_of`): a person of no unit or
    of the top unit every case, a unit's people the cases of their unit and the units below it."""
    return in_unit_scope(_scope(unit_id), other)
