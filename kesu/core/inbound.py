"""Reading an inbound email (SPEC F3): who wrote, what they said, whether it answers a known
complaint, and whether a person wrote it at all. Plain Python (the standard ``email`` package);
no database, no network — the mail intake app decides what to do with the result.

Chinese mail arrives in UTF-8, GBK and GB18030, sometimes mislabelled (GB2312 declared, GBK sent):
a declared GB2312 or GBK part is decoded as GB18030, its superset; text that still does not
decode is a problem the caller sets aside, never a crash.

Hostile or broken mail (issue 15): ``parse`` never raises. Each part is read on its own — one that
breaks (broken base64, an undecodable file name, a text in an unknown charset beside a readable
one, nesting past ``MAX_DEPTH``, parts past ``MAX_PARTS``, an attachment over ``MAX_PART_BYTES``)
is named in ``left_out`` and the rest read on. Headers are decoded from their raw text and kept on
one line (an encoded CR/LF becomes a space); NUL and control characters are dropped; attachment
names go through ``safe_file_name``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from email import errors as email_errors
from email import policy as email_policy
from email.header import decode_header
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr

from kesu.core.attachments import safe_file_name
from kesu.core.messages import Said

# 【客诉 260310001】 or [Kesu 260310001] in a subject: Kesu puts it in every mail it sends.
SUBJECT_TAG = re.compile(r"[【\[]\s*(?:客诉|Kesu)\s*#?\s*([A-Za-z0-9-]{4,30})\s*[】\]]")
MOBILE = re.compile(r"(?<!\d)(1[3-9]\d{9})(?!\d)")
WIDER_CHARSETS = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030"}
OWN_LOOP_HEADER = "X-Kesu-Loop"
AUTO_SENDERS = re.compile(r"^(mailer-daemon|postmaster|no-?reply|noreply|bounce[s]?)@", re.IGNORECASE)
MAX_PARTS = 200  # parts read from one message; a message of more is read up to there
MAX_DEPTH = 20  # multipart nesting read; deeper parts are named and left out
MAX_PART_BYTES = 64 * 1024 * 1024  # an attachment larger than any policy allows is not even kept in memory
_ADDRESS = re.compile(r"[^@\s<>\x00-\x1f\x7f]{1,64}@[^@\s<>\x00-\x1f\x7f]{1,253}")
_SURROGATES = re.compile(r"[\ud800-\udfff]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_LINE_BREAKING = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]")
_BROKEN_PAYLOAD = (email_errors.InvalidBase64CharactersDefect, email_errors.InvalidBase64LengthDefect)


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
    # Why this is not a person writing (None = a person); why it cannot be read as it stands (set
    # aside); the parts not read, each with the reason (taken without them) — in both languages.
    automatic: Said | None = None
    problems: list[Said] = field(default_factory=list)
    left_out: list[Said] = field(default_factory=list)

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


def _bytes_text(data: bytes, charset: str) -> str | None:
    """``data`` read as ``charset`` (GB2312/GBK widened to GB18030), or as UTF-8 or GB18030 when
    mislabelled; None when nothing reads it."""
    charset = WIDER_CHARSETS.get(charset.lower(), charset.lower())
    for candidate in (charset, "utf-8", "gb18030"):
        try:
            return data.decode(candidate)
        except (LookupError, UnicodeDecodeError):
            continue
    return None


def clean_text(text: str) -> str:
    """Text a database and a page can hold: 8-bit bytes the parser kept as surrogates read again
    (UTF-8, then GB18030), no NUL or other control characters but tab and newline."""
    if _SURROGATES.search(text):
        data = text.encode("utf-8", "surrogateescape")
        text = _bytes_text(data, "utf-8") or data.decode("utf-8", errors="replace")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text)


def one_line(text: str) -> str:
    """A header value on one line: CR, LF and every other control or line-separator character
    become a space (an encoded CR/LF in a subject must never reach an outgoing header)."""
    return re.sub(r"\s+", " ", _LINE_BREAKING.sub(" ", clean_text(text))).strip()


def decode_header_value(value: str) -> str:
    """A raw header's text: encoded words decoded by their charset (GB2312/GBK widened as in the
    body), 8-bit bytes read as UTF-8 or GB18030, folding undone, on one line."""
    value = re.sub(r"\r?\n[ \t]", " ", value or "")
    try:
        chunks = decode_header(value)
    except Exception:  # a broken encoded word (bad base64): take the text as it stands
        return one_line(value)
    out: list[str] = []
    for chunk, charset in chunks:
        if isinstance(chunk, str):
            out.append(chunk)
        else:
            out.append(_bytes_text(chunk, charset or "utf-8") or chunk.decode("utf-8", errors="replace"))
    return one_line("".join(out))


def _decode_part(part: Message) -> tuple[str, Said | None]:
    """The part's text, and a problem when its bytes do not match its charset."""
    payload = _payload(part)
    declared = (part.get_content_charset() or "utf-8").lower()
    charset = WIDER_CHARSETS.get(declared, declared)
    try:
        return clean_text(payload.decode(charset)), None
    except LookupError:
        text = _bytes_text(payload, "utf-8")
        return (clean_text(text), None) if text is not None else ("", Said(f"未知的字符集「{one_line(declared)[:40]}」",
                                                                   f"unknown charset '{one_line(declared)[:40]}'"))
    except UnicodeDecodeError:
        for fallback in ("utf-8", "gb18030"):  # mislabelled: try what Chinese mail really uses
            try:
                return clean_text(payload.decode(fallback)), None
            except UnicodeDecodeError:
                continue
        return "", Said(f"正文不是有效的 {one_line(declared)[:40]} 编码",
                        f"the text is not valid {one_line(declared)[:40]}")


