"""English of issue 16's second pass (notify2): the crisis on the complaint's page and the crisis
timeline, and the repeat complaints counted in the reports."""

EN = {
    # the crisis on the complaint's page and on the crisis page
    "预警原因": "Why", "已确认收到": "Acknowledged", "尚未确认": "Not acknowledged",
    "已有人确认": "Acknowledged", "等待确认": "Waiting for acknowledgement",
    "危机处理时间线": "Crisis timeline", "触发危机预警": "Crisis alert raised",
    "升级通知（站内消息）": "Escalation (inbox)", "预警通知（站内消息）": "Alert (inbox)",
    "确认收到": "Acknowledged by", "升级通知": "Escalation", "预警通知": "Alert", "危机预警页": "Crisis page",
    # repeat complaints in the reports
    "其中同一客户": "of which the same customer",
    "其中同一问题": "of which the same problem",
    "重复投诉 · 按类别": "Repeat complaints by category", "重复投诉按类别": "Repeats by category",
    "重复投诉 · 按部门": "Repeat complaints by department", "重复投诉按部门": "Repeats by department",
    "重复投诉：本期受理的投诉中，被识别为在制度规定期限内重复此前投诉的件数（同一客户：电话、邮箱或会员号的加密索引相同；同一问题：内容相似），"
    "与投诉页面上的重复标记一致，每件只计一次。重复投诉客户：本期内有两件及以上投诉的电话号码数。":
        "Repeat complaints: the complaints received in the period that were found to repeat an earlier one within "
        "the policy's window (the same customer: the same blind index of phone, e-mail or member number; the same "
        "problem: similar words), as flagged on the complaints' pages, each counted once. Repeat customers: phone "
        "numbers with two or more complaints in the period.",
}
