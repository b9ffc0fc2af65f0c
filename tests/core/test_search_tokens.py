"""The one tokenizer of the search index (kesu.core.search), on its own: how Chinese, mixed text,
numbers and phones are cut, and how the search box's text becomes a query nothing can break."""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kesu.core import search

KEY = b"test key"


def fts(docs: dict[int, str]) -> sqlite3.Connection:
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE t USING fts5(doc, tokenize='unicode61 remove_diacritics 0', columnsize=0)")
    for rowid, text in docs.items():
        db.execute("INSERT INTO t(rowid, doc) VALUES (?, ?)", (rowid, search.document(
            number=f"26112{rowid:04d}", phone="", email="", identifiers=[], texts=[text], key=KEY)))
    return db


def found(db: sqlite3.Connection, text: str) -> set[int]:
    q = search.parse_query(text, KEY)
    return {r for (r,) in db.execute("SELECT rowid FROM t WHERE t MATCH ?", (search.fts5_match(q),))} if q else set()


TEXTS = {1: "我上周投诉过漏水的事，怎么还没人来？", 2: "车辆漏油严重，要求赔偿", 3: "iPhone 15 屏幕碎了", 4: "水管爆裂"}


def test_a_two_character_word_is_found_wherever_it_stands():
    db = fts(TEXTS)
    assert found(db, "漏水") == {1}
    assert found(db, "漏油") == {2}
    assert found(db, "水") == {1, 4}  # the 水 ending 漏水 and the one starting 水管


def test_a_longer_word_is_a_phrase_of_bigrams_not_any_order():
    db = fts({1: "漏水的事", 2: "事的水漏"})
    assert found(db, "漏水的事") == {1}


def test_mixed_latin_digits_and_chinese_with_or_without_spaces():
    db = fts(TEXTS)
    assert found(db, "iPhone 15 屏幕") == {3}
    assert found(db, "iphone15屏幕") == {3}
    assert found(db, "ＩＰＨＯＮＥ") == {3}  # full-width letters read as half-width


def test_every_word_must_match():
    db = fts(TEXTS)
    assert found(db, "漏油 赔偿") == {2}
    assert found(db, "漏油 屏幕") == set()


def test_a_phone_number_is_never_in_the_index_in_clear_but_is_found_whole_or_by_its_last_four():
    doc = search.document(number="261128299", phone="13812345678", email="ma@example.com", identifiers=[],
                          texts=["另一个号码 139-0000-1111 也可以打"], key=KEY)
    assert "13812345678" not in doc and "5678" not in doc and "1111" not in doc and "example" not in doc
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE t USING fts5(doc, tokenize='unicode61 remove_diacritics 0')")
    db.execute("INSERT INTO t(rowid, doc) VALUES (1, ?)", (doc,))
    for typed in ("13812345678", "１３８１２３４５６７８", "5678", "13900001111", "1111", "ma@example.com"):
        assert found(db, typed) == {1}, typed
    assert found(db, "13812345679") == set()


def test_a_complaint_number_is_found_whole_by_its_beginning_or_by_its_end():
    doc = search.document(number="261128299", phone="", email="", identifiers=[], texts=[], key=KEY)
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE t USING fts5(doc, tokenize='unicode61 remove_diacritics 0')")
    db.execute("INSERT INTO t(rowid, doc) VALUES (1, ?)", (doc,))
    for typed in ("261128299", "2611", "8299", "299"):
        assert found(db, typed) == {1}, typed
    assert found(db, "9999") == set() and found(db, "1282") == set()  # a part in the middle is not a match


@pytest.mark.parametrize("typed", ['"漏水" OR NEAR(a b) *', "漏水 AND NOT x", "'; DROP TABLE t; --", "漏水*", "^漏水",
                                   "col:漏水", "(((", '"', "😀 漏水", "ｘ＋ｙ", "\u202e漏水"])
def test_operators_quotes_and_sql_typed_in_the_box_are_plain_text(typed):
    db = fts(TEXTS)
    found(db, typed)  # never an FTS5 syntax error


def test_a_query_too_long_or_with_too_many_words_is_refused_with_a_reason():
    assert search.parse_query("漏" * (search.MAX_QUERY_CHARS + 1), KEY).problem == "search_too_long"
    assert search.parse_query(" ".join(f"词{i}" for i in range(search.MAX_TERMS + 1)), KEY).problem == (
        "search_too_many_terms")
    assert not search.parse_query("，。！😀", KEY)  # nothing to look for


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_any_text_typed_in_the_box_makes_a_valid_query(typed):
    db = fts(TEXTS)
    found(db, typed)
    search.tsquery(search.parse_query(typed, KEY))


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), min_size=2, max_size=40))
def test_any_text_is_found_by_any_two_character_piece_of_it(text):
    db = fts({1: text})
    pieces = [text[i:i + 2] for i in range(len(text) - 1)]
    for piece in pieces:
        segs = search.segments(piece)
        if len(segs) == 1 and segs[0].cjk and len(segs[0].text) == 2 and search.segments(text):
            assert found(db, piece) == {1}, piece


def test_highlighting_marks_the_words_searched_for_even_in_full_width():
    spans = search.highlight_spans("投诉漏水，ＩＰＨＯＮＥ坏了", search.parse_query("漏水 iphone", KEY))
    assert [p for p, marked in spans if marked] == ["漏水", "ＩＰＨＯＮＥ"]