def automatic_reason(msg: Message, get: Callable[[str], str] | None = None) -> Said | None:
    """Auto-replies, bounces, lists and our own mail coming back: not a person complaining."""
    get = get or (lambda name: str(msg.get(name) or ""))
    auto = get("Auto-Submitted").strip().lower()
    if auto and auto != "no":
        return Said(f"自动发送（Auto-Submitted: {auto[:40]}）", f"sent automatically (Auto-Submitted: {auto[:40]})")
    if get(OWN_LOOP_HEADER):
        return Said("本系统发出的邮件被退回或转回（邮件循环）", "mail this system sent came back (a mail loop)")
    for header in ("X-Autoreply", "X-Autorespond"):
        if get(header):
            return Said(f"自动回复（{header}）", f"an automatic reply ({header})")
    precedence = get("Precedence").strip().lower()
    if precedence in ("bulk", "junk", "list", "auto_reply"):
        return Said(f"群发或自动邮件（Precedence: {precedence}）", f"bulk or automatic mail (Precedence: {precedence})")
    if get("List-Id") or get("List-Unsubscribe"):
        return Said("邮件列表", "a mailing list")
    if msg.get_content_type() == "multipart/report" or "report-type=delivery-status" in get("Content-Type").lower():
        return Said("退信（投递状态报告）", "a bounce (a delivery status report)")
    sender = parseaddr(get("From"))[1]
    if AUTO_SENDERS.match(sender) or get("Return-Path").strip() == "<>":
        return Said("退信或系统邮件", "a bounce or system mail")
    return None


def parse(raw: bytes) -> InboundMail:
    """Read one message; never raises — what cannot be read at all goes into ``problems`` (the
    message is set aside), a part that cannot be read into ``left_out`` (the message is taken
    without it)."""
    try:
        return _parse(raw)
    except Exception as exc:  # RecursionError, a parser bug: never a crash, never a retry
        return InboundMail("", "", "", "", "", problems=[Said(f"无法解析邮件：{type(exc).__name__}",
                                                                f"the message cannot be parsed: {type(exc).__name__}")])


