"""English for what business units and the policy's parts still left undone (issue 18, helper
units3): the absence page (不在岗), the CAPA report's downloads, help-request clocks per department."""

EN = {
    # 不在岗: marked on a staff page
    "不在岗": "Absences",
    "不在岗登记": "Absences",
    "出差、休假等不在岗期间，其本应审批的环节转由该环节的代理审批人处理；回岗后请结束登记。":
        "While someone is away (a business trip, leave), the approval stages they would decide go to the "
        "stage's fallback approver; end the absence when they are back.",
    "人员": "Person",
    "登记不在岗": "Mark absent",
    "待定": "open-ended",
    "结束（已回岗）": "End (back at work)",
    "起始": "From",
    "截止": "Until",
    "没有可登记的人员。": "Nobody you may mark absent.",
    "日期时间": "a date and time",
    "不在岗登记仅限人事行政、总经理、客服部经理、系统管理员与部门经理":
        "Only HR, the general manager, the CS manager, system administrators and department managers mark absences",
    "已登记不在岗：%(name)s": "Marked absent: %(name)s",
    "已结束不在岗：%(name)s": "Back at work: %(name)s",
    # the CAPA report's downloads
    "纠正预防措施": "Corrective actions",
    "按负责部门": "By department responsible",
    # a help request's clock, one per department asked
    "协办部门": "Helping department",
}
