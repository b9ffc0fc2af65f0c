from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from kesu.complaints.models import Complaint
from kesu.core.errors import KesuError
from kesu.org.models import Staff
from kesu.privacy.holds import set_hold


class Command(BaseCommand):
    help = "设置或解除投诉的法律保全（保全中的投诉不会被保存期限处理或应客户请求删除）"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("number", help="投诉编号")
        parser.add_argument("--by", required=True, help="操作人用户名（法务、客服部经理或系统管理员）")
        parser.add_argument("--reason", required=True, help="原因")
        parser.add_argument("--clear", action="store_true", help="解除保全")

    def handle(self, *args: Any, number: str, by: str, reason: str, clear: bool = False, **options: Any) -> None:
        try:
            actor = Staff.objects.get(username=by, is_active=True)
            c = Complaint.objects.get(number=number)
        except (Staff.DoesNotExist, Complaint.DoesNotExist):
            raise CommandError("没有找到该用户或投诉") from None
        try:
            set_hold(c, on=not clear, actor=actor, now=timezone.now(), reason=reason)
        except KesuError as exc:
            raise CommandError(exc.message()) from None
        self.stdout.write(f"{number}：{'已解除' if clear else '已设置'}法律保全")
