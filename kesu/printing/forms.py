"""The paper forms of the seed policies as PDF, laid out like the originals, with an embedded
Chinese font (WenQuanYi Micro Hei — Debian's Noto CJK has CFF outlines ReportLab cannot embed):

* 协调工作单 (P1 第五条): the coordination work order, step by step with times and names;
* 客诉处理单 (P2 五): in three copies, 第一联 / 第二联 / 第三联, each saying where it goes;
* 客户投诉记录卡 (seed 000 第七–十条): customer, demand, time and number, the department's opinion;
* 投诉调查报告 (F7): the latest investigation report.

Each function takes a complaint and what the reader may see of the phone number; it reads, never
writes. Every text reaches ReportLab's paragraph markup through ``para`` (``kesu.core.sinks.pdf_text``
escapes it), so what anyone typed prints literally; a table row longer than a page splits across
pages instead of failing the whole form.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from kesu.complaints.models import Complaint
from kesu.core.catalogues import DEMANDS, label
from kesu.core.lifecycle import event_label, state_label
from kesu.core.policy.model import named
from kesu.core.sinks import pdf_text
from kesu.policies.services import policy_of

FONT = "WQYMicroHei"
FONT_FILES = ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",)
_registered = False


def _font() -> str:
    global _registered
    if not _registered:
        path = next((p for p in FONT_FILES if Path(p).exists()), None)
        if path is None:
            raise RuntimeError("fonts-wqy-microhei is not installed (scripts/test.sh and the docs name it)")
        pdfmetrics.registerFont(TTFont(FONT, path, subfontIndex=0))
        _registered = True
    return FONT


def _styles() -> dict[str, ParagraphStyle]:
    font = _font()
    return {
        "title": ParagraphStyle("title", fontName=font, fontSize=16, leading=22, alignment=1, spaceAfter=4),
        "copy": ParagraphStyle("copy", fontName=font, fontSize=10, leading=14, alignment=2,
                               textColor=colors.HexColor("#8a2c2c")),
        "cell": ParagraphStyle("cell", fontName=font, fontSize=9.5, leading=13, wordWrap="CJK"),
        "head": ParagraphStyle("head", fontName=font, fontSize=9.5, leading=13, textColor=colors.HexColor("#333")),
    }


def para(text: object, style: ParagraphStyle) -> Paragraph:
    """The one way Kesu makes a Paragraph: ``text`` printed literally, line breaks kept."""
    return Paragraph(pdf_text(text), style)


def _when(value: Any) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _grid(rows: list[list[Any]], widths: list[float]) -> Table:
    st = _styles()
    data = [[para(c, st["cell"]) if not isinstance(c, Paragraph) else c for c in r] for r in rows]
    t = Table(data, colWidths=widths, splitInRow=1)  # 20,000 characters of customer's words span pages
    t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.6, colors.black), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                           ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f2f2f2"))]))
    return t


def _event(c: Complaint, *kinds: str) -> Any:
    return c.events.filter(kind__in=kinds).select_related("actor").order_by("-seq").first()


def _who(e: Any) -> str:
    if e is None:
        return ""
    return f"{e.actor or _('系统')}　{_when(e.at)}"


def _pdf(build: Callable[[list[Any]], None], title: str) -> bytes:
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm,
                            bottomMargin=15 * mm, title=title, author=_("客诉 Kesu"))
    story: list[Any] = []
    build(story)
    doc.build(story)
    return out.getvalue()


def _lang() -> str:
    return get_language() or "zh-hans"


def _header(c: Complaint, phone: str) -> list[list[Any]]:
    """The case's header in the reader's language: the policy's names by name_en in English."""
    policy, lang = policy_of(c.policy_version), _lang()
    level = policy.level(c.level)
    return [
        [_("投诉编号"), c.number, _("受理时间"), _when(c.registered_at)],
        [_("客户"), f"{c.customer_name or '—'}　{phone or ''}", _("渠道"),
         label(policy.channel_catalogue(), c.channel, lang)],
        [_("级别"), named(level, lang) if level else _("未定级"), _("状态"), state_label(c.status, lang)],
        [_("被投诉部门"), str(c.complained_department or "—"), _("受理人"), str(c.receiver)],
    ]


def work_order(c: Complaint, *, phone: str) -> bytes:
    """协调工作单 (P1)."""
    st = _styles()
    w = [28 * mm, 62 * mm, 28 * mm, 62 * mm]

    def build(story: list[Any]) -> None:
        story += [para(_("协调工作单"), st["title"]), _grid(_header(c, phone), w), Spacer(1, 4 * mm)]
        agree, result = _event(c, "agree_solution"), _event(c, "return_result")
        visit = _event(c, "record_satisfied", "record_unsatisfied")
        rows = [
            [_("客户意见（原话）"), c.customer_words],
            [_("交部门经理（10 分钟内）"), f"{c.department or '—'}（{c.owner or '—'}）　{_who(_event(c, 'assign'))}"],
            [_("初次对应"), _who(_event(c, "contact_made"))],
            [_("处理方案及初步协议"), f"{agree.reason if agree else ''}　{_who(agree)}"],
            [_("回访专员跟踪（40 分钟后）"), _who(_event(c, "progress_call"))],
            [_("处理结果（12 小时内交回）"), f"{result.reason if result else ''}　{_who(result)}"],
            [_("二次沟通及评价（24 小时内）"),
             f"{event_label(visit.kind, _lang()) if visit else ''}{_('：')}{visit.reason if visit else ''}"
             f"　{_who(visit)}"],
            [_("客服部经理签名"), _who(_event(c, "sign_off"))],
            [_("总经理审阅签名"), _who(_event(c, "review"))],
            [_("行政部归档"), _who(_event(c, "archive"))],
        ]
        story.append(_grid(rows, [45 * mm, 135 * mm]))

    return _pdf(build, f"{_('协调工作单')} {c.number}")


