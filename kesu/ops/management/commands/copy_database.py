"""python -m kesu copy_database --from sqlite:////path/kesu.sqlite3 — the embedded SQLite
installation's data into the configured PostgreSQL database (migrated, empty), verified."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kesu.ops.backup import BackupError, copy_database


class Command(BaseCommand):
    requires_system_checks: list[str] = []  # the database may be empty or a copy: nothing to check yet
    help = "把 SQLite 安装的数据迁入 PostgreSQL（DATABASE_URL，已 migrate 的空库） / Copy SQLite data into PostgreSQL"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="source", required=True, help="sqlite:////path/to/kesu.sqlite3")

    def handle(self, *args: Any, source: str, **options: Any) -> None:
        try:
            found = copy_database(source, log=self.stdout.write)
        except BackupError as exc:
            raise CommandError(f"迁移失败，PostgreSQL 未做任何更改 / {exc}") from exc
        told = "，".join(f"{k} {v}" for k, v in found.items())
        self.stdout.write(self.style.SUCCESS(f"迁移完成，逐表核对一致 / copied and verified: {told}"))
