from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from kesu.core.errors import KesuError
from kesu.org.models import Staff
from kesu.privacy import customer


class Command(BaseCommand):
    help = "导出（JSON 与 xlsx）或删除一位客户在 Kesu 中的全部个人信息（个人信息保护法第四十五、四十七条）"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=["export", "erase"])
        parser.add_argument("--phone", default="")
        parser.add_argument("--email", default="")
        parser.add_argument("--by", required=True, help="操作人用户名（客服部经理或系统管理员）")
        parser.add_argument("--reason", required=True, help="原因，如「客户书面申请」")
        parser.add_argument("--out", default=".", help="导出文件的目录")

    def handle(self, *args: Any, action: str, phone: str, email: str, by: str, reason: str, out: str,
               **options: Any) -> None:
        try:
            actor = Staff.objects.get(username=by, is_active=True)
        except Staff.DoesNotExist:
            raise CommandError("没有找到该用户") from None
        now = timezone.now()
        try:
            who = customer.Customer.parse(phone, email)
            if action == "export":
                for fmt in ("json", "xlsx"):
                    body, _ = customer.export(who, actor=actor, now=now, reason=reason, fmt=fmt)
                    path = Path(out) / f"customer-{now:%Y%m%d%H%M%S}.{fmt}"
                    path.write_bytes(body)
                    self.stdout.write(str(path))
                return
            plan = customer.erase(who, actor=actor, now=now, reason=reason)
        except KesuError as exc:
            raise CommandError(exc.message()) from None
        self.stdout.write(f"已删除 {len(plan.erased)} 件：{'、'.join(plan.erased) or '无'}")
        for label, numbers in (("法律保全中，保留", plan.held), ("仍在处理中，保留", plan.open),
                               ("制度不允许删除", plan.not_allowed), ("此前已匿名化", plan.done_before)):
            if numbers:
                self.stdout.write(f"{label}：{'、'.join(numbers)}")
