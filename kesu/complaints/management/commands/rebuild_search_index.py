"""Write the search index again from every complaint and its timeline (issue 12): after restoring
a backup taken without it, after changing KESU_BLIND_INDEX_KEY or the secret key it derives from.
Searching goes on meanwhile; complaints not yet rewritten are missing from results until done."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from kesu.complaints import search


class Command(BaseCommand):
    help = "重建投诉全文检索索引 / Rebuild the complaint search index"

    def handle(self, *args: Any, **options: Any) -> None:
        t0 = time.perf_counter()

        def progress(done: int) -> None:
            if done % 100_000 < 2000:
                self.stdout.write(f"  {done:,} …")

        count = search.rebuild(progress=progress)
        self.stdout.write(self.style.SUCCESS(
            f"已重建检索索引：{count:,} 条投诉，用时 {time.perf_counter() - t0:.1f} 秒，"
            f"索引 {search.size_bytes() / 1024 / 1024:.1f} MB"))
