"""``python -m kesu audit verify`` / ``audit anchor`` (docs/privacy.md "Audit chain")."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from kesu.audit.services import baseline
from kesu.audit.verify import anchor, verify


class Command(BaseCommand):
    help = "审计链：verify 校验整条链与数据库，anchor 写出链头 / Audit chain: verify, anchor"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        v = sub.add_parser("verify", help="校验审计链；发现不符时以非零状态退出 / verify; non-zero exit on a mismatch")
        v.add_argument("--anchors", type=Path, help="锚点文件 / anchor file (default: KESU_AUDIT_ANCHOR_FILE)")
        a = sub.add_parser("anchor", help="把链头写入锚点文件（并发邮件）/ write the chain head out")
        a.add_argument("--anchors", type=Path, help="锚点文件 / anchor file")
        sub.add_parser("baseline", help="升级后一次：把审计链建立之前的数据记入链中 / once after an upgrade: "
                                        "enter the data older than the chain")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "baseline":
            done = baseline(now=timezone.now())
            self.stdout.write(f"已记入 / entered: {done['complaints']:,} 件投诉、{done['records']:,} 条处理记录")
            return
        if options["action"] == "anchor":
            line = anchor(now=timezone.now(), path=options["anchors"])
            self.stdout.write(f"链头 / head: seq {line['seq']} {line.get('hash', '')}")
            return
        t0 = time.perf_counter()
        report = verify(anchors=options["anchors"])
        summary = (f"{report.entries:,} 条审计记录、{report.events:,} 个时间线事件、{report.complaints:,} 件投诉、"
                   f"{report.records:,} 条处理记录、{report.anchors} 个锚点，用时 {time.perf_counter() - t0:.1f} 秒")
        if report.ok:
            self.stdout.write(self.style.SUCCESS(f"审计链完好 / audit chain intact: {summary}"))
            return
        for p in report.problems:
            self.stdout.write(f"[{p.code}] {p.text}")
        first = report.problems[0]
        raise CommandError(f"审计链不符 / audit chain broken: {len(report.problems)} 处，"
                           f"首处：{first.text}（{summary}）")
