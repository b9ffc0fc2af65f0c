"""Every stored file name goes through one sanitiser (``kesu.core.attachments.safe_file_name``, applied
by the kernel's ``FileIn`` for every channel and again by ``attachment_path``): a sender's name can
neither climb out of the complaint's folder nor break the file system — a 300-byte Chinese name is
registered shortened with its extension, not answered with a server error — and a registration
that fails after a file was written leaves no file behind."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from kesu.complaints import intake, lifecycle
from kesu.complaints.models import Attachment, Complaint
from kesu.core.attachments import MAX_NAME_BYTES, safe_file_name

PDF = b"%PDF-1.4 the customer's invoice"
LONG_NAME = "关于贵公司售后服务严重拖延问题的投诉材料及相关发票照片" * 4 + ".pdf"  # 100 characters, 304 bytes
WORDS = "买的电视机屏幕坏了，售后一直拖着不来修"


# --- the sanitiser itself ---------------------------------------------------------------------------


@pytest.mark.parametrize(("sent", "stored"), [
    ("../../../etc/passwd", "passwd"),
    ("..\\..\\Windows\\win.ini", "win.ini"),
    ("/var/lib/kesu/media/settings.py", "settings.py"),
    ("C:\\Users\\刘女士\\Desktop\\发票.pdf", "发票.pdf"),
    ("发票\x00.pdf", "发票.pdf"),
    ("照片\r\n.jpg", "照片.jpg"),
    ("invoice\u202efdp.exe", "invoicefdp.exe"),  # the right-to-left override that shows "exe.pdf"
    ("..", "附件"),
    ("", "附件"),
    (".jpg", "附件.jpg"),
    (".htaccess", "附件.htaccess"),
    ("  报修单 .pdf  ", "报修单.pdf"),
    ("现场照片.JPG", "现场照片.JPG"),
], ids=repr)
def test_a_senders_file_name_keeps_only_a_plain_name(sent, stored):
    assert safe_file_name(sent) == stored


def test_a_300_byte_chinese_name_is_shortened_on_a_character_boundary_keeping_the_extension():
    assert len(LONG_NAME.encode()) > 300
    name = safe_file_name(LONG_NAME)
    assert name.endswith(".pdf") and len(name.encode()) <= MAX_NAME_BYTES
    assert LONG_NAME.startswith(name[:-4])  # cut, not garbled: every character is one the customer wrote


def test_the_sanitiser_is_idempotent_so_the_kernel_and_the_storage_path_agree():
    for sent in ("../a/b/照片.jpg", LONG_NAME, "\x00", "a" * 400 + ".docx"):
        once = safe_file_name(sent)
        assert safe_file_name(once) == once


# --- through the doors --------------------------------------------------------------------------------


def media_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_the_staff_form_registers_a_300_byte_file_name_shortened_without_a_server_error(client, people, p1, settings):
    client.force_login(people["wangkf"])
    response = client.post("/register/", {
        "channel": "web", "customer_name": "吴先生", "customer_phone": "13700002222", "customer_words": WORDS,
        "files": [SimpleUploadedFile(LONG_NAME, PDF, content_type="application/pdf")]})
    assert response.status_code == 302
    [att] = Complaint.objects.get().attachments.all()
    assert att.name == safe_file_name(LONG_NAME) and att.name.endswith(".pdf")
    [on_disk] = media_files(settings)
    assert on_disk.read_bytes() == PDF and len(on_disk.name.encode()) < 255


def test_the_api_registers_a_300_byte_file_name_shortened(p1, people):
    token, _ = Token.objects.get_or_create(user=people["wangkf"])
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = api.post("/api/v1/complaints/", {
        "channel": "phone", "customer_words": WORDS, "customer_phone": "13812345678",
        "files": [SimpleUploadedFile(LONG_NAME, PDF)]}, format="multipart")
    assert response.status_code == 201
    assert Attachment.objects.get().name == safe_file_name(LONG_NAME)


def test_a_name_that_climbs_out_of_the_folder_is_stored_inside_the_complaints_own(p1, people, settings):
    received = intake.Received("phone", {"customer_words": WORDS, "customer_phone": "13812345678"},
                               [intake.FileIn("../../../../tmp/evil/发票.pdf", PDF)])
    done = intake.register(received, actor=people["wangkf"], now=timezone.now())
    att = done.complaint.attachments.get()
    root = Path(settings.MEDIA_ROOT).resolve()
    stored = Path(att.file.path).resolve()
    assert att.name == "发票.pdf"
    assert stored.parent == root / "complaints" / str(done.complaint.pk) and stored.read_bytes() == PDF


# --- no orphan file when the registration fails after a file was written ----------------------------


def test_a_registration_failing_after_its_files_were_written_leaves_no_file_on_disk(p1, people, settings, monkeypatch):
    real_save = Attachment.save
    saved: list[str] = []

    def second_row_fails(self, *args, **kwargs):  # the first file and row are written; the second row fails
        saved.append(self.name)
        if len(saved) == 2:
            raise OSError("disk full")
        return real_save(self, *args, **kwargs)

    monkeypatch.setattr(Attachment, "save", second_row_fails)
    received = intake.Received("phone", {"customer_words": WORDS, "customer_phone": "13812345678"},
                               [intake.FileIn("一.pdf", PDF), intake.FileIn("二.pdf", PDF + b"2")])
    with pytest.raises(OSError, match="disk full"):
        intake.register(received, actor=people["wangkf"], now=timezone.now())
    assert saved == ["一.pdf", "二.pdf"]
    assert not Complaint.objects.exists() and not Attachment.objects.exists()
    assert media_files(settings) == []


def test_adding_files_that_fail_halfway_leaves_no_file_on_disk(p1, people, settings, monkeypatch):
    c = intake.register(intake.Received("phone", {"customer_words": WORDS, "customer_phone": "13812345678"}),
                        actor=people["wangkf"], now=timezone.now()).complaint
    real_save = FileSystemStorage._save
    calls: list[str] = []

    def second_file_fails(self, name, content):  # the first file is on disk when the second write fails
        calls.append(name)
        if len(calls) == 2:
            raise OSError("File name too long")
        return real_save(self, name, content)

    monkeypatch.setattr(FileSystemStorage, "_save", second_file_fails)
    with pytest.raises(OSError):
        lifecycle.add_attachments(c, actor=people["wangkf"], now=timezone.now(),
                                  files=[lifecycle.FileIn("一.pdf", PDF), lifecycle.FileIn("二.pdf", PDF + b"2")])
    assert not Attachment.objects.exists() and media_files(settings) == []


def test_a_spreadsheet_upload_with_a_300_byte_name_is_kept_by_the_same_plain_name(client, people, p1):
    from io import BytesIO

    from openpyxl import Workbook

    from kesu.intake.models import ImportBatch

    wb = Workbook()
    wb.active.append(["渠道", "客户姓名", "客户电话", "客户原话"])
    wb.active.append(["电话", "孙先生", 13912345678, WORDS])
    out = BytesIO()
    wb.save(out)
    client.force_login(people["wangkf"])
    name = "../" + LONG_NAME.replace(".pdf", ".xlsx")
    page = client.post("/intake/import/", {"file": SimpleUploadedFile(name, out.getvalue())}, follow=True)
    assert page.status_code == 200
    batch = ImportBatch.objects.get()
    assert batch.name == safe_file_name(name) and batch.name.endswith(".xlsx") and "/" not in batch.name
