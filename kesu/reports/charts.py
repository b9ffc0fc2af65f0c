"""Charts of the analysis report, drawn with ReportLab's own graphics: the same drawing becomes
SVG on the page and vector graphics in the PDF — one library, nothing from a CDN, the Chinese
font embedded (kesu.printing.forms registers WenQuanYi Micro Hei)."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _
from reportlab.graphics import renderSVG
from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors

from kesu.printing.forms import _font

BAR = colors.HexColor("#2f6db5")


def bars(title: str, rows: list[tuple[str, int | float | Decimal | None]], *, width: float = 460,
         unit: str = "") -> Drawing:
    """A horizontal bar chart of (label, value) rows, largest first as given; empty rows → a note."""
    font = _font()
    rows = [(label, float(v or 0)) for label, v in rows][:12]
    height = 40 + 22 * max(len(rows), 1)
    d = Drawing(width, height)
    d.add(String(0, height - 14, title, fontName=font, fontSize=11))
    if not rows:
        d.add(String(0, height - 34, _("（无数据）"), fontName=font, fontSize=9, fillColor=colors.grey))
        return d
    chart = HorizontalBarChart()
    chart.x, chart.y = 110, 10
    chart.width, chart.height = width - 150, height - 40
    chart.data = [[v for _, v in reversed(rows)]]
    chart.categoryAxis.categoryNames = [str(label)[:14] for label, _ in reversed(rows)]
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = 8
    chart.valueAxis.labels.fontName = font
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    chart.bars[0].fillColor = BAR
    chart.barLabelFormat = "%.0f" + unit if unit != "%" else "%.1f%%"
    chart.barLabels.fontName = font
    chart.barLabels.fontSize = 7
    chart.barLabels.boxAnchor = "w"
    chart.barLabels.dx = 3
    d.add(chart)
    return d


def svg(drawing: Drawing) -> str:
    """Inline SVG for the page (no XML declaration)."""
    text = renderSVG.drawToString(drawing)
    return text[text.index("<svg"):]
