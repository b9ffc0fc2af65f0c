"""Reading an inbound email (SPEC F3): who wrote, what they said, whether it answers a known
complaint, and whether a person wrote it at all. Plain Python (the standard ``email`` package);
no database, no network — the mail intake app decides what to do with the result.

Chinese mail arrives in UTF-8, GBK and GB18030, sometimes mislabelled (GB2312 declared, GBK sent):
a declared GB2312 or GBK part is decoded as GB18030, its superset; text that still does not
decode is a problem the caller sets aside, never a crash.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email import policy as email_policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr

# 【客诉 260310001】 or [Kesu 260310001] in a subject: Kesu puts it in every mail it sends.
SUBJECT_TAG = re.compile(r"[【\[]\s*(?:客诉|Kesu)\s*#?\s*([A-Za-z0-9-]{4,30})\s*[】\]]")
MOBILE = re.compile(r"(?<!\d)(1[3-9]\d{9})(?!\d)")
WIDER_CHARSETS = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030"}
OWN_LOOP_HEADER = "X-Kesu-Loop"
AUTO_SENDERS = re.compile(r"^(mailer-daemon|postmaster|no-?reply|noreply|bounce[s]?)@", re.IGNORECASE)


@dataclass(frozen=True)
class Attachment:
    name: str
    content: bytes


@dataclass
class InboundMail:
    message_id: str
    from_address: str
    from_name: str
    subject: str
    text: str
    in_reply_to: str = ""
    references: tuple[str, ...] = ()
    attachments: list[Attachment] = field(default_factory=list)
    automatic: str = ""  # why this is not a person writing ("" = a person)
    problems: list[str] = field(default_factory=list)  # why it cannot be read as it stands

    @property
    def tagged_number(self) -> str | None:
        m = SUBJECT_TAG.search(self.subject)
        return m.group(1) if m else None

    def phone_in_text(self) -> str | None:
        m = MOBILE.search(self.text)
        return m.group(1) if m else None


def _ids(value: str) -> tuple[str, ...]:
    return tuple(re.findall(r"<[^<>\s]+>", value or ""))


def _payload(part: Message) -> bytes:
    data = part.get_payload(decode=True)
    return data if isinstance(data, bytes) else b""


def _decode_part(part: Message) -> tuple[str, str | None]:
    """The part's text, and a problem when its bytes do not match its charset."""
    payload = _payload(part)
    declared = (part.get_content_charset() or "utf-8").lower()
    charset = WIDER_CHARSETS.get(declared, declared)
    try:
        return payload.decode(charset), None
    except LookupError:
        return payload.decode("utf-8", errors="replace"), f"未知的字符集「{declared}」"
    except UnicodeDecodeError:
        for fallback in ("utf-8", "gb18030"):  # mislabelled: try what Chinese mail really uses
            try:
                return payload.decode(fallback), None
            except UnicodeDecodeError:
                continue
        return payload.decode(charset, errors="replace"), f"正文不是有效的 {declared} 编码"


def automatic_reason(msg: EmailMessage) -> str:
    """Auto-replies, bounces, lists and our own mail coming back: not a person complaining."""
    auto = (msg.get("Auto-Submitted") or "").strip().lower()
    if auto and auto != "no":
        return f"自动发送（Auto-Submitted: {auto}）"
    if msg.get(OWN_LOOP_HEADER):
        return "本系统发出的邮件被退回或转回（邮件循环）"
    for header in ("X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress"):
        if msg.get(header) and header != "X-Auto-Response-Suppress":
            return f"自动回复（{header}）"
    precedence = (msg.get("Precedence") or "").strip().lower()
    if precedence in ("bulk", "junk", "list", "auto_reply"):
        return f"群发或自动邮件（Precedence: {precedence}）"
    if msg.get("List-Id") or msg.get("List-Unsubscribe"):
        return "邮件列表"
    if (msg.get_content_type() == "multipart/report"
            or (msg.get("Content-Type") or "").lower().find("report-type=delivery-status") >= 0):
        return "退信（投递状态报告）"
    sender = parseaddr(str(msg.get("From") or ""))[1]
    return_path = (msg.get("Return-Path") or "").strip()
    if AUTO_SENDERS.match(sender) or return_path == "<>":
        return "退信或系统邮件"
    return ""


def parse(raw: bytes) -> InboundMail:
    """Read one message; never raises on content — what cannot be read goes into ``problems``."""
    problems: list[str] = []
    try:
        msg = BytesParser(policy=email_policy.default).parsebytes(raw)
    except Exception as exc:  # the parser is lenient; this is truly broken input
        return InboundMail("", "", "", "", "", problems=[f"无法解析邮件：{exc}"])
    assert isinstance(msg, EmailMessage)

    def header(name: str) -> str:
        try:
            return str(msg.get(name) or "").strip()
        except Exception:  # an undecodable encoded-word
            problems.append(f"邮件头 {name} 无法解码")
            return ""

    message_id = header("Message-ID")
    if not message_id:
        problems.append("缺少 Message-ID")
    name, address = parseaddr(header("From"))
    if not address or "@" not in address:
        problems.append("缺少有效的发件人地址")
    text_parts: list[str] = []
    html_parts: list[str] = []
    attachments: list[Attachment] = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        filename = part.get_filename()
        disposition = (part.get_content_disposition() or "").lower()
        if filename or disposition == "attachment":
            attachments.append(Attachment(filename or "attachment.bin", _payload(part)))
            continue
        if part.get_content_maintype() != "text":
            continue
        text, problem = _decode_part(part)
        if problem:
            problems.append(problem)
        (html_parts if part.get_content_subtype() == "html" else text_parts).append(text)
    body = "\n".join(text_parts).strip()
    if not body and html_parts:
        body = re.sub(r"<[^>]+>", " ", "\n".join(html_parts))
        body = re.sub(r"[ \t]+", " ", body).strip()
    references = _ids(header("References"))
    return InboundMail(
        message_id=message_id, from_address=address.lower(), from_name=name, subject=header("Subject"),
        text=_strip_quote(body), in_reply_to=(_ids(header("In-Reply-To")) or ("",))[0], references=references,
        attachments=attachments, automatic=automatic_reason(msg), problems=problems,
    )


def _strip_quote(text: str) -> str:
    """Drop the quoted history under a reply, as Chinese and English mail clients mark it."""
    markers = ("\n-----原始邮件-----", "\n------------------ 原始邮件 ------------------",
               "\n-----Original Message-----")
    for marker in markers:
        if marker in text:
            text = text.split(marker, 1)[0]
    lines = [ln for ln in text.splitlines() if not ln.startswith(">")]
    return "\n".join(lines).strip()


def addresses(value: str) -> list[str]:
    return [a.lower() for _n, a in getaddresses([value]) if a]
