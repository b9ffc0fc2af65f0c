"""Shared fixtures: a fixed Beijing-time clock, the P1 policy in force, and the demo personas
(王客服, 陈回访, 李经理, 张总 …) from kesu.ops.demo."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

BEIJING = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def _fast_passwords(settings):  # real hashing costs ~0.3 s per user; tests don't need it
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # the audit chain's anchors are a file outside the database: one per test, so an anchor another
    # test (or a scheduled run) wrote is never checked against this test's chain
    settings.KESU_AUDIT_ANCHOR_FILE = str(tmp_path / "audit-anchors.jsonl")


@pytest.fixture(autouse=True)
def _fresh_policy_cache():
    from kesu.policies.services import forget_cached_policies

    forget_cached_policies()


@pytest.fixture(autouse=True)
def _fresh_calendar_cache():
    from kesu.clocks.calendar import forget_calendars

    forget_calendars()


@pytest.fixture
def now() -> datetime:
    return datetime(2026, 3, 10, 9, 30, tzinfo=BEIJING)


@pytest.fixture
def p1(db, now):
    """Preset P1 published as the policy in force."""
    from kesu.core.policy.io import PRESETS_DIR
    from kesu.policies.services import import_and_publish

    text = (PRESETS_DIR / "p1_four_level.yaml").read_text(encoding="utf-8")
    return import_and_publish(text=text, actor=None, now=now)


@pytest.fixture
def people(db, now):
    """The demo organisation: personas by login (wangkf 王客服, lijl 李经理, zhangzong 张总 …)."""
    from kesu.ops.demo import load_demo_organisation

    return load_demo_organisation(now)


@pytest.fixture
def publish(db):
    """Publish a preset as the policy in force: ``publish("p2_mall_three_tier", when)``."""
    from kesu.core.policy.io import PRESETS_DIR
    from kesu.policies.services import import_and_publish

    def publish_preset(stem: str, when: datetime):  # type: ignore[no-untyped-def]
        text = (PRESETS_DIR / f"{stem}.yaml").read_text(encoding="utf-8")
        return import_and_publish(text=text, actor=None, now=when)

    return publish_preset
