"""Hostile and careless text on the paper forms: whatever the customer said, or a member of staff or
an administrator typed, prints literally — never as ReportLab markup, never a server error, never
a file read from the server — and the customer's line breaks stay line breaks (issue 15).

The attacks go through the real print view (HTTP), the PDF is read back with pdftotext."""

from __future__ import annotations

import ast
import re
import subprocess
import unicodedata
from pathlib import Path

import pytest
from django.test import Client
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus.paraparser import ParaParser

import kesu
from kesu.core.lifecycle import State
from kesu.core.sinks import clean_text, pdf_text
from kesu.org.models import Department
from kesu.printing import forms
from kesu.workflow import services as workflow
from tests.factories import act, bring_to

pytestmark = pytest.mark.django_db

ATTACKS = [
    "价格<100元",
    "A&B",
    "<zhang@qq.com>",
    "第一句<br>第二句",
    "<b>粗体</b><font size=40 color=red>大字</font>",
    "<script>alert(1)</script>",
    "</para><para>",
    "&lt;已转义&gt; &amp; &#60; &nbsp;",
    "<a href='javascript:alert(1)'>点我</a>",
    '<img src="/etc/passwd"/>',
]
WORDS = "\n".join(ATTACKS)


def text_of(pdf: bytes, tmp_path: Path, *, layout: bool = False) -> str:
    path = tmp_path / "form.pdf"
    path.write_bytes(pdf)
    args = ["pdftotext", *(["-layout"] if layout else []), str(path), "-"]
    return subprocess.run(args, capture_output=True, check=True, text=True).stdout


def squeezed(text: str) -> str:
    """A cell wraps where it likes: compare without whitespace."""
    return re.sub(r"\s+", "", text)


def fetch(person, number: str, form: str):
    client = Client()
    client.force_login(person)
    return client.get(f"/c/{number}/print/{form}/")


@pytest.fixture
def hostile_case(p1, people, now):
    """A complaint where every text the forms print is an attack: the customer's words and name,
    the agreed plan and the result (timeline reasons), the investigation, a department's name and
    a staff member's display name."""
    dept = Department.objects.get(code="after_sales")
    dept.name = "售后<服务>部 & Co"
    dept.save(update_fields=["name"])
    manager = dept.manager
    manager.display_name = "<i>李经理</i>&"
    manager.save(update_fields=["display_name"])
    c = bring_to(State.HANDLING, people, now, customer_words=WORDS, customer_name="A&B <zhang@qq.com>")
    workflow.submit_investigation(c, actor=manager, now=now, findings=workflow.Findings(
        valid=True, cause="价格<100元", course="<br>经过&", conclusion="<zhang@qq.com>", corrective="A&B",
        preventive="<img src=\"/etc/passwd\"/>", responsible_staff=people["sunsf"], penalty="50"))
    c.refresh_from_db()
    c = act(c, "agree_solution", manager, now, plan="方案<100元 & 赠品<br>")
    c = act(c, "return_result", manager, now, result="结果 <b>已返修</b> A&B")
    return c


@pytest.mark.parametrize("form", sorted(forms.FORMS))
def test_markup_in_anything_a_form_prints_comes_out_literally(hostile_case, people, tmp_path, form):
    response = fetch(people["zhoujl"], hostile_case.number, form)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = squeezed(text_of(response.content, tmp_path))
    assert squeezed("售后<服务>部 & Co") in text  # the header names the department on every form
    assert "A&B;" not in text
    if form != "investigation":
        for attack in ATTACKS:
            assert squeezed(attack) in text, attack
        assert squeezed("A&B <zhang@qq.com>") in text
    if form == "work-order":
        assert squeezed("方案<100元 & 赠品<br>") in text and squeezed("结果 <b>已返修</b> A&B") in text
    if form == "investigation":
        for written in ("价格<100元", "<br>经过&", "<zhang@qq.com>", '<img src="/etc/passwd"/>'):
            assert squeezed(written) in text, written


def test_an_img_tag_in_the_customers_words_never_embeds_a_file_from_the_server(p1, people, now, tmp_path):
    secret = tmp_path / "server-file.png"
    from PIL import Image

    Image.new("RGB", (20, 20), "red").save(secret)  # a real image ReportLab would happily embed
    words = f'<img src="{secret}" width="200" height="200"/>请看图'
    c = bring_to(State.HANDLING, people, now, customer_words=words)
    for form in forms.FORMS:
        pdf = fetch(people["zhoujl"], c.number, form).content
        assert b"/Subtype /Image" not in pdf and b"/XObject" not in pdf, form
    assert squeezed(words) in squeezed(text_of(fetch(people["zhoujl"], c.number, "record-card").content, tmp_path))


def test_the_customers_line_breaks_still_print_as_line_breaks(p1, people, now, tmp_path):
    c = bring_to(State.HANDLING, people, now, customer_words="第一行说明\n第二行说明\r\n第三行说明")
    lines = text_of(fetch(people["zhoujl"], c.number, "record-card").content, tmp_path, layout=True).splitlines()
    holding = [next(i for i, line in enumerate(lines) if word in line) for word in ("第一行", "第二行", "第三行")]
    assert holding[0] < holding[1] < holding[2]


def test_twenty_thousand_characters_of_words_run_over_pages_instead_of_failing(p1, people, now, tmp_path):
    c = bring_to(State.HANDLING, people, now, customer_words="发动机漏油" * 4000)  # the template's limit
    for form in forms.FORMS:
        response = fetch(people["zhoujl"], c.number, form)
        assert response.status_code == 200, form
    text = text_of(fetch(people["zhoujl"], c.number, "record-card").content, tmp_path)
    assert squeezed(text).count("发动机漏油") == 4000 and text.count("\f") > 2