COPIES = (
    (_lazy("第一联"), _lazy("处理单位留存")),
    (_lazy("第二联"),
     _lazy("稽核联：如需申请费用，先转财会部审核确认，费用偿付后转稽核处留存；无须申请费用则直接转稽核留存")),
    (_lazy("第三联"), _lazy("企划部留存")),
)


def handling_slip(c: Complaint, *, phone: str) -> bytes:
    """客诉处理单 (P2), 一式三联."""
    st = _styles()
    w = [28 * mm, 62 * mm, 28 * mm, 62 * mm]
    result = _event(c, "return_result")
    fees = [a for a in c.approvals.filter(kind="compensation").select_related("charge_to")]
    assists = list(c.assists.select_related("department"))

    def build(story: list[Any]) -> None:
        for i, (copy, where) in enumerate(COPIES):
            if i:
                story.append(PageBreak())
            story += [para(f"{copy}　{where}", st["copy"]), para(_("客诉处理单"), st["title"]),
                      _grid(_header(c, phone), w), Spacer(1, 3 * mm)]
            rows = [
                [_("顾客资料"), f"{c.customer_name or '—'}　{phone or ''}　{c.customer_region}"],
                [_("反应或客诉内容"), c.customer_words],
                [_("处理结果"), f"{result.reason if result else ''}　{_who(result)}"],
                [_("费用"), _("；").join(_("%(kind)s %(amount)s 元（%(state)s，由%(whom)s承担）") % {
                    "kind": a.get_compensation_kind_display(), "amount": a.amount, "state": a.get_state_display(),
                    "whom": a.charge_to or _("公司")} for a in fees) or _("无")],
                [_("受偿人签收"), ""],
                [_("协办单位"), _("；").join(f"{a.department}{_('：')}{a.matter}" for a in assists) or _("无")],
                [_("记录单位（主管确认）"), f"{c.receiver}"],
                [_("处理单位（主管确认）"), f"{c.department or ''}　{c.owner or ''}"],
            ]
            story.append(_grid(rows, [40 * mm, 140 * mm]))

    return _pdf(build, f"{_('客诉处理单')} {c.number}")


def record_card(c: Complaint, *, phone: str) -> bytes:
    """客户投诉记录卡."""
    st = _styles()
    opinion = _event(c, "agree_solution", "answer_invalid", "return_result")

    def build(story: list[Any]) -> None:
        story += [para(_("客户投诉记录卡"), st["title"]), _grid([
            [_("投诉客户名称"), f"{c.customer_name or '—'}　{phone or ''}"],
            [_("客户要求"), _("、").join(label(DEMANDS, d, _lang()) for d in c.demands) or "—"],
            [_("投诉内容"), c.customer_words],
            [_("受理时间和编号"), f"{_when(c.registered_at)}　{c.number}"],
            [_("受理部门"), str(c.department or c.complained_department or "—")],
            [_("受理部门处理意见"), f"{opinion.reason if opinion else ''}　{_who(opinion)}"],
        ], [40 * mm, 140 * mm])]

    return _pdf(build, f"{_('客户投诉记录卡')} {c.number}")


def investigation_report(c: Complaint, *, phone: str) -> bytes:
    """投诉调查报告: the current report (the latest), with the case's header."""
    st = _styles()
    r = c.investigations.select_related("responsible_staff", "responsible_department", "written_by").first()
    w = [28 * mm, 62 * mm, 28 * mm, 62 * mm]

    def build(story: list[Any]) -> None:
        story += [para(_("投诉调查报告"), st["title"]), _grid(_header(c, phone), w), Spacer(1, 4 * mm)]
        if r is None:
            story.append(para(_("尚未提交调查报告。"), st["cell"]))
            return
        story.append(_grid([
            [_("投诉是否成立"), _("成立") if r.valid else _("不成立")],
            [_("原因"), r.cause], [_("经过"), r.course],
            [_("责任人"), str(r.responsible_staff or "—")], [_("责任部门"), str(r.responsible_department or "—")],
            [_("结论"), r.conclusion], [_("纠正措施"), r.corrective or "—"], [_("预防措施"), r.preventive or "—"],
            [_("处罚"), f"{r.penalty} {_('元')}" if r.penalty else _("无")],
            [_("调查人"), f"{r.written_by}　{_when(r.written_at)}"],
        ], [40 * mm, 140 * mm]))

    return _pdf(build, f"{_('投诉调查报告')} {c.number}")


FORMS: dict[str, tuple[str, Callable[..., bytes]]] = {
    "work-order": (_lazy("协调工作单"), work_order),
    "handling-slip": (_lazy("客诉处理单（一式三联）"), handling_slip),
    "record-card": (_lazy("客户投诉记录卡"), record_card),
    "investigation": (_lazy("投诉调查报告"), investigation_report),
}
