"""python -m kesu restore BACKUP — into an empty installation of the same engine, verified."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kesu.ops.backup import BackupError, restore


class Command(BaseCommand):
    requires_system_checks: list[str] = []  # the database may be empty or a copy: nothing to check yet
    help = "从备份恢复（空的安装；先配置好另存的密钥） / Restore a backup into an empty installation"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("backup", type=Path, help="a kesu-backup-<time>/ folder")
        parser.add_argument("--force", action="store_true", help="even when this installation holds complaints")

    def handle(self, *args: Any, backup: Path, force: bool, **options: Any) -> None:
        try:
            found = restore(backup, force=force, log=self.stdout.write)
        except (BackupError, OSError) as exc:
            raise CommandError(f"恢复失败 / {exc}") from exc
        told = "，".join(f"{k} {v}" for k, v in found.items())
        self.stdout.write(self.style.SUCCESS(f"恢复完成，与备份清单一致 / restored and verified: {told}"))
