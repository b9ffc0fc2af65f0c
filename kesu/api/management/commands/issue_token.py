"""python -m kesu issue_token <username> — print the API token of a staff member (made once)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rest_framework.authtoken.models import Token

from kesu.org.models import Staff


class Command(BaseCommand):
    help = "Print (creating it once) the API token of a staff member; --rotate replaces it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--rotate", action="store_true", help="replace the existing token")

    def handle(self, *args: Any, username: str, rotate: bool, **options: Any) -> None:
        staff = Staff.objects.filter(username=username, is_active=True).first()
        if staff is None:
            raise CommandError(f"没有启用的员工账号「{username}」")
        if rotate:
            Token.objects.filter(user=staff).delete()
        token, _ = Token.objects.get_or_create(user=staff)
        self.stdout.write(token.key)
