"""The two sinks where stored text becomes another language: ReportLab's paragraph markup (the
PDF forms and reports) and spreadsheet cells (the xlsx exports). Whatever a customer, a member of
staff or an administrator typed reaches them only through these helpers, so it prints and
exports literally:

* ``pdf_text``: the text as Paragraph markup that says exactly that text. ``&``, ``<`` and ``>``
  are escaped (so 「价格<100元」, ``<br>``, ``<zhang@qq.com>`` and ``A&B`` print as typed and an
  ``<img src=…>`` can never make ReportLab read a file from the server), then each line break
  becomes ``<br/>``, the one tag the escaped text carries.
* ``sheet_cell`` and ``append_row``: a cell value and a row written so that text stays text.
  Numbers, dates and times stay as they are. A text cell starting with ``=`` ``+`` ``-`` ``@``
  (or a tab or CR, OWASP's CSV-injection list) is written verbatim — no apostrophe added, the
  ledger shows the reason as it was given — as a string cell (never a formula) with the
  ``quotePrefix`` style, which tells Excel and LibreOffice to keep it text even when someone
  edits the cell and presses Enter.

Both drop the control characters that neither a PDF nor XML can carry (C0 except tab and line
breaks, DEL, C1) and replace lone surrogates, which cannot be encoded, by U+FFFD. Plain Python:
the spreadsheet helper duck-types openpyxl's worksheet, it does not import it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from typing import Any

# C0 controls but tab, LF and CR; DEL and the C1 block; the two non-characters XML forbids.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
_SURROGATE = re.compile("[\ud800-\udfff]")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
SHEET_MAX_UTF16 = 32767  # Excel's limit for one cell, counted in UTF-16 code units


def clean_text(text: str) -> str:
    """The text without characters no document can carry: controls dropped, lone surrogates
    replaced by U+FFFD. Tab, LF and CR stay."""
    return _CONTROL.sub("", _SURROGATE.sub("\ufffd", text))


def pdf_text(value: object) -> str:
    """``value`` as ReportLab Paragraph markup that prints exactly that text (None prints as
    nothing); its line breaks (LF, CRLF or CR) print as line breaks and tabs as spaces."""
    text = "" if value is None else str(value)
    text = clean_text(text).replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    return html.escape(text, quote=False).replace("\n", "<br/>")


def formula_like(text: str) -> bool:
    """Would a spreadsheet read this text as a formula if it were typed into a cell?"""
    return text.startswith(FORMULA_START)


def sheet_cell(value: Any) -> Any:
    """A value an xlsx cell can hold: text cleaned (and cut to Excel's 32,767 UTF-16 units, at a
    character boundary); anything else — numbers, dates, None — unchanged."""
    if not isinstance(value, str):
        return value
    text = clean_text(value)
    units = text.encode("utf-16-le")
    if len(units) > 2 * SHEET_MAX_UTF16:
        text = units[: 2 * SHEET_MAX_UTF16].decode("utf-16-le", errors="ignore")
    return text


def append_row(ws: Any, values: Iterable[Any]) -> None:
    """``ws.append(values)`` for an openpyxl worksheet, except that every text is written as a
    string cell, never a formula, and one that looks like a formula carries ``quotePrefix``.
    Every xlsx export in Kesu writes its rows, header included, through this."""
    ws.append([sheet_cell(v) for v in values])
    for cell in ws[ws.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"
            if formula_like(cell.value):
                cell.quotePrefix = True
