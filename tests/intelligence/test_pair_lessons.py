"""F13 repeated complaints learned from the company's own decisions: the duplicates its staff merged
and the "same problem" flags they confirmed (是同一问题) or dismissed (不是同一问题) are what the
scheduled retrain teaches the organisation's pair model; an undone merge is no lesson any more;
below the minimum number of decisions the shipped detector judges, as before."""

from __future__ import annotations

from datetime import timedelta
from itertools import product

import pytest
from django.test import Client

from kesu import tasks
from kesu.complaints.models import Complaint
from kesu.intelligence import services, similarity
from kesu.intelligence.models import ModelVersion, Repeat
from kesu.workflow import steps
from tests.factories import register
from tests.intelligence.conftest import HISTORY

pytestmark = pytest.mark.django_db

# The same problem told twice in other words (written for these tests).
TOLD_AGAIN = [
    ("修完车第二天发动机又异响，维修根本没修好", "昨天刚修好的车今天发动机又响了，等于没修"),
    ("刚换的刹车片还是有异响，返修了两次", "刹车片换完一踩还是吱吱响，已经返修两回了"),
    ("保养后机油渗漏，修理工没拧紧", "做完保养发现漏机油，应该是螺丝没拧紧"),
    ("空调修完还是不制冷，白花了维修费", "空调维修后依旧不凉，维修费白交了"),
    ("车放在店里修了半个月还没修好", "车在你们店修了十五天了还没修完"),
    ("说好今天提车，又要再等三天", "本来约好今天取车，现在又说要等三天"),
    ("前台接待态度恶劣，爱理不理", "前台的接待员态度很差，问话也不理人"),
    ("客服态度差，推卸责任", "打客服电话，对方态度不好还推卸责任"),
    ("轮胎动平衡没做好，高速方向盘抖", "做完动平衡上高速方向盘还是抖"),
    ("配件到了还拖着不给装，等了一周", "配件早就到了一直拖着不装，已经等一个星期"),
    ("喷漆有色差，补漆质量太差", "补的漆颜色和原车不一样，质量太差"),
    ("销售顾问说话很冲，还翻白眼", "销售顾问说话很冲，对客户翻白眼"),
]
MERGED_PAIR = ("更换的电瓶三天就没电了，维修质量有问题", "新换的电瓶才三天又没电，维修质量不行")
DISMISSED_PAIR = ("保养说两小时，结果等了一整天", "保养后机油渗漏，修理工没拧紧")


def different_problems(n: int) -> list[tuple[str, str]]:
    """Two complaints of different kinds (a repair left undone against a rude receptionist …)."""
    kinds = list(HISTORY.values())
    pairs = [(a, b) for i, j in ((0, 1), (1, 2), (0, 2)) for a, b in product(kinds[i][:4], kinds[j][4:])]
    return [p for p in pairs if set(p) != set(DISMISSED_PAIR)][:n]


class Shop:
    """The shop's complaints, one per text, registered in turn."""

    def __init__(self, people, now) -> None:  # type: ignore[no-untyped-def]
        self.people, self.now, self.made = people, now, {}

    def of(self, text: str) -> Complaint:
        if text not in self.made:
            at = self.now - timedelta(days=5) + timedelta(minutes=len(self.made))
            self.made[text] = register(self.people, at, customer_words=text,
                                       customer_phone=f"1370000{len(self.made):04d}")
        return self.made[text]

    def flagged(self, a: str, b: str) -> Repeat:
        """The detector's "same problem" flag on the later of the two (what the person judges)."""
        earlier, later = sorted((self.of(a), self.of(b)), key=lambda c: c.pk)
        return Repeat.objects.create(complaint=later, earlier=earlier, kind=Repeat.Kind.PROBLEM, score=0.5,
                                     found_at=self.now)

    def decide(self, pairs: list[tuple[str, str]], *, same: bool) -> None:
        for a, b in pairs:
            services.decide(self.flagged(a, b), same=same, actor=self.people["wangkf"], now=self.now)


@pytest.fixture
def shop(p1, people, now):
    return Shop(people, now)


def learned() -> ModelVersion:
    """The scheduled retrain task's run (forced: the test does not wait for the interval)."""
    number = tasks.run("intelligence.retrain", force=True)
    services.forget_loaded_model()
    return ModelVersion.objects.get(number=number)


def score(pair: tuple[str, str]) -> float:
    model = services.pair_model()
    assert model is not None
    return model.score(None, *pair)


