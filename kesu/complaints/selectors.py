"""Reads of complaints. Every list and detail path starts from ``visible_complaints`` so the
visibility rule (SPEC roles, F12) is enforced in exactly one place."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q, QuerySet

from kesu.complaints.models import Complaint
from kesu.core.errors import KesuError
from kesu.core.visibility import sees_all
from kesu.org.models import Department, DeputyDesignation, Staff
from kesu.org.services import roles_of


def visible_complaints(staff: Staff, now: datetime) -> QuerySet[Complaint]:
    """Complaints ``staff`` may see: all for company-wide roles; otherwise those of their own
    departments (including ones they manage or act for as deputy) and those assigned to or
    registered by them."""
    if sees_all(roles_of(staff)):
        return Complaint.objects.all()
    return Complaint.objects.filter(
        Q(department_id__in=department_ids_of(staff, now)) | Q(owner=staff) | Q(receiver=staff)
    )


def department_ids_of(staff: Staff, now: datetime) -> QuerySet[Department, int]:
    """Departments ``staff`` belongs to, manages, or acts for as deputy — a subquery, not a list."""
    acting = DeputyDesignation.objects.filter(DeputyDesignation.active_q(now), deputy=staff).values("department_id")
    return (
        Department.objects.filter(Q(members=staff) | Q(manager=staff) | Q(pk__in=acting))
        .values_list("pk", flat=True)
        .distinct()
    )


def get_visible(staff: Staff, now: datetime, *, pk: int | None = None, number: str | None = None) -> Complaint:
    lookup = {"pk": pk} if pk is not None else {"number": number}
    try:
        return visible_complaints(staff, now).get(**lookup)
    except Complaint.DoesNotExist:
        raise KesuError("not_visible") from None
