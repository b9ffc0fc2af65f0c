"""Re-encrypt every complaint's personal fields under the newest key of KESU_FIELD_KEYS (issue 14).

Rotation (docs/privacy.md): put a new key first in KESU_FIELD_KEYS and keep the old ones after it,
restart, run this command, then drop the old keys. Rows are re-encrypted in batches (one transaction
each); while it runs every row stays readable, since every listed key still decrypts.
``--reindex`` also recomputes the blind indexes (after a change of KESU_BLIND_INDEX_KEY; run
``rebuild_search_index`` then too). ``--generate`` prints a new key and changes nothing.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import connections, router, transaction

from kesu.complaints.fields import blind, generate_key, is_encrypted, keys
from kesu.complaints.models import Complaint

ENCRYPTED = ("customer_name", "customer_phone", "customer_email", "customer_region", "customer_ref", "occurred_place")
BLIND = (("phone_index", "phone", "customer_phone"), ("email_index", "email", "customer_email"),
         ("ref_index", "ref", "customer_ref"))


def rotate(*, batch: int = 2000, reindex: bool = False, progress: Any = None) -> int:
    """Re-encrypt (and optionally re-index) every complaint; returns how many rows were written."""
    k = keys()
    alias = router.db_for_write(Complaint)
    conn = connections[alias]
    columns = ENCRYPTED
    sets = [*ENCRYPTED, *((b for b, _k, _s in BLIND) if reindex else ())]
    sql = f"UPDATE complaints_complaint SET {', '.join(f'{c} = %s' for c in sets)} WHERE id = %s"
    last, done = 0, 0
    while True:
        with transaction.atomic(using=alias), conn.cursor() as cur:
            cur.execute(f"SELECT id, {', '.join(columns)} FROM complaints_complaint WHERE id > %s ORDER BY id "
                        f"LIMIT {int(batch)}", [last])
            rows = cur.fetchall()
            if not rows:
                return done
            out = []
            for row in rows:
                values = [v or "" for v in row[1:]]
                clear = [k.decrypt(v, c) if is_encrypted(v) else v for v, c in zip(values, columns, strict=True)]
                new = [v if k.is_current(v) else k.encrypt(p, c) if p else ""
                       for v, p, c in zip(values, clear, columns, strict=True)]
                if reindex:
                    by_name = dict(zip(columns, clear, strict=True))
                    new += [blind(kind, by_name[source]) or None for _b, kind, source in BLIND]  # as pre_save stores it
                out.append([*new, row[0]])
            cur.executemany(sql, out)
        done += len(rows)
        last = rows[-1][0]
        if progress is not None:
            progress(done)


class Command(BaseCommand):
    help = "Re-encrypt the complaints' personal fields under the newest key of KESU_FIELD_KEYS"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--batch", type=int, default=2000)
        parser.add_argument("--reindex", action="store_true", help="recompute the blind indexes too")
        parser.add_argument("--generate", action="store_true", help="print a new key and change nothing")

    def handle(self, *args: Any, batch: int, reindex: bool, generate: bool, **options: Any) -> None:
        if generate:
            self.stdout.write(generate_key())
            return
        done = rotate(batch=batch, reindex=reindex)
        self.stdout.write(f"已重新加密 {done} 条投诉的个人信息")
