"""The customer side tells the customer (issue 13): the public notice names the company, its
hotline and address and lists only the clocks the policy marks as promises to customers; tracking
shows what the customer was told at each step; and the customer may object within the policy's
window after the case is closed — archived or not — as the rulebook decides."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from kesu.complaints import lifecycle
from kesu.core.errors import KesuError
from kesu.core.lifecycle import Facts, State, customer_may_object, objection_window_over
from kesu.portal import services
from tests.factories import bring_to

pytestmark = pytest.mark.django_db
PHONE = "13911112222"


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    from django.core.cache import cache

    cache.clear()


def tracked(c, client: Client | None = None) -> str:
    client = client or Client()
    client.post("/portal/track/", {"what": "find", "number": c.number, "phone": PHONE})
    return client.get("/portal/track/").content.decode()


def test_the_notice_names_the_company_its_hotline_and_address(p1, people):
    page = Client().get("/portal/").content.decode()
    assert "示例汽车销售服务有限公司" in page and "400-800-1234" in page and "北京市朝阳区示例路 88 号" in page
    english = Client()
    english.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = english.get("/portal/").content.decode()
    assert "Example Auto Sales &amp; Service Co., Ltd." in page and "88 Example Road" in page
    assert "Complaint hotline" in page and "400-800-1234" in page


def test_the_notice_promises_only_the_clocks_the_policy_marks_for_customers(p1, people):
    page = Client().get("/portal/").content.decode()
    promises = page.split("我们的时限承诺")[1].split("处理流程")[0]
    assert "与您第一次联系" in promises and "重大投诉：10分钟" in promises and "现场：10分钟" in promises
    assert "处理结果回访" in promises and "各级投诉：24小时" in promises
    for internal in ("回访专员跟踪电话", "40分钟", "协调工作单交部门经理", "整理方案", "处理结果交回回访专员"):
        assert internal not in promises


def test_the_notice_in_english_speaks_of_minutes_and_hours(p1, people):
    english = Client()
    english.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = english.get("/portal/").content.decode()
    assert "First contact with you" in page and "Major complaint: 10 minutes" in page
    assert "Follow-up call on the result" in page and "24 hours" in page and "progress call" not in page


def test_tracking_shows_what_the_customer_was_told_not_the_staffs_notes(p1, people):
    c = bring_to(State.SOLUTION_AGREED, people, timezone.now() - timedelta(hours=2), customer_phone=PHONE)
    manager = c.department.manager
    lifecycle.record_contact(c, actor=manager, now=timezone.now() - timedelta(hours=1),
                             note="内部：客户情绪激动，已安抚")
    c.refresh_from_db()
    c = lifecycle.perform_activity(c, "inform_customer", actor=manager, now=timezone.now() - timedelta(minutes=30),
                                   reason="已为您安排周六免费返修，并赠送一次保养", expected_version=c.version)
    page = tracked(c)
    assert "免费返修，赠送一次保养" in page  # the solution agreed with the customer
    assert "已为您安排周六免费返修，并赠送一次保养" in page  # the result told
    assert "内部：客户情绪激动" not in page  # a working note stays inside


def test_the_customer_objects_after_the_case_is_archived_within_the_window(p1, people):
    closed = timezone.now() - timedelta(days=3)
    c = bring_to(State.ARCHIVED, people, closed, customer_phone=PHONE)
    client = Client()
    page = tracked(c, client)
    assert "申请复审" in page
    page = client.post("/portal/track/", {"what": "object", "text": "返修后问题再次出现"}).content.decode()
    c.refresh_from_db()
    assert c.status == State.OBJECTED and "复审申请已提交" in page


def test_past_the_window_the_objection_is_neither_offered_nor_taken(p1, people):
    closed = timezone.now() - timedelta(days=31)  # P1: objection_within 30d after the sign-off
    c = bring_to(State.ARCHIVED, people, closed, customer_phone=PHONE)
    client = Client()
    assert "申请复审" not in tracked(c, client)
    page = client.post("/portal/track/", {"what": "object", "text": "返修后问题再次出现"}).content.decode()
    c.refresh_from_db()
    assert c.status == State.ARCHIVED and "已超过制度规定的提出异议期限" in page


def test_the_window_is_counted_from_the_sign_off_with_the_time_injected(p1, people):
    signed = timezone.now() - timedelta(days=100)
    c = bring_to(State.SIGNED_OFF, people, signed, customer_phone=PHONE)
    sign_off = c.events.get(kind="sign_off").at
    c = services.object_to_result(c, reason="仍有异响", now=sign_off + timedelta(days=29))
    assert c.status == State.OBJECTED
    late = bring_to(State.SIGNED_OFF, people, signed, customer_phone="13911113333")
    with pytest.raises(KesuError):
        services.object_to_result(late, reason="仍有异响", now=sign_off + timedelta(days=30, minutes=30))


def test_the_rulebook_decides_the_objection_window():
    now = timezone.now()
    assert not objection_window_over(None, now, timedelta(days=30))  # not closed: no window
    assert not objection_window_over(now - timedelta(days=29), now, timedelta(days=30))
    assert objection_window_over(now - timedelta(days=31), now, timedelta(days=30))
    assert customer_may_object(Facts(status=State.ARCHIVED))
    assert not customer_may_object(Facts(status=State.ARCHIVED, objection_window_over=True))
    assert not customer_may_object(Facts(status=State.HANDLING))


def test_a_rating_link_once_used_shows_the_thanks_not_the_form_again(p1, people):
    c = bring_to(State.SATISFIED, people, timezone.now())
    token = services.rating_token(c)
    client = Client()
    client.post(f"/portal/rate/{token}/", {"score": "4", "comment": ""})
    page = client.get(f"/portal/rate/{token}/").content.decode()
    assert "感谢您的评价" in page and 'name="score"' not in page
