"""How the suggestions' category mix was chosen (issue 17, fourth round): the measurements behind
``learn.adapt`` — on the training rows of a split of bench/intel_split.py only, except ``oracle``.

    python bench/intel_mix.py cv      [--split /tmp/kesu-intel] [--vectors FILE]
    python bench/intel_mix.py balanced [--split …]
    python bench/intel_mix.py oracle  [--split …]      # a diagnosis, never a product figure

* ``cv``: 5-fold cross-validation on the ≤ 200 rows (shop_train200.csv); each held-out fold is
  scored as is and weighted to the organisation's natural category mix (the training part's,
  shop_train.csv — as its registered stream has it); the stream EM reads is every training row's
  words (no label). Calibration by the product's temperature, and by a temperature with one bias
  per category (BCTS, Alexandari et al. 2020), each with and without following the stream.
* ``balanced``: 3-fold cross-validation on every training row (the product weighs the categories as
  balanced there): no shift, the shift from a uniform mix, the shift from the rows' own mix.
* ``oracle``: the ≤ 200 model on the test rows with their own true mix — how much of the gap
  between cross-validation and the test is the mix. Scores the test set: say so with its figure.
"""

from __future__ import annotations

import argparse
import csv
import pickle
from collections import Counter
from pathlib import Path

import numpy as np


