"""Login protection: 10 wrong passwords, then refused even with the right one — on the staff login
and the admin login, counted in the shared cache by two cache clients, the same refusal for an
account that does not exist."""

from __future__ import annotations

import pytest
from django.core.cache import caches
from django.test import Client

from kesu.ops.demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


def wrong(client: Client, url: str, username: str, n: int) -> None:
    for _ in range(n):
        client.post(url, {"username": username, "password": "nope"})


def test_ten_wrong_passwords_then_refused_even_with_the_right_one(people):
    c = Client()
    wrong(c, "/login/", "wangkf", 10)
    answer = c.post("/login/", {"username": "wangkf", "password": DEMO_PASSWORD})
    assert "_auth_user_id" not in c.session
    assert "登录失败次数过多" in answer.content.decode()


def test_nine_wrong_passwords_still_let_the_right_one_in(people):
    c = Client()
    wrong(c, "/login/", "wangkf", 9)
    c.post("/login/", {"username": "wangkf", "password": DEMO_PASSWORD})
    assert "_auth_user_id" in c.session


def test_the_admin_login_counts_and_refuses_the_same(people):
    c = Client()
    wrong(c, "/admin/login/", "admin", 10)
    answer = c.post("/admin/login/", {"username": "admin", "password": DEMO_PASSWORD})
    assert "_auth_user_id" not in c.session and "登录失败次数过多" in answer.content.decode()


def test_an_unknown_account_meets_the_same_refusal(people):
    c = Client()
    wrong(c, "/login/", "nobody-here", 10)
    assert "登录失败次数过多" in c.post("/login/", {"username": "nobody-here", "password": "x"}).content.decode()


def test_failures_from_two_workers_count_together(people, settings):
    # each worker is its own cache client of the shared store (the kesu_cache table)
    first, second = Client(), Client()
    wrong(first, "/login/", "wangkf", 5)
    caches["default"].close()
    wrong(second, "/login/", "wangkf", 5)
    second.post("/login/", {"username": "wangkf", "password": DEMO_PASSWORD})
    assert "_auth_user_id" not in second.session


def test_one_address_trying_many_accounts_is_refused(people, settings):
    settings.KESU_LOGIN_FAILURES_PER_ADDRESS = 5
    c = Client()
    for name in ("a1", "a2", "a3", "a4", "a5"):
        wrong(c, "/login/", name, 1)
    c.post("/login/", {"username": "wangkf", "password": DEMO_PASSWORD})
    assert "_auth_user_id" not in c.session
