"""F13 repeated complaints: the same customer (their phone's blind index) or the same problem (similar
words; the same product, order or place counts) within the policy's window, found at registration
for every channel, shown with the earlier case, counted for the reports."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from kesu import tasks
from kesu.intelligence import services, similarity
from kesu.intelligence.models import Repeat
from tests.factories import register

pytestmark = pytest.mark.django_db

WORDS = "上周在你们店保养后，发动机故障灯又亮了，要求免费检修并给个说法。"


def test_the_same_customer_within_the_window_is_a_repeat(p1, people, now):
    first = register(people, now - timedelta(days=10), customer_words="刹车有异响", customer_phone="13812345678")
    again = register(people, now, customer_words="空调不制冷", customer_phone="138 1234 5678")
    tasks.run("intelligence.registered", complaint_ids=[again.pk])
    r = Repeat.objects.get(complaint=again)
    assert (r.earlier_id, r.kind, r.same) == (first.pk, "customer", ["phone"])


def test_outside_the_policys_window_it_is_not(p1, people, now):
    register(people, now - timedelta(days=31), customer_words="刹车有异响", customer_phone="13812345678")
    again = register(people, now, customer_words="空调不制冷", customer_phone="13812345678")
    tasks.run("intelligence.registered", complaint_ids=[again.pk])
    assert not Repeat.objects.filter(complaint=again).exists()  # P1 keeps the default window, 30 days


def test_the_same_problem_told_again_by_someone_else_is_found_with_its_meaning(p1, people, now):
    first = register(people, now - timedelta(days=2), customer_words=WORDS, customer_phone="13800000001")
    other = register(people, now - timedelta(days=1), customer_words="销售顾问承诺送的脚垫一直没给",
                     customer_phone="13800000002")
    again = register(people, now, customer_words="上周在你们店保养后发动机故障灯又亮了！要求免费检修，给个说法",
                     customer_phone="13900000003")
    tasks.run("intelligence.vectors")  # the periodic pass: vectors, then the repeats they show
    found = {r.earlier_id: r for r in Repeat.objects.filter(complaint=again, kind="problem")}
    assert first.pk in found and other.pk not in found
    assert found[first.pk].duplicate  # the same complaint again: offered for merging


def test_text_similar_earlier_complaints_for_the_crisis_signals(p1, people, now):
    first = register(people, now - timedelta(days=2), customer_words=WORDS, customer_phone="13800000001")
    again = register(people, now, customer_words=WORDS + "！", customer_phone="13900000003")
    found = services.similar_earlier(again)  # before any vector: the wording alone
    assert [s.complaint_id for s in found] == [first.pk] and found[0].score >= similarity.REPEAT_THRESHOLD


def test_the_repeat_is_shown_with_the_earlier_case(p1, people, now):
    first = register(people, now - timedelta(days=2), customer_words=WORDS, customer_phone="13812345678")
    again = register(people, now, customer_words=WORDS, customer_phone="13812345678")
    tasks.run("intelligence.vectors")
    page = Client()
    page.force_login(people["wangkf"])
    html = page.get(f"/intelligence/c/{again.number}/panel/").content.decode()
    assert f'href="/c/{first.number}/"' in html and "同一客户" in html and "同一问题" in html
    assert "并入此投诉" in html  # merging is offered (the step registry says it is available)
    earlier_html = page.get(f"/intelligence/c/{first.number}/panel/").content.decode()
    assert f'href="/c/{again.number}/"' in earlier_html  # and the earlier case shows the later one


def test_repeats_are_counted_for_the_reports(p1, people, now):
    register(people, now - timedelta(days=2), customer_words=WORDS, customer_phone="13812345678")
    register(people, now, customer_words=WORDS, customer_phone="13812345678")
    tasks.run("intelligence.vectors")
    counts = services.repeat_counts(now - timedelta(days=1), now + timedelta(days=1))
    assert counts["repeated"] == 1 and counts["same_customer"] == 1 and counts["duplicates"] == 1


def test_as_shipped_without_a_pair_model_a_problem_told_again_scores_above_another_problem(p1):
    from kesu.intelligence import similarity

    # no model fitted on research data ships (docs/intelligence.md): before its staff have decided
    # enough repeats, an organisation has no pair model and the shipped detector judges
    assert services.pair_model() is None
    again = similarity.score_of(None, "热水器漏水，地板都泡坏了", "家里的热水器一直在漏水，地板被泡坏")
    other = similarity.score_of(None, "热水器漏水，地板都泡坏了", "销售承诺送的行车记录仪一直没装")
    assert again > other
