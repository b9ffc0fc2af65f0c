"""F13 suggestions follow the mix of the complaints coming in, not the mix of those a person confirmed
(issue 17): the training run reads the organisation's registered complaints — their words only, no
label — estimates how often each category comes (EM over the calibrated probabilities, Saerens,
Latinne & Decaestecker 2002), and re-weights each suggestion's probabilities to it. A category rare
in the stream no longer takes the ambiguous texts of the common ones; where the stream is like the
history, nothing changes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from kesu.intelligence import learn, services
from kesu.policies.services import active_version, policy_of
from tests.factories import register
from tests.intelligence.conftest import HISTORY

# Texts that could be one category or another: slow AND badly repaired.
AMBIGUOUS = "维修太慢而且没修好"
CLEARLY_QUALITY = "刹车片返修了两次还是异响，维修质量太差"


def _history():
    rows = [(cat, text) for cat, texts in HISTORY.items() for text in texts] * 2  # 16 of each: balanced
    return [t for _, t in rows], [c for c, _ in rows]


def _waiting_season():
    """What comes in this month: mostly waiting and attitude, a repair-quality complaint now and then."""
    return HISTORY["repair_time"] * 20 + HISTORY["attitude"] * 20 + HISTORY["repair_quality"][:5]


def test_a_category_rare_in_the_stream_does_not_take_the_ambiguous_texts_of_common_ones():
    texts, labels = _history()
    plain, _ = learn.train({"category": (texts, labels)})
    following, quality = learn.train({"category": (texts, labels)}, stream=(_waiting_season(), None))
    assert plain is not None and following is not None
    mix = quality["category"].stream_mix
    assert quality["category"].followed
    assert quality["category"].history_mix == pytest.approx({c: 1 / 3 for c in HISTORY}, abs=1e-3)
    assert mix["repair_quality"] < 0.05 < 0.4 < mix["repair_time"]  # estimated from the words alone
    assert quality["category"].stream_texts == len(_waiting_season())
    # the balanced history made the rare category look as likely as the others …
    assert plain.guess(AMBIGUOUS)["category"].value == "repair_quality"
    # … the stream says it is rare: the ambiguous text goes to the common one
    assert following.guess(AMBIGUOUS)["category"].value == "repair_time"
    assert following.predict("category", [AMBIGUOUS]) == ["repair_time"]
    # a text that clearly tells the rare category still gets it
    assert following.guess(CLEARLY_QUALITY)["category"].value == "repair_quality"


def test_where_the_stream_is_like_the_confirmed_history_nothing_changes():
    texts, labels = _history()
    plain, _ = learn.train({"category": (texts, labels)})
    following, quality = learn.train({"category": (texts, labels)}, stream=(texts * 5, None))
    assert plain is not None and following is not None
    assert quality["category"].stream_mix == pytest.approx(quality["category"].history_mix, abs=0.01)
    asked = [AMBIGUOUS, CLEARLY_QUALITY, "等了一整天", "前台态度差", "修完又坏了", "车又坏了，还没人理"]
    assert following.predict("category", asked) == plain.predict("category", asked)


def test_too_few_registered_complaints_to_read_leave_the_historys_mix():
    texts, labels = _history()
    few = _waiting_season()[: learn.MIN_STREAM - 1]
    model, quality = learn.train({"category": (texts, labels)}, stream=(few, None))
    assert model is not None and model.fields["category"].shift is None
    assert quality["category"].stream_mix == {} and "stream_mix" not in quality["category"].as_dict()


def test_a_label_the_stream_has_not_shown_stays_possible():
    texts, labels = _history()
    only_waiting = HISTORY["repair_time"] * 40
    model, quality = learn.train({"category": (texts, labels)}, stream=(only_waiting, None))
    assert model is not None
    assert min(quality["category"].stream_mix.values()) > 0  # rare, never impossible
    assert model.guess(CLEARLY_QUALITY)["category"].value == "repair_quality"


def test_a_history_learned_with_rare_categories_counted_as_much_keeps_its_decisions():
    # 维修质量 has a tenth of the others' examples: the model weighs the categories as balanced, on
    # purpose (a rare category still counts); the stream's mix is estimated and shown, not followed
    rows = [(c, t) for c, ts in HISTORY.items() for t in ts * (1 if c == "repair_quality" else 10)]
    texts, labels = [t for _, t in rows], [c for c, _ in rows]
    plain, _ = learn.train({"category": (texts, labels)})
    kept, quality = learn.train({"category": (texts, labels)}, stream=(_waiting_season(), None))
    assert kept is not None and plain is not None
    assert kept.fields["category"].balanced and kept.fields["category"].shift is None
    assert quality["category"].stream_mix and not quality["category"].followed
    assert quality["category"].history_mix["repair_quality"] == pytest.approx(8 / 168, abs=1e-3)
    asked = [AMBIGUOUS, CLEARLY_QUALITY, "等了一整天", "前台态度差"]
    assert kept.predict("category", asked) == plain.predict("category", asked)


@pytest.mark.django_db
def test_the_retrain_reads_the_registered_complaints_words_and_the_administrator_sees_the_mix(
        confirmed, people, now, monkeypatch):
    monkeypatch.setattr(learn, "MIN_STREAM", 100)  # a small shop's stream, for a quick test
    season = (HISTORY["repair_time"] + HISTORY["attitude"]) * 8
    for i, text in enumerate(season):
        # registered this month, nobody has classified them yet: their words are all there is
        register(people, now - timedelta(days=1, minutes=i), customer_words=text, customer_phone=f"1370000{i:04d}")
    version = services.retrain(now)
    assert version is not None
    quality = version.quality["category"]
    assert quality["stream_texts"] == len(confirmed) + len(season)  # every registered complaint's words
    assert quality["stream_mix"]["repair_quality"] < 0.15 < 0.3 < quality["history_mix"]["repair_quality"]
    assert quality["followed"] is True
    got = services.suggest(policy_of(active_version()), AMBIGUOUS)["category"]
    assert (got.value, got.source) == ("repair_time", "model")

    client = Client()
    client.force_login(people["zhoujl"])  # 周经理, customer-service manager
    page = client.get("/intelligence/manage/").content.decode()
    assert "类别构成" in page and "最近登记的投诉中（估计）" in page
    assert "维修质量" in page and "repair_quality" not in page  # the policy's names, never codes
    client.post("/i18n/setlang/", {"language": "en", "next": "/queue/"})
    page = client.get("/intelligence/manage/").content.decode()
    name_en = policy_of(active_version()).category_path("repair_quality")[-1].name_en
    assert "Category mix" in page and "Among recently registered complaints (estimated)" in page
    assert name_en and name_en in page
