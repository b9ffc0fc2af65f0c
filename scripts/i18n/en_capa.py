"""English for approval chains and committees, corrective and preventive actions (CAPA) and their
report (issue 18, helper capa)."""

EN = {
    # approvals: what a chain approves
    "受理裁定": "Ruling on acceptance",
    "奖励": "Reward",
    # the corrective-actions report
    "纠正预防措施报告": "Corrective actions report",
    "纠正预防措施报告仅限客服部经理、总经理、稽核与部门经理查看":
        "The corrective actions report is for the CS manager, the general manager, audit and department managers",
    "返回分析报告": "Back to the analysis report",
    "负责部门": "Department",
    "未落实": "Open",
    "其中逾期": "Of which overdue",
    "待确认效果": "Awaiting verification",
    "已确认有效": "Verified effective",
    "曾判无效": "Found not effective before",
    "逾期的投诉": "Overdue complaints",
    "没有纠正预防措施。": "No corrective actions.",
}
EN["各部分及示例见 docs/policy.md（审批流程、委员会、纠正预防措施、通报与书面回复、报告时间表）"] = (
    "Every section, with examples, is in docs/policy.md (approval chains and committees, corrective actions, "
    "required notices and written replies, report schedules)")
EN.update({
    # the steps' fixed choices: a written reply's means, a verdict on a measure's effect
    "信函": "Letter",
    "电子邮件": "E-mail",
    "传真": "Fax",
    "当面送达": "Handed over in person",
    "无效，重新落实": "Not effective: carry it out again",
    # the corrective actions among the handling records of the detail page
    "负责人": "Owner",
    "，监督确认人": ", supervised by",
    "，期限": ", due",
    "已落实，待确认效果": "carried out, awaiting verification",
    "待落实": "to be carried out",
    "已逾期": "overdue",
    "审批流程": "Approval chain", "审批环节": "Stage", "已通知替补审批人": "Fallback told at",
    "批准后执行": "Carried out once granted", "替补审批起始": "Fallback may decide from",
    "本环节审批人": "Deciders of this stage", "本环节开始": "Stage started at",
    "费用无法明确归属部门": "Cost not attributable to a department",
    "到期提醒时间": "Reminder due at", "制定时间": "Opened at", "委员会表决": "Committee vote",
    "完成期限": "Due at", "审批人": "Approver", "审批人不在岗": "Approver absences", "意见": "Comment",
    "措施内容": "Measure", "措施有效": "Effective", "提醒时间": "Reminded at", "效果确认意见": "Verification comment",
    "效果确认时间": "Verified at", "登记人": "Recorded by", "监督确认人": "Verifier",
    "纠正预防措施": "Corrective and preventive actions", "落实情况": "What was done", "落实时间": "Done at",
    "表决人": "Voter", "表决时间": "Voted at", "赞成": "In favour", "轮次": "Round", "逾期上报时间": "Escalated as overdue at",
})
