"""One step registry: every step of the rulebook is declared once (kesu.workflow.steps) and reached
from the staff pages and the API through it; no page or API view decides a role or state itself.
The whole P1 work order and a 协办 round trip run through the API alone."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.test import Client
from django.urls import resolve
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from kesu.complaints.models import Complaint
from kesu.core import lifecycle as rules
from kesu.core.lifecycle import State
from kesu.workflow import steps as registry
from kesu.workflow.models import AssistRequest
from tests.factories import bring_to

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def api_for(person) -> APIClient:
    token, _ = Token.objects.get_or_create(user=person)
    c = APIClient()
    c.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return c


def test_every_rule_of_the_rulebook_is_a_declared_step():
    declared = set(registry.STEPS) | registry.ELSEWHERE
    rulebook = {t.action for t in rules.TRANSITIONS} | {a.action for a in rules.ACTIVITIES}
    assert rulebook - declared == set()
    assert set(registry.STEPS) - rulebook == set()  # and nothing is declared that the rulebook does not judge


def test_every_declared_step_reaches_the_registry_from_the_pages_and_the_api(p1, people, now):
    c = bring_to(State.HANDLING, people, now)
    page, api = Client(), api_for(people["lijl"])
    page.force_login(people["lijl"])
    for code in registry.STEPS:
        assert resolve(f"/c/{c.number}/act/{code}/").func.__name__ == "act"
        # An empty submission meets the registry's or the rulebook's refusal, never "no such page".
        response = page.post(f"/c/{c.number}/act/{code}/", {"version": c.version})
        assert response.status_code == 302, code
        answer = api.post(f"/api/v1/complaints/{c.number}/actions/{code}/", {"expected_version": c.version,
                                                                            "fields": {}}, format="json")
        assert answer.status_code in (403, 409, 422), (code, answer.status_code, answer.content)
        assert answer.json()["error"]["code"] != "not_found"
    assert Complaint.objects.get(pk=c.pk).version == c.version  # nothing was written by any of them


def test_pages_and_api_views_decide_no_role_or_state_rule_themselves():
    offenders = []
    for folder in ("kesu/web", "kesu/api"):
        for path in (ROOT / folder).glob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                        and node.value.id in ("Role", "State"):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.value.id}.{node.attr}")
                if isinstance(node, ast.Attribute) and node.attr == "plays":
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} .plays()")
    assert offenders == []


def test_a_step_form_starts_from_the_complaints_current_values(p1, people, now):
    c = bring_to(State.CLASSIFIED, people, now)
    c.level = "very_unsatisfied" if any(lv.code == "very_unsatisfied" for lv in registry.context(
        c, people["wangkf"], now).policy.levels) else c.level
    ctx = registry.context(Complaint.objects.get(pk=c.pk), people["wangkf"], now)
    classify = registry.STEPS["classify"]
    initial = {i.name: i.initial(ctx) for i in classify.inputs if i.initial}
    assert initial == {"level": ctx.complaint.level, "category": ctx.complaint.category,
                       "validity": ctx.complaint.validity}
    page = Client()
    page.force_login(people["wangkf"])
    html = page.get(f"/c/{c.number}/").content.decode()
    assert f'<option value="{ctx.complaint.level}" selected>' in html  # one click cannot silently change it


def act(api: APIClient, number: str, code: str, **fields) -> dict:
    c = Complaint.objects.get(number=number)
    answer = api.post(f"/api/v1/complaints/{number}/actions/{code}/", {"expected_version": c.version,
                                                                       "fields": fields}, format="json")
    assert answer.status_code == 200, (code, answer.json())
    return answer.json()


def offered(api: APIClient, number: str) -> set[str]:
    return {a["action"] for a in api.get(f"/api/v1/complaints/{number}/actions/").json()}


def test_the_p1_work_order_runs_end_to_end_through_the_api_alone(p1, people):
    agent, manager, specialist = (api_for(people[n]) for n in ("wangkf", "lijl", "chenhf"))
    gm, cs_manager, archive = (api_for(people[n]) for n in ("zhangzong", "zhoujl", "fengda"))
    made = agent.post("/api/v1/complaints/", {"channel": "phone", "customer_words": "发动机故障灯又亮了",
                                               "customer_name": "马先生", "customer_phone": "13800138000",
                                               "complained_department": "after_sales"},
                      format="json")
    assert made.status_code == 201
    n = made.json()["number"]
    act(agent, n, "classify", level="major", category="repair_quality", validity="valid")
    act(agent, n, "assign", reason="交售后服务部经理")
    act(manager, n, "accept")
    assert "contact_made" in offered(manager, n)
    act(manager, n, "contact_made", note="致电客户致歉")
    act(manager, n, "request_approval", kind="solution", plan="免费更换氧传感器")
    assert "approval_decided" in offered(gm, n) and "approval_decided" not in offered(manager, n)
    approval = Complaint.objects.get(number=n).approvals.get()
    act(gm, n, "approval_decided", approval=str(approval.pk), verdict="approve", note="同意")
    act(manager, n, "agree_solution", plan="免费更换氧传感器，客户同意")
    assert "progress_call" in offered(specialist, n)  # 回访专员跟踪电话 can be recorded
    act(specialist, n, "progress_call", note="客户确认周四到店")
    assert "clock_paused" in offered(manager, n)
    act(manager, n, "clock_paused", clock="result_return", reason="约定二次到店")
    assert "clock_resumed" in offered(manager, n)
    act(manager, n, "clock_resumed", clock="result_return", reason="客户到店")
    act(manager, n, "return_result", result="已更换，试车正常")
    act(specialist, n, "record_satisfied", conversation="客户满意")
    act(cs_manager, n, "sign_off", note="同意结案")
    act(gm, n, "review", note="已阅")
    act(archive, n, "archive")
    c = Complaint.objects.get(number=n)
    assert c.status == State.ARCHIVED
    # P1 第五条(四): the check call counts only 40 minutes after registration — this one, minutes in, is kept
    # on the timeline flagged as too early, and never met the clock (cancelled when the case closed)
    call = c.events.get(kind="progress_call")
    assert call.changes["too_early"][1][0]["clock"] == "progress_call"
    assert c.clocks.get(code="progress_call").met is None


def test_a_help_request_round_trip_through_the_api_alone(p1, people, now):
    c = bring_to(State.HANDLING, people, now)
    manager, parts = api_for(people["lijl"]), api_for(people["xupj"])
    act(manager, c.number, "request_assist", department="parts", matter="调拨蓄电池", within="4h")
    # The helping department opens the case it was asked about and answers there.
    assert parts.get(f"/api/v1/complaints/{c.number}/").status_code == 200
    assert "assist_answered" in offered(parts, c.number)
    assist = AssistRequest.objects.get(complaint=c)
    act(parts, c.number, "assist_answered", assist=str(assist.pk), answer="蓄电池已送至维修车间")
    assist.refresh_from_db()
    assert assist.answered_by == people["xupj"]
    assert "assist_answered" in [e.kind for e in Complaint.objects.get(pk=c.pk).events.all()]
    assert "assist_answered" not in offered(parts, c.number)  # answered once


def test_the_helping_department_opens_the_case_on_the_staff_pages(p1, people, now):
    c = bring_to(State.HANDLING, people, now)
    api_for(people["lijl"])
    act(api_for(people["lijl"]), c.number, "request_assist", department="parts", matter="调拨蓄电池")
    page = Client()
    page.force_login(people["xupj"])
    html = page.get(f"/c/{c.number}/").content.decode()
    assert page.get(f"/c/{c.number}/").status_code == 200 and "协办回复" in html


def test_the_p2_tier2_gift_voucher_case_runs_through_the_api_alone(publish, people):
    from django.utils import timezone

    publish("p2_mall_three_tier", timezone.now())
    agent, store, cs = (api_for(people[n]) for n in ("wangkf", "zhaojl", "zhoujl"))
    gm, finance, specialist, audit = (api_for(people[n]) for n in ("zhangzong", "wucw", "chenhf", "zhengjh"))
    made = agent.post("/api/v1/complaints/", {
        "channel": "walk_in", "customer_words": "买的电饭煲三天就坏了，柜台不给换，还态度恶劣。",
        "customer_name": "周女士", "customer_phone": "13900001111", "complained_department": "sales",
        "demands": ["exchange", "apology"], "extra": {"counter": "3 楼家电"}}, format="json")
    assert made.status_code == 201, made.json()
    n = made.json()["number"]
    act(agent, n, "classify", level="tier1", category="exchange", validity="valid")
    act(agent, n, "assign", department="sales")
    act(store, n, "accept")
    act(store, n, "raise_level", reason="需厂商鉴定，超出门店权限")  # 二级 → the complaint centre
    act(cs, n, "contact_made", note="向顾客致歉并说明处理安排")
    act(cs, n, "request_approval", kind="solution", plan="为顾客更换新品，并致送礼券以示歉意")
    act(cs, n, "request_approval", kind="compensation", compensation_kind="voucher", amount="800",
        plan="致送 800 元礼券")
    for a in Complaint.objects.get(number=n).approvals.order_by("pk"):
        act(gm, n, "approval_decided", approval=str(a.pk), verdict="approve", note="同意")
    voucher = Complaint.objects.get(number=n).approvals.get(kind="compensation")
    assert "finance_reviewed" in offered(finance, n)
    act(finance, n, "finance_reviewed", approval=str(voucher.pk), verdict="approve", note="列门店公关费用")
    act(cs, n, "agree_solution", plan="换新并致送 800 元礼券")
    act(cs, n, "inform_customer", message="已为您更换新品，并致送 800 元礼券")
    act(cs, n, "return_result", result="顾客已领取新品和礼券")
    act(specialist, n, "record_satisfied", conversation="顾客表示满意")
    act(cs, n, "sign_off")
    act(audit, n, "archive")
    assert Complaint.objects.get(number=n).status == State.ARCHIVED
