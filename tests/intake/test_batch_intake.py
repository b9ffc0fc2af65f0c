"""Spreadsheet import and the suggestion box: every row is checked before anything is written;
all rows go in together, or only the valid ones when the user says so; wrong columns refuse the
file; CSV from Chinese Excel (GB18030) is read; a double click imports once."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from openpyxl import Workbook

from kesu.complaints.models import Complaint
from kesu.intake.models import ImportBatch

pytestmark = pytest.mark.django_db


def xlsx(rows: list[list[object]]) -> bytes:
    wb = Workbook()
    for r in rows:
        wb.active.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def upload(client: Client, name: str, content: bytes):
    return client.post("/intake/import/", {"file": _file(name, content)},
                       follow=True)


def _file(name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


@pytest.fixture
def agent(p1, people):
    c = Client()
    c.force_login(people["wangkf"])
    return c


GOOD = ["电话", "孙先生", 13912345678, "保养后异响", "重大投诉"]
BAD = ["电话", "钱女士", "12345", "车门密封条脱落", "重大投诉"]
HEADER = ["渠道", "客户姓名", "客户电话", "客户原话", "级别"]


def test_a_sheet_with_a_bad_row_imports_nothing_unless_asked_to_import_the_valid_rows(agent):
    page = upload(agent, "三月登记表.xlsx", xlsx([HEADER, GOOD, BAD, GOOD])).content.decode()
    assert "有效 2 行，有问题 1 行" in page and "12345" in page and "无效" in page
    batch = ImportBatch.objects.get()
    assert not Complaint.objects.exists()
    agent.post(f"/intake/import/{batch.pk}/", {"mode": "all"})
    assert not Complaint.objects.exists()  # "all" is refused while a row is invalid
    agent.post(f"/intake/import/{batch.pk}/", {"mode": "valid"})
    agent.post(f"/intake/import/{batch.pk}/", {"mode": "valid"})  # the double click
    assert Complaint.objects.count() == 2
    assert set(Complaint.objects.values_list("level", flat=True)) == {"major"}
    assert Complaint.objects.first().customer_phone == "13912345678"  # typed as a number in Excel


def test_wrong_columns_refuse_the_whole_file_naming_them(agent):
    page = upload(agent, "x.xlsx", xlsx([["姓名", "心情"], ["孙", "异响"]])).content.decode()
    assert "表头「心情」不是可识别的列" in page and "缺少必需的列「客户原话」" in page
    assert not ImportBatch.objects.exists()


def test_csv_from_chinese_excel_in_gb18030_is_read(agent):
    csv_bytes = ("客户姓名,客户电话,客户原话,渠道\r\n周女士,13700001111,空调外机噪音大,电话\r\n").encode("gb18030")
    upload(agent, "登记.csv", csv_bytes)
    batch = ImportBatch.objects.get()
    agent.post(f"/intake/import/{batch.pk}/", {"mode": "all"})
    assert Complaint.objects.get().customer_words == "空调外机噪音大"


def test_a_file_that_is_not_what_it_says_is_refused(agent):
    page = upload(agent, "表.xlsx", b"this is not a spreadsheet").content.decode()
    assert "内容与扩展名不符" in page and not ImportBatch.objects.exists()
    assert "不在允许范围内" in upload(agent, "表.exe", b"MZ").content.decode()


def test_a_days_suggestion_box_slips_in_one_screen(agent):
    data = {"form-TOTAL_FORMS": "3", "form-INITIAL_FORMS": "0", "form-MIN_NUM_FORMS": "0",
            "form-MAX_NUM_FORMS": "50", "form-0-customer_words": "洗手间没有纸",
            "form-0-occurred_place": "一楼大厅", "form-1-customer_words": "",
            "form-2-customer_words": "停车场指示不清", "form-2-customer_phone": "13800001111"}
    page = agent.post("/intake/slips/", data, follow=True).content.decode()
    assert "已登记 2 张意见卡" in page
    assert set(Complaint.objects.values_list("channel", flat=True)) == {"suggestion_box"}
    assert Complaint.objects.filter(customer_name="", customer_phone="").count() == 1  # anonymous slips allowed


def test_a_slip_with_a_bad_phone_registers_none_of_the_screen(agent):
    data = {"form-TOTAL_FORMS": "2", "form-INITIAL_FORMS": "0", "form-MIN_NUM_FORMS": "0",
            "form-MAX_NUM_FORMS": "50", "form-0-customer_words": "好", "form-1-customer_words": "差",
            "form-1-customer_phone": "123"}
    page = agent.post("/intake/slips/", data).content.decode()
    assert "123" in page and not Complaint.objects.exists()


def test_batch_intake_is_for_customer_service(p1, people):
    c = Client()
    c.force_login(people["lijl"])
    assert c.get("/intake/import/").status_code == 403
