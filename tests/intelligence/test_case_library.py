"""F13 case library (投诉案例库): closed cases with their cause, solution and outcome, personal data
removed, searchable by meaning and by keyword, and shown beside a new complaint as similar past cases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from kesu import tasks
from kesu.core.lifecycle import State
from kesu.intelligence import services
from kesu.intelligence.models import Case
from kesu.workflow import services as workflow
from tests.factories import bring_to, register

pytestmark = pytest.mark.django_db

LEAK = "马先生来电：车库里的热水器漏水，把地板泡坏了，电话13812345678，邮箱ma@example.com。"


def leaked_heater_case(people, now):  # type: ignore[no-untyped-def]
    c = bring_to(State.HANDLING, people, now, customer_words=LEAK)
    workflow.submit_investigation(c, findings=workflow.Findings(
        valid=True, cause="安装时进水管接头未拧紧", course="上门查看", conclusion="安装问题",
        corrective="重新安装并更换密封圈", preventive="安装后做打压测试"), actor=people["lijl"], now=now,
        expected_version=c.version)
    return c


def test_a_closed_case_enters_the_library_without_personal_data(p1, people, now):
    bring_to(State.ARCHIVED, people, now, customer_words=LEAK)
    tasks.run("intelligence.library")
    case = Case.objects.get()
    assert "13812345678" not in case.text and "ma@example.com" not in case.text and "马先生" not in case.text
    assert "热水器漏水" in case.problem
    assert case.solution == "免费返修，赠送一次保养" and "返修完成" in case.outcome


def test_the_cause_comes_from_the_investigation(p1, people, now):
    from kesu.complaints import lifecycle

    c = leaked_heater_case(people, now)
    for step, kwargs in (("agree_solution", {"plan": "重新安装热水器，赔偿地板"}),
                         ("return_result", {"result": "已重新安装，地板已赔偿"})):
        c = getattr(lifecycle, step)(c, actor=people["lijl"], now=now, **kwargs)
    c = lifecycle.record_return_visit(c, actor=people["chenhf"], now=now, satisfied=True, conversation="客户满意")
    lifecycle.sign_off(c, actor=people["zhoujl"], now=now)
    services.build_library(now)
    case = Case.objects.get()
    assert "进水管接头未拧紧" in case.cause and "更换密封圈" in case.solution


def test_searchable_by_meaning_and_by_keyword(p1, people, now):
    bring_to(State.ARCHIVED, people, now, customer_words=LEAK)
    bring_to(State.ARCHIVED, people, now, customer_words="销售承诺送的行车记录仪一直没装")
    services.build_library(now)
    meaning = services.search_cases("上次客户的热水器漏了水是怎么处理的")
    assert "热水器" in meaning[0].case.problem
    keyword = services.search_cases("漏水")
    assert keyword[0].by_keyword and "热水器" in keyword[0].case.problem


def test_shown_beside_a_new_complaint_as_a_similar_past_case(p1, people, now):
    bring_to(State.ARCHIVED, people, now, customer_words=LEAK)
    services.build_library(now)
    new = register(people, now + timedelta(days=60), customer_words="家里热水器漏水，地板都泡了")
    tasks.run("intelligence.vectors")
    assert [f.case.problem for f in services.similar_cases(new)][:1] == [Case.objects.get().problem]
    page = Client()
    page.force_login(people["wangkf"])
    assert "相似的历史案例" in page.get(f"/intelligence/c/{new.number}/panel/").content.decode()


def test_the_library_page(p1, people, now):
    bring_to(State.ARCHIVED, people, now, customer_words=LEAK)
    services.build_library(now)
    page = Client()
    page.force_login(people["wangkf"])
    html = page.get("/intelligence/cases/", {"q": "热水器漏水"}).content.decode()
    assert "热水器漏水" in html and "13812345678" not in html


def test_an_erased_customers_case_leaves_the_library(p1, people, now):
    c = bring_to(State.ARCHIVED, people, now, customer_words=LEAK)
    services.build_library(now)
    services.forget(c.pk, now)
    assert not Case.objects.exists()


# --- the library's pass at scale: it reads the timeline since its last run, never every complaint --------


def test_a_case_closed_late_joins_the_library_though_its_number_is_older(p1, people, now):
    older = bring_to(State.SATISFIED, people, now, customer_words="热水器漏水，师傅上门两次才修好")
    newer = bring_to(State.ARCHIVED, people, now, customer_words=LEAK)
    assert services.build_library(now) == 1 and Case.objects.get().pk == newer.pk
    from kesu.complaints import lifecycle

    lifecycle.sign_off(older, actor=people["zhoujl"], now=now + timedelta(days=3))
    assert services.build_library(now + timedelta(days=3)) == 1
    assert set(Case.objects.values_list("pk", flat=True)) == {older.pk, newer.pk}


def test_each_run_reads_from_where_the_last_one_stopped(p1, people, now, monkeypatch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kesu.complaints.models import ComplaintEvent
    from kesu.intelligence.models import Mark

    monkeypatch.setattr(services, "LIBRARY_LAG", 0)  # no re-read behind the mark, so the bound is the mark
    bring_to(State.ARCHIVED, people, now, customer_words=LEAK)
    services.build_library(now)
    top = ComplaintEvent.objects.latest("pk").pk
    assert Mark.objects.get(name=services.LIBRARY_MARK).value == top
    with CaptureQueriesContext(connection) as seen:
        assert services.build_library(now) == 0
    reads = [q["sql"] for q in seen.captured_queries if "complaintevent" in q["sql"] and "to_status" in q["sql"]]
    assert len(reads) == 1 and "NOT IN" not in reads[0].upper()
    assert f'"id" > {top}' in reads[0]  # the primary key's range after the mark, nothing older


def test_a_run_takes_a_batch_and_the_next_run_the_rest(p1, people, now):
    for words in ("热水器漏水", "空调不制冷", "冰箱异响"):
        bring_to(State.ARCHIVED, people, now, customer_words=words)
    assert [services.build_library(now, batch=2) for _ in range(3)] == [2, 1, 0]
    assert Case.objects.count() == 3


def test_a_case_reopened_and_closed_again_stays_one_entry(p1, people, now):
    from kesu.complaints import lifecycle

    c = bring_to(State.SIGNED_OFF, people, now, customer_words=LEAK)
    services.build_library(now)
    c = lifecycle.reopen(c, actor=people["zhoujl"], now=now, reason="客户再次来电")
    assert services.build_library(now) == 0 and Case.objects.count() == 1


def test_in_english_the_library_names_each_cases_category_by_the_policys_english(p1, people, now):
    from kesu.core.policy.model import named
    from kesu.policies.services import active_version, policy_of

    bring_to(State.ARCHIVED, people, now, customer_words=LEAK)
    services.build_library(now)
    case = Case.objects.get()
    path = policy_of(active_version()).category_path(case.category)
    page = Client()
    page.force_login(people["wangkf"])
    page.post("/i18n/setlang/", {"language": "en", "next": "/queue/"})
    html = page.get("/intelligence/cases/").content.decode()
    assert " / ".join(named(n, "en") for n in path) in html
    assert " / ".join(n.name for n in path) not in html
