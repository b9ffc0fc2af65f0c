"""P7 (seed 000, a pharmaceutical distributor, 细化:篇一 4.3): a customer reports a rash and dizziness
after taking a capsule. 销售后勤 registers it with the 《药品不良反应登记表》 fields (batch, since when,
how much, with other medicines), answers within 24 hours; the routing sends an adverse reaction to
the 技术部, which answers the customer within one working day. A major case: the investigation
report first, the solution approved by the marketing director — absent, so his fallback, the CS
manager, decides; a preventive measure is opened, carried out by its owner and its effect verified
by the quality manager; the case is reported to the adverse-reaction monitoring centre before the
CS manager may sign it off; the GM reviews, the archive files it. No clock breached."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kesu.complaints import lifecycle
from kesu.core.errors import TransitionRefused
from kesu.core.lifecycle import State
from kesu.core.registration import RegistrationInput
from kesu.core.roles import Role
from kesu.org.models import Department, Staff, StaffRole
from kesu.workflow import capa
from kesu.workflow import services as workflow
from kesu.workflow.models import Approval, CorrectiveAction
from tests.scenarios.conftest import Wall, at, clocks_met, fresh, penalty_total, statuses, timeline

pytestmark = pytest.mark.django_db


def _person(username: str, name: str, role: str, department: Department, manages: bool = False) -> Staff:
    s = Staff.objects.create(username=username, display_name=name, password="x")
    StaffRole.objects.create(staff=s, role=role)
    s.departments.add(department)
    if manages:
        department.manager = s
        department.save()
    return s


def test_p7_adverse_drug_reaction_from_registration_to_archive(publish, people):
    wall = Wall(at("2026-03-10 09:00"))  # a Tuesday
    publish("p7_pharma_distributor", wall.now)
    company = Department.objects.get(code="company")
    technical = Department.objects.create(code="technical", name="技术部", parent=company)
    quality = Department.objects.create(code="quality", name="质量部", parent=company)
    head_of_technical = _person("jisz", "纪主任", Role.DEPT_MANAGER, technical, manages=True)
    pharmacist = _person("yaoshi", "姚药师", Role.HANDLER, technical)
    quality_manager = _person("zhijl", "质经理", Role.DEPT_MANAGER, quality, manages=True)
    backoffice, cs_manager, gm = people["wangkf"], people["zhoujl"], people["zhangzong"]

    # 4.3.1 销售后勤 asks product, batch, since when, how much, with other medicines — the ADR form.
    c = lifecycle.register_complaint(actor=backoffice, now=wall.now, data=RegistrationInput(
        channel="phone", customer_words="服用你们的阿莫西林胶囊三天后全身起皮疹、头晕，要求说明原因并退货。",
        customer_name="顾女士", customer_phone="13700002222", demands=("refund",),
        extra={"drug_category": "抗生素", "batch_no": "A260112", "taken_since": "2026-03-07",
               "dose_taken": "每日三次，每次 2 粒", "with_other_drugs": "否"}))
    c = lifecycle.classify(c, actor=backoffice, now=wall.after(minutes=10), level="major",
                           category="adverse_reaction", validity="valid")
    c = lifecycle.assign(c, actor=backoffice, now=wall.after(minutes=5))  # 4.3.2 专业性问题由技术部解答
    assert (c.department, c.owner) == (technical, head_of_technical)
    c = lifecycle.accept(c, actor=head_of_technical, now=wall.after(minutes=20))
    c = lifecycle.record_contact(c, actor=backoffice, now=wall.after(hours=1),
                                 note="致电顾女士，请其暂停服用并就医，告知技术部将于一个工作日内答复")

    # A major case: the investigation report first (4.2.3 界定), then the solution to the chain.
    workflow.submit_investigation(c, actor=head_of_technical, now=wall.after(hours=2), findings=workflow.Findings(
        valid=True, cause="青霉素类过敏，说明书已载明", course="顾女士为过敏体质，未做皮试即自行服用",
        conclusion="属说明书所列不良反应，非质量问题", preventive="销售后勤解释口径中加入过敏体质提示"))
    solution = workflow.request_approval(fresh(c), actor=head_of_technical, now=wall.after(minutes=10),
                                         kind="solution", plan="退还未服用药品货款，技术部出具用药指导说明")
    assert (solution.chain, solution.approver_role) == ("adverse_reaction_solution", "gm")

    # 分管人不在: the marketing director is marked absent, so the stage's fallback decides.
    workflow.mark_absent(gm, actor=people["admin"], now=wall.now, reason="出差")
    with pytest.raises(TransitionRefused):  # a department manager elsewhere is no fallback
        workflow.decide_approval(solution, actor=people["zhaojl"], now=wall.after(minutes=5), approve=True)
    workflow.decide_approval(solution, actor=cs_manager, now=wall.after(minutes=5), approve=True,
                             note="营销总监出差，由客服经理代为审批")
    assert Approval.objects.get(pk=solution.pk).state == "approved"

    # 4.3.3 技术部 1 个工作日内给客户回复
    c = workflow.inform_customer(fresh(c), actor=head_of_technical, now=wall.after(hours=3),
                                 message="经技术部分析属过敏反应，已为您办理未服用部分退款，并附用药指导")
    c = lifecycle.agree_solution(c, actor=head_of_technical, now=wall.after(minutes=10),
                                 plan="退还未服用药品货款，附用药指导")

    # 4.1.2 防止再次发生: a preventive measure, its owner, its supervisor.
    measure = capa.open_action(fresh(c), actor=head_of_technical, now=wall.after(minutes=10), kind="preventive",
                               measure="修订销售后勤解释口径，加入过敏体质与皮试提示，并培训全部后勤人员",
                               owner=pharmacist, verifier=quality_manager)
    c = lifecycle.return_result(fresh(c), actor=head_of_technical, now=wall.after(hours=1), result="退款已办结")
    c = lifecycle.record_return_visit(c, actor=people["chenhf"], now=wall.after(hours=2), satisfied=True,
                                      conversation="顾女士已康复，对处理满意")

    with pytest.raises(TransitionRefused, match="通报相关管理部门"):  # reported to the monitoring centre first
        lifecycle.sign_off(fresh(c), actor=cs_manager, now=wall.after(minutes=5))
    c = workflow.notify_authorities(fresh(c), actor=cs_manager, now=wall.after(minutes=30),
                                    body="药品不良反应监测中心", content="已按规定在线报告一般不良反应一例")
    with pytest.raises(TransitionRefused, match="纠正预防措施"):  # a major case: measures verified first
        lifecycle.sign_off(fresh(c), actor=cs_manager, now=wall.after(minutes=5))
    capa.record_done(measure, actor=pharmacist, now=wall.after(days=2), note="解释口径已修订，培训 12 人")
    capa.verify(CorrectiveAction.objects.get(pk=measure.pk), actor=quality_manager, now=wall.after(days=1),
                effective=True, note="抽查三名后勤人员，均能按新口径解释")
    c = fresh(c)
    c = lifecycle.sign_off(c, actor=cs_manager, now=wall.after(minutes=10))
    c = lifecycle.review(c, actor=gm, now=wall.after(hours=1))
    c = lifecycle.archive(c, actor=people["fengda"], now=wall.after(hours=1))

    assert c.status == State.ARCHIVED
    assert statuses(c)[-4:] == ["satisfied", "signed_off", "reviewed", "archived"]
    assert clocks_met(c) == {"reply": True, "adr_answer": True}  # no service-complaint opinion clock
    assert penalty_total(c) == Decimal(0)
    kinds = timeline(c)
    assert kinds.index("submit_investigation") < kinds.index("request_approval") < kinds.index("approval_decided")
    assert kinds.index("capa_opened") < kinds.index("capa_done") < kinds.index("capa_verified")
    assert kinds.index("external_notified") < kinds.index("capa_verified") < kinds.index("sign_off")
    assert c.events.get(kind="external_notified").changes["body"] == [None, "药品不良反应监测中心"]
    assert c.extra["batch_no"] == "A260112" and c.extra["with_other_drugs"] == "否"
