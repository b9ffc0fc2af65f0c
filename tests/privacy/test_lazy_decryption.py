"""Personal fields are decrypted when read, not when loaded: a list that shows the customer's name
decrypts the names only, while every way of reading a complaint still gives the clear values."""

from __future__ import annotations

import pytest
from django.test import Client

from kesu.complaints import fields
from kesu.complaints.models import Complaint
from tests.factories import register

pytestmark = pytest.mark.django_db
FULL = {"customer_name": "马先生", "customer_phone": "13812345678", "customer_email": "ma@example.com",
        "customer_region": "北京市朝阳区", "customer_ref": "VIP12345678", "occurred_place": "望京店"}


@pytest.fixture
def decrypted(monkeypatch):  # type: ignore[no-untyped-def]
    columns: list[str] = []
    real = fields.Keys.decrypt

    def counted(self, token, column):  # type: ignore[no-untyped-def]
        columns.append(column)
        return real(self, token, column)

    monkeypatch.setattr(fields.Keys, "decrypt", counted)
    return columns


def test_a_loaded_complaint_decrypts_a_field_when_it_is_read_and_once(p1, people, now, decrypted):
    register(people, now, **FULL)
    c = Complaint.objects.get()
    assert decrypted == []
    assert c.customer_name == "马先生" and c.customer_name == "马先生"
    assert decrypted == ["customer_name"]
    assert {k: getattr(c, k) for k in FULL} == FULL


def test_values_and_values_list_and_deferred_fields_give_clear_text(p1, people, now):
    register(people, now, **FULL)
    assert Complaint.objects.values_list("customer_phone", flat=True).get() == "13812345678"
    assert Complaint.objects.values("customer_email").get() == {"customer_email": "ma@example.com"}
    assert Complaint.objects.values_list("customer_name", "customer_ref").get() == ("马先生", "VIP12345678")
    assert Complaint.objects.values_list("occurred_place", named=True).get().occurred_place == "望京店"
    assert Complaint.objects.only("number").get().customer_region == "北京市朝阳区"


def test_a_saved_complaint_keeps_the_fields_it_never_read(p1, people, now):
    register(people, now, **FULL)
    c = Complaint.objects.get()
    c.save(update_fields=["customer_words"])
    c.save()
    assert {k: getattr(Complaint.objects.get(), k) for k in FULL} == FULL


def test_a_queue_page_decrypts_only_the_names_it_shows(p1, people, now, decrypted):
    for _ in range(5):
        register(people, now, **FULL)
    page = Client()
    page.force_login(people["zhangzong"])
    decrypted.clear()
    html = page.get("/queue/?q=all").content.decode()
    assert html.count("马先生") >= 5
    assert sorted(set(decrypted)) == ["customer_name"] and len(decrypted) == 5
