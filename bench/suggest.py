"""Category suggestions measured on your own labelled data (issue 17, item 5), through the product's
real learning path: a fresh organisation whose policy's type tree holds the labels; every training
row registered through the one door (intake.register_batch) and classified by a person through the
kernel (lifecycle.classify), so it is confirmed history; the model learned by the scheduled task
(intelligence.retrain); then each test row's suggestion asked as a page asks it (services.suggest).

    python bench/suggest.py --train FILE --test FILE --text-col C --label-col L [--format csv|tsv|xlsx]

Prints macro-F1, accuracy, per-class F1, the p50 / p99 suggestion latency, and what suggesting
adds to a registration (the after-commit task's work per complaint, off the request).
Options: --db sqlite|postgres (--pg-url), --limit N (training rows).

``--unlabeled FILE`` (same columns; the label column is never read): the organisation's other
registered complaints, registered through the same door but never classified — the stream whose
category mix the retrain estimates (learn.adapt). Rows whose text is a training row's are skipped
(those are registered already); all are registered in one fixed shuffled order, the training rows
among the others. With the vectors, theirs are stored too, as the periodic pass would.

Meaning vectors: each training complaint gets its vector as the periodic pass stores it
(similarity.embed_complaints, float16), and each test row is suggested twice — from its words
alone (while typing, at registration) and with its vector (once made, after commit). Embedding runs
at ~5–45 texts/s on this machine, so ``--vectors FILE`` keeps the vectors by text between runs (a
pickle; made by the same function, never by anything else). ``--no-vectors``: words alone.
``--direct``: learn with kesu.intelligence.learn.train (what the retrain task calls) on the rows
without registering them — for files too large to register in a session; say so with its figures.
``--direct --cached-only``: the training rows whose vector is not in the pickle go without one (the
meaning classifier learns from those that have one, as the retrain does before the periodic pass
has made every vector); the test rows all get theirs.
"""

from __future__ import annotations

import argparse
import csv
import random
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from seeding import setup


