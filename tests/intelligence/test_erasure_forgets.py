"""An erased customer's words are not recoverable through the intelligence (issue 14, PIPL art. 47):
after the erasure the case's meaning vector, its case-library entry, the words its suggestions
quoted, its repeat links and the learned model that read it are gone, and neither the library,
the repeats nor search find it by those words again. Retention forgets the text too, but keeps the
repeat links the reports count."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kesu.complaints import search
from kesu.core.lifecycle import State
from kesu.intelligence import services
from kesu.intelligence.models import Case, ModelVersion, Repeat, Suggestion, Vector
from kesu.privacy import customer, retention
from tests.factories import bring_to, register

pytestmark = pytest.mark.django_db

WORDS = "热水器安装后漏水把木地板泡坏了，要求赔偿地板"
PHRASE = "木地板泡坏"




def test_an_erased_customers_words_leave_every_intelligence_store(confirmed, people, now):
    old = bring_to(State.ARCHIVED, people, now, customer_words=WORDS)
    later = register(people, now + timedelta(days=1), customer_words=WORDS + "，第二次投诉")
    services.build_library(now)
    services.catch_up(now, window=1_000_000)  # vectors, and the repeats their meaning shows
    services.after_registration([old.pk, later.pk], now + timedelta(days=1))
    model = services.retrain(now, force=True)
    assert Case.objects.filter(complaint=old).exists() and Repeat.objects.filter(earlier=old).exists()
    assert old.pk in search.candidates(PHRASE)
    assert model is not None and model.blob is not None

    plan = customer.erase(customer.Customer.parse("138 1234 5678"), actor=people["zhoujl"],
                          now=now + timedelta(days=2), reason="客户要求删除")
    assert plan.erased == [old.number]

    assert not Case.objects.filter(complaint=old).exists()
    assert bytes(Vector.objects.get(complaint=old).vector) == b""  # left empty: never embedded again
    assert not Suggestion.objects.filter(complaint=old).exclude(words=[]).exists()
    assert not Repeat.objects.filter(earlier=old).exists() and not Repeat.objects.filter(complaint=old).exists()
    assert ModelVersion.objects.get(pk=model.pk).blob is None  # it read the words: dropped, retrained after commit

    # nothing brings it back: the next library run, the next pass over vectors and repeats, search
    services.build_library(now + timedelta(days=3))
    services.catch_up(now + timedelta(days=3), window=1_000_000)
    services.find_repeats(later, now + timedelta(days=3))
    assert not Case.objects.filter(complaint=old).exists()
    assert not Repeat.objects.filter(earlier=old).exists()
    assert old.pk not in search.candidates(PHRASE)
    assert all(f.case.complaint_id != old.pk for f in services.search_cases(PHRASE))
    rows, _count, _newest = services.training_rows(services.policy_of(old.policy_version))
    assert all(PHRASE not in text for text in rows["category"][0])


def test_retention_forgets_the_words_but_keeps_the_repeat_links_the_reports_count(p1, people, now):
    old = bring_to(State.ARCHIVED, people, now, customer_words=WORDS)
    later = register(people, now + timedelta(days=1), customer_words="又来投诉")
    services.after_registration([later.pk], now + timedelta(days=1))
    services.build_library(now)
    assert Repeat.objects.filter(complaint=later, earlier=old).exists()
    retention.run(now + timedelta(days=365 * 3 + 10))
    old.refresh_from_db()
    assert old.anonymised_at is not None
    assert not Case.objects.filter(complaint=old).exists()
    assert bytes(Vector.objects.get(complaint=old).vector) == b""
    assert Repeat.objects.filter(complaint=later, earlier=old).exists()
