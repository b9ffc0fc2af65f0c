"""Personal data stored protected (issue 14, deliverable 3): whoever reads the complaints table with
plain SQL finds no name, phone, e-mail, member number, region or place in clear; every lookup goes
through the keyed blind index and still finds the customer; a filter on the clear value finds
nothing; a key rotation re-encrypts while old rows stay readable."""

from __future__ import annotations

from datetime import timedelta
from importlib import import_module
from types import SimpleNamespace

import pytest
from django.core.exceptions import FieldError
from django.db import connection

from kesu.complaints import lifecycle
from kesu.complaints.fields import blind, generate_key, is_encrypted
from kesu.complaints.management.commands.rotate_field_keys import rotate
from kesu.complaints.models import Complaint
from kesu.complaints.selectors import customer_history
from kesu.core.lifecycle import State
from kesu.portal import services as portal
from kesu.reports import figures
from tests.factories import bring_to, register

pytestmark = pytest.mark.django_db
PERSONAL = ("customer_name", "customer_phone", "customer_email", "customer_region", "customer_ref", "occurred_place")
CLEAR = {"customer_name": "马先生", "customer_phone": "13812345678", "customer_email": "ma@example.com",
         "customer_region": "北京市朝阳区", "customer_ref": "VIP-0042", "occurred_place": "朝阳路88号4S店"}


def raw_row(pk: int) -> dict[str, str]:
    with connection.cursor() as cur:
        cur.execute(f"SELECT {', '.join(PERSONAL)} FROM complaints_complaint WHERE id = %s", [pk])
        return dict(zip(PERSONAL, cur.fetchone(), strict=True))


def test_plain_sql_on_the_complaints_table_shows_no_personal_value_in_clear(p1, people, now):
    c = register(people, now, **CLEAR)
    row = raw_row(c.pk)
    for name, value in CLEAR.items():
        assert is_encrypted(row[name]) and value not in row[name], name
    with connection.cursor() as cur:  # not in any column of the row either
        cur.execute("SELECT * FROM complaints_complaint WHERE id = %s", [c.pk])
        text = " ".join(str(v) for v in cur.fetchone())
    assert not any(v in text for v in CLEAR.values())
    fresh = Complaint.objects.get(pk=c.pk)  # and the application reads them back
    assert {k: getattr(fresh, k) for k in CLEAR} == CLEAR


def test_a_filter_on_the_clear_value_finds_nothing_and_the_orm_refuses_it(p1, people, now):
    c = register(people, now, **CLEAR)
    with connection.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM complaints_complaint WHERE customer_phone = %s OR customer_phone LIKE %s",
                    ["13812345678", "138%"])
        assert cur.fetchone()[0] == 0
    for lookup in ({"customer_phone": "13812345678"}, {"customer_phone__startswith": "138"},
                   {"customer_name__contains": "马"}, {"customer_email__iexact": "ma@example.com"}):
        with pytest.raises(FieldError):
            list(Complaint.objects.filter(**lookup))
    assert list(Complaint.objects.filter(phone_index=blind("phone", "138 1234 5678"))) == [c]


def test_an_edit_of_the_phone_moves_the_blind_index_with_it(p1, people, now):
    c = register(people, now, **CLEAR)
    c = lifecycle.edit_complaint(c, actor=people["wangkf"], now=now + timedelta(minutes=1),
                                 changes={"customer_phone": "13900001111", "customer_email": "new@example.com"},
                                 reason="客户更正联系方式")
    assert Complaint.objects.filter(phone_index=blind("phone", "13900001111")).get() == c
    assert not Complaint.objects.filter(phone_index=blind("phone", "13812345678")).exists()
    assert Complaint.objects.filter(email_index=blind("email", "NEW@example.com")).get() == c
    assert "13900001111" not in str(raw_row(c.pk))


def test_customer_history_finds_the_same_phone_email_or_member_number(p1, people, now):
    first = register(people, now, **CLEAR)  # each of the others shares one identifier with it (plates differ)
    by_email = register(people, now + timedelta(hours=1), customer_phone="13700000000",
                        customer_email="ma@example.com", extra={"plate_number": "沪C11111"})
    by_ref = register(people, now + timedelta(hours=2), customer_phone="13600000000", customer_ref="VIP-0042",
                      extra={"plate_number": "沪D22222"})
    register(people, now + timedelta(hours=3), customer_phone="13500000000", extra={"plate_number": "沪B99999"})
    found = list(customer_history(people["wangkf"], now + timedelta(hours=4), first))
    assert found == [by_ref, by_email, first]