def test_too_few_decisions_leave_the_shipped_detector_judging(shop, now):
    shop.decide(TOLD_AGAIN[:5], same=True)
    shop.decide(different_problems(5), same=False)
    version = learned()
    assert version.quality["repeats"]["examples"] == 10 and version.quality["repeats"]["roc_auc"] is None
    assert services.pair_model() is None
    a, b = MERGED_PAIR
    assert similarity.score_of(None, a, b, model=services.pair_model()) == similarity.combine(
        similarity.features(None, a, b))


def test_confirmations_and_dismissals_teach_a_pair_model_shown_with_its_quality(shop, people, now):
    shop.decide(TOLD_AGAIN, same=True)
    shop.decide(different_problems(20), same=False)
    version = learned()
    q = version.quality["repeats"]
    assert (q["examples"], q["same"], q["different"]) == (32, 12, 20)
    assert q["held_out"] and q["roc_auc"] is not None and q["shipped_roc_auc"] is not None
    assert services.pair_model() is not None  # the detector of similar_earlier from now on
    assert score(MERGED_PAIR) > score(DISMISSED_PAIR)  # a problem told again against two different ones
    page = Client()
    page.force_login(people["zhoujl"])
    html = page.get("/intelligence/manage/").content.decode()
    assert "从本公司的判定中学习" in html and str(q["roc_auc"]) in html


def test_a_merge_teaches_the_detector_and_undoing_it_withdraws_the_lesson(shop, people, now):
    shop.decide(TOLD_AGAIN, same=True)
    shop.decide(different_problems(20), same=False)
    learned()
    before = score(MERGED_PAIR)
    first, again = shop.of(MERGED_PAIR[0]), shop.of(MERGED_PAIR[1])
    d = steps.perform("merge", again, {"into": first.number, "reason": "同一客户同一问题"}, actor=people["wangkf"],
                      now=now, expected_version=again.version)
    version = learned()
    assert version.quality["repeats"]["merges"] == 1 and version.quality["repeats"]["same"] == 13
    assert score(MERGED_PAIR) > before  # the merged pair is now known to be the same problem
    steps.perform("unmerge", d, {"reason": "合并错了，是两件事"}, actor=people["wangkf"], now=now,
                  expected_version=d.version)
    version = learned()
    assert version.quality["repeats"]["merges"] == 0 and version.quality["repeats"]["same"] == 12
    assert score(MERGED_PAIR) == pytest.approx(before)  # the lesson withdrawn: as before the merge


def test_a_dismissal_teaches_the_detector(shop, now):
    shop.decide(TOLD_AGAIN, same=True)
    shop.decide(different_problems(20), same=False)
    learned()
    before = score(DISMISSED_PAIR)
    flag = shop.flagged(*DISMISSED_PAIR)
    services.decide(flag, same=False, actor=shop.people["wangkf"], now=now)
    version = learned()
    assert version.quality["repeats"]["different"] == 21
    assert score(DISMISSED_PAIR) < before


def test_a_dismissed_flag_is_no_repeat_and_survives_the_next_check(shop, people, now):
    flag = shop.flagged(*DISMISSED_PAIR)
    since, until = now - timedelta(days=30), now + timedelta(days=1)
    assert services.repeat_counts(since, until)["same_problem"] == 1
    page = Client()
    page.force_login(people["wangkf"])
    answer = page.post(f"/intelligence/repeat/{flag.pk}/decide/", {"same": "0"})
    assert answer.status_code == 302
    flag.refresh_from_db()
    assert flag.verdict == Repeat.Verdict.DIFFERENT and flag.decided_by == people["wangkf"]
    assert services.repeat_counts(since, until)["same_problem"] == 0
    services.find_repeats(flag.complaint, now)  # the periodic check again: the decision stands
    assert Repeat.objects.get(pk=flag.pk).verdict == Repeat.Verdict.DIFFERENT


def test_only_those_who_may_merge_judge_a_flag_and_the_panel_offers_it(shop, people, now):
    flag = shop.flagged(*MERGED_PAIR)
    page = Client()
    page.force_login(people["wangkf"])
    html = page.get(f"/intelligence/c/{flag.complaint.number}/panel/").content.decode()
    assert "是同一问题" in html and "不是同一问题" in html
    outsider = Client()
    outsider.force_login(people["qianyg"])
    assert outsider.post(f"/intelligence/repeat/{flag.pk}/decide/", {"same": "1"}).status_code == 404
    assert Repeat.objects.get(pk=flag.pk).verdict == ""


def test_a_new_decision_is_something_new_for_the_schedule_to_learn(shop, now):
    shop.decide(TOLD_AGAIN[:2], same=True)
    assert services.retrain(now) is not None
    assert services.retrain(now + timedelta(hours=1)) is None  # nothing confirmed or decided since
    shop.decide(different_problems(1), same=False)
    assert services.retrain(now + timedelta(hours=2)) is not None