def read_rows(path: str, text_col: str, label_col: str, fmt: str | None) -> list[tuple[str, str]]:
    fmt = fmt or {".tsv": "tsv", ".xlsx": "xlsx"}.get(Path(path).suffix.lower(), "csv")
    rows: list[dict[str, str]]
    if fmt == "xlsx":
        from openpyxl import load_workbook

        sheet = load_workbook(path, read_only=True).active
        it = sheet.iter_rows(values_only=True)
        head = [str(h) for h in next(it)]
        rows = [{h: "" if v is None else str(v) for h, v in zip(head, r, strict=False)} for r in it]
    else:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.DictReader(fh, delimiter="\t" if fmt == "tsv" else ","))
    for col in (text_col, label_col):
        if rows and col not in rows[0]:
            sys.exit(f"{path}: no column {col!r} (columns: {', '.join(rows[0])})")
    return [(r[text_col].strip(), r[label_col].strip()) for r in rows if r[text_col].strip() and r[label_col].strip()]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--train", required=True)
    ap.add_argument("--test", required=True)
    ap.add_argument("--text-col", required=True)
    ap.add_argument("--label-col", required=True)
    ap.add_argument("--format", choices=["csv", "tsv", "xlsx"])
    ap.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    ap.add_argument("--pg-url")
    ap.add_argument("--limit", type=int, default=0, help="use at most this many training rows")
    ap.add_argument("--unlabeled", help="the organisation's other complaints: registered, never classified")
    ap.add_argument("--vectors", help="a pickle of vectors by text, read and extended (see above)")
    ap.add_argument("--no-vectors", action="store_true", help="the words alone")
    ap.add_argument("--direct", action="store_true", help="learn.train on the rows, no database (see above)")
    ap.add_argument("--cached-only", action="store_true",
                    help="with --direct: only the training rows whose vector is in the pickle get one (see above)")
    args = ap.parse_args()
    train = read_rows(args.train, args.text_col, args.label_col, args.format)
    test = read_rows(args.test, args.text_col, args.label_col, args.format)
    if args.limit:
        train = train[: args.limit]
    seen = {t for t, _ in train}
    unlabeled = [t for t, _ in read_rows(args.unlabeled, args.text_col, args.label_col, args.format)
                 if t not in seen] if args.unlabeled else []
    labels = sorted({lab for _, lab in train})
    code = {lab: f"t{i + 1}" for i, lab in enumerate(labels)}
    name = {v: k for k, v in code.items()}

    vectors = None if args.no_vectors else Vectors(args.vectors)
    if args.direct:
        return direct(train, test, vectors, cached_only=args.cached_only, unlabeled=unlabeled)

    setup(args.db, args.pg_url)
    from django.db import transaction

    from kesu import tasks
    from kesu.complaints import intake, lifecycle
    from kesu.core.policy.io import dump_policy, load_preset
    from kesu.core.policy.model import Category
    from kesu.intelligence import services
    from kesu.ops.demo import load_demo_organisation
    from kesu.policies.services import import_and_publish

    now = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)
    base = load_preset("p4_public_commitment")
    policy = base.model_copy(update={
        "code": "bench_suggest", "name": "建议基准", "keywords": [],
        "categories": [Category(code=code[lab], name=lab[:100]) for lab in labels]})
    import_and_publish(text=dump_policy(policy), actor=None, now=now)
    people = load_demo_organisation(now)
    actor = people["wangkf"]

    # Registered in one stream, in time: the training rows among the others (a fixed shuffle), as
    # an organisation's confirmed complaints are among all it registered — the retrain reads the
    # newest STREAM_LIMIT of them, so the confirmed ones must not all be the oldest
    stream: list[tuple[str, str | None]] = [*train, *((t, None) for t in unlabeled)]
    if unlabeled:
        random.Random(17).shuffle(stream)
    t0 = time.perf_counter()
    registered_all = []
    for start in range(0, len(stream), 500):
        chunk = stream[start:start + 500]
        with transaction.atomic():  # the after-commit work (suggestions) runs once the chunk commits
            registered_all += intake.register_batch([intake.Received(channel="phone", fields={
                "customer_words": text[:2000], "customer_name": "顾客",
                "customer_phone": f"138{(start + i) % 100_000_000:08d}"}) for i, (text, _) in enumerate(chunk)],
                actor=actor, now=now)
    registered = time.perf_counter() - t0
    made = [c for c, (_, lab) in zip(registered_all, stream, strict=True) if lab is not None]
    kept = [lab for _, lab in stream if lab is not None]
    others = [c for c, (_, lab) in zip(registered_all, stream, strict=True) if lab is None]
    t0 = time.perf_counter()
    for start in range(0, len(made), 500):  # each a kernel step with its event; committed 500 at a time
        with transaction.atomic():
            for c, lab in zip(made[start:start + 500], kept[start:start + 500], strict=True):
                lifecycle.classify(c, actor=actor, now=now, level="ordinary", category=code[lab], validity="valid")
    classified = time.perf_counter() - t0
    print(f"{len(stream)} complaints registered in {registered:.1f} s; the {len(train)} training rows among them "
          f"classified in {classified:.1f} s ({len(labels)} labels; {len(others)} others never classified)")

    if vectors is not None:  # each complaint's vector as the periodic pass stores it
        from kesu.intelligence import similarity
        from kesu.intelligence.models import Vector

        t0 = time.perf_counter()
        for start in range(0, len(made) + len(others), 500):
            chunk = (made + others)[start:start + 500]
            got = vectors.of([c.customer_words for c in chunk])
            Vector.objects.bulk_create([Vector(complaint=c, vector=similarity.to_bytes(v), made_at=now)
                                        for c, v in zip(chunk, got, strict=True)])
        print(f"vectors of the training complaints stored in {time.perf_counter() - t0:.1f} s")

    t0 = time.perf_counter()
    number = tasks.run("intelligence.retrain", force=True)
    print(f"model v{number} learned in {time.perf_counter() - t0:.1f} s")
    from kesu.intelligence.models import ModelVersion

    q = ModelVersion.objects.get(number=number).quality.get("category", {})
    print(f"  held out by the product itself: macro-F1 {q.get('macro_f1')}, accuracy {q.get('accuracy')} "
          f"on {q.get('held_out')} rows")
    if q.get("stream_mix"):
        print(f"  the stream's category mix, estimated from {q.get('stream_texts')} texts: "
              + ", ".join(f"{name[k]} {v:.3f}" for k, v in q["stream_mix"].items()))

    from kesu.policies.services import active_version, policy_of

    live = policy_of(active_version())
    services.current_bundle(fresh=True)
    departments = services._departments()
    latencies, predicted, with_vector = [], [], []
    test_vectors = vectors.of([t for t, _ in test]) if vectors is not None else None
    for i, (text, _) in enumerate(test):
        t0 = time.perf_counter()
        got = services.suggest(live, text, departments=departments)
        latencies.append(time.perf_counter() - t0)
        predicted.append(name.get(got["category"].value, "") if "category" in got else "")
        if test_vectors is not None:
            got = services.suggest(live, text, departments=departments, vector=test_vectors[i])
            with_vector.append(name.get(got["category"].value, "") if "category" in got else "")

    # What suggesting adds to a registration: the after-commit task's work, per complaint.
    sample = made[-200:]
    added = []
    for c in sample:
        t0 = time.perf_counter()
        services.after_registration([c.pk], now)
        added.append(time.perf_counter() - t0)

    q = ModelVersion.objects.get(number=number).quality.get("category+meaning")
    if q:
        print(f"  with the meaning, held out by the product itself: macro-F1 {q.get('macro_f1')}")
    report(test, labels, predicted, with_vector)
    ms = [x * 1000 for x in latencies]
    print(f"suggestion latency: p50 {percentile(ms, 50):.2f} ms, p99 {percentile(ms, 99):.2f} ms, "
          f"mean {statistics.mean(ms):.2f} ms")
    ms = [x * 1000 for x in added]
    print(f"after-commit work per registration (suggestions stored, same customer checked): "
          f"p50 {percentile(ms, 50):.2f} ms, p99 {percentile(ms, 99):.2f} ms")