def test_the_registration_page_finds_the_callers_earlier_complaints_by_phone(client, p1, people, now):
    c = register(people, now, **CLEAR)
    register(people, now, customer_phone="13500000000", customer_name="别人")
    client.force_login(people["wangkf"])
    body = client.get("/register/", {"phone": "13812345678"}).content.decode()
    assert c.number in body and "马先生" in body and "别人" not in body


def test_portal_tracking_needs_the_number_and_the_phone(p1, people, now):
    c = register(people, now, **CLEAR)
    assert portal.find(c.number, "138-1234-5678") == c
    assert portal.find(c.number, "13900000000") is None


def test_mail_from_a_known_address_takes_the_name_and_phone_from_before(p1, people, now):
    c = register(people, now, **CLEAR)
    previous = (Complaint.objects.filter(email_index=blind("email", "Ma@Example.com"))
                .values("customer_name", "customer_phone").first())
    assert previous == {"customer_name": "马先生", "customer_phone": "13812345678"} and c.pk


def test_the_report_counts_a_repeated_customer_by_the_blind_index(p1, people, now):
    bring_to(State.REGISTERED, people, now)
    bring_to(State.REGISTERED, people, now + timedelta(hours=1))
    bring_to(State.REGISTERED, people, now, customer_phone="13911112222")
    r = figures.build(figures.month(2026, 3))
    assert r.repeated_customers == 1
    assert figures.behind(figures.month(2026, 3), department_id=None, dimension="repeated", value="").count() == 2


def test_key_rotation_re_encrypts_every_row_and_old_rows_stay_readable(p1, people, now, settings):
    old = register(people, now, **CLEAR)
    old_token = raw_row(old.pk)["customer_phone"]
    settings.KESU_FIELD_KEYS = [generate_key(), "default"]  # the new key first
    newer = register(people, now + timedelta(hours=1), **CLEAR)  # written under the new key
    assert Complaint.objects.get(pk=old.pk).customer_phone == "13812345678"  # the old one still reads
    assert rotate(batch=1) == 2
    assert raw_row(old.pk)["customer_phone"] != old_token
    settings.KESU_FIELD_KEYS = settings.KESU_FIELD_KEYS[:1]  # the old key dropped: everything still reads
    assert [Complaint.objects.get(pk=pk).customer_phone for pk in (old.pk, newer.pk)] == ["13812345678"] * 2


def test_without_its_key_a_row_is_refused_not_shown_as_ciphertext(p1, people, now, settings):
    c = register(people, now, **CLEAR)
    settings.KESU_FIELD_KEYS = [generate_key()]
    loaded = Complaint.objects.get(pk=c.pk)  # decrypted when read (tests/privacy/test_lazy_decryption.py)
    with pytest.raises(ValueError, match="KESU_FIELD_KEYS"):
        loaded.customer_phone  # noqa: B018
    with pytest.raises(ValueError, match="KESU_FIELD_KEYS"):
        Complaint.objects.values_list("customer_name", flat=True).get(pk=c.pk)


def test_the_migration_encrypts_clear_rows_and_fills_their_blind_indexes(p1, people, now):
    c = register(people, now, **CLEAR)
    with connection.cursor() as cur:  # a row as it was before the migration: clear, no index
        cur.execute(f"UPDATE complaints_complaint SET {', '.join(f'{k} = %s' for k in PERSONAL)}, phone_index = '', "
                    "email_index = '', ref_index = '' WHERE id = %s", [*CLEAR.values(), c.pk])
    migration = import_module("kesu.complaints.migrations.0010_personal_data_encrypted")
    editor = SimpleNamespace(connection=connection)  # the data step uses the editor's connection only
    migration.encrypt_rows(None, editor)
    assert all(is_encrypted(v) for v in raw_row(c.pk).values())
    assert Complaint.objects.filter(phone_index=blind("phone", "13812345678"), ref_index=blind("ref", "VIP-0042"),
                                    email_index=blind("email", "ma@example.com")).get() == c
    migration.decrypt_rows(None, editor)  # and back: clear again
    assert raw_row(c.pk) == CLEAR