def rows(path: Path) -> list[tuple[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return [(r["review"].strip(), r["cat"].strip()) for r in csv.DictReader(fh)
                if r["review"].strip() and r["cat"].strip()]


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return np.asarray(e / e.sum(axis=1, keepdims=True))


def reweigh(p: np.ndarray, new: np.ndarray, old: np.ndarray) -> np.ndarray:
    a = p * (new / old)
    return np.asarray(a / a.sum(axis=1, keepdims=True))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=["cv", "balanced", "oracle"])
    ap.add_argument("--split", default="/tmp/kesu-intel")
    ap.add_argument("--vectors", default="/tmp/kesu-intel/vectors.pkl")
    args = ap.parse_args()
    from kesu.intelligence import learn, similarity

    known = pickle.loads(Path(args.vectors).read_bytes())

    def vec(texts: list[str]) -> np.ndarray:
        return np.vstack([similarity.from_bytes(similarity.to_bytes(known[t])) for t in texts])

    split = Path(args.split)
    full = rows(split / "shop_train.csv")
    pool = [t for t, _ in full]
    natural = Counter(lab for _, lab in full)
    from sklearn.metrics import f1_score
    from sklearn.model_selection import StratifiedKFold, train_test_split

    if args.what == "oracle":
        train, test = rows(split / "shop_train200.csv"), rows(split / "shop_test.csv")
        texts, labels = [t for t, _ in train], [lab for _, lab in train]
        bundle, _ = learn.train({"category": (texts, labels)}, vectors={"category": list(vec(texts))})
        assert bundle is not None
        m = bundle.meaning["category"]
        tt, truth = [t for t, _ in test], [lab for _, lab in test]
        p = m.probabilities(m.scores(learn.with_meaning(bundle.features(tt), vec(tt))))
        mix = np.array([Counter(truth)[lab] for lab in m.labels], dtype=float)
        oracle = reweigh(p, mix / mix.sum(), m.history)
        for name, q in (("the history's mix", p), ("the test rows' true mix (oracle)", oracle)):
            print(f"{name}: macro-F1 {f1_score(truth, [m.labels[i] for i in q.argmax(1)], average='macro'):.4f}")
        return

    if args.what == "balanced":
        texts = np.array(pool, dtype=object)
        labels = np.array([lab for _, lab in full], dtype=object)
        every = vec(pool)
        got: dict[str, list[float]] = {}
        for a, b in StratifiedKFold(3, shuffle=True, random_state=17).split(texts, labels):
            bundle, _ = learn.train({"category": (list(texts[a]), list(labels[a]))},
                                    vectors={"category": list(every[a])})
            assert bundle is not None
            X = bundle.features(pool)
            for kind, m, Xk in (("words", bundle.fields["category"], X),
                                ("meaning", bundle.meaning["category"], learn.with_meaning(X, every))):
                seen = Counter(labels[a])
                own = np.array([seen[lab] for lab in m.labels], dtype=float)
                for start, history in (("uniform", np.full(len(m.labels), 1 / len(m.labels))),
                                       ("the rows' own", own / own.sum())):
                    m.history, m.shift, m.balanced = history, None, False
                    plain = [m.labels[i] for i in m.choose(m.scores(Xk[b]))]
                    learn.adapt(m, Xk)
                    shifted = [m.labels[i] for i in m.choose(m.scores(Xk[b]))]
                    got.setdefault(f"{kind}, no shift", []).append(f1_score(list(labels[b]), plain, average="macro"))
                    got.setdefault(f"{kind}, shift from {start} mix", []).append(
                        f1_score(list(labels[b]), shifted, average="macro"))
        for k, v in got.items():
            print(f"{k:36s} {np.mean(v):.4f} ± {np.std(v):.4f}")
        return

    train = rows(split / "shop_train200.csv")
    texts = np.array([t for t, _ in train], dtype=object)
    labels = np.array([lab for _, lab in train], dtype=object)
    pool_v = vec(pool)
    from scipy.optimize import minimize

    def bcts(scores: np.ndarray, y: np.ndarray, k: int) -> tuple[float, np.ndarray]:
        def nll(p: np.ndarray) -> float:
            z = scores / np.exp(p[0]) + np.r_[0, p[1:]]
            z = z - z.max(axis=1, keepdims=True)
            return float(-(z[np.arange(len(y)), y] - np.log(np.exp(z).sum(axis=1))).mean())
        x = minimize(nll, np.zeros(k), method="L-BFGS-B").x
        return float(np.exp(x[0])), np.r_[0, x[1:]]

    got = {}
    for a, b in StratifiedKFold(5, shuffle=True, random_state=17).split(texts, labels):
        ta, la = list(texts[a]), list(labels[a])
        bundle, _ = learn.train({"category": (ta, la)}, vectors={"category": list(vec(ta))})
        assert bundle is not None
        m = bundle.meaning["category"]
        k = len(m.labels)
        # BCTS fitted as the product fits its temperature: on a fifth of the training part
        n_test = max(k, int(len(la) * 0.2))
        pa, pb = train_test_split(np.arange(len(la)), test_size=n_test, random_state=17, stratify=la)
        Xa = learn.with_meaning(bundle.features(ta), vec(ta))
        probe = learn.FieldModel(learn.classifier([la[i] for i in pa]).fit(Xa[pa], [la[i] for i in pa]))
        t, bias = bcts(probe.scores(Xa[pb]), np.array([m.labels.index(la[i]) for i in pb]), k)

        def scores(ts: list[str], vs: np.ndarray) -> np.ndarray:
            return m.scores(learn.with_meaning(bundle.features(ts), vs))  # noqa: B023

        held, streamed = scores(list(texts[b]), vec(list(texts[b]))), scores(pool, pool_v)
        yb = list(labels[b])
        inb = Counter(yb)
        weight = np.array([natural[y] / len(full) / (inb[y] / len(yb)) for y in yb])
        for cal, f in (("temperature", lambda s: softmax(s / m.temperature)),  # noqa: B023
                       ("BCTS", lambda s: softmax(s / t + bias))):  # noqa: B023
            p, pp = f(held), f(streamed)
            mix = learn.stream_mix(m, pp)
            for name, q in ((f"{cal}, history's mix", p), (f"{cal}, stream's mix (EM)", reweigh(p, mix, m.history))):
                pred = [m.labels[i] for i in q.argmax(1)]
                got.setdefault(name + ", folds as drawn", []).append(f1_score(yb, pred, average="macro"))
                got.setdefault(name + ", natural mix", []).append(
                    f1_score(yb, pred, average="macro", sample_weight=weight))
    for key, v in sorted(got.items()):
        print(f"{key:52s} {np.mean(v):.4f} ± {np.std(v):.4f}")


if __name__ == "__main__":
    main()
