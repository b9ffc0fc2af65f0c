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
    services.forget(c.pk)
    assert not Case.objects.exists()


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
