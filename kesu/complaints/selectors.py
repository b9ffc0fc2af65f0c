"""Reads of complaints. Every list and detail path starts from ``visible_complaints`` so the
visibility rule (SPEC roles, F12) is enforced in exactly one place."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q, QuerySet

from kesu.complaints.models import Complaint
from kesu.core.errors import KesuError
from kesu.core.visibility import sees_all
from kesu.org.models import Staff
from kesu.org.services import managed_department_ids, member_department_ids, roles_of


def visible_complaints(staff: Staff, now: datetime) -> QuerySet[Complaint]:
    """Complaints ``staff`` may see: all for company-wide roles; otherwise those of their own
    departments (including ones they manage or act for as deputy) and those assigned to or
    registered by them."""
    if sees_all(roles_of(staff)):
        return Complaint.objects.all()
    departments = member_department_ids(staff) | managed_department_ids(staff, now)
    return Complaint.objects.filter(Q(department_id__in=departments) | Q(owner=staff) | Q(receiver=staff))


def get_visible(staff: Staff, now: datetime, *, pk: int | None = None, number: str | None = None) -> Complaint:
    lookup = {"pk": pk} if pk is not None else {"number": number}
    try:
        return visible_complaints(staff, now).get(**lookup)
    except Complaint.DoesNotExist:
        raise KesuError("not_visible") from None
