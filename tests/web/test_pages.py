"""The staff pages call the same rules as everything else: what a role may see and do, a forged or
stale POST, quick registration with field errors, and the work queue's query count."""

from __future__ import annotations

import pytest
from django.utils import timezone

from kesu.complaints.models import Complaint
from kesu.core.lifecycle import State
from tests.factories import bring_to

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(p1, people):
    return bring_to(State.ASSIGNED, people, timezone.now())  # after-sales, owner 李经理


def login(client, people, who):
    client.force_login(people[who])
    return client


def test_signing_in_leads_to_the_work_queue(client, people, p1):
    response = client.post("/login/", {"username": "lijl", "password": "kesu-demo-2026"})
    assert response.status_code == 302 and response["Location"] == "/queue/"
    assert "登录客诉系统" in client.post("/logout/", follow=True).content.decode()
    assert client.get("/queue/")["Location"].startswith("/login/")


def test_a_manager_sees_their_departments_case_in_the_queue(client, people, case):
    body = login(client, people, "lijl").get("/queue/?q=department").content.decode()
    assert case.number in body


def test_another_departments_manager_cannot_open_the_case(client, people, case):
    assert login(client, people, "zhaojl").get(f"/c/{case.number}/").status_code == 404


def test_the_phone_number_is_masked_for_roles_that_do_not_need_it(client, people, case):
    agent = login(client, people, "wangkf")  # may see it in full, after asking with a reason (issue 14)
    assert "查看完整信息" in agent.get(f"/c/{case.number}/").content.decode()
    assert "13812345678" in agent.post(f"/access/reveal/{case.number}/", {"field": "customer_phone",
                                                                           "reason": "callback"}).content.decode()
    body = login(client, people, "zhengjh").get(f"/c/{case.number}/").content.decode()  # audit
    assert "138****5678" in body and "13812345678" not in body


def test_only_the_actions_the_role_may_take_are_offered(client, people, case):
    manager = login(client, people, "lijl").get(f"/c/{case.number}/").content.decode()
    assert "接手处理" in manager and "客服经理签字" not in manager


def test_a_forged_post_is_refused_by_the_same_rules(client, people, case):
    login(client, people, "qianyg")  # a front-line employee of another department: may not even see it
    response = client.post(f"/c/{case.number}/act/accept/", {"version": case.version, "reason": ""})
    assert response.status_code == 404
    login(client, people, "wangkf")  # sees it, but may not accept on the department's behalf
    response = client.post(f"/c/{case.number}/act/accept/", {"version": case.version}, follow=True)
    assert "须由" in response.content.decode()
    assert Complaint.objects.get(pk=case.pk).status == State.ASSIGNED


def test_a_stale_form_is_refused_and_the_other_change_is_kept(client, people, case):
    login(client, people, "lijl")
    old = case.version
    client.post(f"/c/{case.number}/act/accept/", {"version": old})
    response = client.post(f"/c/{case.number}/act/note/", {"version": old, "note": "重复提交"}, follow=True)
    assert "您的提交未保存" in response.content.decode()
    assert not Complaint.objects.get(pk=case.pk).events.filter(kind="note").exists()
    assert Complaint.objects.get(pk=case.pk).status == State.HANDLING


def test_quick_registration_makes_a_complaint_and_shows_its_number(client, people, p1):
    from kesu.org.models import Department

    login(client, people, "wangkf")
    response = client.post("/register/", {
        "channel": "phone", "customer_phone": "13900001111", "customer_name": "周女士", "level": "major",
        "category": "attitude", "validity": "valid", "customer_words": "前台态度恶劣", "extra_plate_number": "京B88888",
        "complained_department": Department.objects.get(code="after_sales").pk,
    }, follow=True)
    c = Complaint.objects.order_by("-pk").first()  # the phone is encrypted: no filter on it
    assert c is not None and c.customer_phone == "13900001111"
    assert f"已登记，投诉编号 {c.number}" in response.content.decode()
    assert c.extra == {"plate_number": "京B88888"} and c.status == State.ASSIGNED


def test_a_bad_phone_number_is_shown_against_its_field_and_nothing_is_saved(client, people, p1):
    login(client, people, "wangkf")
    response = client.post("/register/", {"channel": "phone", "customer_phone": "12345",
                                          "customer_words": "电话打不通"})
    assert response.status_code == 200
    assert "电话号码「12345」无效" in response.content.decode()
    assert not Complaint.objects.exists()


def test_the_queue_is_a_fixed_number_of_queries_whatever_its_length(client, people, p1,
                                                                     django_assert_max_num_queries):
    for _ in range(30):
        bring_to(State.ASSIGNED, people, timezone.now())
    login(client, people, "lijl")
    client.get("/queue/?q=department")  # warm caches (session, roles)
    # the page, its next due times, the filters' departments, and whether the reader manages a
    # department (the menu's link to their department's report); a manager sees by several ways
    # (department, own, help requests …): their departments once, then the newest ids of each way
    # in one statement before the page's rows (kesu.complaints.selectors.Newest)
    with django_assert_max_num_queries(11):
        response = client.get("/queue/?q=department")
    assert response.content.decode().count("/c/") >= 30


def test_the_queue_refreshes_its_rows_through_htmx_from_kesus_own_static_files(client, people, p1):
    client.force_login(people["wangkf"])
    full = client.get("/queue/?q=all").content.decode()
    assert 'hx-trigger="every 30s"' in full and "django_htmx/htmx" in full and "unpkg" not in full
    rows = client.get("/queue/?q=all", HTTP_HX_REQUEST="true").content.decode()
    assert '<div id="queue"' in rows and "<html" not in rows


def test_a_step_posted_after_the_session_expired_does_nothing_and_leads_back_to_the_case(client, people, p1):
    from django.utils import timezone

    from kesu.core.lifecycle import State
    from tests.factories import bring_to

    c = bring_to(State.HANDLING, people, timezone.now())
    response = client.post(f"/c/{c.number}/act/agree_solution/", {"version": c.version, "plan": "免费返修"})
    assert response.status_code == 302 and f"next=/c/{c.number}/" in response["Location"]
    c.refresh_from_db()
    assert c.status == State.HANDLING
    page = client.get(response["Location"]).content.decode()
    assert "登录已过期，您的提交未保存" in page


def test_a_letter_is_registered_with_its_scanned_copy_and_a_forbidden_file_is_refused(client, people, p1):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from kesu.complaints.models import Complaint

    client.force_login(people["wangkf"])
    fields = {"channel": "web", "customer_name": "吴先生", "customer_phone": "13700002222",
              "customer_words": "来信反映：维修后车辆仍有异响"}
    scan = SimpleUploadedFile("来信扫描.pdf", b"%PDF-1.4 scanned letter", content_type="application/pdf")
    bad = SimpleUploadedFile("病毒.exe", b"MZ\x90\x00", content_type="application/octet-stream")
    page = client.post("/register/", {**fields, "files": [bad]}).content.decode()
    assert "病毒.exe" in page and not Complaint.objects.exists()
    client.post("/register/", {**fields, "files": [scan]})
    assert list(Complaint.objects.get().attachments.values_list("name", flat=True)) == ["来信扫描.pdf"]
