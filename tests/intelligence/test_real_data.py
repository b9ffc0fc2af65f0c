"""On real Chinese complaints (research data in ../shared/data, read at run time, never copied here):
the learning path beats a plain baseline with only a hundred examples per category. Skipped where
the data folder is absent — the ordinary suite runs on the hand-written fixtures."""

from __future__ import annotations

import csv
import random
from collections import defaultdict
from pathlib import Path

import pytest

from kesu.intelligence import learn

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "online_shopping_10_cats.csv"

pytestmark = pytest.mark.skipif(not DATA.exists(), reason=f"development data not here ({DATA}); see "
                                "docs/intelligence.md — the benchmarks and this check read it at run time")


def test_a_hundred_confirmed_complaints_per_category_already_suggest_well():
    by_cat: dict[str, list[str]] = defaultdict(list)
    with open(DATA, encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["label"] == "0" and row["review"].strip():
                by_cat[row["cat"]].append(row["review"].strip())
    rng = random.Random(17)
    train, test = [], []
    for cat, rows in sorted(by_cat.items()):
        rng.shuffle(rows)
        test += [(r, cat) for r in rows[:20]]
        train += [(r, cat) for r in rows[20:120]]
    bundle, quality = learn.train({"category": ([t for t, _ in train], [c for _, c in train])})
    assert bundle is not None and quality["category"].macro_f1 is not None
    predicted = bundle.predict("category", [t for t, _ in test])
    from sklearn.metrics import f1_score

    assert f1_score([c for _, c in test], predicted, average="macro") > 0.75
    guess = bundle.guess(test[0][0])["category"]
    assert guess.words and 0 < guess.confidence <= 1
