"""Roles of SPEC's "who uses it" table. Codes are stored; labels are shown."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    CS_AGENT = "cs_agent"  # 客服专员 / 回访专员
    STAFF = "staff"  # 一线员工
    DEPT_MANAGER = "dept_manager"  # 部门经理 (or the designated deputy acting for them)
    HANDLER = "handler"  # 班组 / 个人
    CS_MANAGER = "cs_manager"  # 客服部经理
    GM = "gm"  # 总经理
    FINANCE = "finance"  # 财务
    AUDITOR = "auditor"  # 稽核
    ARCHIVIST = "archivist"  # 行政 / 档案
    HR = "hr"  # 人事行政
    LEGAL = "legal"  # 法务 / 品牌
    SYSADMIN = "sysadmin"  # 系统管理员


ROLE_LABELS: dict[Role, tuple[str, str]] = {
    Role.CS_AGENT: ("客服专员 / 回访专员", "CS agent / follow-up specialist"),
    Role.STAFF: ("一线员工", "Front-line staff"),
    Role.DEPT_MANAGER: ("部门经理", "Department manager"),
    Role.HANDLER: ("班组 / 处理人", "Team / handler"),
    Role.CS_MANAGER: ("客服部经理", "CS manager"),
    Role.GM: ("总经理", "General manager"),
    Role.FINANCE: ("财务", "Finance"),
    Role.AUDITOR: ("稽核", "Audit"),
    Role.ARCHIVIST: ("行政 / 档案", "Admin / archive"),
    Role.HR: ("人事行政", "HR / admin"),
    Role.LEGAL: ("法务 / 品牌", "Legal / brand"),
    Role.SYSADMIN: ("系统管理员", "System administrator"),
}

ROLE_CODES: tuple[str, ...] = tuple(r.value for r in Role)


def role_label(role: str, lang: str = "zh-hans") -> str:
    zh, en = ROLE_LABELS[Role(role)]
    return en if lang.startswith("en") else zh
