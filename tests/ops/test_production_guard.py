"""Production never runs with the public demo password (issue 15): bootstrap creates no demo
accounts there, and a server with demo accounts or an administrator on the demo password refuses
to start (``kesu serve``) and fails ``kesu check --deploy`` — unless KESU_DEMO=1 says it is a demo.
``check --deploy`` is clean with the production settings docs/settings.md documents."""

from __future__ import annotations

import io
import secrets
import subprocess
import sys

import pytest
from django.core import checks
from django.core.management import CommandError, call_command

from kesu.ops.demo import DEMO_PASSWORD
from kesu.org.models import Staff
from tests.servers import ROOT, child_env

pytestmark = pytest.mark.django_db


def deploy_errors() -> list[str]:
    return [m.id for m in checks.run_checks(include_deployment_checks=True, tags=[checks.Tags.security])
            if m.id and m.id.startswith("kesu.")]


@pytest.fixture(autouse=True)
def _no_demo_complaints(monkeypatch):  # the demo organisation is what matters here, not its 300 cases
    monkeypatch.setattr("kesu.ops.management.commands.bootstrap.load_demo_complaints", lambda people, now: 0)


@pytest.fixture
def production(settings):
    settings.KESU_ENV = "production"
    settings.KESU_DEMO = False
    return settings


def test_bootstrap_in_production_publishes_the_policy_and_creates_no_demo_account(production):
    out = io.StringIO()
    call_command("bootstrap", stdout=out)
    assert not Staff.objects.filter(username="admin").exists() and not Staff.objects.exists()
    assert DEMO_PASSWORD not in out.getvalue() and "createsuperuser" in out.getvalue()


def test_bootstrap_on_a_declared_demo_server_loads_the_demo(production, p1):
    production.KESU_DEMO = True
    call_command("bootstrap", stdout=io.StringIO())
    assert Staff.objects.get(username="admin").check_password(DEMO_PASSWORD)


def test_bootstrap_locally_still_loads_the_demo_for_the_readme(settings):
    settings.KESU_ENV = "local"
    out = io.StringIO()
    call_command("bootstrap", stdout=out)
    assert Staff.objects.filter(username="wangkf").exists() and DEMO_PASSWORD in out.getvalue()


def test_demo_accounts_in_production_fail_the_deploy_check_and_stop_serve(production, people):
    assert "kesu.E001" in deploy_errors()
    with pytest.raises(CommandError, match="wangkf"):
        call_command("serve")


def test_the_demo_accounts_are_found_even_after_new_passwords(production, people):
    for s in Staff.objects.filter(username__in=["admin", "wangkf"]):
        s.set_password(secrets.token_urlsafe(16))
        s.save()
    assert "kesu.E001" in deploy_errors()  # the demo organisation itself: its people are not real staff


def test_an_administrator_on_the_demo_password_fails_the_deploy_check(production):
    Staff.objects.create_superuser(username="root", password=DEMO_PASSWORD, display_name="运维")
    assert deploy_errors() == ["kesu.E002"]
    Staff.objects.filter(username="root").update(is_active=False)
    assert deploy_errors() == []


def test_an_own_admin_named_admin_with_its_own_password_passes(production):
    Staff.objects.create_superuser(username="admin", password=secrets.token_urlsafe(16), display_name="信息部 刘工")
    assert deploy_errors() == []


def test_a_declared_demo_server_starts_with_its_demo_accounts(production, people):
    production.KESU_DEMO = True
    assert deploy_errors() == []


def test_a_server_bound_beyond_loopback_counts_as_production(settings, people):
    settings.KESU_ENV = "local"
    settings.KESU_DEMO = False
    with pytest.raises(CommandError, match=r"kesu\.E001"):
        call_command("serve", host="0.0.0.0")


def test_a_server_reachable_by_its_host_name_is_production_by_default():
    env = {**child_env(), "KESU_ALLOWED_HOSTS": "kesu.example.cn"}
    env.pop("KESU_ENV", None)
    code = "import django; django.setup(); from django.conf import settings; print(settings.KESU_ENV)"
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "production", out.stderr


PRODUCTION = {  # docs/settings.md, "Production"
    "KESU_ALLOWED_HOSTS": "kesu.example.cn",
    "KESU_CSRF_TRUSTED_ORIGINS": "https://kesu.example.cn",
    "KESU_SECURE_COOKIES": "1",
    "KESU_SSL_REDIRECT": "1",
    "KESU_PROXY_HTTPS": "1",
    "KESU_HSTS_SECONDS": "31536000",
    "KESU_HSTS_INCLUDE_SUBDOMAINS": "1",
    "KESU_HSTS_PRELOAD": "1",
    "KESU_TRUSTED_PROXY_HEADER": "X-Forwarded-For",
    "KESU_TRUSTED_PROXIES": "127.0.0.1",
}


def check_deploy(**extra: str) -> subprocess.CompletedProcess[str]:
    env = {**child_env(), **PRODUCTION, "KESU_SECRET_KEY": secrets.token_urlsafe(48), **extra}
    env.pop("KESU_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "kesu", "check", "--deploy", "--fail-level", "WARNING"], env=env,
                          cwd=ROOT, capture_output=True, text=True, timeout=120)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_check_deploy_is_clean_with_the_documented_production_settings_and_refuses_the_demo():
    Staff.objects.create_superuser(username="admin", password=secrets.token_urlsafe(16), display_name="信息部 刘工")
    clean = check_deploy()
    assert clean.returncode == 0 and "no issues" in clean.stdout, clean.stderr
    Staff.objects.create_user(username="wangkf", password=DEMO_PASSWORD, display_name="王客服")
    refused = check_deploy()
    assert refused.returncode != 0 and "kesu.E001" in refused.stderr
    assert check_deploy(KESU_DEMO="1").returncode == 0
    debug = check_deploy(KESU_SECURE_COOKIES="0", KESU_DEMO="1")
    assert debug.returncode != 0 and "security.W010" in debug.stderr  # the check does look at the settings
