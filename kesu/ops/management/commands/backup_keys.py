"""python -m kesu backup_keys FILE — the key material, to be kept apart from the backups."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kesu.ops.backup import key_file


class Command(BaseCommand):
    help = "导出密钥（与备份分开保管） / Write the keys to a file kept apart from the backups"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="a new file (mode 0600); never beside the backups")

    def handle(self, *args: Any, file: Path, **options: Any) -> None:
        try:
            key_file(file)
        except FileExistsError:
            raise CommandError(f"{file} already exists: choose a new file") from None
        self.stdout.write(self.style.SUCCESS(
            f"密钥已写入 / keys written: {file}（请与备份分开保管 / keep apart from the backups）"))
