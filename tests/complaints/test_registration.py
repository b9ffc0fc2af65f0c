"""Registration (SPEC F2): the record template, the policy's industry fields, attachments,
numbering, and 回避 — every refusal names its field and writes nothing."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from kesu.complaints import lifecycle
from kesu.complaints.models import Attachment, Complaint, ComplaintEvent, NumberCounter
from kesu.core.errors import TransitionRefused, ValidationFailed
from kesu.core.lifecycle import State
from kesu.core.registration import FIELD_LABELS
from kesu.org.models import Department
from tests.conftest import BEIJING
from tests.factories import bring_to, register, registration

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100


def refused_fields(exc: ValidationFailed) -> set[str | None]:
    return {e.field for e in exc.errors}


def nothing_written() -> bool:
    return not Complaint.objects.exists() and not ComplaintEvent.objects.exists() and not Attachment.objects.exists()


def test_a_registered_complaint_gets_the_aabbccddd_number_and_its_first_event(p1, people, now):
    c = register(people, now)
    assert c.number == "260310001"  # 2026-03-10, first of the year
    assert c.status == State.REGISTERED
    assert c.policy_version == p1
    event = c.events.get()
    assert (event.kind, event.actor, event.to_status) == ("registered", people["wangkf"], "registered")


def test_the_sequence_counts_within_the_year_and_the_date_is_beijing_time(p1, people):
    first = register(people, datetime(2026, 3, 10, 17, 30, tzinfo=BEIJING))
    just_after_midnight_beijing = datetime(2026, 3, 11, 0, 30, tzinfo=BEIJING)  # still 3-10 in UTC
    second = register(people, just_after_midnight_beijing)
    assert (first.number, second.number) == ("260310001", "260311002")
    new_year = register(people, datetime(2027, 1, 1, 9, 0, tzinfo=BEIJING))
    assert new_year.number == "270101001"


def test_the_policys_industry_fields_are_kept_and_checked(p1, people, now):
    c = register(people, now, extra={"plate_number": "沪B67890", "mileage": "12345"})
    assert c.extra == {"plate_number": "沪B67890", "mileage": "12345"}
    with pytest.raises(ValidationFailed) as refused:
        register(people, now, extra={"plate_number": "沪B67890", "colour": "red", "mileage": "很多"})
    assert refused_fields(refused.value) == {"extra.colour", "extra.mileage"}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"customer_words": "  "}, "customer_words"),
        ({"customer_phone": "12345"}, "customer_phone"),
        ({"customer_phone": "", "customer_name": ""}, "customer_phone"),
        ({"channel": "pigeon"}, "channel"),
        ({"channel": "email"}, "channel"),  # a real channel, but not one P1 lists
        ({"level": "catastrophic"}, "level"),
        ({"category": "weather"}, "category"),
        ({"demands": ("revenge",)}, "demands[1]"),
        ({"amount_involved": -5}, "amount_involved"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(p1, people, now, overrides, field):
    with pytest.raises(ValidationFailed) as refused:
        register(people, now, **overrides)
    assert field in refused_fields(refused.value)
    zh, _en = FIELD_LABELS[field.split("[")[0]]
    assert f"「{zh}」" in refused.value.message()  # named by its label on the form, not by its code
    assert field.split("[")[0] not in refused.value.message()
    assert nothing_written()
    assert not NumberCounter.objects.filter(value__gt=0).exists()


def test_a_suggestion_box_slip_may_be_anonymous(p1, people, now):
    c = register(people, now, channel="suggestion_box", customer_name="", customer_phone="")
    assert c.customer_phone == ""


def test_phone_numbers_are_normalised(p1, people, now):
    assert register(people, now, customer_phone="138-1234-5678").customer_phone == "13812345678"
    assert register(people, now, customer_phone="010-62345678").customer_phone == "01062345678"


def test_evidence_is_stored_with_its_hash(p1, people, now):
    c = lifecycle.register_complaint(actor=people["wangkf"], now=now, data=registration(),
                                     files=[lifecycle.FileIn("划痕照片.png", PNG)])
    att = c.attachments.get()
    assert (att.name, att.size) == ("划痕照片.png", len(PNG))
    assert att.file.read() == PNG


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("virus.exe", b"MZ\x90\x00", "attachment_type"),
        ("photo.jpg", b"MZ\x90\x00" + b"\x00" * 20, "attachment_content_mismatch"),
        ("huge.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * (20 * 1024 * 1024), "attachment_too_large"),
    ],
)
def test_an_oversized_or_forbidden_attachment_refuses_the_whole_registration(p1, people, now, name, content, code):
    with pytest.raises(ValidationFailed) as refused:
        lifecycle.register_complaint(actor=people["wangkf"], now=now, data=registration(),
                                     files=[lifecycle.FileIn(name, content)])
    assert [e.code for e in refused.value.errors] == [code]
    assert refused.value.errors[0].field == "attachments[1]"
    assert nothing_written()


def test_too_many_attachments_are_refused(p1, people, now):
    files = [lifecycle.FileIn(f"p{i}.png", PNG) for i in range(11)]
    with pytest.raises(ValidationFailed) as refused:
        lifecycle.register_complaint(actor=people["wangkf"], now=now, data=registration(), files=files)
    assert "too_many_attachments" in [e.code for e in refused.value.errors]


def test_a_complaint_against_the_manager_goes_to_the_deputy_not_to_him(p1, people, now):
    """回避: 李经理 is complained about, so the after-sales case goes to his deputy 刘代理."""
    after_sales = Department.objects.get(code="after_sales")
    c = lifecycle.register_complaint(actor=people["wangkf"], now=now, data=registration(),
                                     complained_department=after_sales, complained_staff=people["lijl"])
    c = lifecycle.classify(c, actor=people["wangkf"], now=now, level="major", category="attitude", validity="valid")
    c = lifecycle.assign(c, actor=people["wangkf"], now=now, department=after_sales)
    assert c.owner == people["liudl"]


def test_the_person_complained_about_can_never_be_made_the_handler(p1, people, now):
    after_sales = Department.objects.get(code="after_sales")
    c = lifecycle.register_complaint(actor=people["wangkf"], now=now, data=registration(),
                                     complained_department=after_sales, complained_staff=people["sunsf"])
    c = lifecycle.classify(c, actor=people["wangkf"], now=now, level="major", category="attitude", validity="valid")
    with pytest.raises(TransitionRefused, match="回避"):
        lifecycle.assign(c, actor=people["wangkf"], now=now, department=after_sales, owner=people["sunsf"])
    assert Complaint.objects.get(pk=c.pk).owner is None


def test_a_deputy_acts_for_the_manager_only_while_designated(p1, people, now):
    from kesu.org.services import revoke_deputy

    c = bring_to(State.ASSIGNED, people, now)
    revoke_deputy(department=c.department, actor=people["lijl"], now=now)
    with pytest.raises(TransitionRefused):
        lifecycle.accept(c, actor=people["liudl"], now=now + timedelta(minutes=1))
    c2 = bring_to(State.ASSIGNED, people, now)
    from kesu.org.services import designate_deputy

    designate_deputy(department=c2.department, deputy=people["liudl"], actor=people["lijl"], now=now,
                     ends_at=now + timedelta(days=1))
    assert lifecycle.accept(c2, actor=people["liudl"], now=now + timedelta(hours=1)).status == State.HANDLING
    c3 = bring_to(State.ASSIGNED, people, now)
    with pytest.raises(TransitionRefused):  # the designation has run out
        lifecycle.accept(c3, actor=people["liudl"], now=now + timedelta(days=2))


def test_registration_is_refused_when_no_policy_is_in_force(db, people, now):
    from kesu.core.errors import KesuError

    with pytest.raises(KesuError) as refused:
        register(people, now)
    assert refused.value.code == "no_active_policy"


def test_without_a_named_department_the_policys_routing_rule_decides(p1, people, now):
    """P1 第四条: the complained-about department's manager owns the case."""
    c = bring_to(State.CLASSIFIED, people, now, complained="sales")
    c = lifecycle.assign(c, actor=people["wangkf"], now=now)
    assert (c.department.code, c.owner) == ("sales", people["zhaojl"])
    assert c.events.last().changes["department_id"][1] == c.department.pk


def test_routing_that_cannot_decide_asks_for_a_department(p1, people, now):
    from kesu.core.errors import KesuError

    c = lifecycle.register_complaint(actor=people["wangkf"], now=now, data=registration())  # no department known
    c = lifecycle.classify(c, actor=people["wangkf"], now=now, level="major", category="attitude", validity="valid")
    with pytest.raises(KesuError) as refused:
        lifecycle.assign(c, actor=people["wangkf"], now=now)
    assert (refused.value.code, refused.value.field) == ("routing_unresolved", "department")
