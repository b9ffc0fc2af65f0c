"""Fixed vocabularies every policy draws from: channels, validity kinds, demands, compensation kinds.

Policies choose and name from these; the codes themselves are what the code relies on.
"""

from __future__ import annotations

CHANNELS: dict[str, tuple[str, str]] = {
    "phone": ("电话", "Phone"),
    "walk_in": ("现场", "Walk-in"),
    "suggestion_box": ("意见箱", "Suggestion box"),
    "email": ("电子邮件", "Email"),
    "web": ("网站表单", "Web form"),
    "portal": ("客户自助平台", "Customer portal"),
    "chat": ("在线客服", "Online chat"),
    "app": ("App", "App"),
    "social": ("社交媒体", "Social media"),
    "letter": ("信函", "Letter"),
    "fax": ("传真", "Fax"),
    "internal": ("内部投诉", "Internal"),
    "import": ("表格导入", "Spreadsheet import"),
}

# SPEC F4: a valid complaint versus needs (enquiry, help, venting) and malicious complaints.
VALIDITY_KINDS: dict[str, tuple[str, str]] = {
    "valid": ("有效投诉", "Valid complaint"),
    "enquiry": ("咨询", "Enquiry"),
    "help": ("求助", "Request for help"),
    "venting": ("发泄", "Venting"),
    "malicious": ("恶意投诉", "Malicious"),
}

DEMANDS: dict[str, tuple[str, str]] = {
    "refund": ("退款", "Refund"),
    "exchange": ("换货", "Exchange"),
    "repair": ("维修", "Repair"),
    "compensation": ("赔偿", "Compensation"),
    "apology": ("道歉", "Apology"),
    "explanation": ("解释说明", "Explanation"),
    "other": ("其他", "Other"),
}

COMPENSATION_KINDS: dict[str, tuple[str, str]] = {
    "refund": ("退款", "Refund"),
    "exchange": ("换货", "Exchange"),
    "repair": ("维修", "Repair"),
    "discount": ("折扣", "Discount"),
    "voucher": ("礼券", "Gift voucher"),
    "points": ("积分", "Points"),
    "cash": ("现金", "Cash"),
}


def label(catalogue: dict[str, tuple[str, str]], code: str, lang: str = "zh-hans") -> str:
    zh, en = catalogue.get(code, (code, code))
    return en if lang.startswith("en") else zh
