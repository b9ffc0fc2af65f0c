"""Category suggestions measured on your own labelled data (issue 17, item 5), through the product's
real learning path: a fresh organisation whose policy's type tree holds the labels; every training
row registered through the one door (intake.register_batch) and classified by a person through the
kernel (lifecycle.classify), so it is confirmed history; the model learned by the scheduled task
(intelligence.retrain); then each test row's suggestion asked as a page asks it (services.suggest).

    python bench/suggest.py --train FILE --test FILE --text-col C --label-col L [--format csv|tsv|xlsx]

Prints macro-F1, accuracy, per-class F1, the p50 / p99 suggestion latency, and what suggesting
adds to a registration (the after-commit task's work per complaint, off the request).
Options: --db sqlite|postgres (--pg-url), --limit N (training rows).
"""

from __future__ import annotations

import argparse
import csv
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
    args = ap.parse_args()
    train = read_rows(args.train, args.text_col, args.label_col, args.format)
    test = read_rows(args.test, args.text_col, args.label_col, args.format)
    if args.limit:
        train = train[: args.limit]
    labels = sorted({lab for _, lab in train})
    code = {lab: f"t{i + 1}" for i, lab in enumerate(labels)}
    name = {v: k for k, v in code.items()}

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

    t0 = time.perf_counter()
    made = []
    for start in range(0, len(train), 500):
        chunk = train[start:start + 500]
        with transaction.atomic():  # the after-commit work (suggestions) runs once the chunk commits
            made += intake.register_batch([intake.Received(channel="phone", fields={
                "customer_words": text[:2000], "customer_name": "顾客",
                "customer_phone": f"138{(start + i) % 100_000_000:08d}"}) for i, (text, _) in enumerate(chunk)],
                actor=actor, now=now)
    registered = time.perf_counter() - t0
    t0 = time.perf_counter()
    for start in range(0, len(made), 500):  # each a kernel step with its event; committed 500 at a time
        with transaction.atomic():
            for c, (_, lab) in zip(made[start:start + 500], train[start:start + 500], strict=True):
                lifecycle.classify(c, actor=actor, now=now, level="ordinary", category=code[lab], validity="valid")
    classified = time.perf_counter() - t0
    print(f"{len(train)} training rows registered in {registered:.1f} s and classified in {classified:.1f} s "
          f"({len(labels)} labels)")

    t0 = time.perf_counter()
    number = tasks.run("intelligence.retrain", force=True)
    print(f"model v{number} learned in {time.perf_counter() - t0:.1f} s")
    from kesu.intelligence.models import ModelVersion

    q = ModelVersion.objects.get(number=number).quality.get("category", {})
    print(f"  held out by the product itself: macro-F1 {q.get('macro_f1')}, accuracy {q.get('accuracy')} "
          f"on {q.get('held_out')} rows")

    from kesu.policies.services import active_version, policy_of

    live = policy_of(active_version())
    services.current_bundle(fresh=True)
    departments = services._departments()
    latencies, predicted = [], []
    for text, _ in test:
        t0 = time.perf_counter()
        got = services.suggest(live, text, departments=departments)
        latencies.append(time.perf_counter() - t0)
        predicted.append(name.get(got["category"].value, "") if "category" in got else "")

    # What suggesting adds to a registration: the after-commit task's work, per complaint.
    sample = made[-200:]
    added = []
    for c in sample:
        t0 = time.perf_counter()
        services.after_registration([c.pk], now)
        added.append(time.perf_counter() - t0)

    from sklearn.metrics import accuracy_score, f1_score

    truth = [lab for _, lab in test]
    known = sorted(set(truth) | set(labels))
    per = f1_score(truth, predicted, labels=known, average=None, zero_division=0)
    print(f"test rows: {len(test)}")
    print(f"macro-F1: {f1_score(truth, predicted, labels=known, average='macro', zero_division=0):.4f}")
    print(f"accuracy: {accuracy_score(truth, predicted):.4f}")
    for lab, f in zip(known, per, strict=True):
        print(f"  F1 {lab}: {f:.4f}")
    ms = [x * 1000 for x in latencies]
    print(f"suggestion latency: p50 {percentile(ms, 50):.2f} ms, p99 {percentile(ms, 99):.2f} ms, "
          f"mean {statistics.mean(ms):.2f} ms")
    ms = [x * 1000 for x in added]
    print(f"after-commit work per registration (suggestions stored, same customer checked): "
          f"p50 {percentile(ms, 50):.2f} ms, p99 {percentile(ms, 99):.2f} ms")


if __name__ == "__main__":
    main()