def _parse(raw: bytes) -> InboundMail:
    problems: list[Said] = []
    left_out: list[Said] = []
    msg = BytesParser(policy=email_policy.default).parsebytes(raw)
    assert isinstance(msg, EmailMessage)
    raw_headers: dict[str, str] = {}
    for name, value in msg.raw_items():
        raw_headers.setdefault(str(name).lower(), str(value))

    def header(name: str) -> str:
        return decode_header_value(raw_headers.get(name.lower(), ""))

    message_id = header("Message-ID")
    message_id = (_ids(message_id) or (message_id,))[0][:300].strip()
    if not message_id:
        problems.append(Said("缺少 Message-ID", "no Message-ID"))
    name, address = parseaddr(header("From"))
    address = address.strip().lower()
    if not address or not _ADDRESS.fullmatch(address):
        problems.append(Said("缺少有效的发件人地址", "no valid sender address"))
    texts, unreadable, attachments = _walk(msg, left_out)
    body = "\n".join(t for t, html in texts if not html).strip()
    if not body:
        html = "\n".join(t for t, is_html in texts if is_html)
        body = re.sub(r"[ \t]+", " ", re.sub(r"<[^>]+>", " ", html)).strip()
    if unreadable and not texts:  # nothing of what the customer wrote can be read
        problems.extend(unreadable)
    else:
        left_out.extend(unreadable)
    return InboundMail(
        message_id=message_id, from_address=address, from_name=one_line(name)[:60].strip(),
        subject=header("Subject")[:300].strip(),
        text=_strip_quote(body), in_reply_to=(_ids(header("In-Reply-To")) or ("",))[0][:300],
        references=tuple(i[:300] for i in _ids(header("References"))[-20:]),
        attachments=attachments, automatic=automatic_reason(msg, header), problems=problems, left_out=left_out,
    )


def _walk(msg: Message, left_out: list[Said]) -> tuple[list[tuple[str, bool]], list[Said], list[Attachment]]:
    """The message's parts, depth first, each read on its own: the texts (and whether HTML), the
    problems of text parts that could not be read, and the attachments. A part that breaks is
    named in ``left_out`` with the reason; the rest of the message is read on."""
    texts: list[tuple[str, bool]] = []
    unreadable: list[Said] = []
    attachments: list[Attachment] = []
    stack: list[tuple[Message, int]] = [(msg, 0)]
    seen = 0
    while stack:
        part, depth = stack.pop()
        seen += 1
        if seen > MAX_PARTS:
            left_out.append(Said(f"邮件的部分超过 {MAX_PARTS} 个，其余未读取",
                                 f"more than {MAX_PARTS} parts: the rest not read"))
            break
        try:
            if part.is_multipart():
                children = part.get_payload()
                if depth >= MAX_DEPTH:
                    left_out.append(Said(f"嵌套超过 {MAX_DEPTH} 层的部分未读取",
                                         f"parts nested deeper than {MAX_DEPTH} levels not read"))
                elif isinstance(children, list):
                    stack.extend((child, depth + 1) for child in reversed(children) if isinstance(child, Message))
                continue
            _read_part(part, len(attachments) + 1, texts, unreadable, attachments, left_out)
        except Exception as exc:  # one broken part: named, never the whole message
            left_out.append(Said(f"第 {seen} 部分（无法读取：{type(exc).__name__}）",
                                 f"part {seen} (unreadable: {type(exc).__name__})"))
    return texts, unreadable, attachments


def _read_part(part: Message, n: int, texts: list[tuple[str, bool]], unreadable: list[Said],
               attachments: list[Attachment], left_out: list[Said]) -> None:
    try:
        filename = part.get_filename()
    except Exception:  # an undecodable file name: the part is still the customer's file
        filename = f"附件{n}"
    disposition = (part.get_content_disposition() or "").lower()
    if filename or disposition == "attachment":
        name = safe_file_name(decode_header_value(str(filename)) if filename else f"附件{n}")
        content = _payload(part)
        broken = [type(d).__name__ for d in part.defects if isinstance(d, _BROKEN_PAYLOAD)]
        if broken:
            left_out.append(Said(f"{name}（附件编码已损坏：{'、'.join(broken)}）",
                                 f"{name} (the attachment's encoding is broken: {', '.join(broken)})"))
        elif len(content) > MAX_PART_BYTES:
            left_out.append(Said(f"{name}（附件超过 {MAX_PART_BYTES // 1024 // 1024} MB）",
                                 f"{name} (the attachment is over {MAX_PART_BYTES // 1024 // 1024} MB)"))
        else:
            attachments.append(Attachment(name, content))
        return
    if part.get_content_maintype() != "text":
        return
    text, problem = _decode_part(part)
    if problem:
        unreadable.append(problem)
    else:
        texts.append((text, part.get_content_subtype() == "html"))


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
