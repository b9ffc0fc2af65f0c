"""The portal under attack (issue 15): guessing a phone or a number while tracking, reusing one
challenge, flooding submissions from two worker processes, forging X-Forwarded-For, and a
100,000-character 补充信息. Each is refused cleanly, nothing is written by a refused request, and
the customer's phone never travels in a URL."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

import pytest
from captcha.models import CaptchaStore
from django.test import Client, RequestFactory
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from kesu.complaints.models import Complaint
from kesu.core.lifecycle import State
from kesu.portal.limits import client_address
from tests.factories import bring_to
from tests.portal.person import complaint_fields, read_image, submit
from tests.servers import ROOT, child_env

pytestmark = pytest.mark.django_db

PHONE = "13911112222"
LIMITED = "查询次数过多"
NOT_FOUND = "投诉编号与电话不匹配"


@pytest.fixture(autouse=True)
def _fresh_limits():
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def case(p1, people):
    return bring_to(State.HANDLING, people, timezone.now(), customer_phone=PHONE)


def track(client: Client, number: str, phone: str) -> str:
    return client.post("/portal/track/", {"number": number, "phone": phone}, follow=True).content.decode()


# --- tracking: guessing ----------------------------------------------------------------------------


def test_400_wrong_phones_from_one_address_stop_after_ten_and_then_even_the_right_one_is_refused(case):
    client = Client(REMOTE_ADDR="198.51.100.9")
    answers = [track(client, case.number, f"1380000{i:04d}") for i in range(400)]
    assert all(NOT_FOUND in a for a in answers[:10])
    assert all(LIMITED in a and NOT_FOUND not in a for a in answers[10:])
    page = track(client, case.number, PHONE)  # the right pair, too late: guessing stays pointless
    assert LIMITED in page and "登记受理" not in page


def test_a_known_number_against_many_phones_from_many_addresses_is_stopped_by_the_number(case):
    answers = [track(Client(REMOTE_ADDR=f"198.51.100.{i}"), case.number, f"1380000{i:04d}") for i in range(1, 40)]
    assert sum(NOT_FOUND in a for a in answers) == 10
    assert LIMITED in track(Client(REMOTE_ADDR="192.0.2.77"), case.number, PHONE)


def test_300_sequential_numbers_with_a_known_phone_from_many_addresses_never_reach_the_case(p1, people):
    target = bring_to(State.REGISTERED, people, timezone.now(), customer_phone=PHONE)
    start = int(target.number) - 150  # the attacker scans upwards from an older number
    answers = []
    for i, n in enumerate(range(start, start + 300)):
        answers.append(track(Client(REMOTE_ADDR=f"10.{i // 250}.{i % 250}.1"), str(n), PHONE))
    assert sum(NOT_FOUND in a for a in answers) == 10 and sum(LIMITED in a for a in answers) == 290
    assert not any("登记受理" in a for a in answers)


def test_junk_numbers_and_phones_are_answered_like_any_wrong_pair(case):
    client = Client(REMOTE_ADDR="198.51.100.10")
    for junk in ["\x00", "<script>alert(1)</script>", "1" * 5000, "١٣٩١١١١٢٢٢٢", "\u202e2222", "' OR 1=1 --"]:
        page = client.post("/portal/track/", {"number": junk, "phone": junk}, follow=True)
        assert page.status_code == 200 and NOT_FOUND in page.content.decode()
    page = client.post("/portal/track/", {"number": case.number, "phone": "\x00" + PHONE}, follow=True)
    assert NOT_FOUND in page.content.decode()


# --- tracking: the phone never in a URL --------------------------------------------------------------


def test_tracking_keeps_the_phone_out_of_every_url_and_page(case):
    client = Client()
    assert NOT_FOUND not in client.get(f"/portal/track/?number={case.number}&phone={PHONE}").content.decode()
    assert "登记受理" not in client.get(f"/portal/track/?number={case.number}&phone={PHONE}").content.decode()
    posted = client.post("/portal/track/", {"number": case.number, "phone": PHONE})
    assert posted.status_code == 302 and PHONE not in posted["Location"]
    page = client.get(posted["Location"]).content.decode()
    assert "登记受理" in page and PHONE not in page and "1391111" not in page
    # the steps that follow ride on the session, not on a phone re-sent in hidden fields
    client.post("/portal/track/", {"what": "info", "text": "补充：漏水点在排水管"})
    assert case.events.filter(kind="customer_added_info").count() == 1


def test_the_opened_case_closes_when_the_customer_leaves_and_after_half_an_hour(case, monkeypatch):
    client = Client()
    client.post("/portal/track/", {"number": case.number, "phone": PHONE})
    client.post("/portal/track/", {"what": "leave"})
    assert "登记受理" not in client.get("/portal/track/").content.decode()
    assert "查询已超时" in client.post("/portal/track/", {"what": "info", "text": "x"}).content.decode()
    client.post("/portal/track/", {"number": case.number, "phone": PHONE})
    later = timezone.now() + timedelta(minutes=31)
    monkeypatch.setattr("kesu.portal.views.timezone.now", lambda: later)
    assert "查询已超时" in client.post("/portal/track/", {"what": "info", "text": "x"}).content.decode()
    assert not case.events.filter(kind="customer_added_info").exists()


def test_another_browser_cannot_ride_on_an_identified_session(case):
    mine, theirs = Client(), Client()
    mine.post("/portal/track/", {"number": case.number, "phone": PHONE})
    assert "登记受理" not in theirs.get("/portal/track/").content.decode()
    assert "查询已超时" in theirs.post("/portal/track/", {"what": "object", "text": "x"}).content.decode()


# --- 补充信息 ---------------------------------------------------------------------------------------


def test_100000_characters_of_additional_information_are_refused_naming_the_field_and_nothing_is_stored(case):
    client = Client()
    client.post("/portal/track/", {"number": case.number, "phone": PHONE})
    page = client.post("/portal/track/", {"what": "info", "text": "很" * 100_000}).content.decode()
    assert "补充信息" in page and "不能超过 2000 个字" in page
    assert not case.events.filter(kind="customer_added_info").exists()
    client.post("/portal/track/", {"what": "info", "text": "很" * 2000})  # the limit itself is allowed
    assert case.events.filter(kind="customer_added_info").count() == 1


def test_an_objection_of_100000_characters_is_refused_and_the_case_keeps_its_state(p1, people):
    c = bring_to(State.FOLLOW_UP, people, timezone.now(), customer_phone=PHONE)
    client = Client()
    client.post("/portal/track/", {"number": c.number, "phone": PHONE})
    page = client.post("/portal/track/", {"what": "object", "text": "不" * 100_000}).content.decode()
    c.refresh_from_db()
    assert "复审理由" in page and c.status == State.FOLLOW_UP


# --- the image check ---------------------------------------------------------------------------------


def test_the_page_carries_no_answer_a_script_could_parse(p1, people):
    page = Client().get("/portal/complain/").content.decode()
    key = read_image(page)["captcha_0"]
    store = CaptchaStore.objects.get(hashkey=key)
    assert store.response.upper() not in page and store.response not in page
    assert f"/portal/captcha/image/{key}/" in page
    image = Client().get(f"/portal/captcha/image/{key}/")
    assert image.status_code == 200 and image.content.startswith(b"\x89PNG")


def test_one_challenge_answered_once_registers_one_complaint_of_twelve(p1, people):
    client = Client()
    answer = read_image(client.get("/portal/complain/").content.decode())
    pages = [client.post("/portal/complain/", {**complaint_fields(), **answer}).content.decode() for _ in range(12)]
    assert Complaint.objects.count() == 1
    assert all("验证码不正确或已使用" in p for p in pages[1:])


def test_a_wrong_answer_spends_the_challenge_so_it_cannot_be_guessed(p1, people):
    client = Client()
    answer = read_image(client.get("/portal/complain/").content.decode())
    client.post("/portal/complain/", {**complaint_fields(), **answer, "captcha_1": "zzzz"})
    page = client.post("/portal/complain/", {**complaint_fields(), **answer}).content.decode()
    assert "验证码不正确或已使用" in page and not Complaint.objects.exists()
    assert not CaptchaStore.objects.filter(hashkey=answer["captcha_0"]).exists()


def test_the_librarys_test_answer_passed_is_refused(p1, people):
    client = Client()
    answer = read_image(client.get("/portal/complain/").content.decode())
    page = client.post("/portal/complain/", {**complaint_fields(), **answer, "captcha_1": "passed"}).content.decode()
    assert "验证码不正确或已使用" in page and not Complaint.objects.exists()


def test_a_refused_form_shows_a_fresh_challenge(p1, people):
    client = Client()
    first = client.get("/portal/complain/").content.decode()
    answer = read_image(first)
    again = client.post("/portal/complain/", {**complaint_fields(customer_words=""), **answer}).content.decode()
    assert answer["captcha_0"] not in again
    accepted = client.post("/portal/complain/", {**complaint_fields(), **read_image(again)}).content.decode()
    assert "您的投诉已受理" in accepted


# --- submissions: the limit across workers and addresses ---------------------------------------------


def test_a_spoofed_x_forwarded_for_is_ignored_when_no_proxy_is_configured(p1, people):
    for i in range(10):
        submit(Client(HTTP_X_FORWARDED_FOR=f"203.0.113.{i}"))  # each "from" another address; all from 127.0.0.1
    assert Complaint.objects.count() == 5


def test_behind_the_configured_proxy_each_customer_has_their_own_limit(p1, people, settings):
    settings.KESU_TRUSTED_PROXY_HEADER = "X-Forwarded-For"
    settings.KESU_TRUSTED_PROXIES = ["10.0.0.2"]
    a = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.1")
    b = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.2")
    for _ in range(6):
        submit(a)
        submit(b)
    assert Complaint.objects.count() == 10  # five each: one customer's flood does not lock out the other


def test_a_refused_registration_does_not_use_up_the_customers_five(p1, people):
    client = Client()
    for _ in range(3):
        submit(client, customer_phone="12")  # the door refuses the phone
    for _ in range(5):
        submit(client)
    assert Complaint.objects.count() == 5


def test_the_client_address_is_read_from_the_trusted_proxy_only(settings):
    rf = RequestFactory()
    settings.KESU_TRUSTED_PROXY_HEADER = ""
    assert client_address(rf.get("/", REMOTE_ADDR="198.51.100.5", HTTP_X_FORWARDED_FOR="1.2.3.4")) == "198.51.100.5"
    settings.KESU_TRUSTED_PROXY_HEADER = "X-Forwarded-For"
    settings.KESU_TRUSTED_PROXIES = ["10.0.0.0/24", "127.0.0.1"]
    # a customer who writes their own X-Forwarded-For: the proxy appends the real address
    forged = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7")
    assert client_address(forged) == "198.51.100.7"
    # two proxies of ours in a row: the entry left of them is the client
    chain = rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.8, 10.0.0.9")
    assert client_address(chain) == "198.51.100.8"
    # not from a proxy of ours: the header is anybody's words
    direct = rf.get("/", REMOTE_ADDR="198.51.100.5", HTTP_X_FORWARDED_FOR="10.0.0.3")
    assert client_address(direct) == "198.51.100.5"
    assert client_address(rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="not-an-ip")) == "10.0.0.2"
    # one IPv6 customer holds a whole /64: every address in it counts as one
    v6 = [client_address(rf.get("/", REMOTE_ADDR=f"2001:db8:1:2::{i}")) for i in (1, 2)]
    assert v6 == ["2001:db8:1:2::/64"] * 2


def test_a_proxy_header_without_proxies_stops_start_up():
    env = {**child_env(), "KESU_TRUSTED_PROXY_HEADER": "X-Forwarded-For", "KESU_TRUSTED_PROXIES": ""}
    out = subprocess.run([sys.executable, "-c", "import kesu.settings"], env=env, cwd=ROOT, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode != 0 and "KESU_TRUSTED_PROXIES" in out.stderr


CHILD = """
import django
django.setup()
from django.test import Client
from tests.portal.person import submit
client = Client(REMOTE_ADDR="203.0.113.50")
print(sum("您的投诉已受理" in submit(client).content.decode() for _ in range(5)))
"""


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_ten_submissions_from_two_worker_processes_register_five(p1, people):
    env = child_env(KESU_ALLOWED_HOSTS="testserver")
    env.pop("KESU_TRUSTED_PROXY_HEADER", None)
    workers = [subprocess.Popen([sys.executable, "-c", CHILD], env=env, cwd=ROOT, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [w.communicate(timeout=180) for w in workers]
    assert all(w.returncode == 0 for w in workers), [err for _out, err in results]
    accepted = [int(out.strip().splitlines()[-1]) for out, _err in results]
    assert sum(accepted) == 5 and Complaint.objects.count() == 5


@pytest.mark.slow
def test_with_redis_configured_two_cache_clients_share_one_budget(settings, tmp_path):
    import uuid

    from django.core.cache.backends.redis import RedisCache

    from kesu.portal.limits import Limit
    from tests.servers import redis_server

    prefix = f"kesu-test-{uuid.uuid4().hex}"  # a shared test Redis may hold other tests' keys: never flushed here
    with redis_server(tmp_path) as url:
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url,
                                       "KEY_PREFIX": prefix}}
        limit = Limit("portal-submit", 5, 60)
        other_worker = RedisCache(url, {"KEY_PREFIX": prefix})  # another process's client of the same server
        taken = [limit.spend("203.0.113.9") for _ in range(3)]
        assert all(taken) and len(set(taken)) == 3
        assert len(other_worker.get_many(taken)) == 3  # the other worker sees every slot taken
        assert [limit.spend("203.0.113.9") is not None for _ in range(4)] == [True, True, False, False]
        assert limit.exhausted("203.0.113.9") and not limit.exhausted("203.0.113.10")


# --- anything at all in the portal's fields --------------------------------------------------------

HOSTILE = st.text(alphabet=st.characters(codec="utf-8"), max_size=300) | st.sampled_from(
    ["\x00", "<script>alert(1)</script>", "=HYPERLINK(\"x\")", "\u202e\u200f", "A&B;", "价格<100元", "1" * 5000,
     "' OR 1=1 --", "../../etc/passwd", "\r\nSet-Cookie: x=1"])


@hyp_settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(number=HOSTILE, phone=HOSTILE, text=HOSTILE, captcha=HOSTILE)
def test_anything_in_any_portal_field_is_answered_without_a_server_error_or_a_stray_write(
        case, number, phone, text, captcha):
    events = case.events.count()
    client = Client(REMOTE_ADDR="198.51.100.200")
    answers = [
        client.post("/portal/track/", {"number": number, "phone": phone}),
        client.post("/portal/track/", {"what": "info", "text": text}),  # no case identified: nothing written
        client.post("/portal/complain/", {**complaint_fields(customer_words=text), "captcha_0": captcha,
                                          "captcha_1": text}),
        client.get("/portal/track/", {"number": number, "phone": phone}),
        client.post(f"/portal/rate/{captcha}/", {"score": text, "comment": text}),
    ]
    assert [r.status_code < 500 for r in answers] == [True] * len(answers)
    assert case.events.count() == events and Complaint.objects.count() == 1


def test_anything_a_customer_adds_is_stored_or_refused_by_label(case):
    client = Client()
    client.post("/portal/track/", {"number": case.number, "phone": PHONE})
    for text in ["\x00补充\x00", "<b>粗体</b> & A&B", "\u202e倒序", "=cmd|' /C calc'!A0", "  "]:
        page = client.post("/portal/track/", {"what": "info", "text": text})
        assert page.status_code == 200
    stored = list(case.events.filter(kind="customer_added_info").values_list("reason", flat=True))
    assert stored == ["补充", "<b>粗体</b> & A&B", "\u202e倒序", "=cmd|' /C calc'!A0"]  # as typed
