"""Search benchmark (issue 12).

1,000,000 complaints with realistic Chinese texts (generated from a vocabulary of products,
faults and demands — ../shared/data is not used, so anyone can re-run it), indexed by
``rebuild_search_index`` (timed: the rebuild of a million), then the search as the staff page asks
it (``kesu.complaints.selectors.search``: visibility, the first page of 51 rows, newest first) for a
common two-character word, a rare three-character word, a phone's last four digits and a complaint
number, as a company-wide role (客服) and as a department manager. Each query's result count is
checked against a full scan of the same table (LIKE over the texts, the phones, the numbers).

    .venv/bin/python bench/search.py --db sqlite
    .venv/bin/python bench/search.py --db postgres --pg-url postgres://kesu:kesu@127.0.0.1:5432/kesu
    .venv/bin/python bench/search.py --rows 50000 --repeat 50     # a quick run
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from seeding import ROOT, seed, setup

PRODUCTS = ["手机", "空调", "冰箱", "洗衣机", "热水器", "电视", "笔记本电脑", "平板", "轿车", "电动车", "净水器",
            "燃气灶", "油烟机", "微波炉", "吸尘器", "路由器", "耳机", "手表", "沙发", "床垫", "衣柜", "门锁",
            "窗帘", "地板"]
FAULTS = ["屏幕碎了", "无法开机", "漏水", "漏油", "异响很大", "不制冷", "噪音大", "温度不稳定", "频繁死机", "电池鼓包",
          "充不进电", "外壳开裂", "配件缺失", "颜色不对", "尺寸不符", "有划痕", "发霉", "异味刺鼻", "门关不上",
          "显示乱码", "信号差", "按键失灵", "跳闸", "漏电"]
SERVICE = ["客服态度很差", "维修师傅迟到", "上门三次都没修好", "发货太慢", "快递员把包裹扔在门口", "退款迟迟不到账",
           "说好的赠品没有给", "安装收了额外费用", "电话一直打不通", "承诺的回访没有", "门店拒绝换货", "发票开错了"]
DEMANDS = ["要求退货退款", "要求免费更换", "要求赔偿损失", "要求上门维修", "希望给个说法", "要求书面道歉",
           "否则去12315投诉", "要求尽快处理", "要求延长保修", "希望补发配件"]
WHEN = ["上周", "昨天", "前天", "三天前", "上个月", "今天早上", "周末", "月初"]
RARE = "鎏金边"  # three characters seeded into about 1 in 10,000 texts


def text(rng: random.Random, i: int) -> str:
    words = [rng.choice(WHEN), "买的", rng.choice(PRODUCTS), rng.choice(FAULTS), "，", rng.choice(SERVICE), "，",
             rng.choice(FAULTS) if rng.random() < 0.3 else "", rng.choice(DEMANDS), "。"]
    if i % 10_000 == 7:
        words.insert(3, f"（{RARE}款）")
    if rng.random() < 0.4:
        words += ["型号", f"X{rng.randint(100, 999)}", "，订单", f"JD{rng.randint(10**8, 10**9 - 1)}", "。"]
    return "".join(words)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def full_scan(cases: list[tuple[str, str, str]]) -> dict[str, int]:
    """What each query must find, by reading every complaint — written from the search's documented
    meaning, not from its tokenizer: a word is a substring of the customer's words; four digits are
    the end of the phone, the beginning or end of the number, or the start of a number written in the text or in
    an identifier; a complaint number is that number."""
    import re

    from kesu.complaints.models import Complaint
    from kesu.core.search import normalise

    counts = {value: 0 for _n, _k, value in cases}
    digit_starts = {value: re.compile(rf"(?<![0-9]){value}") for _n, kind, value in cases if kind == "phone4"}
    rows = Complaint.objects.values_list("number", "customer_phone", "customer_words", "order_number",
                                         "product_model").order_by("pk").iterator(chunk_size=20_000)
    for number, phone, words, order, model in rows:
        text = normalise(f"{words} {order} {model}")
        for _name, kind, value in cases:
            if kind == "word":
                hit = value in words
            elif kind == "phone4":
                hit = (phone.endswith(value) or number.startswith(value) or number.endswith(value)
                       or bool(digit_starts[value].search(text)))
            else:
                hit = number == value
            counts[value] += hit
    return counts


def index_count(query_text: str) -> int:
    from kesu.complaints import search as index
    from kesu.complaints.models import Complaint

    return Complaint.objects.filter(pk__in=index.matching(index.parse(query_text))).count()


def timed(staff, query_text: str, repeat: int) -> list[float]:  # type: ignore[no-untyped-def]
    from django.utils import timezone

    from kesu.complaints.selectors import search

    timings = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        _q, qs = search(staff, timezone.now(), query_text)
        rows = list(qs[:51])  # the page the staff page reads: 50 rows and one to know a next page exists
        timings.append(time.perf_counter() - t0)
    assert rows is not None
    return timings


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    ap.add_argument("--pg-url")
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=200)
    args = ap.parse_args()
    if args.db == "postgres" and not args.pg_url:
        ap.error("--pg-url is required for PostgreSQL")
    setup(args.db, args.pg_url)
    from django.core.management import call_command
    from django.db import connection

    from kesu.complaints import search as index
    from kesu.complaints.models import Complaint
    from kesu.org.models import Staff

    now = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
    rng = random.Random(12)
    seed(args.rows, args.rows // 5, now, clocks=False, words=lambda i: text(rng, i))
    t0 = time.perf_counter()
    call_command("rebuild_search_index")
    rebuild_seconds = time.perf_counter() - t0
    size_mb = index.size_bytes() / 1024 / 1024
    with connection.cursor() as cur:
        cur.execute("ANALYZE")

    sample = Complaint.objects.order_by("-pk").values_list("number", "customer_phone")[1234]
    cases = [("common two-character word", "word", "漏水"), ("rare three-character word", "word", RARE),
             ("phone, last four digits", "phone4", sample[1][-4:]), ("complaint number", "number", sample[0])]
    t0 = time.perf_counter()
    expected = full_scan(cases)
    print(f"full scan of {args.rows:,} complaints: {time.perf_counter() - t0:.0f} s", flush=True)
    results = []
    for who in ("wangkf", "lijl"):
        staff = Staff.objects.get(username=who)
        for name, _kind, value in cases:
            timings = timed(staff, value, args.repeat)
            row = {"who": who, "query": name, "text": value, "p50_ms": round(statistics.median(timings) * 1000, 2),
                   "p99_ms": round(percentile(timings, 99) * 1000, 2)}
            if who == "wangkf":
                row["found"], row["full_scan"] = index_count(value), expected[value]
                assert row["found"] == row["full_scan"], row
            results.append(row)
            print(row, flush=True)
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    (out / f"search-{args.db}-{stamp}.json").write_text(json.dumps(
        {"db": args.db, "rows": args.rows, "rebuild_seconds": rebuild_seconds, "index_mb": size_mb,
         "results": results}, indent=2, ensure_ascii=False))
    print(f"\n{args.db}: {args.rows:,} complaints; index rebuilt in {rebuild_seconds:.0f} s, {size_mb:.0f} MB")
    print("| who | query | p50 | p99 | found (full scan) |")
    print("|---|---|---|---|---|")
    for r in results:
        counts = f"{r['found']:,} ({r['full_scan']:,})" if "found" in r else "—"
        print(f"| {r['who']} | {r['query']} 「{r['text']}」 | {r['p50_ms']} ms | {r['p99_ms']} ms | {counts} |")


if __name__ == "__main__":
    main()
