"""Gap-free, unique complaint numbers under concurrent registration (SPEC F2).

The counter row is incremented inside the registering transaction: PostgreSQL's row lock and
SQLite's IMMEDIATE write lock make concurrent registrations take turns, and a registration that
rolls back returns its number with it.
"""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from kesu.complaints.models import NumberCounter
from kesu.core.numbering import counter_scope, format_number
from kesu.core.policy import Policy


def next_number(policy: Policy, now: datetime) -> str:
    """Take the next number in the policy's pattern; call inside the registering transaction."""
    assert transaction.get_connection().in_atomic_block, "numbers must be taken inside the registration"
    day = timezone.localtime(now).date()  # the date in Beijing time, not UTC
    scope = counter_scope(policy.numbering, day)
    if not NumberCounter.objects.filter(scope=scope).update(value=F("value") + 1):
        try:
            with transaction.atomic():
                NumberCounter.objects.create(scope=scope, value=1)
        except IntegrityError:  # another registration created the year's counter first
            NumberCounter.objects.filter(scope=scope).update(value=F("value") + 1)
    seq = NumberCounter.objects.values_list("value", flat=True).get(scope=scope)
    return format_number(policy.numbering, day, seq)
