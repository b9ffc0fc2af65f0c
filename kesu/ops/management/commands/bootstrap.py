"""Prepare an empty installation: the preset policy, the demo organisation and complaints."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from kesu.core.policy.io import PRESETS_DIR, preset_paths
from kesu.ops.demo import DEMO_PASSWORD, PEOPLE, load_demo_complaints, load_demo_organisation
from kesu.org.models import Staff
from kesu.policies.models import PolicyVersion
from kesu.policies.services import import_and_publish


class Command(BaseCommand):
    help = "载入预设制度与演示数据（仅当数据库为空时）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--preset", default="p1_four_level",
                            choices=[p.stem for p in preset_paths()], help="the preset policy to publish")
        parser.add_argument("--no-demo", action="store_true", help="policy only, no demo organisation")

    def handle(self, *args: Any, preset: str, no_demo: bool, **options: Any) -> None:
        now = timezone.now()
        if not PolicyVersion.objects.exists():
            text = (PRESETS_DIR / f"{preset}.yaml").read_text(encoding="utf-8")
            version = import_and_publish(text=text, actor=None, now=now, note=f"预设 {preset}")
            self.stdout.write(f"已发布制度：{version.name} v{version.number}")
        if no_demo or Staff.objects.exists():
            self.stdout.write("演示数据已存在，跳过。" if not no_demo else "")
        else:
            people = load_demo_organisation(now)
            count = load_demo_complaints(people, now)
            self.stdout.write(f"已载入演示组织与 {count} 条投诉。")
        self.stdout.write(f"\n演示账号（密码均为 {DEMO_PASSWORD}）：")
        for p in PEOPLE:
            self.stdout.write(f"  {p.username:<10} {p.name:<6} {', '.join(p.roles)}")
