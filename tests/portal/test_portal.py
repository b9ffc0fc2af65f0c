"""The customer side (SPEC F10): the notice comes from the policy in force; a complaint made
online gets its number at once; tracking needs the number and the phone together; a customer
adds information, objects to a result and rates the handling — and never sees another's case."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from kesu.complaints.models import Complaint
from kesu.core.lifecycle import State
from kesu.portal import services
from tests.factories import bring_to
from tests.portal.person import complaint_fields, read_image, submit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    from django.core.cache import cache

    cache.clear()


def fill(client: Client, **overrides: str):
    """Fetch the form, read its image check after a human pause, and submit."""
    return submit(client, **overrides)


def test_the_notice_is_generated_from_the_policy_in_force(p1, people):
    page = Client().get("/portal/").content.decode()
    assert "四级服务投诉处理制度" in page
    assert "与您第一次联系" in page and "重大投诉：10分钟" in page and "不满意：30分钟" in page
    assert "电话" in page and "意见箱" in page
    assert "协调工作单交部门经理" not in page  # internal hand-offs are not promises to the customer


def test_a_complaint_made_online_gets_its_number_at_once(p1, people):
    page = fill(Client()).content.decode()
    c = Complaint.objects.get()
    assert c.number in page and c.channel == "web" and c.status == State.REGISTERED
    assert c.receiver.username == "portal" and not c.receiver.has_usable_password()


def test_a_wrong_answer_a_bot_and_a_flood_are_refused_and_nothing_is_registered(p1, people):
    client = Client()
    assert "验证码不正确" in fill(client, captcha_1="WRONG").content.decode()
    assert "提交过快" in fill(client, website="http://spam.example").content.decode()
    assert not Complaint.objects.exists()
    for _ in range(5):
        fill(client)
    assert "提交过于频繁" in fill(client).content.decode()
    assert Complaint.objects.count() == 5


def test_a_form_submitted_at_once_is_refused_as_too_fast(p1, people):
    client = Client()
    page = client.get("/portal/complain/").content.decode()
    response = client.post("/portal/complain/", {**complaint_fields(), **read_image(page, pace_seconds=0)})
    assert "提交过快" in response.content.decode() and not Complaint.objects.exists()


def test_tracking_needs_the_number_and_the_phone_together(p1, people):
    mine = bring_to(State.HANDLING, people, timezone.now(), customer_phone="13911112222")
    other = bring_to(State.HANDLING, people, timezone.now(), customer_phone="13633334444",
                     customer_name="另一位客户")
    client = Client()
    page = client.post("/portal/track/", {"number": mine.number, "phone": "139-1111-2222"}, follow=True)
    assert "处理中" in page.content.decode() and "登记受理" in page.content.decode()
    client.post("/portal/track/", {"what": "leave"})
    wrong = client.post("/portal/track/", {"number": other.number, "phone": "13911112222"}).content.decode()
    assert "投诉编号与电话不匹配" in wrong and "另一位客户" not in wrong and other.customer_words not in wrong


def test_the_customer_adds_information_and_objects_to_the_result(p1, people):
    c = bring_to(State.FOLLOW_UP, people, timezone.now(), customer_phone="13911112222")
    client = Client()
    client.post("/portal/track/", {"number": c.number, "phone": "13911112222"})
    client.post("/portal/track/", {"what": "info", "text": "补充：漏水点在室内机排水管"})
    page = client.post("/portal/track/", {"what": "object", "text": "维修后仍然漏水"}).content.decode()
    c.refresh_from_db()
    assert c.status == State.OBJECTED and "复审申请已提交" in page
    assert c.events.filter(kind="customer_added_info", reason__contains="排水管").exists()


def test_a_signed_link_rates_the_handling_once_and_a_forged_one_does_nothing(p1, people):
    c = bring_to(State.SATISFIED, people, timezone.now())
    client = Client()
    token = services.rating_token(c)
    tracked = client.post("/portal/track/", {"number": c.number, "phone": "13812345678"}, follow=True).content.decode()
    assert "/portal/rate/" in tracked  # the customer finds the link on their own case
    assert "感谢您的评价" in client.post(f"/portal/rate/{token}/", {"score": "5", "comment": "很满意"}).content.decode()
    assert "您已评价过" in client.post(f"/portal/rate/{token}/", {"score": "1"}).content.decode()
    assert c.events.get(kind="customer_rating").changes["score"] == [None, 5]
    forged = token[:-2] + ("aa" if not token.endswith("aa") else "bb")
    assert client.get(f"/portal/rate/{forged}/").status_code == 404


def test_the_portal_is_closed_when_the_policy_takes_no_online_complaints(publish, people, now):
    from kesu.core.policy.io import PRESETS_DIR
    from kesu.policies.services import import_and_publish

    text = (PRESETS_DIR / "p1_four_level.yaml").read_text(encoding="utf-8").replace(
        "channels: [phone, walk_in, suggestion_box, web, internal]", "channels: [phone, walk_in]")
    import_and_publish(text=text, actor=None, now=now - timedelta(days=1))
    assert Client().get("/portal/complain/").status_code == 403


@pytest.mark.parametrize("closed", [State.SIGNED_OFF, State.ARCHIVED])
def test_a_closed_case_offers_no_box_for_more_information_and_refuses_a_forged_post(p1, people, closed):
    from kesu.complaints import lifecycle
    from kesu.core.errors import TransitionRefused

    c = bring_to(closed, people, timezone.now(), customer_phone="13911112222")
    client = Client()
    page = client.post("/portal/track/", {"number": c.number, "phone": "13911112222"}, follow=True).content.decode()
    assert 'value="info"' not in page and "补充信息" not in page
    refused = client.post("/portal/track/", {"what": "info", "text": "还有一件事"}).content.decode()
    assert "本投诉已结案，不能再补充信息" in refused
    assert not c.events.filter(kind="customer_added_info").exists()
    with pytest.raises(TransitionRefused):  # nor does the kernel take it from any door
        lifecycle.record_customer_input(c, kind="customer_added_info", actor=services.portal_actor(),
                                        now=timezone.now(), text="还有一件事")


def test_a_case_still_being_handled_takes_more_information(p1, people):
    c = bring_to(State.SATISFIED, people, timezone.now(), customer_phone="13911112222")
    client = Client()
    page = client.post("/portal/track/", {"number": c.number, "phone": "13911112222"}, follow=True).content.decode()
    assert 'value="info"' in page


def test_refused_information_comes_back_in_its_box_with_the_error_beside_it_by_label(p1, people):
    from kesu.portal.services import TEXT_LIMIT

    c = bring_to(State.FOLLOW_UP, people, timezone.now(), customer_phone="13911112222")
    client = Client()
    client.post("/portal/track/", {"number": c.number, "phone": "13911112222"})
    typed = "漏水" * (TEXT_LIMIT // 2 + 1)  # past what one addition takes
    page = client.post("/portal/track/", {"what": "info", "text": typed}).content.decode()
    assert f">{typed}</textarea>" in page  # nothing typed is lost
    assert f"字段「补充信息」：不能超过 {TEXT_LIMIT} 个字" in page and 'id="id_info_errors"' in page
    empty = client.post("/portal/track/", {"what": "object", "text": "  "}).content.decode()
    assert "字段「复审理由」：必填，不能为空" in empty and "「text」" not in empty
    assert not c.events.filter(kind="customer_added_info").exists()
