"""English for the personal-data pages (issue 14: a customer's own data)."""

EN = {
    "客户个人信息": "Customer's personal data",
    "客户个人信息：查询、导出与删除": "A customer's personal data: look up, export, erase",
    "依《个人信息保护法》第四十五、四十七条，应客户请求导出或删除其个人信息。每次查询、导出和删除都记入审计链。":
        "At the customer's request (PIPL articles 45 and 47), export or erase their personal data. "
        "Every lookup, export and erasure goes into the audit chain.",
    "客户邮箱": "Customer e-mail",
    "会员/卡号": "Member / card number",
    "查询": "Look up",
    "删除结果": "Erasure result",
    "已删除 %(n)s 件投诉中的个人信息": "Personal data erased from %(n)s complaint(s)",
    "该客户的投诉": "This customer's complaints",
    "投诉编号": "Complaint number",
    "状态": "Status",
    "能否删除": "Erasable?",
    "导出该客户的全部信息": "Export everything held on this customer",
    "如：客户书面申请": "e.g. the customer's written request",
    "格式": "Format",
    "导出": "Export",
    "删除该客户的个人信息": "Erase this customer's personal data",
    "将删除以下已结案投诉中的个人信息（姓名、电话、邮箱、会员号、客户原话、附件等），投诉的统计数据保留。此操作不可撤销。":
        "The personal data in these closed complaints will be erased (name, phone, e-mail, member number, the "
        "customer's words, attachments …); the complaints' statistics are kept. This cannot be undone.",
    "确认删除": "Confirm the erasure",
    "删除": "Erase",
    "目前没有可删除的投诉（仍在处理中、法律保全中、制度不允许或已匿名化）。":
        "No complaint can be erased now (still being handled, on legal hold, not allowed by the policy, "
        "or anonymised already).",
    "仅客服部经理与系统管理员可处理客户个人信息": "Only the CS manager and system administrators handle a customer's "
                                                 "personal data",
    "可删除": "Erasable",
    "法律保全中，保留": "On legal hold: kept",
    "仍在处理中，保留": "Still being handled: kept",
    "制度不允许删除": "The policy does not allow erasure",
    "已匿名化": "Anonymised already",
}