class Vectors:
    """The complaints' vectors by text, as kesu.intelligence.similarity.embed_complaints makes them
    (float16 as stored), kept in a pickle between runs when a file is given."""

    def __init__(self, path: str | None) -> None:
        import pickle

        self.path = path
        self.known: dict = {}
        if path and Path(path).exists():
            self.known = pickle.loads(Path(path).read_bytes())

    def cached(self, texts: list[str]) -> list:  # type: ignore[type-arg]
        """The vectors of those texts already in the pickle (None for the others: not made yet)."""
        from kesu.intelligence import similarity

        return [similarity.from_bytes(similarity.to_bytes(self.known[t])) if t in self.known else None
                for t in texts]

    def of(self, texts: list[str]):  # type: ignore[no-untyped-def]
        import pickle

        import numpy as np

        from kesu.intelligence import similarity

        missing = sorted({t for t in texts if t not in self.known}, key=len)
        for at in range(0, len(missing), 64):
            chunk = missing[at:at + 64]
            self.known.update(zip(chunk, similarity.embed_complaints(chunk), strict=True))
            if self.path and ((at // 64) % 16 == 15 or at + 64 >= len(missing)):
                Path(self.path).write_bytes(pickle.dumps(self.known))
        return np.vstack([similarity.from_bytes(similarity.to_bytes(self.known[t])) for t in texts])


def report(test: list[tuple[str, str]], labels: list[str], predicted: list[str], with_vector: list[str]) -> None:
    from sklearn.metrics import accuracy_score, f1_score

    truth = [lab for _, lab in test]
    known = sorted(set(truth) | set(labels))
    print(f"test rows: {len(test)}")
    for title, got in (("words alone (while typing, at registration)", predicted),
                       ("with the meaning vector (once made, after commit)", with_vector)):
        if not got:
            continue
        per = f1_score(truth, got, labels=known, average=None, zero_division=0)
        print(f"{title}: macro-F1 {f1_score(truth, got, labels=known, average='macro', zero_division=0):.4f}, "
              f"accuracy {accuracy_score(truth, got):.4f}")
        print("  " + ", ".join(f"{lab} {f:.3f}" for lab, f in zip(known, per, strict=True)))


def direct(train: list[tuple[str, str]], test: list[tuple[str, str]], vectors: Vectors | None, *,
           cached_only: bool = False, unlabeled: list[str] | None = None) -> None:
    from kesu.intelligence import learn

    labels = sorted({lab for _, lab in train})
    t0 = time.perf_counter()
    held = None
    if vectors is not None:
        texts = [t for t, _ in train]
        held = {"category": vectors.cached(texts) if cached_only else list(vectors.of(texts))}
        print(f"vectors ready in {time.perf_counter() - t0:.1f} s: "
              f"{sum(v is not None for v in held['category'])} of {len(texts)} training rows have one")
    # what the retrain reads as the stream: every registered complaint's words (and vector where
    # made) — the training rows and the unlabeled others, as if all were registered
    words = [t for t, _ in train] + (unlabeled or [])
    stream = (words, (vectors.cached(words) if cached_only else list(vectors.of(words)))
              if vectors is not None else None)
    t0 = time.perf_counter()
    bundle, quality = learn.train({"category": ([t for t, _ in train], [lab for _, lab in train])}, vectors=held,
                                  stream=stream)
    assert bundle is not None
    meaning = quality.get("category+meaning")
    print(f"learned (learn.train, no database) in {time.perf_counter() - t0:.1f} s; held out by the product: "
          f"{quality['category'].macro_f1}, with the meaning {meaning.macro_f1 if meaning else None}")
    if quality["category"].stream_mix:
        print(f"  the stream's category mix, estimated from {quality['category'].stream_texts} texts: "
              + ", ".join(f"{k} {v:.3f}" for k, v in quality["category"].stream_mix.items()))
    texts = [t for t, _ in test]
    predicted = bundle.predict("category", texts)
    with_vector = bundle.predict("category", texts, vectors.of(texts)) if vectors is not None else []
    report(test, labels, predicted, with_vector)
    latencies = []
    for text in texts[:2000]:
        t0 = time.perf_counter()
        bundle.guess(text)
        latencies.append((time.perf_counter() - t0) * 1000)
    print(f"suggestion latency (Bundle.guess, words alone, 2,000 texts): p50 {percentile(latencies, 50):.2f} ms, "
          f"p99 {percentile(latencies, 99):.2f} ms")


if __name__ == "__main__":
    main()
