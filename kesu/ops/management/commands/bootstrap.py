"""Prepare an empty installation: the preset policy, the demo organisation and complaints.

In production (KESU_ENV, docs/settings.md) the demo organisation — accounts with the public demo
password — is loaded only when KESU_DEMO=1 says the server is a demo; otherwise the policy alone."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from kesu.core.policy.io import PRESETS_DIR, preset_paths
from kesu.ops.checks import is_production
from kesu.ops.demo import (
    DEMO_PASSWORD,
    PEOPLE,
    UNIT_PEOPLE,
    demo_complaints_fit,
    load_demo_complaints,
    load_demo_organisation,
    load_demo_units,
    load_routed_departments,
)
from kesu.org.models import Staff
from kesu.policies.models import PolicyVersion
from kesu.policies.services import active_version, import_and_publish, policy_of


class Command(BaseCommand):
    help = "载入预设制度与演示数据（仅当数据库为空时；生产环境仅在 KESU_DEMO=1 时载入演示数据）"

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
        if not no_demo and is_production() and not settings.KESU_DEMO:
            self.stdout.write("生产环境：不载入演示账号（其密码是公开的）。请用 `kesu createsuperuser` 创建管理员；"
                              "演示服务器请设置 KESU_DEMO=1。")
            return
        if no_demo:
            return
        if Staff.objects.exists():
            if not Staff.objects.filter(username__in=[p.username for p in PEOPLE]).exists():
                self.stdout.write("已有组织，不载入演示数据。")
                return  # an organisation of its own: no demo logins to show
            self.stdout.write("演示数据已存在，跳过。")
        else:
            policy = policy_of(active_version())
            people = load_demo_organisation(now)  # issue 18: then the routing's departments
            for dept in load_routed_departments(policy, people):
                self.stdout.write(f"已按制度的分派规则增设部门：{dept.name}（{dept.code}，负责人 {dept.code}_head）")
            people = load_demo_units(people, now)  # F16: a group with two stores
            if demo_complaints_fit(policy):
                count = load_demo_complaints(people, now)
                self.stdout.write(f"已载入演示组织与 {count} 条投诉。")
            else:  # the demo's complaints are a 4S dealership's (P1's categories, levels and plate numbers)
                self.stdout.write("已载入演示组织。演示投诉按 P1（4S 店）编写，本制度不载入演示投诉。")
        self.stdout.write(f"\n演示账号（密码均为 {DEMO_PASSWORD}）：")
        for p in [*PEOPLE, *(person for person, _unit in UNIT_PEOPLE)]:
            self.stdout.write(f"  {p.username:<10} {p.name:<6} {', '.join(p.roles)}")
        for head in Staff.objects.filter(username__endswith="_head", manages__isnull=False).distinct():
            self.stdout.write(f"  {head.username:<10} {head.display_name:<6} dept_manager")
