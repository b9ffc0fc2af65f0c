"""The search index of complaints (issue 12): one entry per complaint, written by the kernel in the
transaction of the change it reflects, so a complaint is findable the moment it is registered and a
note the moment it is saved.

The tokens come from kesu.core.search (one tokenizer for both databases); each database keeps them
in its own full-text index, no search server needed:

* **SQLite**: an FTS5 table ``complaints_search`` whose rowid is the complaint's id (the tokens are
  stored with it, so a note is appended by one UPDATE);
* **PostgreSQL**: a table ``complaints_search`` (complaint_id, doc tsvector) with a GIN index; the
  tsvector is built from the tokens as a literal, never by PostgreSQL's text parser.

``rebuild`` writes every entry again from the complaints and their timelines (``python -m kesu
rebuild_search_index``), after a restore or a change of the index key. Phone numbers and e-mail
addresses are in the index only as keyed hashes (``index_key``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, connections, router, transaction
from django.db.models.expressions import RawSQL

from kesu.complaints.fields import index_key
from kesu.complaints.models import Complaint, ComplaintEvent
from kesu.core import search as tokens
from kesu.db.sql import rows as sql_rows

TABLE = "complaints_search"
# Registration fields a person looks a complaint up by (besides number, phone and e-mail, which are
# tokenised apart) and whose change rewrites the entry.
IDENTIFIERS = ("customer_name", "customer_ref", "customer_region", "product_name", "product_model", "order_number",
               "occurred_place")
INDEXED = frozenset({"number", "customer_phone", "customer_email", "customer_words", "extra", *IDENTIFIERS})


def _db() -> Any:
    return connections[router.db_for_write(Complaint)]


def _postgres(conn: Any = None) -> bool:
    return bool((conn or _db()).vendor == "postgresql")


def document_of(c: Complaint, texts: Iterable[str], key: bytes) -> str:
    return tokens.with_number(c.number, document_rest(c, texts, key))


def document_rest(c: Complaint, texts: Iterable[str], key: bytes | None = None) -> list[str]:
    """The entry's tokens but its number's (see kesu.core.search.with_number)."""
    values = [str(v) for v in (c.extra or {}).values() if isinstance(v, str | int) and not isinstance(v, bool)]
    return tokens.document_rest(phone=c.customer_phone, email=c.customer_email,
                                identifiers=[*(getattr(c, f) for f in IDENTIFIERS), *values],
                                texts=[c.customer_words, *texts], key=key or index_key())


def _document(number: str, phone: str, email: str, words: str, extra: Any, identifiers: list[str],
              texts: Iterable[str], key: bytes) -> str:
    values = [str(v) for v in (extra or {}).values() if isinstance(v, str | int) and not isinstance(v, bool)]
    return tokens.document(number=number, phone=phone, email=email, identifiers=[*identifiers, *values],
                           texts=[words, *texts], key=key)


def add(complaints: Sequence[tuple[Complaint, Sequence[str]]]) -> None:
    """Entries for new complaints (the registration's transaction): each with its first events' texts."""
    if complaints:
        key = index_key()
        _write(_db(), [(c.pk, document_of(c, texts, key)) for c, texts in complaints])


def add_prepared(entries: Sequence[tuple[Complaint, list[str]]]) -> None:
    """Entries for new complaints whose tokens but the number's were worked out before the
    registering transaction (``document_rest``)."""
    if entries:
        _write(_db(), [(c.pk, tokens.with_number(c.number, rest)) for c, rest in entries])


def _write(conn: Any, rows: list[tuple[int, str]]) -> None:
    if _postgres(conn):
        with conn.cursor() as cur:
            cur.executemany(f"INSERT INTO {TABLE} (complaint_id, doc) VALUES (%s, %s::tsvector) "
                            "ON CONFLICT (complaint_id) DO UPDATE SET doc = EXCLUDED.doc",
                            [(pk, tokens.tsvector(doc)) for pk, doc in rows])
        return
    for start in range(0, len(rows), 500):  # one statement per 500 entries (a registration's: one)
        part = rows[start:start + 500]
        sql_rows(conn, f"INSERT OR REPLACE INTO {TABLE} (rowid, doc) VALUES {', '.join(['(%s, %s)'] * len(part))}",
                 [v for row in part for v in row])


def append(complaint_id: int, text: str) -> None:
    """A note or handling record joins the complaint's entry."""
    more = tokens.more_text(text, index_key())
    if not more:
        return
    with _db().cursor() as cur:
        if _postgres():
            cur.execute(f"UPDATE {TABLE} SET doc = doc || %s::tsvector WHERE complaint_id = %s",
                        [tokens.tsvector(more), complaint_id])
        else:
            cur.execute(f"UPDATE {TABLE} SET doc = doc || ' ' || %s WHERE rowid = %s", [more, complaint_id])


def refresh(c: Complaint) -> None:
    """Write the complaint's entry again from its fields and its whole timeline (after an edit of
    a field it is found by)."""
    texts = list(ComplaintEvent.objects.filter(complaint_id=c.pk).exclude(reason="").order_by("seq")
                 .values_list("reason", flat=True))
    add([(c, texts)])


def on_change(c: Complaint, changed: Iterable[str], reason: str) -> None:
    """The kernel's hook after a step: a changed identifier rewrites the entry, a text is appended."""
    if INDEXED.intersection(changed):
        refresh(c)
    elif reason.strip():
        append(c.pk, reason)


def rebuild(*, batch: int = 5000, progress: Any = None) -> int:
    """Every entry written again, in batches of complaints (each batch one transaction). The table
    is emptied by dropping and creating it (deleting a million FTS5 rows one by one takes minutes);
    on PostgreSQL the GIN index is built once at the end, faster than growing it row by row."""
    conn = _db()
    with transaction.atomic(using=router.db_for_write(Complaint)), conn.cursor() as cur:
        for sql in (DROP + (POSTGRES_CREATE[:1] if _postgres(conn) else SQLITE_CREATE)):
            cur.execute(sql)
    key = index_key()
    fields = ("pk", "number", "customer_phone", "customer_email", "customer_words", "extra", *IDENTIFIERS)
    done = 0
    last = 0
    while True:
        chunk = list(Complaint.objects.filter(pk__gt=last).order_by("pk").values_list(*fields)[:batch])
        if not chunk:
            break
        texts: dict[int, list[str]] = {row[0]: [] for row in chunk}
        for cid, reason in (ComplaintEvent.objects.filter(complaint_id__in=list(texts)).exclude(reason="")
                            .order_by("complaint_id", "seq").values_list("complaint_id", "reason")):
            texts[cid].append(reason)
        rows = [(pk, _document(number, phone, email, words, extra, list(idents), texts[pk], key))
                for pk, number, phone, email, words, extra, *idents in chunk]
        with transaction.atomic(using=router.db_for_write(Complaint)):
            _write(conn, rows)
        done += len(chunk)
        last = chunk[-1][0]
        if progress is not None:
            progress(done)
    with conn.cursor() as cur:
        if _postgres(conn):
            cur.execute(POSTGRES_CREATE[1])
        else:
            cur.execute(f"INSERT INTO {TABLE}({TABLE}) VALUES ('optimize')")
    return done


def needs_filling(using: str = "default") -> bool:
    """Complaints exist but the index holds none of them (the table was just created)."""
    conn = connections[using]
    with conn.cursor() as cur:
        if TABLE not in conn.introspection.table_names(cur):
            return False
        cur.execute(f"SELECT 1 FROM {TABLE} LIMIT 1")
        if cur.fetchone() is not None:
            return False
    return Complaint.objects.using(using).exists()


def matching(query: tokens.Query) -> RawSQL:
    """The ids of complaints matching ``query``, as a subquery for ``pk__in`` (a sort other than by
    registration, the admin). On PostgreSQL a rare term's few ids are read first and handed over as
    a list: as a subquery, the planner walks the complaints' key backwards checking each row
    (500 ms for a phone's last four digits over a million)."""
    if _postgres(connection):
        tsq = tokens.tsquery(query)
        if _estimated(tsq) <= FEW_MATCHES:
            with connection.cursor() as cur:
                cur.execute(f"SELECT complaint_id FROM {TABLE} WHERE doc @@ %s::tsquery", [tsq])
                return RawSQL("SELECT unnest(%s::bigint[])", [[row[0] for row in cur.fetchall()]])
        return RawSQL(f"SELECT complaint_id FROM {TABLE} WHERE doc @@ %s::tsquery", [tsq])
    return RawSQL(f"SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH %s", [tokens.fts5_match(query)])


# PostgreSQL: up to this many estimated matches, the GIN index finds them all and they are sorted
# (a rare word: a few heap rows); beyond it, walking the newest entries backwards meets a page of
# them at once (a common word), where reading all 50,000 matches from the heap took seconds.
FEW_MATCHES = 20_000


def ids_in_order(query: tokens.Query, *, after: int | None, descending: bool, limit: int) -> list[int]:
    """Up to ``limit`` ids of matching complaints, newest (or oldest) first, after ``after``."""
    postgres = _postgres(connection)
    if postgres:
        where, params = "doc @@ %s::tsquery", [tokens.tsquery(query)]
        column = "complaint_id"
    else:
        where, params = f"{TABLE} MATCH %s", [tokens.fts5_match(query)]
        column = "rowid"
    if after is not None:
        where += f" AND {column} {'<' if descending else '>'} %s"
        params.append(after)
    order = f"ORDER BY {column} {'DESC' if descending else 'ASC'} LIMIT %s"
    if postgres and _estimated(tokens.tsquery(query)) <= FEW_MATCHES:
        sql = f"WITH m AS MATERIALIZED (SELECT {column} FROM {TABLE} WHERE {where}) SELECT {column} FROM m {order}"
    else:
        sql = f"SELECT {column} FROM {TABLE} WHERE {where} {order}"
    with connection.cursor() as cur:
        cur.execute(sql, [*params, limit])
        return [row[0] for row in cur.fetchall()]


def _estimated(tsquery: str) -> int:
    """PostgreSQL's own estimate of how many entries match (its statistics of the lexemes)."""
    with connection.cursor() as cur:
        cur.execute(f"EXPLAIN (FORMAT JSON) SELECT 1 FROM {TABLE} WHERE doc @@ %s::tsquery", [tsquery])
        plan = cur.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return int(plan[0]["Plan"]["Plan Rows"])


def candidates(text: str, *, limit: int = 1000) -> list[int]:
    """Ids of up to ``limit`` complaints whose entry holds ``text`` (newest first): a shortlist for
    an exact comparison the database cannot index (a value inside ``extra``)."""
    query = parse(text)
    if not query or query.problem:
        return []
    return ids_in_order(query, after=None, descending=True, limit=limit)


def parse(text: str) -> tokens.Query:
    return tokens.parse_query(text, index_key())


# --- the tables ------------------------------------------------------------------------------------

SQLITE_CREATE = [f"CREATE VIRTUAL TABLE {TABLE} USING fts5(doc, tokenize='unicode61 remove_diacritics 0', "
                 "columnsize=0)"]
POSTGRES_CREATE = [
    f"CREATE TABLE {TABLE} (complaint_id bigint PRIMARY KEY, doc tsvector NOT NULL)",
    f"CREATE INDEX {TABLE}_doc ON {TABLE} USING gin (doc)",
]
DROP = [f"DROP TABLE {TABLE}"]


def size_bytes() -> int:
    """The index's size on disk (for the benchmark and the administrators)."""
    with _db().cursor() as cur:
        if _postgres():
            cur.execute(f"SELECT pg_total_relation_size('{TABLE}')")
            return int(cur.fetchone()[0])
        cur.execute("SELECT SUM(pgsize) FROM dbstat WHERE name LIKE %s", [f"{TABLE}%"])
        return int(cur.fetchone()[0] or 0)
