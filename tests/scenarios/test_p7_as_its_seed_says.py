"""P7 as seed 000 (细化:篇一) says it, and usable as it is with the demo organisation:

* 4.3.3 技术部 answers an adverse drug reaction within one working day; 4.1.1 a service complaint gets
  the regional manager's opinion within one working day; a product-quality complaint has only the
  24 hours every complaint has (4.4.3) — no one-working-day clock;
* 4.3.1 the 《药品不良反应登记表》 (服用时间、服用数量、是否和别的药品一起服用) is required of an adverse
  reaction — at registration, or when a case registered before is classified into it — and of no
  other category, which may not carry it;
* 4.3.2 / 4.2.4 an adverse reaction goes to the 技术部, an undefinable quality problem to the 质量部门:
  loaded with the demo organisation, the preset gets those departments and their heads."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kesu.clocks.models import ComplaintClock
from kesu.complaints import lifecycle
from kesu.core.errors import ValidationFailed
from kesu.core.registration import RegistrationInput
from kesu.ops.demo import demo_complaints_fit, load_routed_departments
from kesu.org.models import Department
from kesu.policies.services import active_version, policy_of
from tests.scenarios.conftest import at

pytestmark = pytest.mark.django_db

ADR_FORM = {"drug_category": "抗生素", "batch_no": "A260112", "taken_since": "2026-03-07",
            "dose_taken": "每日三次，每次 2 粒", "with_other_drugs": "否"}
TUESDAY = at("2026-03-10 09:00")


@pytest.fixture
def p7(publish, people):
    """P7 in force over the demo organisation, with the departments its routing names."""
    version = publish("p7_pharma_distributor", TUESDAY)
    made = load_routed_departments(policy_of(version), people)
    assert {d.code for d in made} == {"technical", "quality"}
    return people


def register(people, category: str = "", **extra: str):  # type: ignore[no-untyped-def]
    return lifecycle.register_complaint(actor=people["wangkf"], now=TUESDAY, data=RegistrationInput(
        channel="phone", customer_words="服用阿莫西林胶囊后起皮疹、头晕。", customer_name="顾女士",
        customer_phone="13700002222", category=category, extra=dict(extra)))


def classified_and_assigned(people, c, category: str):  # type: ignore[no-untyped-def]
    c = lifecycle.classify(c, actor=people["wangkf"], now=TUESDAY + timedelta(minutes=10), level="general",
                           category=category, validity="valid")
    return lifecycle.assign(c, actor=people["wangkf"], now=TUESDAY + timedelta(minutes=20))


def test_the_technical_department_answers_an_adverse_reaction_within_one_working_day(p7):
    c = classified_and_assigned(p7, register(p7, **ADR_FORM), "adverse_reaction")
    assert c.department.code == "technical" and c.owner.username == "technical_head"  # 4.3.2 由技术部解答
    codes = set(ComplaintClock.objects.filter(complaint=c).values_list("code", flat=True))
    assert codes == {"reply", "adr_answer"}
    answer = ComplaintClock.objects.get(complaint=c, code="adr_answer")
    assert answer.due_at == TUESDAY + timedelta(days=1, minutes=20)  # one working day, Tuesday to Wednesday


def test_a_product_quality_complaint_has_the_24_hours_and_no_one_working_day_clock(p7):
    c = classified_and_assigned(p7, register(p7, drug_category="片剂", batch_no="B2603"), "packaging")
    assert c.department.code == "quality"  # 4.2.4 由公司质量部门进行界定
    assert set(ComplaintClock.objects.filter(complaint=c).values_list("code", flat=True)) == {"reply"}


def test_a_service_complaint_gets_the_regional_managers_opinion_within_one_working_day(p7):
    c = register(p7)
    c.complained_department = Department.objects.get(code="sales")
    c.save(update_fields=["complained_department"])
    c = classified_and_assigned(p7, c, "sales_staff")
    assert set(ComplaintClock.objects.filter(complaint=c).values_list("code", flat=True)) == {"reply", "opinion"}


def test_an_adverse_reaction_registered_as_one_needs_its_form_and_the_error_names_each_field(p7):
    with pytest.raises(ValidationFailed) as refused:
        register(p7, category="adverse_reaction", drug_category="抗生素", batch_no="A260112")
    labels = {e.label[0] for e in refused.value.errors}
    assert labels == {"服用时间", "服用数量", "是否与其他药品一起服用"}
    assert all(e.code == "required" for e in refused.value.errors)


def test_a_case_classified_as_an_adverse_reaction_later_must_have_its_form_filled_first(p7):
    c = register(p7)  # registered before anyone knew what it was: no form asked
    with pytest.raises(ValidationFailed) as refused:
        lifecycle.classify(c, actor=p7["wangkf"], now=TUESDAY, level="general", category="adverse_reaction",
                           validity="valid")
    assert {e.field for e in refused.value.errors} == {f"extra.{k}" for k in ADR_FORM}
    c.refresh_from_db()
    assert c.category == "" and not c.events.filter(kind="classify").exists()  # nothing half-written
    c = lifecycle.edit_complaint(c, actor=p7["wangkf"], now=TUESDAY, changes={"extra": ADR_FORM},
                                 reason="补登《药品不良反应登记表》")
    c = lifecycle.classify(c, actor=p7["wangkf"], now=TUESDAY, level="general", category="adverse_reaction",
                           validity="valid")
    assert c.category == "adverse_reaction"


def test_another_categorys_complaint_neither_needs_nor_takes_the_adverse_reaction_form(p7):
    plain = lifecycle.classify(register(p7, category="other"), actor=p7["wangkf"], now=TUESDAY, level="general",
                               category="other", validity="valid")
    assert plain.extra == {}
    with pytest.raises(ValidationFailed) as refused:
        register(p7, category="sales_staff", dose_taken="2 粒")
    [error] = refused.value.errors
    assert (error.code, error.field) == ("field_not_for_category", "extra.dose_taken")
    assert error.params["form"] == "药品不良反应登记表"


def test_p7_with_the_demo_loads_without_the_4s_demo_complaints(p7):
    version_policy = policy_of(active_version())
    assert not demo_complaints_fit(version_policy)
    assert load_routed_departments(version_policy, p7) == []  # a second load adds nothing
