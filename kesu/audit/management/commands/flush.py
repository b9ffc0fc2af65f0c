"""Django's ``flush``, allowed to empty the append-only tables on SQLite (kesu/audit/guard.py)."""

from __future__ import annotations

from typing import Any

from django.core.management.commands import flush

from kesu.audit.guard import allow_flush


class Command(flush.Command):
    def handle(self, **options: Any) -> None:
        with allow_flush():
            super().handle(**options)
