"""Every recorded fact is shown where the person needs it (issue 13): the complaint's page shows
every field of the record template it holds — the policy's own fields, 被投诉部门, 发生地点, the
portal's order number, product, model, purchase date, amount, region —, the customer's demands, the
files with previews for images, and the customer's ratings with their scores. Personal data still
as kesu.access shows it to the reader."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from kesu.complaints import intake
from kesu.complaints.models import Complaint
from kesu.core.lifecycle import State
from kesu.portal import services as portal
from tests.factories import P1_FLOW, act
from tests.web.pictures import png

pytestmark = pytest.mark.django_db


EVERYTHING = {
    "customer_name": "马先生", "customer_phone": "13911112222", "customer_region": "北京市朝阳区望京街道",
    "customer_words": "提车第二天发现左后门有划痕，要求补漆并赔偿误工。", "demands": ["repair", "compensation"],
    "occurred_at": "2026-03-08T15:20", "occurred_place": "北京市朝阳区望京店交车区", "product_name": "轿车",
    "product_model": "雅阁 2024 款", "order_number": "SO-20260301-0042", "purchase_date": "2026-03-01",
    "amount_involved": "1200.50", "extra.plate_number": "京A12345", "extra.vin": "LHGCV1658N8000001",
    "extra.mileage": "35", "extra.repair_order_no": "WX-8812",
}


def registered(people, now, **changes):  # type: ignore[no-untyped-def]
    files = [intake.FileIn("划痕.png", png()), intake.FileIn("购车发票.pdf", b"%PDF-1.4 invoice")]
    return intake.register(intake.Received("phone", {**EVERYTHING, **changes}, files, complained_department="sales",
                                           location="after_sales"), actor=people["wangkf"], now=now).complaint


def walk(c: Complaint, people, now, until: State) -> Complaint:  # type: ignore[no-untyped-def]
    for state, action, who, kwargs in P1_FLOW:
        kwargs = {k: c.complained_department if v == "@complained" else v for k, v in kwargs.items()}
        actor = c.complained_department.manager if who == "@manager" else people[who]
        c = act(c, action, actor, now, **kwargs)
        if state == until:
            return c
    raise AssertionError(until)


def page_of(people, who: str, c: Complaint) -> str:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(people[who])
    return client.get(f"/c/{c.number}/").content.decode()


def test_the_page_shows_every_field_of_the_record_template_the_complaint_holds(p1, people):
    c = registered(people, timezone.now() - timedelta(hours=1))
    page = page_of(people, "wangkf", c)
    for label, value in (("客户地区", "北京市朝阳区望京街道"), ("发生时间", "2026-03-08 15:20"),
                         ("发生地点", "北京市朝阳区望京店交车区"), ("被投诉部门", "销售部"),
                         ("发生门店/场所", "售后服务部"),
                         ("产品名称", "轿车"), ("产品型号", "雅阁 2024 款"), ("订单/批号", "SO-20260301-0042"),
                         ("购买日期", "2026-03-01"), ("涉及金额", "1200.50 元"), ("车牌号", "京A12345"),
                         ("车架号（VIN）", "LHGCV1658N8000001"), ("行驶里程（公里）", "35"), ("维修工单号", "WX-8812")):
        assert re.search(rf"<dt>{re.escape(label)}</dt><dd>{re.escape(value)}</dd>", page), label
    demands = re.search(r'<ul class="demands">(.*?)</ul>', page, re.S)
    assert demands and re.findall(r"<li>(.*?)</li>", demands.group(1)) == ["维修", "赔偿"]


def test_the_portals_order_number_is_shown_to_the_staff(p1, people):
    from django.core.cache import cache

    from tests.portal.person import submit

    cache.clear()
    submit(Client(), order_number="JD-7788123", product_name="空调")
    c = Complaint.objects.get()
    page = page_of(people, "zhoujl", c)
    assert "<dt>订单/批号</dt><dd>JD-7788123</dd>" in page and "<dt>产品名称</dt><dd>空调</dd>" in page


def test_files_are_listed_with_a_preview_for_images_and_open_only_for_those_who_see_the_case(p1, people):
    c = registered(people, timezone.now())
    image, invoice = c.attachments.order_by("pk")
    page = page_of(people, "wangkf", c)
    assert re.search(rf'<img src="/c/{c.number}/files/{image.pk}/" alt="划痕.png"', page)
    assert f'href="/c/{c.number}/files/{invoice.pk}/"' in page and f'<img src="/c/{c.number}/files/{invoice.pk}/' \
        not in page
    client = Client()
    client.force_login(people["wangkf"])
    shown = client.get(f"/c/{c.number}/files/{image.pk}/")
    assert shown["Content-Type"] == "image/png" and b"".join(shown.streaming_content) == png()
    assert shown["X-Content-Type-Options"] == "nosniff" and "attachment" not in shown.get("Content-Disposition", "")
    download = client.get(f"/c/{c.number}/files/{invoice.pk}/")
    assert download["Content-Type"] == "application/octet-stream" and "attachment" in download["Content-Disposition"]
    client.force_login(people["qianyg"])  # a front-line employee of no department of the case
    assert client.get(f"/c/{c.number}/files/{image.pk}/").status_code == 404


def test_staff_see_the_customers_rating_with_its_score(p1, people):
    now = timezone.now()
    c = walk(registered(people, now), people, now, State.SATISFIED)
    portal.rate(c, score=4, comment="处理及时，师傅很专业", now=now)
    page = page_of(people, "zhoujl", c)
    rating = r'<span class="stars"[^>]*>★★★★☆</span> <span class="score">4 / 5 分</span>：处理及时，师傅很专业'
    assert re.search(rating, page)
    assert re.search(r"<b>客户评价</b> <span class=\"score\">4 / 5 分</span>", page)  # and in the timeline


def test_personal_data_on_the_page_stays_as_the_readers_access_allows(p1, people):
    c = walk(registered(people, timezone.now()), people, timezone.now(), State.ASSIGNED)
    audit = page_of(people, "zhengjh", c)  # audit sees the phone masked
    assert "139****2222" in audit and "13911112222" not in audit
    assert "<dt>发生地点</dt><dd>北京市朝阳区望京店交车区</dd>" in audit  # addresses: everybody (P1's default)
