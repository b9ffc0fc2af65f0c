"""English for issue 13's last Chinese an English reader met (helper english3): the import page's
columns now read in the page's language, so its note names the English header."""

EN = {
    "；“客户原话”必填。先检查每一行，确认后才导入。":
        "; “Customer's words” is required. Every row is checked before anything is imported.",
}

EN.update({
    # the administration's permission pickers (kesu/org/admin.py)
    "可新增%(model)s": "Can add %(model)s", "可修改%(model)s": "Can change %(model)s",
    "可删除%(model)s": "Can delete %(model)s", "可查看%(model)s": "Can view %(model)s",
})

EN.update({
    # the printed forms (kesu/printing/forms.py): the company's paper forms, in the reader's language
    "%(kind)s %(amount)s 元（%(state)s，由%(whom)s承担）": "%(kind)s %(amount)s yuan (%(state)s, borne by %(whom)s)",
    "二次沟通及评价（24 小时内）": "Second contact and verdict (within 24 hours)",
    "交部门经理（10 分钟内）": "To the department manager (within 10 minutes)",
    "初次对应": "First response",
    "回访专员跟踪（40 分钟后）": "Follow-up specialist's check call (after 40 minutes)",
    "处理方案及初步协议": "Plan and preliminary agreement",
    "处理结果（12 小时内交回）": "Result (returned within 12 hours)",
    "客户意见（原话）": "Customer's words (verbatim)",
    "客服部经理签名": "CS manager's signature", "总经理审阅签名": "GM's review and signature",
    "行政部归档": "Filed by administration",
    "第一联": "Copy 1", "第二联": "Copy 2", "第三联": "Copy 3",
    "处理单位留存": "kept by the handling unit", "企划部留存": "kept by the planning department",
    "稽核联：如需申请费用，先转财会部审核确认，费用偿付后转稽核处留存；无须申请费用则直接转稽核留存":
        "audit copy: if a cost is claimed, to finance for review first, then to audit once paid; "
        "otherwise straight to audit",
    "客诉处理单": "Complaint handling slip", "顾客资料": "Customer", "反应或客诉内容": "What the customer reported",
    "处理结果": "Result", "费用": "Costs", "受偿人签收": "Received by the payee", "协办单位": "Helping units",
    "记录单位（主管确认）": "Recording unit (supervisor's confirmation)",
    "处理单位（主管确认）": "Handling unit (supervisor's confirmation)",
    "投诉客户名称": "Customer", "客户要求": "Customer asks for", "投诉内容": "The complaint",
    "受理时间和编号": "Received at, number", "受理部门": "Receiving department",
    "受理部门处理意见": "The receiving department's opinion", "受理时间": "Received at",
    "尚未提交调查报告。": "No investigation report yet.", "处罚": "Penalty", "调查人": "Investigated by",
})

EN.update({
    # the registration buttons say what they do; the detail page's row says when (it was "Registered" for both)
    "登记": "Register", "登记于": "Registered",
})
