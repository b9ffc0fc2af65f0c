"""English for the analysis report, the dashboard and the discipline list (issue 13, item 4)."""

EN = {
    "上期受理量": "Received, previous period",
    "去年同期受理量": "Received, same period last year",
    "受理量": "Received",
    "已解决": "Resolved",
    "交回结果的投诉": "Complaints with a result returned",
    "其中已回访": "of which visited",
    "回访率": "Return-visit rate",
    "回访次数": "Return visits",
    "其中满意": "of which satisfied",
    "满意率": "Satisfaction rate",
    "客户评价": "Customer ratings",
    "平均评分（1–5 分）": "Average rating (1–5)",
    "时限按时": "Deadlines met",
    "时限超时": "Deadlines missed",
    "扣罚笔数": "Penalty entries",
    "扣罚金额（元）": "Penalties (yuan)",
    "补偿金额（元）": "Compensation (yuan)",
    "今日超时（件）": "Late today (complaints)",
    "超时未办结（件）": "Overdue and open (complaints)",
    "今日超时：在办投诉中今天到期未完成的时限所在的投诉，每件投诉计一次。超时未办结：在办投诉中已超时且仍在计时的，每件计一次。"
    "按时率：本月按时完成的时限 ÷（按时完成 + 本月到期超时的时限），与分析报告同一口径。":
        "Late today: open complaints with a deadline that passed today unmet, each complaint once. Overdue and open: "
        "open complaints with a missed deadline still running, each once. On-time rate: deadlines met this month ÷ "
        "(met + deadlines that fell due and were missed this month), the analysis report's rule.",
    "单位": "Unit",
    "计算": "Basis",
    "指标": "Figure",
    "数值": "Value",
    "数量": "Count",
    "概要": "Summary",
    "口径": "Definitions",
    "合计（元）": "Total (yuan)",
    "否": "No",
    "所涉投诉": "Complaints",
    "扣罚 · 按责任人": "Penalties by person",
    "扣罚 · 按责任部门": "Penalties by department",
    "扣罚按人": "Penalties by person",
    "扣罚按部门": "Penalties by department",
    "笔数": "Entries",
    "承担部门": "Charged to",
    "投诉明细": "Complaints",
    "按地点": "By location",
    "按类别": "By category",
    "按类别（最常见的问题，件）": "By category (most frequent problems)",
    "按级别（件）": "By level",
    "按责任人": "By person",
    "按责任部门": "By department",
    "时限按时率（%）": "On-time rate per deadline (%)",
    "未指定责任人": "No person named",
    "未指定部门": "No department named",
    "本月发生且未免除的扣罚：超时扣罚按时限到期的时间计入月份，调查处罚按记录时间；与分析报告、扣罚台账同一口径。"
    "每人每部门列出合计及所涉投诉，未结案的投诉其扣罚仍可免除。":
        "Penalties incurred this month and not waived: a missed deadline counts in the month it fell due, a "
        "finding's penalty when it was booked — the rule of the analysis report and the penalty ledger. Totals per "
        "department and person with the complaints behind them; a penalty on a complaint not yet closed can still be "
        "waived.",
    "没有扣罚。": "no penalties.",
    "补偿费用": "Compensation",
    "解决率 = 本期受理且现已结案（含答复为非有效投诉）÷ 本期受理。回访率 = 本期交回处理结果的投诉中此后已回访的件数 ÷ "
    "本期交回结果的投诉（每件一次）。满意率 = 本期回访中满意的次数 ÷ 本期回访次数（同一投诉多次回访各计一次）。"
    "时限按时率：时限在结果确定的期间计一次——按时在停止时，超时在到期时（无论之后是否停止）。"
    "扣罚计入发生的期间：超时扣罚按该时限的到期时间，调查处罚按记录时间；已免除的不计。":
        "Resolution rate = complaints received in the period and now closed (answered as not valid included) ÷ "
        "received. Return-visit rate = complaints whose result was returned in the period and visited afterwards ÷ "
        "those complaints (each once). Satisfaction rate = satisfied return visits in the period ÷ return visits (a "
        "complaint visited twice counts twice). On-time rate: a deadline counts once, in the period its outcome "
        "became known — met when it stopped, missed when it fell due (stopped later or not). Penalties count in "
        "the period they were incurred: a missed deadline's at its due time, a finding's when booked; waived ones "
        "not at all.",
    "（无数据）": "(no data)",
    "发生于": "Incurred",
}
