"""python -m kesu backup DEST — the database, the attachments and a manifest (never the keys)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from kesu.ops.backup import BackupError, backup


class Command(BaseCommand):
    requires_system_checks: list[str] = []  # the database may be empty or a copy: nothing to check yet
    help = "备份数据库与附件（不含密钥：密钥用 backup_keys 另存） / Back up the database and attachments (keys apart)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("dest", type=Path, help="the folder that receives kesu-backup-<time>/")

    def handle(self, *args: Any, dest: Path, **options: Any) -> None:
        try:
            folder = backup(dest, now=timezone.now(), log=self.stdout.write)
        except (BackupError, OSError) as exc:
            raise CommandError(f"备份失败 / {exc}") from exc
        self.stdout.write(self.style.SUCCESS(f"备份完成 / backup written: {folder}"))
        self.stdout.write(str(folder))