def test_control_characters_rtl_marks_and_lone_surrogates_do_not_break_a_form(p1, people, now, tmp_path):
    """Text the database cannot even hold (a lone surrogate) may still arrive in memory; the forms
    print what can be printed and drop what cannot."""
    c = bring_to(State.HANDLING, people, now)
    c.customer_words = "退款\x00\x01\x07\x08\x0b\x0c\x1b\x1f\x7f\x85\x9f\ufffe\uffff\ud800\udfff 完成"
    c.customer_name = "\u202e先生\u200f\u202c"
    for form, (_title, build) in forms.FORMS.items():
        pdf = build(c, phone="13812345678")
        assert pdf.startswith(b"%PDF"), form
    assert "退款" in text_of(forms.record_card(c, phone=""), tmp_path)


def test_the_report_pdf_prints_a_department_name_literally(p1, people, tmp_path):
    dept = Department.objects.get(code="after_sales")
    dept.name = "<b>售后</b> & <img src=\"/etc/passwd\"/>"
    dept.save(update_fields=["name"])
    gm = Client()
    gm.force_login(people["zhangzong"])
    response = gm.get("/reports/", {"start": "2026-03-01", "end": "2026-03-31", "format": "pdf",
                                    "department": str(dept.pk)})
    assert response.status_code == 200 and b"/Subtype /Image" not in response.content
    assert squeezed(dept.name) in squeezed(text_of(response.content, tmp_path))


def test_no_module_builds_a_paragraph_but_through_the_escaping_layer():
    """kesu.printing.forms.para is the one place text becomes ReportLab markup; a Paragraph built
    anywhere else would let stored text through unescaped."""
    root = Path(kesu.__file__).resolve().parent
    offenders = []
    for path in root.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        allowed = {id(node) for fn in ast.walk(tree) if isinstance(fn, ast.FunctionDef) and fn.name == "para"
                   and path.name == "forms.py" and path.parent.name == "printing" for node in ast.walk(fn)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and id(node) not in allowed:
                name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
                if name in ("Paragraph", "XPreformatted", "Preformatted"):
                    offenders.append(f"{path.relative_to(root)}:{node.lineno}")
    assert offenders == []


# --- properties: arbitrary Unicode, with the characters that matter over-represented -------------

NASTY = st.sampled_from(["<", ">", "&", "&amp;", "<br/>", "<img src='/etc/passwd'/>", "\n", "\r", "\r\n", "\t",
                         "\x00", "\x1b", "\x7f", "\x85", "\u200f", "\u202e", "\u2028", "\ufeff", "\ud800", "\udfff",
                         "=", "+", "-", "@", "客", "诉", "😀", "𠀀", ";", "#", " "])
TEXT = st.lists(st.one_of(st.characters(), NASTY), max_size=120).map("".join)


def parsed_back(markup: str) -> str:
    """What ReportLab's paragraph parser reads out of the markup: its text, <br/> as a newline."""
    _style, frags, _bullet = ParaParser().parse(markup, ParagraphStyle("p"))
    assert frags is not None, markup  # the parser refused the markup
    return "".join("\n" if getattr(f, "lineBreak", False) else f.text for f in frags)


@given(TEXT)
@example("价格<100元 A&B <zhang@qq.com>")
@example("</para><para><img src='/etc/passwd'/>")
def test_any_text_is_parsed_back_by_reportlab_as_exactly_that_text(text):
    expected = clean_text(text).replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    assert parsed_back(pdf_text(text)) == expected
    assert "<" not in pdf_text(text).replace("<br/>", "")


def plain(ch: str) -> bool:
    """Characters pdftotext reads back as they are: printable ASCII and the common CJK block."""
    return (ch.isascii() and ch.isprintable()) or "\u4e00" <= ch <= "\u9fff"


@pytest.fixture
def case(p1, people, now):
    return bring_to(State.HANDLING, people, now)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(words=TEXT, name=TEXT)
@example(words="价格<100元\n=HYPERLINK(\"x\")", name="A&B <zhang@qq.com>")
def test_every_form_renders_any_text_and_prints_it(words, name, case, tmp_path):
    case.customer_words, case.customer_name = words, name  # in memory: lone surrogates included
    for form, (_title, build) in forms.FORMS.items():
        assert build(case, phone="13812345678").startswith(b"%PDF"), form
    if any(unicodedata.bidirectional(ch) in ("R", "AL", "RLO", "RLE", "RLI") for ch in words):
        return  # pdftotext reorders right-to-left runs; that the form renders is checked above
    printed = squeezed(text_of(forms.record_card(case, phone=""), tmp_path))
    runs = re.split(r"[^\x21-\x7e\u4e00-\u9fff]+", "".join(ch if plain(ch) else "\x00" for ch in words))
    for run in runs:
        assert run in printed, run


def test_reportlab_is_not_handed_markup_by_the_grid(monkeypatch):
    """_grid, which every form and the report PDF use for their tables, escapes each cell."""
    seen: list[str] = []

    class Spy(forms.Paragraph):  # type: ignore[misc]
        def __init__(self, text, *args, **kwargs):  # type: ignore[no-untyped-def]
            seen.append(text)
            super().__init__(text, *args, **kwargs)

    monkeypatch.setattr(forms, "Paragraph", Spy)
    forms._grid([["<b>", "A&B"], ["line\nbreak", 3]], [50, 50])
    assert seen == ["&lt;b&gt;", "A&amp;B", "line<br/>break", "3"]
