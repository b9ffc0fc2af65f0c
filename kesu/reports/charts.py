"""Charts of the analysis report, drawn with ReportLab's own graphics: the same drawing becomes
SVG on the page and vector graphics in the PDF — one library, nothing from a CDN, the Chinese
font embedded (kesu.printing.forms registers WenQuanYi Micro Hei).

Every chart carries its title inside the drawing (so the PDF and the page show the same), and
its left margin is as wide as its longest category label measured in the font it is drawn in:
no label is cut. On the page, each SVG gets its own clip-path id — ReportLab names every
drawing's clip ``clip``, and with three charts inline the browser clipped all of them to the
first one's box (the taller 按类别 chart lost its top half). And ReportLab styles the SVG with
``style`` attributes, which the page's Content-Security-Policy (style-src 'self') ignores: they
become presentation attributes (``fill="…"``), which it does not."""

from __future__ import annotations

import itertools
import re
from decimal import Decimal
from html import escape

from django.utils.translation import gettext as _
from reportlab.graphics import renderSVG
from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth

from kesu.core.sinks import clean_text
from kesu.printing.forms import _font

BAR = colors.HexColor("#2f6db5")
TITLE_SIZE, LABEL_SIZE, VALUE_SIZE = 12, 10, 9
ROW, MAX_ROWS = 22, 12
_ids = itertools.count(1)


def fitted(label: str, font: str, size: float, room: float) -> str:
    """``label`` whole when it fits in ``room`` points, else shortened with an ellipsis."""
    if stringWidth(label, font, size) <= room:
        return label
    while label and stringWidth(label + "…", font, size) > room:
        label = label[:-1]
    return label + "…"


def bars(title: str, rows: list[tuple[str, int | float | Decimal | None]], *, width: float = 500,
         unit: str = "") -> Drawing:
    """A horizontal bar chart of (label, value) rows, largest first as given; empty rows → a note.
    ``unit="%"``: rates, on a 0–100 axis."""
    font = _font()
    rows = [(clean_text(str(label)), float(v or 0)) for label, v in rows][:MAX_ROWS]  # no control character in XML
    labels = [fitted(label, font, LABEL_SIZE, width * 0.45) for label, _ in rows]
    left = max((stringWidth(label, font, LABEL_SIZE) for label in labels), default=0) + 12
    axis = 18  # room under the bars for the value axis' labels
    height = 34 + axis + ROW * max(len(rows), 1)
    d = Drawing(width, height)
    d.add(String(0, height - TITLE_SIZE - 6, title, fontName=font, fontSize=TITLE_SIZE))  # room for the ascent
    if not rows:
        d.add(String(0, height - 34, _("（无数据）"), fontName=font, fontSize=LABEL_SIZE, fillColor=colors.grey))
        return d
    chart = HorizontalBarChart()
    chart.x, chart.y = left, axis
    chart.width, chart.height = width - left - 48, ROW * len(rows)  # 48: the value beside the longest bar
    chart.data = [[v for _, v in reversed(rows)]]
    chart.categoryAxis.categoryNames = list(reversed(labels))
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = LABEL_SIZE
    chart.valueAxis.labels.fontName = font
    chart.valueAxis.labels.fontSize = VALUE_SIZE
    chart.valueAxis.valueMin = 0
    if unit == "%":
        chart.valueAxis.valueMax, chart.valueAxis.valueStep = 100, 20
    else:
        top = max(v for _, v in rows)
        chart.valueAxis.valueMax = max(top, 1)
        chart.valueAxis.valueStep = max(1, round(top / 5)) if top >= 5 else 1
    chart.bars[0].fillColor = BAR
    chart.bars[0].strokeColor = None
    chart.barLabelFormat = "%.1f%%" if unit == "%" else "%.0f"
    chart.barLabels.fontName = font
    chart.barLabels.fontSize = VALUE_SIZE
    chart.barLabels.boxAnchor = "w"
    chart.barLabels.dx = 3
    d.add(chart)
    return d


def title_of(drawing: Drawing) -> str:
    return next((s.text for s in drawing.contents if isinstance(s, String)), "")


def svg(drawing: Drawing) -> str:
    """Inline SVG for the page (no XML declaration): its own clip id, its title for screen
    readers and tooltips, and a font list the browser can resolve."""
    text = renderSVG.drawToString(drawing)
    text = text[text.index("<svg"):]
    n = next(_ids)
    text = text.replace('id="clip"', f'id="chart-clip-{n}"').replace("url(#clip)", f"url(#chart-clip-{n})")
    title = escape(title_of(drawing))
    text = text.replace("<title>...</title>", f"<title>{title}</title>", 1).replace("<desc>...</desc>", "", 1)
    text = text.replace("<svg ", f'<svg role="img" aria-label="{title}" class="chart" ', 1)
    text = re.sub(r"font-family: [^;]+;", "font-family: 'WenQuanYi Micro Hei', 'Noto Sans CJK SC', sans-serif;", text)
    return STYLE.sub(_attributes, text)


STYLE = re.compile(r'\sstyle="([^"]*)"')


def _attributes(m: re.Match[str]) -> str:
    """``style="fill: …; font-size: …"`` as presentation attributes (``fill="…"``): the page's
    Content-Security-Policy (style-src 'self') ignores inline style attributes, which left the
    bars black, the text at the browser's 16 px over them, and the clip path unapplied."""
    pairs = [part.split(":", 1) for part in m.group(1).split(";") if ":" in part]
    return "".join(f' {name.strip()}="{escape(value.strip())}"' for name, value in pairs)
