"""The paper forms as PDF: laid out like the originals, Chinese embedded, the 客诉处理单 in three
copies each saying where it goes, the phone masked for readers who do not need it — checked by
extracting the PDF's text and rendering its pages (poppler)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from kesu.core.lifecycle import State
from kesu.workflow import services as workflow
from tests.factories import bring_to

pytestmark = pytest.mark.django_db


def text_of(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "form.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True,
                          text=True).stdout


def pages_of(pdf: bytes, tmp_path: Path) -> list[Path]:
    path = tmp_path / "form.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "40", str(path), str(tmp_path / "page")], check=True)
    return sorted(tmp_path.glob("page*.png"))


def fetch(people, who: str, number: str, form: str):
    client = Client()
    client.force_login(people[who])
    return client.get(f"/c/{number}/print/{form}/")


def test_the_work_order_shows_each_step_with_its_time_and_person(p1, people, tmp_path):
    c = bring_to(State.ARCHIVED, people, timezone.now())
    response = fetch(people, "zhoujl", c.number, "work-order")
    assert response["Content-Type"] == "application/pdf"
    text = text_of(response.content, tmp_path)
    for expected in ("协调工作单", c.number, "马先生", "13812345678", "免费返修", "李经理", "周经理", "张总", "冯档案"):
        assert expected in text, expected
    assert len(pages_of(response.content, tmp_path)) == 1


def test_the_handling_slip_comes_in_three_copies_each_saying_where_it_goes(p1, people, tmp_path):
    c = bring_to(State.HANDLING, people, timezone.now())
    workflow.request_approval(c, actor=people["lijl"], now=timezone.now(), kind="compensation",
                              compensation_kind="voucher", amount="800", plan="致送礼券")
    pdf = fetch(people, "zhoujl", c.number, "handling-slip").content
    text = text_of(pdf, tmp_path)
    assert text.count("客诉处理单") == 3
    assert "第一联" in text and "处理单位留存" in text and "第二联" in text and "稽核" in text
    assert "第三联" in text and "企划部留存" in text and "礼券 800.00 元" in text
    assert len(pages_of(pdf, tmp_path)) == 3


def test_a_reader_who_needs_no_personal_data_gets_the_phone_masked(p1, people, tmp_path):
    c = bring_to(State.HANDLING, people, timezone.now())
    text = text_of(fetch(people, "zhengjh", c.number, "record-card").content, tmp_path)  # audit
    assert "138****5678" in text and "13812345678" not in text
    assert "客户投诉记录卡" in text and "维修" in text  # the customer's demands


def test_the_investigation_report_form(p1, people, tmp_path):
    c = bring_to(State.HANDLING, people, timezone.now())
    assert "尚未提交调查报告" in text_of(fetch(people, "lijl", c.number, "investigation").content, tmp_path)
    workflow.submit_investigation(c, actor=people["lijl"], now=timezone.now(), findings=workflow.Findings(
        valid=True, cause="未按规程复紧", course="保养后漏油", conclusion="维修质量问题", corrective="返修",
        preventive="增加复检", responsible_staff=people["sunsf"], penalty="50"))
    text = text_of(fetch(people, "lijl", c.number, "investigation").content, tmp_path)
    for expected in ("投诉调查报告", "未按规程复紧", "孙师傅", "增加复检", "50.00 元"):
        assert expected in text, expected


def test_someone_who_may_not_see_the_complaint_gets_no_form(p1, people):
    c = bring_to(State.HANDLING, people, timezone.now())
    assert fetch(people, "zhaojl", c.number, "work-order").status_code == 404
