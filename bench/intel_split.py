"""The fixed held-out splits the intelligence figures are measured on (issue 17), written to /tmp —
never into the repository (the data's README: research data, not ours to ship).

    python bench/intel_split.py [--data ../shared/data] [--out /tmp/kesu-intel] [--seed 17]

writes, with seed 17 unless told (other seeds: the same recipe drawn again, for a mean over
several splits — ``--seed 1 --out /tmp/kesu-intel/seed1``; seed 17's files are the reference):
* shop_train.csv / shop_test.csv — the unique negative reviews (de facto complaints) of
  online_shopping_10_cats.csv, stratified 80/20 by category (columns cat, review);
* shop_train200.csv — at most 200 per category drawn from shop_train.csv (the test set is the same);
* atec_combiner.tsv / atec_test.tsv — ATEC pairs: rows 10,000–19,999 may train the repeat detector's
  combiner; 2,000 pairs drawn from rows 0–9,999 are the test, never trained on;
* atec_train.tsv — every ATEC pair but the 2,000 test pairs (18,000): what the pair model learns from;
* near_dups.tsv — 1,000 reviews of shop_test.csv each paired with a lightly edited copy of itself
  (label 1: a character or two dropped, swapped or changed, punctuation and spacing changed, a few
  words added) and 3,000 pairs of two different reviews of the same category and close length
  (label 0: the same kind of complaint by someone else). Format id, s1, s2, label like ATEC's.
"""

from __future__ import annotations

import argparse
import csv
import random
from collections import defaultdict
from pathlib import Path

SEED = 17
FILLERS = ["，", "。", "！", " ", "啊", "了", "的", "真的", "实在", "你们", "请尽快处理", "太失望了", "再说一遍"]


def light_edit(text: str, rng: random.Random) -> str:
    chars = list(text)
    for _ in range(rng.randint(1, 3)):
        if len(chars) < 4:
            break
        op = rng.choice(["drop", "swap", "insert", "punct", "replace"])
        i = rng.randrange(len(chars) - 1)
        if op == "drop":
            del chars[i]
        elif op == "swap":
            chars[i], chars[i + 1] = chars[i + 1], chars[i]
        elif op == "insert":
            chars[i:i] = list(rng.choice(FILLERS))
        elif op == "punct":
            chars = [c for c in chars if c not in "，。！？!?,. "] or chars
        else:
            chars[i] = rng.choice("的了是我在有个这那不")
    out = "".join(chars)
    if rng.random() < 0.3:
        out = rng.choice(["我要投诉：", "再次反映：", "", "你好，"]) + out
    return out


def _flat(text: str) -> str:
    return " ".join(text.replace("\t", " ").split())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default=str(Path(__file__).resolve().parents[2] / "shared" / "data"))
    ap.add_argument("--out", default="/tmp/kesu-intel")
    ap.add_argument("--seed", type=int, default=SEED)
    args = ap.parse_args()
    data, out = Path(args.data), Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(args.seed)

    seen: set[str] = set()
    by_cat: dict[str, list[str]] = defaultdict(list)
    with open(data / "online_shopping_10_cats.csv", encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            review = (row["review"] or "").strip()
            if row["label"] == "0" and review and review not in seen:
                seen.add(review)
                by_cat[row["cat"]].append(review)
    train, test = [], []
    for cat in sorted(by_cat):
        rows = by_cat[cat][:]
        rng.shuffle(rows)
        cut = int(len(rows) * 0.2)
        test += [(cat, r) for r in rows[:cut]]
        train += [(cat, r) for r in rows[cut:]]
    rng.shuffle(train)
    rng.shuffle(test)
    small: list[tuple[str, str]] = []
    per: dict[str, int] = defaultdict(int)
    for cat, r in train:
        if per[cat] < 200:
            per[cat] += 1
            small.append((cat, r))
    for name, rows in (("shop_train.csv", train), ("shop_test.csv", test), ("shop_train200.csv", small)):
        with open(out / name, "w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["cat", "review"])
            w.writerows(rows)

    with open(data / "atec_pairs_dev.tsv", encoding="utf-8") as fh:
        atec = [line.rstrip("\n").split("\t") for line in fh if line.strip()]
    combiner, pool = atec[10_000:], atec[:10_000]
    sample = rng.sample(pool, 2000)
    chosen = {id(r) for r in sample}
    rest = [r for r in atec if id(r) not in chosen]  # no draw: the files above stay as they were
    for name, rows in (("atec_combiner.tsv", combiner), ("atec_test.tsv", sample), ("atec_train.tsv", rest)):
        with open(out / name, "w", encoding="utf-8") as fh:
            fh.writelines("\t".join(r) + "\n" for r in rows)

    test_by_cat: dict[str, list[str]] = defaultdict(list)
    for cat, r in test:
        if 8 <= len(r) <= 300:
            test_by_cat[cat].append(r)
    pairs = []
    originals = rng.sample([r for rows in test_by_cat.values() for r in rows], 1000)
    for r in originals:
        pairs.append((r, light_edit(r, rng), 1))
    cats = sorted(test_by_cat)
    while len(pairs) < 4000:
        rows = test_by_cat[rng.choice(cats)]
        a = rng.choice(rows)
        close = [b for b in rng.sample(rows, min(40, len(rows))) if b != a and abs(len(b) - len(a)) <= 10]
        if close:
            pairs.append((a, close[0], 0))
    rng.shuffle(pairs)
    with open(out / "near_dups.tsv", "w", encoding="utf-8") as fh:
        for i, (a, b, y) in enumerate(pairs):
            fh.write(f"{i}\t{_flat(a)}\t{_flat(b)}\t{y}\n")
    print(f"{out}: train {len(train)}, test {len(test)}, train200 {len(small)}, atec test {len(sample)}, "
          f"combiner {len(combiner)}, near-duplicate pairs {len(pairs)}")


if __name__ == "__main__":
    main()
