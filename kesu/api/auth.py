"""Token authentication for integrations (``Authorization: Token <key>``): DRF's scheme and its
refusals, with the token's owner read by one plain statement, as every API request asks it first
(the ORM's query compilation cost more than the query)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

from kesu.db.sql import fetch
from kesu.org.models import Staff, StaffRole

# The owner arrives with these fields; any other is loaded on first use (Django's deferred fields).
FIELDS = {"id", "username", "is_active", "is_superuser", "unit_id"}  # unit: F16, the registration's unit
# ... and with its roles (kesu.org.services.roles_of, which every API view asks next), in the same
# statement: one row per role.
JOIN = (f'JOIN "{Token._meta.db_table}" k ON k."user_id" = t."id" '
        f'LEFT JOIN "{StaffRole._meta.db_table}" r ON r."staff_id" = t."id"')


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate_credentials(self, key: str) -> tuple[Staff, Token]:
        found = fetch(Staff, FIELDS, 'k."key" = %s', [key], joins=JOIN, extra='r."role"')
        if not found:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        staff = found[0][0]
        staff._kesu_held = frozenset(role for _staff, role in found if role)  # type: ignore[attr-defined]
        if not staff.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return staff, Token(key=key, user=staff)
