"""Gap-free, unique complaint numbers under concurrent registration (SPEC F2).

The counter row is incremented inside the registering transaction: PostgreSQL's row lock and
SQLite's IMMEDIATE write lock make concurrent registrations take turns, and a registration that
rolls back returns its number with it.
"""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from kesu.complaints.models import NumberCounter
from kesu.core.numbering import counter_scope, format_number
from kesu.core.policy import Policy
from kesu.db.sql import rows


def next_number(policy: Policy, now: datetime) -> str:
    """Take the next number in the policy's pattern; call inside the registering transaction."""
    assert transaction.get_connection().in_atomic_block, "numbers must be taken inside the registration"
    day = timezone.localtime(now).date()  # the date in Beijing time, not UTC
    scope = counter_scope(policy.numbering, day)
    seq = _increment(scope)
    if seq is None:
        try:
            with transaction.atomic():
                NumberCounter.objects.create(scope=scope, value=1)
            seq = 1
        except IntegrityError:  # another registration created the period's counter first
            seq = _increment(scope)
    assert seq is not None
    return format_number(policy.numbering, day, seq)


def _increment(scope: str) -> int | None:
    """Add one to the period's counter and read it back in the same statement (UPDATE …
    RETURNING: SQLite ≥ 3.35 and PostgreSQL); None when the period has no counter yet."""
    table = NumberCounter._meta.db_table
    found = rows(transaction.get_connection(),
                 f'UPDATE "{table}" SET "value" = "value" + 1 WHERE "scope" = %s RETURNING "value"', [scope])
    return int(found[0][0]) if found else None
