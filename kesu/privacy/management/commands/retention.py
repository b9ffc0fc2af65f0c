from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from kesu.privacy import retention


class Command(BaseCommand):
    help = "按制度的保存期限处理期满的投诉（匿名化或删除个人信息）；--dry-run 只列出将处理的投诉"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--dry-run", action="store_true", help="只列出，不做任何修改")

    def handle(self, *args: Any, dry_run: bool = False, **options: Any) -> None:
        now = timezone.now()
        outcome = retention.run(now, dry_run=dry_run)
        for due in outcome.due:
            at = timezone.localtime(due.archived_at).strftime("%Y-%m-%d")
            self.stdout.write(f"{due.number}\t归档于 {at}\t保存 {due.years} 年\t{due.then}")
        verb = "将处理" if dry_run else "已处理"
        self.stdout.write(f"{verb} {len(outcome.due)} 件；法律保全中保留 {outcome.held} 件")
        if not dry_run:
            self.stdout.write("删除：时间线文字 {events} 条，附件 {attachments} 个，发给客户的邮件 {emails} 封"
                              .format(**outcome.removed))
