"""No role learns a masked value through a page, the API, a print, a search, the registration
lookup or the admin (issue 14, F12): every demo persona of P1 tried against one case whose
customer typed a second phone, an ID number and an e-mail into their words."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from kesu.access.models import PhoneLookup, Reveal
from kesu.core.lifecycle import State
from kesu.ops.demo import PEOPLE
from tests.factories import bring_to

pytestmark = pytest.mark.django_db

PHONE = "13812345678"
WORDS = "修了三次还是异响。我另一个电话13900001111，身份证11010519900307123X，邮箱ma.xs@example.com"
SECRETS = (PHONE, "13900001111", "11010519900307123X", "ma.xs@example.com")
EVERYONE = [p.username for p in PEOPLE]
FULL = {"wangkf", "chenhf", "zhoujl", "zhangzong", "lijl", "liudl"}  # CS, the GM, the case's manager and his deputy


@pytest.fixture
def case(p1, people):
    return bring_to(State.HANDLING, people, timezone.now(), customer_words=WORDS,
                    customer_email="ma.xs@example.com")  # after-sales, handled by 李经理


def client_of(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def leaked(body: str) -> list[str]:
    return [s for s in SECRETS if s in body]


@pytest.mark.parametrize("who", EVERYONE)
def test_no_page_shows_a_full_value_before_it_is_revealed(case, people, who):
    client = client_of(people[who])
    for url in (f"/c/{case.number}/", f"/c/{case.number}/history/", "/queue/?q=all", "/search/?q=5678",
                "/search/?q=异响"):
        response = client.get(url)
        assert response.status_code in (200, 302, 404), url
        assert leaked(response.content.decode()) == [], (who, url)
    # The registration lookup: the clerk typed the number; the form is filled with the last case's
    # e-mail only for a clerk allowed it in full, and the case's words are masked for everyone.
    body = client.get(f"/register/?phone={PHONE}").content.decode()
    allowed = {PHONE} | ({"ma.xs@example.com"} if who in FULL else set())
    assert set(leaked(body)) <= allowed, who


@pytest.mark.parametrize("who", sorted(FULL))
def test_a_reader_allowed_the_full_phone_reveals_it_with_a_reason_and_it_is_logged(case, people, who):
    client = client_of(people[who])
    page = client.get(f"/c/{case.number}/").content.decode()
    assert "查看完整信息" in page and "138****5678" in page
    response = client.post(f"/access/reveal/{case.number}/", {"field": "customer_phone", "reason": "callback"})
    assert response.status_code == 200 and PHONE in response.content.decode()
    log = Reveal.objects.get()
    assert (log.staff, log.complaint_id, log.field, log.reason) == (people[who], case.pk, "customer_phone",
                                                                      "callback")


@pytest.mark.parametrize("who", sorted(set(EVERYONE) - FULL))
def test_a_masked_reader_is_offered_no_reveal_and_a_forged_one_is_refused(case, people, who):
    client = client_of(people[who])
    page = client.get(f"/c/{case.number}/")
    assert "查看完整信息" not in page.content.decode()
    for field in ("customer_phone", "customer_email", "customer_words", "customer_ref", "registered_at"):
        response = client.post(f"/access/reveal/{case.number}/", {"field": field, "reason": "handling"})
        assert response.status_code in (403, 404) and leaked(response.content.decode()) == []
    assert not Reveal.objects.exists()


def test_a_reveal_needs_a_reason_and_other_needs_it_typed(case, people):
    client = client_of(people["wangkf"])
    url = f"/access/reveal/{case.number}/"
    for data in ({"field": "customer_phone"}, {"field": "customer_phone", "reason": "because"},
                 {"field": "customer_phone", "reason": "other", "note": "  "}):
        response = client.post(url, data)
        assert response.status_code == 422 and PHONE not in response.content.decode()
    response = client.post(url, {"field": "customer_words", "reason": "other", "note": "客户要求改用另一个号码"})
    assert "13900001111" in response.content.decode()
    assert Reveal.objects.get().note == "客户要求改用另一个号码"


def test_the_audit_reviews_every_reveal_and_lookup_and_nobody_else_does(case, people):
    client_of(people["wangkf"]).post(f"/access/reveal/{case.number}/", {"field": "customer_phone",
                                                                         "reason": "verify"})
    client_of(people["wangkf"]).get(f"/register/?phone={PHONE}")
    body = client_of(people["zhengjh"]).get("/access/reveals/").content.decode()
    assert case.number in body and "核实身份" in body and "王客服" in body and PHONE not in body
    assert PhoneLookup.objects.get().found == 1
    for who in ("wangkf", "zhoujl", "wucw", "weifw"):
        assert client_of(people[who]).get("/access/reveals/").status_code == 403


def api(person) -> APIClient:
    token, _ = Token.objects.get_or_create(user=person)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.mark.parametrize("who", EVERYONE)
def test_the_api_gives_full_values_only_to_readers_the_policy_allows(case, people, who):
    detail = api(people[who]).get(f"/api/v1/complaints/{case.number}/")
    if detail.status_code == 404:  # not theirs to see: nowhere in the list or the search either
        for url in ("/api/v1/complaints/", "/api/v1/complaints/?q=5678"):
            assert case.number not in api(people[who]).get(url).content.decode()
        return
    assert detail.status_code == 200
    for url in (f"/api/v1/complaints/{case.number}/", "/api/v1/complaints/", "/api/v1/complaints/?q=5678"):
        body = api(people[who]).get(url).content.decode()
        assert case.number in body, url
        if who in FULL:  # an API reader allowed the full values gets them (no reveal step in the API)
            assert PHONE in body and "13900001111" in body and "11010519900307123X" in body, url
        else:
            assert leaked(body) == [] and "138****5678" in body, (who, url)


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "form.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True, text=True).stdout


@pytest.mark.parametrize("who", sorted(set(EVERYONE) - FULL))
def test_a_printed_form_carries_only_masked_values_for_a_masked_reader(case, people, who, tmp_path):
    response = client_of(people[who]).get(f"/c/{case.number}/print/record-card/")
    if response.status_code == 404:
        return  # the case is not theirs to see at all
    text = "".join(pdf_text(response.content, tmp_path).split())
    assert "138****5678" in text and leaked(text) == []
    assert not Reveal.objects.exists()


def test_a_form_printed_with_the_full_phone_is_logged_as_a_reveal(case, people, tmp_path):
    response = client_of(people["zhoujl"]).get(f"/c/{case.number}/print/work-order/")
    assert PHONE in "".join(pdf_text(response.content, tmp_path).split())
    assert {r.field for r in Reveal.objects.all()} >= {"customer_phone", "customer_words"}
    assert {r.note for r in Reveal.objects.all()} == {"打印 work-order"}


def test_searching_by_the_last_four_digits_shows_a_masked_reader_no_more_than_the_mask(case, people):
    body = client_of(people["zhengjh"]).get("/search/?q=5678").content.decode()  # audit sees every case
    assert case.number in body and "138****<mark>5678</mark>" in body and PHONE not in body
    body = client_of(people["zhengjh"]).get("/search/?q=1390000").content.decode()
    assert "13900001111" not in body


def test_no_list_is_sorted_by_a_customers_personal_data(case, people):
    from kesu.complaints.selectors import SORTS

    assert not [s for s in SORTS if "customer" in s or "phone" in s or "name" in s]
    body = client_of(people["zhengjh"]).get("/search/?q=5678&sort=customer_phone").content.decode()
    assert PHONE not in body


def test_the_registration_lookup_is_throttled_per_account_and_each_lookup_logged(case, people, monkeypatch):
    from kesu.access import services
    from kesu.portal.limits import Limit

    monkeypatch.setattr(services, "LOOKUPS", Limit("test_staff_lookup", 3, 3600))
    client = client_of(people["wangkf"])
    for tail in range(3):
        assert "已超" not in client.get(f"/register/?phone=1381234567{tail}").content.decode()
    response = client.get(f"/register/?phone={PHONE}")
    assert "电话查询过于频繁" in response.content.decode() and case.number not in response.content.decode()
    assert PhoneLookup.objects.filter(refused=False).count() == 3
    assert PhoneLookup.objects.filter(refused=True).count() == 1
    other = client_of(people["chenhf"]).get(f"/register/?phone={PHONE}").content.decode()  # own budget
    assert case.number in other


def test_the_registration_lookup_fills_in_only_what_the_clerk_may_see_in_full(case, people):
    body = client_of(people["lijl"]).get(f"/register/?phone={PHONE}").content.decode()  # manages after-sales
    assert "马先生" in body
