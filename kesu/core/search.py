"""Chinese full-text search: one tokenizer for both databases (issue 12).

Chinese has no spaces, and neither SQLite's FTS5 tokenizers nor PostgreSQL's parsers segment it
(the trigram tokenizer cannot find two characters at all). So Kesu cuts text itself and hands the
database ready-made tokens:

* a run of Chinese characters becomes its character **bigrams** plus its last character
  (「漏水了」 → 漏水 水了 了), so every two-character word is one token, a longer word is a phrase of
  bigrams, and a single character is a prefix (水* finds 水管 and the 水 that ends 漏水);
* letters and digits become lower-case words, split where letters meet digits (「iPhone15」 →
  iphone 15), after NFKC so full-width 「１３８」 and 「ＡＢ」 read as 138 and ab;
* a phone number is never stored in clear: the whole number and its last four digits become keyed
  hashes (blind tokens), the same in the customer's phone field and in the customer's own words.

A query is cut the same way. Each whitespace-separated term must match (AND); inside a term the
tokens form a phrase. Operators, quotes and ``*`` typed by the user are plain text: the query
language is never exposed, so nothing a user types can make the database raise.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from kesu.core.audit import mac

MAX_QUERY_CHARS = 200  # longer input is refused with a message, not searched
MAX_TERMS = 8
MAX_DOC_TOKENS = 16000  # PostgreSQL keeps word positions up to 16,383

# Chinese (CJK unified ideographs and extensions, compatibility ideographs) and the other
# scripts written without spaces that Chinese customers' text may hold (kana, hangul).
_CJK = (
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u309f\u30a0-\u30fa\u30fc-\u30ff\u31f0-\u31ff\uac00-\ud7af"
    "\U00020000-\U0002ffff\U00030000-\U0003134f"
)
_SEGMENT = re.compile(rf"[{_CJK}]+|[^\W\d_{_CJK}]+|\d+")
_RUNS = re.compile(rf"([{_CJK}]+)|([^\W\d_{_CJK}]+|\d+)")  # the same, Chinese in group 1 (the fast path)
_IS_CJK = re.compile(rf"[{_CJK}]")
# A mobile number (1 + ten digits), a landline with its area code, a 400/800 number, as typed in a
# text (with or without hyphens or spaces).
_PHONE_IN_TEXT = re.compile(
    r"(?<![\d-])(?:1[3-9]\d(?:[- ]?\d){8}|0\d{2,3}[- ]?\d{7,8}|[48]00[- ]?\d{3}[- ]?\d{4})(?![\d-])")


def normalise(text: str) -> str:
    """NFKC (full-width digits and letters to half-width), lower case."""
    return unicodedata.normalize("NFKC", text).casefold()


@dataclass(frozen=True)
class Segment:
    text: str
    cjk: bool


def segments(text: str) -> list[Segment]:
    return [Segment(m.group(), bool(_IS_CJK.match(m.group()))) for m in _SEGMENT.finditer(normalise(text))]


def _cjk_tokens(run: str) -> list[str]:
    return [run[i:i + 2] for i in range(len(run) - 1)] + [run[-1]]


def text_tokens(text: str, key: bytes) -> list[str]:
    """The tokens of free text (the customer's words, notes, handling records); phone numbers in
    it are replaced by their blind tokens."""
    out: list[str] = []
    last = 0
    text = normalise(text)
    for m in _PHONE_IN_TEXT.finditer(text):
        out += _plain_tokens(text[last:m.start()])
        out += phone_tokens(re.sub(r"\D", "", m.group()), key)
        last = m.end()
    out += _plain_tokens(text[last:])
    return out


def _plain_tokens(text: str) -> list[str]:
    """Tokens of normalised text without phone numbers (the indexing hot path: no objects per run)."""
    out: list[str] = []
    for cjk, other in _RUNS.findall(text):
        if cjk:
            out += [cjk[i:i + 2] for i in range(len(cjk) - 1)]
            out.append(cjk[-1])
        else:
            out.append(other)
    return out


def phone_tokens(phone: str, key: bytes) -> list[str]:
    """Blind tokens for a phone number: the whole number and its last four digits."""
    digits = re.sub(r"\D", "", normalise(phone))
    if len(digits) < 4:
        return []
    return [blind("pf", digits, key), blind("p4", digits[-4:], key)]


def blind(kind: str, value: str, key: bytes) -> str:
    """A keyed hash usable as a search token: equal values give equal tokens, and the token tells
    nothing about the value without the key."""
    return f"{kind}{mac(key, f'{kind}:{value}')[:16]}"


def number_tokens(number: str) -> list[str]:
    """A complaint number, findable whole, by its beginning (a prefix query on the number) and by
    its end (a prefix query on the number written backwards): two tokens, not one per suffix —
    a unique token costs the index more than any shared word."""
    n = _alnum(number)
    return [n, f"nr{n[::-1]}"]


def _alnum(text: str) -> str:
    return re.sub(r"[\W_]", "", normalise(text))


def document(*, number: str, phone: str, email: str, identifiers: Iterable[str], texts: Iterable[str],
             key: bytes) -> str:
    """The whole index entry of one complaint as space-separated tokens."""
    return with_number(number, document_rest(phone=phone, email=email, identifiers=identifiers, texts=texts,
                                             key=key))


def with_number(number: str, rest: list[str]) -> str:
    """The entry from its number and the rest of its tokens (``document_rest``): a registration
    works the rest out before it takes the write lock, and the number under it."""
    return " ".join((number_tokens(number) + rest)[:MAX_DOC_TOKENS])


def document_rest(*, phone: str, email: str, identifiers: Iterable[str], texts: Iterable[str],
                  key: bytes) -> list[str]:
    """An entry's tokens other than its number's, in order."""
    tokens = phone_tokens(phone, key) if phone else []
    if email:
        tokens.append(blind("em", normalise(email.strip()), key))
    for value in identifiers:
        if value:
            tokens += text_tokens(value, key)
    for text in texts:
        if text:
            tokens += text_tokens(text, key)
    return tokens[:MAX_DOC_TOKENS]


def more_text(text: str, key: bytes) -> str:
    """Tokens to append to a complaint's entry for a note or handling record."""
    return " ".join(text_tokens(text, key)[:MAX_DOC_TOKENS])


# --- queries ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Alternative:
    """One way a term can match: a phrase of tokens, the last one possibly a prefix."""

    tokens: tuple[str, ...]
    prefix: bool = False


@dataclass(frozen=True)
class Term:
    text: str  # as the user typed it (normalised), for highlighting
    alternatives: tuple[Alternative, ...]


@dataclass(frozen=True)
class Query:
    terms: tuple[Term, ...]
    problem: str = ""  # a message code when the query cannot be searched as typed

    def __bool__(self) -> bool:
        return bool(self.terms)


def parse_query(raw: str, key: bytes) -> Query:
    """Cut the search box's text into terms; every term must match."""
    if len(raw) > MAX_QUERY_CHARS:
        return Query((), problem="search_too_long")
    words = normalise(raw).split()
    terms: list[Term] = []
    for word in words:
        term = _term(word, key)
        if term is not None and term not in terms:
            terms.append(term)
    if len(terms) > MAX_TERMS:
        return Query((), problem="search_too_many_terms")
    return Query(tuple(terms))


def _term(word: str, key: bytes) -> Term | None:
    segs = segments(word)
    if not segs:
        return None  # punctuation, emoji, operators only: nothing to look for
    alternatives = [_phrase(segs)]
    digits = re.sub(r"\D", "", word)
    if len(segs) == 1 and not segs[0].cjk and segs[0].text.isdigit():
        if len(digits) == 4:
            alternatives.append(Alternative((blind("p4", digits, key),)))
        if len(digits) >= 7:
            alternatives.append(Alternative((blind("pf", digits, key),)))
        if len(digits) >= 3:
            alternatives.append(Alternative((f"nr{digits[::-1]}",), prefix=True))  # the end of a complaint number
    else:
        if _PHONE_IN_TEXT.fullmatch(word):
            alternatives.append(Alternative((blind("pf", digits, key),)))
        joined = _alnum(word)
        if len(segs) > 1 and len(joined) >= 4 and digits and not any(s.cjk for s in segs):
            # a number typed with separators (KS-2026-0001): the whole, or the end, of a number
            alternatives += [Alternative((joined,), prefix=True), Alternative((f"nr{joined[::-1]}",), prefix=True)]
    if "@" in word:
        alternatives.append(Alternative((blind("em", word, key),)))
    return Term(word, tuple(alternatives))


def _phrase(segs: Sequence[Segment]) -> Alternative:
    """Tokens a document holds where this text occurs. A Chinese run followed by more of the term
    must end where the document's run ends, so its last-character token is part of the phrase; the
    term's last segment is a prefix (a single character, or the beginning of a word or number)."""
    tokens: list[str] = []
    prefix = False
    for i, seg in enumerate(segs):
        last = i == len(segs) - 1
        if seg.cjk:
            pairs = [seg.text[j:j + 2] for j in range(len(seg.text) - 1)]
            if last:
                tokens += pairs or [seg.text]
                prefix = len(seg.text) == 1
            else:
                tokens += [*pairs, seg.text[-1]]
        else:
            tokens.append(seg.text)
            prefix = last
    return Alternative(tuple(tokens), prefix=prefix)


def fts5_match(query: Query) -> str:
    """The query as an FTS5 MATCH expression: every token quoted, so nothing is an operator."""
    def phrase(a: Alternative) -> str:  # one string of tokens is a phrase; * makes its last a prefix
        return '"' + " ".join(t.replace('"', '""') for t in a.tokens) + '"' + ("*" if a.prefix else "")

    parts = []
    for term in query.terms:
        alts = [phrase(a) for a in term.alternatives]
        parts.append(alts[0] if len(alts) == 1 else "(" + " OR ".join(alts) + ")")
    return " AND ".join(parts)


def tsquery(query: Query) -> str:
    """The query as a PostgreSQL tsquery literal (cast with ::tsquery, never parsed as text)."""
    def lexeme(t: str, prefix: bool) -> str:
        return "'" + t.replace("\\", "\\\\").replace("'", "''") + "'" + (":*" if prefix else "")

    def phrase(a: Alternative) -> str:
        last = len(a.tokens) - 1
        return "(" + " <-> ".join(lexeme(t, a.prefix and i == last) for i, t in enumerate(a.tokens)) + ")"

    return " & ".join("(" + " | ".join(phrase(a) for a in term.alternatives) + ")" for term in query.terms)


def tsvector(doc: str) -> str:
    """A document's tokens as a PostgreSQL tsvector literal with positions (for phrases)."""
    positions: dict[str, list[int]] = {}
    for i, token in enumerate(doc.split()[:MAX_DOC_TOKENS], 1):
        positions.setdefault(token, []).append(i)
    return " ".join("'" + t.replace("\\", "\\\\").replace("'", "''") + "':" + ",".join(map(str, p))
                    for t, p in positions.items())


# --- highlighting ----------------------------------------------------------------------------------


def highlight_spans(text: str, query: Query) -> list[tuple[str, bool]]:
    """``text`` cut into (piece, matched) for showing a hit: the terms' own text, found in the
    NFKC/lower-case form of the text, marked where they occur."""
    if not query or not text:
        return [(text, False)]
    folded = [normalise(ch) for ch in text]  # per character, so positions map back
    flat = "".join(folded)
    owner: list[int] = []
    for i, f in enumerate(folded):
        owner += [i] * len(f)
    marked = [False] * len(text)
    for term in query.terms:
        needle = term.text
        start = flat.find(needle)
        while needle and start != -1:
            for k in range(start, start + len(needle)):
                marked[owner[k]] = True
            start = flat.find(needle, start + len(needle))
    out: list[tuple[str, bool]] = []
    for ch, m in zip(text, marked, strict=True):
        if out and out[-1][1] == m:
            out[-1] = (out[-1][0] + ch, m)
        else:
            out.append((ch, m))
    return out


def snippet(text: str, query: Query, *, width: int = 60) -> str:
    """A window of ``text`` around its first match (the whole text when short)."""
    if len(text) <= width:
        return text
    spans = highlight_spans(text, query)
    at = 0
    for piece, matched in spans:
        if matched:
            break
        at += len(piece)
    else:
        return text[:width] + "…"
    start = max(0, at - width // 3)
    return ("…" if start else "") + text[start:start + width] + ("…" if start + width < len(text) else "")
