"""The production guard: a server other people can reach never runs with the demo organisation's
accounts or the public demo password (README, kesu.ops.demo.DEMO_PASSWORD), unless KESU_DEMO=1
says that this server is a demo. Registered as a deploy check (``kesu check --deploy``) and run by
``kesu serve`` before it starts the web server (granian), which then refuses to start."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.db import DatabaseError


def is_production() -> bool:
    return settings.KESU_ENV == "production"


def demo_problems() -> list[Error]:
    """Active demo accounts (a demo login with the demo person's name) and administrators whose
    password is the demo password. Only administrators' passwords are tried: each try costs a full
    password hash, and the demo accounts are found by name without one."""
    from kesu.ops.demo import DEMO_PASSWORD, PEOPLE
    from kesu.org.models import Staff

    hint = ("删除或停用这些账号（/admin/ 或 kesu shell），为其余账号设置新密码（kesu changepassword <账号>）；"
            "若本服务器确为演示环境，请设置 KESU_DEMO=1。")
    demo = {p.username: p.name for p in PEOPLE}
    try:
        found = [s for s in Staff.objects.filter(username__in=demo, is_active=True).only("username", "display_name")
                 if s.display_name == demo[s.username]]
        admins = [s for s in Staff.objects.filter(is_active=True, is_superuser=True).exclude(
            pk__in=[s.pk for s in found]) if s.check_password(DEMO_PASSWORD)]
    except DatabaseError:  # not migrated yet: nothing to guard
        return []
    errors = []
    if found:
        names = "、".join(sorted(s.username for s in found))
        errors.append(Error(f"生产环境中存在演示账号：{names}（演示密码公开在 README 中）", hint=hint, id="kesu.E001"))
    if admins:
        names = "、".join(sorted(s.username for s in admins))
        errors.append(Error(f"生产环境中的管理员账号使用公开的演示密码：{names}", hint=hint, id="kesu.E002"))
    return errors


@register(Tags.security, deploy=True)
def check_no_demo_in_production(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    if not is_production() or settings.KESU_DEMO:
        return []
    return demo_problems()
