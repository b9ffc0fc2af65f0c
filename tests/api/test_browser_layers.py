"""The browser's layers (sessions, CSRF, the signed-in user, messages, htmx) wrap every request
but the API's with a token (kesu/api/middleware.py): what they protect stays protected."""

from __future__ import annotations

import pytest
from django.core.checks import run_checks
from django.test import Client, override_settings
from rest_framework.authtoken.models import Token

from kesu.complaints.models import Complaint

pytestmark = pytest.mark.django_db

NEW = {"channel": "phone", "customer_words": "空调不制冷，师傅两次上门都没修好", "customer_name": "何女士",
       "customer_phone": "13600001111", "complained_department": "after_sales"}


def test_a_page_posted_without_its_csrf_token_is_refused(p1, people):
    """The language switch has no protection of its own (no csrf_protect): only the middleware's."""
    browser = Client(enforce_csrf_checks=True)
    assert browser.post("/i18n/setlang/", {"language": "en", "next": "/login/"}).status_code == 403
    token = browser.get("/login/").cookies["csrftoken"].value
    switched = browser.post("/i18n/setlang/", {"language": "en", "next": "/login/", "csrfmiddlewaretoken": token})
    assert switched.status_code == 302 and switched.cookies["django_language"].value == "en"


def test_a_signed_in_browser_posting_to_the_api_needs_the_csrf_token_a_token_client_does_not(p1, people):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(people["wangkf"])
    refused = browser.post("/api/v1/complaints/", NEW, content_type="application/json")
    assert refused.status_code == 403 and not Complaint.objects.exists()
    integration = Client(enforce_csrf_checks=True,
                         HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=people['wangkf']).key}")
    made = integration.post("/api/v1/complaints/", NEW, content_type="application/json")
    assert made.status_code == 201 and Complaint.objects.count() == 1
    assert "sessionid" not in made.cookies and "csrftoken" not in made.cookies


def test_a_wrong_token_is_refused_and_never_falls_back_to_the_session(p1, people):
    browser = Client(HTTP_AUTHORIZATION="token 0000000000000000000000000000000000000000")
    browser.force_login(people["wangkf"])
    assert browser.get("/api/v1/complaints/").status_code == 401


def test_the_admin_and_the_staff_pages_still_know_the_signed_in_person(p1, people):
    people["wangkf"].is_superuser = people["wangkf"].is_staff = True
    people["wangkf"].save(update_fields=["is_superuser", "is_staff"])
    browser = Client()
    browser.force_login(people["wangkf"])
    assert browser.get("/admin/").status_code == 200
    assert browser.get("/queue/").status_code == 200
    assert Client().get("/queue/").status_code == 302  # and a stranger is sent to sign in


@pytest.mark.parametrize("layers", [
    ["django.contrib.sessions.middleware.SessionMiddleware", "django.contrib.auth.middleware.AuthenticationMiddleware",
     "django.contrib.messages.middleware.MessageMiddleware"],  # no CSRF protection
    ["django.middleware.csrf.CsrfViewMiddleware", "django.contrib.sessions.middleware.SessionMiddleware",
     "django.contrib.auth.middleware.AuthenticationMiddleware",
     "django.contrib.messages.middleware.MessageMiddleware"],  # sessions after what reads them
])
def test_the_system_check_refuses_browser_layers_missing_or_out_of_order(layers):
    with override_settings(BROWSER_MIDDLEWARE=layers):
        assert [e.id for e in run_checks() if e.id == "kesu.E003"] == ["kesu.E003"]
    assert not [e for e in run_checks() if e.id == "kesu.E003"]
