"""English for issue 13 items 6–8: the navigation, error pages, the policy page's labels, the
portal's notice (company, hotline, address, promises) and tracking."""

EN = {
    # navigation, header, language menu
    "处罚名单": "Discipline list", "分析报告": "Reports", "日历": "Calendar", "管理": "Administration",
    "语言": "Language", "客诉 Kesu · 客户投诉处理系统": "Kesu · Customer complaint handling",
    "客诉 Kesu": "Kesu",
    # error pages
    "没有找到": "Not found", "返回投诉须知": "Back to the complaint notice", "出错了": "Something went wrong",
    "系统处理您的请求时出错，您的操作可能没有完成。请稍后重试；如仍有问题，请联系系统管理员。":
        "The system failed while handling your request; what you did may not have been saved. Please try again "
        "later; if it keeps failing, contact the system administrator.",
    "返回首页": "Back to the start page",
    # the policy page
    "公司名称": "Company", "投诉热线": "Complaint hotline", "地址": "Address", "对客户承诺": "Promised to customers",
    # the portal
    "我们会尽快与您联系并告知处理时限。": "We will contact you soon and tell you when to expect an answer.",
    "如有疑问，请拨打投诉热线": "If you have any question, call the complaint hotline",
}

EN.update({
    # the administration (kesu/*/admin.py)
    "导出所选记录为 Excel": "Export the selected rows to Excel",
    "法定节假日（每行一个日期，YYYY-MM-DD）": "Statutory holidays (one date a line, YYYY-MM-DD)",
    "调休上班日（每行一个日期）": "Adjusted working days (one date a line)",
    "营业时间须为 {星期: [时段…]} 结构": "Business hours must read {weekday: [periods…]}",
    "例如": "For example", "事件": "Event", "发件人": "Sender", "收件人": "Recipient",
    "制度文件（YAML）": "Policy file (YAML)", "或导入制度文件": "Or import a policy file",
    "上传 .yaml 文件，将替换上面的内容": "Upload a .yaml file; it replaces the text above",
    "制度文件必须是 UTF-8 编码的文本": "The policy file must be UTF-8 text",
    "发布所选草稿（成为现行制度）": "Publish the selected draft (it becomes the policy in force)",
    "已发布 %(name)s v%(number)s": "Published %(name)s v%(number)s", "导出": "Export", "下载 YAML": "Download YAML",
})

EN.update({"尚未发布投诉处理制度，请联系系统管理员。": "No policy is published yet; ask the system administrator."})

EN.update({  # the step registry's fixed choices (kesu/web/steps.py)
    "同意": "Approve", "驳回": "Reject", "成立": "Founded", "不成立": "Not founded", "处理方案": "Solution",
    "补偿": "Compensation", "客户": "Customer", "员工": "Staff", "积分": "Points", "优惠券": "Coupon", "礼品": "Gift",
    "现金": "Cash", "通报表扬": "Public commendation", "奖金": "Bonus", "暂停计时（至恢复）": "Pause the clock (until resumed)",
    "延长时限": "Extend the deadline",
})

EN.update({
    "（无数据）": "(no data)",
    # no Chinese example in an English page: the words themselves are what the customer said
    "投诉编号、电话（或后四位）、姓名、车牌/订单/房号，或客户说的话，如：漏水":
        "Number, phone (or its last four digits), name, plate / order / room, or words the customer used",
})

EN.update({
    "%(day)s起施行": "in force from %(day)s", "，自%(day)s起施行": ", in force from %(day)s", "各级": "every level",
})
