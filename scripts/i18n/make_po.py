"""Write kesu/locale/en/LC_MESSAGES/django.po from the msgids the interface uses and the English
below, keep existing translations, and compile django.mo with polib (no GNU gettext needed).

    .venv/bin/python scripts/i18n/make_po.py
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import polib

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kesu.settings")

from msgids import ROOT, used_msgids

PO = ROOT / "kesu" / "locale" / "en" / "LC_MESSAGES" / "django.po"

EN = {
    "产品名称": "Product", "产品名称（可空）": "Product (optional)", "产品型号": "Model",
    "产品型号（可空）": "Model (optional)", "发生地点（可空）": "Where it happened (optional)", "发生时间": "When it happened",
    "发生时间（可空）": "When it happened (optional)", "客户地区": "Region", "您的诉求（可多选）": "What you ask for (any)",
    "更多信息：地区、发生时间、产品、订单/批号、购买日期、金额": "More: region, when, product, order/batch, purchase date, amount",
    "涉及金额（元）": "Amount involved (yuan)", "订单/批号": "Order or batch number", "购买日期": "Purchase date",
    "时间": "Time", "消息": "Notices", "未读消息": "Unread notices", "条未读": "unread", "全部标为已读": "Mark all read",
    "标为已读": "Mark read", "已读": "Read", "还没有消息。": "No notices yet.", "更早的消息": "Older notices",
    "· 客诉 Kesu": "· Kesu", "、": ", ", "上一页": "Previous", "下一时限": "Next deadline", "下一页": "Next",
    "不成立": "Not founded", "不满意 / 复审中": "Unsatisfied / under review",
    "不满意与复审中的投诉": "Unsatisfied cases and cases under review", "不设上限（专案呈核）": "No limit (special approval)",
    "事由": "Reason", "事项": "Matter", "今日超时": "Breached today", "任意": "Any", "优惠券": "Coupon", "元": "yuan",
    "元（": "yuan (", "免除": "Waive", "免除原因": "Reason for waiving", "全公司": "Whole company",
    "全公司：周一至周五 08:30–12:00、13:30–18:00（默认）": "Whole company: Mon–Fri 08:30–12:00, 13:30–18:00 (default)",
    "全部": "All", "公司": "the company", "其余级别": "other levels", "分派规则": "Routing rules",
    "分钟完成": "min late", "到期": "Due", "制度": "Policy",
    "制度配置仅限系统管理员、客服部经理、总经理与稽核查看": "Only administrators, the CS manager, the GM and audit may see the policy",
    "协办": "Help", "协办事项": "What help is needed", "协办时限（如 4h、1d；留空按制度默认）": "Due within (e.g. 4h, 1d; empty: the policy's default)",
    "协办部门": "Helping department", "原因": "Cause", "原因：": "Cause: ", "发生地点": "Where it happened",
    "可执行的操作": "What you can do", "合计（未免除）": "Total (not waived)", "员工": "Staff", "在办投诉": "Open complaints",
    "在办投诉 · 按级别": "Open complaints by level", "在办投诉 · 按部门": "Open complaints by department",
    "在管理后台编辑新版本、导入或导出制度文件": "Edit a new version, import or export the policy file in the administration",
    "地点": "Location", "处理人": "Handler", "处理单位": "Processing unit", "处理方案": "Solution",
    "处理方案与补偿": "Solutions and compensation", "处理记录": "Handling records", "处理部门": "Handling department",
    "处罚名单仅限人事行政、客服部经理、总经理、稽核与财务查看": "Only HR, the CS manager, the GM, audit and finance may see the discipline list",
    "处罚金额（元，可空）": "Penalty (yuan, optional)", "备注": "Note", "天：": "days: ", "奖励对象": "Reward to",
    "奖金": "Bonus", "审批": "Approval", "审批事项": "What to approve", "审批意见": "Decision note",
    "审批权限（权限核决表）": "Approval limits", "审批档": "Threshold", "审批角色": "Approver", "客户": "Customer",
    "客户原话": "Customer's own words", "客户姓名": "Customer name", "客户电话": "Customer phone", "客户诉求": "Customer asks for",
    "客诉": "Kesu", "密码": "Password", "对应次数": "Contact attempts", "导入或新建制度并发布。": "import or create a policy and publish it.",
    "导出 Excel": "Export to Excel", "尚无节假日数据。": "No holiday data yet.", "尚未发布投诉处理制度。请在": "No policy is published yet. In the",
    "工作台": "Work queue", "工作日历": "Working calendar",
    "工作日历仅限系统管理员、客服部经理、总经理与稽核查看": "Only administrators, the CS manager, the GM and audit may see the calendar",
    "工作时间": "Working time", "已于": "at", "已免除：": "Waived: ",
    "已免除：投诉 %(number)s 的 %(amount)s 元扣罚": "Waived: the %(amount)s yuan penalty on complaint %(number)s",
    "已取消": "Cancelled", "已完成：%(action)s": "Done: %(action)s", "已批准": "Approved",
    "已批准：投诉 %(number)s": "Approved: complaint %(number)s", "已提交延期处理申请，等待审批": "Extension requested; waiting for approval",
    "已暂停计时，等待客户二次到店": "Clock paused until the customer's next visit",
    "已登记，投诉编号 %(number)s": "Registered as complaint %(number)s", "已超时": "Breached", "已超时上报": "Overdue, escalated",
    "已驳回": "Rejected", "已驳回：投诉 %(number)s": "Rejected: complaint %(number)s", "年份": "Year",
    "延期处理申请": "Extension requests", "延期申请已批准：投诉 %(number)s": "Extension approved: complaint %(number)s",
    "延期申请已驳回：投诉 %(number)s": "Extension rejected: complaint %(number)s",
    "延期申请未提交：%(why)s": "Extension not requested: %(why)s",
    "延长时长（如 24h、2d，仅“延长时限”）": "Extend by (e.g. 24h, 2d; for “extend” only)", "延长时限": "Extend the deadline",
    "开始": "Started", "录入；未覆盖年份的到期时间会在投诉上标注，不会擅自推算。":
        "; a deadline in a year not covered is flagged on the complaint, never guessed.",
    "待回复，时限": "Waiting for an answer, due", "待审批": "Pending", "待我审批": "My approvals", "待签收，时限": "Not yet acknowledged, due",
    "待财务审核": "Waiting for finance", "总览": "Dashboard", "总览仅限客服部经理、总经理与稽核查看": "Only the CS manager, the GM and audit may see the dashboard",
    "您不能为本投诉申请延期，或没有正在计时的时限": "you may not ask for an extension on this complaint, or no clock is running",
    "您当前没有可执行的流程操作。": "There is no workflow step for you right now.", "您的角色不能查看此页面。": "Your role may not see this page.",
    "您要找的页面不存在。": "The page does not exist.", "意见（驳回必填）": "Note (required to reject)", "成立": "Founded",
    "扣罚台账": "Penalty ledger", "扣罚台账仅限人事行政、客服部经理、总经理、稽核与财务查看":
        "Only HR, the CS manager, the GM, audit and finance may see the penalty ledger",
    "批准": "Approve", "承担）": ")", "投诉": "Complaint", "投诉处理制度": "Complaint policy", "投诉成立,投诉不成立": "founded,not founded",
    "投诉是否成立": "Is the complaint founded?", "投诉级别与超时扣罚": "Levels and overtime penalties", "投诉编号": "Complaint number",
    "折扣": "Discount", "按工作时间计时的时限依据下表的法定节假日与调休上班日，以及营业时间。次年安排由国务院公布后，请在":
        "Working-time clocks count on the statutory holidays and adjusted working days below and on the business hours. "
        "When next year's schedule is published by the State Council, enter it in the",
    "按时完成": "On time", "按电话查找客户": "Find the customer by phone", "换货": "Exchange", "接收部门": "Receiving department",
    "提交": "Submit", "数额": "Amount", "方式": "Form", "方案说明": "Plan", "无权访问": "Not allowed", "日历": "Calendar",
    "日历时间": "Calendar time", "日历未覆盖": "Calendar does not cover", "时间线": "Timeline", "时限": "Deadlines", "是,否": "yes,no",
    "暂停中": "Paused", "暂停计时（至恢复）": "Pause the clock (until resumed)", "暂无": "None", "更新时间": "Updated",
    "月份": "Month", "月度处罚名单": "Monthly discipline list", "月度处罚名单 ·": "Monthly discipline list ·", "有效性": "Validity",
    "未分派": "Not assigned", "未定级": "No level", "本月时限按时率（": "On-time rate of clocks this month (", "来源": "Source",
    "查找": "Find", "查看": "Show", "每周": "Weekly", "沟通内容": "What was said", "没有不满意的投诉。": "No unsatisfied cases.",
    "没有找到": "Not found", "没有时限。": "No deadlines.", "没有符合条件的扣罚记录。": "No penalty entries match.",
    "没有等待您审批的延期申请。": "No extension requests wait for you.", "没有等待您审批的方案或补偿。": "No solutions or compensation wait for you.",
    "没有结案的投诉。": "no complaints were closed.", "没有这个操作": "No such action",
    "没有这条投诉，或您无权查看": "No such complaint, or you may not see it", "法定节假日": "Statutory holidays",
    "法定节假日与调休": "Statutory holidays and adjusted working days", "添加": "Add", "渠道": "Channel",
    "状态": "Status", "现金": "Cash", "用户名": "Username", "用户名或密码不正确，请重新输入。": "Wrong username or password; please try again.",
    "申请人": "Requested by", "申请延期处理 / 等待二次到店": "Ask for an extension / wait for the next visit", "申请时间": "Requested at",
    "登录已过期，您的提交未保存。请重新登录后再操作。": "Your session expired and nothing was saved. Sign in and try again.",
    "登录": "Sign in", "登录客诉系统": "Sign in to Kesu", "登记": "Registered", "登记投诉": "Register a complaint",
    "登记时间": "Registered at", "目标": "Target", "确定": "OK", "礼券": "Gift voucher", "礼品": "Gift", "积分": "Points",
    "第": "Page", "等待客户二次到店（无需审批）": "Wait for the customer's next visit (no approval needed)", "筛选": "Filter",
    "签收": "acknowledged", "管理": "Admin", "管理后台": "administration", "类别": "Category", "类型": "Kind",
    "系统": "System", "纠正措施": "Corrective measures", "级别": "Level", "经过": "Course of events", "结束": "Stops at",
    "结果": "Result", "结案时间": "Closed at", "结论": "Conclusion", "结论：": "Conclusion: ", "维修": "Repair",
    "编号": "Number", "至": "to", "节假日照常营业": "Open on holidays", "营业时间": "Business hours", "补偿": "Compensation",
    "补偿方式": "Compensation kind", "表单缺少版本信息，请刷新页面后重试": "The form lacks its version; reload the page and try again",
    "被投诉部门": "Department complained about", "视情形而定": "Case by case", "计时": "Time", "计时中": "Running",
    "记录": "Record", "记录与客户接触": "Record a contact with the customer", "记录时间": "Booked at",
    "该客户的投诉（可能重复）：": "This customer's complaints (possible repeat):", "说明": "Note",
    "调休上班日": "Adjusted working days", "调查处罚": "Investigation penalty", "调查处罚（元）": "Investigation penalties (yuan)",
    "调查报告": "Investigation report", "财务审核": "Finance review", "责任": "Responsible", "责任人": "Responsible person",
    "责任部门": "Responsible department", "责任部门（处理）": "Handling department",
    "责任部门（调查认定）": "Responsible department (investigation)", "费用承担": "Charged to", "起施行": "in force from",
    "超时": "Late by", "超时扣罚": "Overtime penalty", "超时扣罚（元）": "Overtime penalties (yuan)", "转交": "Transfer",
    "年": " ", "页": " ",
    'Y年n月j日': 'F j, Y',
    '。': '.',
    '。请记下编号，凭编号和您的电话可随时': '. Keep it: with the number and your phone you can',
    '为维护您的合法权益，我们建立了客户投诉处理制度（': 'To protect your rights we run a complaint handling policy (',
    '分': 'points',
    '受理登记，告知投诉编号': 'We register your complaint and give you its number',
    '可以匿名投诉吗？': 'Can I complain anonymously?',
    '在“查询进度”中输入投诉编号和您留下的电话。': 'Enter the complaint number and the phone you gave under “Track”.',
    '在查询页面提出复审申请，我们将由上级部门重新审查。': 'Ask for a review on the tracking page; a higher level will look at the case again.',
    '在线提交投诉': 'complain online',
    '处理完成后回访，听取您的意见': 'After handling, we call you back to hear your view',
    '处理流程': 'How we handle it',
    '如何查询进度？': 'How do I follow my complaint?',
    '如对处理结果有异议，可申请复审，由上级部门重新审查': 'If you disagree with the result, ask for a review by a higher level',
    '客户投诉须知': 'Complaint notice',
    '客户服务': 'Customer service',
    '客户服务中心': 'Customer service centre',
    '对处理结果有异议？请说明理由，申请复审': 'Disagree with the result? Say why and ask for a review',
    '对结果不满意怎么办？': 'What if I am not satisfied?',
    '常见问题': 'Questions',
    '年后按规定处理。': 'years, then handled as the rules say.',
    '您的个人信息仅用于处理本次投诉，工作人员只能看到处理所需的信息（电话号码对无关人员隐去中间四位）；投诉记录保存': 'Your personal data is used only to handle this complaint; staff see only what they need (the middle digits of your phone are hidden from others); records are kept',
    '您的复审申请已提交，上级部门将重新审查处理结果。': 'Your request for review is in; a higher level will look at the result again.',
    '您的姓名': 'Your name',
    '您的投诉已受理': 'Your complaint is registered',
    '您补充的信息已记录，处理人员会尽快查看。': 'Your information is recorded; the handler will look at it soon.',
    '意见（可空）': 'Comment (optional)',
    '感谢您的评价！': 'Thank you for your rating!',
    '我们的时限承诺': 'Our time commitments',
    '我要投诉': 'Complain',
    '投诉内容（请写明时间、地点和经过）': 'Your complaint (when, where, what happened)',
    '投诉已受理': 'Complaint registered',
    '投诉渠道': 'Ways to complain',
    '投诉编号：': 'Complaint number: ',
    '投诉须知': 'Notice',
    '投诉须知尚未发布。': 'No notice is published yet.',
    '提交投诉': 'Submit',
    '提交评价': 'Send rating',
    '提出处理方案并与您沟通': 'We propose a solution and agree it with you',
    '暂未开放': 'Not open',
    '本单位暂未开放网上投诉，请拨打电话或到现场反映。': 'Online complaints are not open here; please call or visit us.',
    '查询': 'Look up',
    '查询投诉进度': 'Track a complaint',
    '查询进度': 'Track',
    '申请复审': 'Ask for review',
    '联系电话': 'Phone',
    '补充': 'Add',
    '补充信息': 'Add information',
    '订单号 / 单据号（可空）': 'Order or receipt number (optional)',
    '评价本次处理': 'Rate the handling',
    '请留下联系方式，以便我们及时联系您；意见箱可匿名投递。': 'Please leave a contact so that we can reach you; the suggestion box takes anonymous slips.',
    '请选择 1–5 分': 'Choose 1 to 5 points',
    '调查核实': 'We investigate',
    '隐私保护': 'Privacy',
    '验证': 'Check',
    '验证：': 'Check: ',
    '，或': ', or ',
    '，自': ', in force from ',
    '分钟': 'min',
    '小时': 'h',
    '天': 'days',
    '个工作日': 'working days',
    '个工作小时': 'working hours',
    '其他投诉': 'other complaints',
    '各级投诉': 'every complaint',
    '一次录入当天开箱的意见卡，空行自动跳过；任何一张有问题时都不登记，请修改后再提交。': "Enter the day's slips at once; empty rows are skipped; if any slip has a problem none is registered — fix it and submit again.",
    '上传 Excel（.xlsx）或 CSV（UTF-8 或 GB18030）文件，第一行为表头。可用列：': 'Upload an Excel (.xlsx) or CSV (UTF-8 or GB18030) file with a header row. Columns: ',
    '上传并检查': 'Upload and check',
    '仅导入': 'Import only the',
    '全部导入': 'Import all',
    '共': 'In all',
    '导入': 'imported',
    '导入检查': 'Import check',
    '导入检查：': 'Import check: ',
    '已导入 %(count)s 条投诉': '%(count)s complaints imported',
    '已登记 %(count)s 张意见卡：%(numbers)s': '%(count)s slips registered: %(numbers)s',
    '意见内容': 'What the slip says',
    '意见箱位置': 'Box location',
    '意见箱批量登记': 'Suggestion box slips',
    '批量受理仅限客服人员': 'Only customer service may enter batches',
    '有效': 'Valid',
    '条。': '.',
    '条有效行': 'valid rows',
    '检查结果': 'Check',
    '没有填写任何意见内容': 'No slip was filled in',
    '现行制度未设意见箱渠道': 'The policy in force has no suggestion box channel',
    '电话': 'Phone',
    '电话（可空）': 'Phone (optional)',
    '署名': 'Signed',
    '署名（可空）': 'Signed (optional)',
    '行': 'Row',
    '行。': 'rows.',
    '行，有问题': 'rows, with problems',
    '行：有效': 'rows: valid',
    '表格导入': 'Spreadsheet import',
    '该表格已导入，不会重复导入': 'This sheet was already imported; it is not imported twice',
    '；“客户原话”必填。先检查每一行，确认后才导入。': "; “客户原话” (the customer's words) is required. Every row is checked before anything is imported.",
    "夜间受理": "After hours",
    "打印：": "Print: ", "协调工作单": "Coordination work order", "客诉处理单（一式三联）": "Handling slip (3 copies)",
    "客户投诉记录卡": "Complaint record card", "投诉调查报告": "Investigation report", "没有这个表单": "No such form",
    "附件（照片、来信或传真扫描件）": "Attachments (photos, scanned letters or faxes)",
    '上期结转未结': 'Carried over, still open',
    '分析报告': 'Reports',
    '分析报告仅限客服部经理、总经理、稽核与部门经理查看': 'Only the CS manager, the GM, audit and department managers may see reports',
    '受理量（上期': 'Received (previous period',
    '合计': 'Total',
    '您只能查看本部门的报告': "You may see your own department's report only",
    '扣罚（元）': 'Penalties (yuan)',
    '投诉分析报告': 'Complaint analysis report',
    '按时': 'On time',
    '按时率': 'On-time rate',
    '按渠道': 'By channel',
    '按类别（最常见的问题）': 'By category (most frequent problems)',
    '按级别': 'By level',
    '按部门': 'By department',
    '无': 'None',
    '时限按时率': 'On-time rate per clock',
    '次）': ')',
    '满意率（回访': 'Satisfaction (return visits',
    '补偿费用（元）': 'Compensation (yuan)',
    '解决率': 'Resolution rate',
    '该期间没有投诉。': 'No complaints in this period.',
    '该期间没有结束的时限。': 'No clock finished in this period.',
    '部门': 'Department',
    '重复投诉客户': 'Repeat customers',
    '，去年同期': ', same period last year',
    "报告明细": "Complaints behind the figure", "件": "complaints", "没有投诉。": "No complaints.",
    "导出 PDF": "Export to PDF",
    "平均用时（分钟）": "Average time (min)", "扣罚 · 按责任人（元）": "Penalties by person (yuan)",
    "我的": "Mine", "本部门": "My department", "即将到期": "Due soon", "全部可见": "All I can see",
    "转交原因": "Reason for the transfer", "返回工作台": "Back to the work queue", "这里没有待办的投诉。": "Nothing waiting here.",
    "退出": "Sign out", "退款": "Refund", "适用": "Applies to", "通报表扬": "Public commendation", "金额": "Amount",
    "金额上限（元）": "Up to (yuan)", "金额（元）": "Amount (yuan)", "预警": "Warning", "预防措施": "Preventive measures",
    "驳回": "Reject", "（": " (", "（发布新版本不影响已登记的投诉）": "(publishing a new version never changes registered complaints)",
    "（处理人：": " (handler: ", "（工作时间）": " (working time)", "（按分派规则）": "(by the routing rules)",
    "（稍后分类）": "(classify later)", "（稍后定级）": "(set the level later)", "）": ")", "）：": "): ", "，": ", ",
    "，费用由": ", charged to ", "：": ": ", "；": "; ", "；处罚": "; penalty", "；纠正措施：": "; corrective: ",
    "；经过：": "; course: ", "；财务": "; finance", "；责任人：": "; responsible: ", "；责任部门：": "; department: ",
    "；预防措施：": "; preventive: ",
    "验证码（请输入图中的字母）": "Check (type the letters in the picture)",
    "验证码不正确或已使用，请输入新图片中的字母": "Wrong or already used check; type the letters in the new picture",
    "查询次数过多，请 %(minutes)s 分钟后再试，或拨打客服电话。":
        "Too many tries; try again in %(minutes)s minutes, or call customer service.",
    "查询已超时，请重新输入投诉编号和电话。": "The look-up has timed out; enter the number and phone again.",
    "结束查询": "Done",
    "登录失败次数过多，请 %(minutes)s 分钟后再试。": "Too many failed sign-ins; try again in %(minutes)s minutes.",
    # finding (issue 12)
    "%(step)s：已完成 %(count)s 条（%(numbers)s）": "%(step)s: done for %(count)s (%(numbers)s)",
    "%(step)s：未执行 %(count)s 条 —— %(why)s": "%(step)s: not done for %(count)s — %(why)s",
    "一次最多批量处理 %(limit)s 条投诉": "At most %(limit)s complaints at once", "分派": "Assign",
    "原因 / 备注": "Reason / note", "客户历史": "Customer history", "对勾选的投诉": "For the ticked complaints",
    "已结案": "Closed", "打印": "Print", "打印：未执行 %(count)s 条 —— %(why)s": "Print: not done for %(count)s — %(why)s",
    "执行": "Go", "排序": "Sort", "搜索": "Search", "搜索投诉": "Search complaints",
    "投诉编号、电话（或后四位）、姓名、车牌/订单/房号，或客户说的话，如：漏水":
        "Number, phone (or its last four digits), name, plate / order / room, or the customer's words, e.g. 漏水",
    "时限最近": "Due soonest", "最新登记": "Newest", "最早登记": "Oldest", "最近更新": "Recently updated",
    "有超时": "Overdue", "未结案": "Open", "没有找到符合条件的投诉。": "No complaint matches.", "添加备注": "Add a note",
    "清除筛选": "Clear filters", "登记日期从": "Registered from", "编号、电话后四位、姓名、车牌、关键词":
        "Number, last 4 of phone, name, plate, words", "请先勾选投诉": "Tick complaints first",
    "请选择批量操作": "Choose a bulk step", "选择": "Select", "部门（分派、转交）": "Department (assign, transfer)",
    "（分派：按分派规则）": "(assign: by the routing rules)",
    "与投诉 %(number)s 同一电话、邮箱或会员/卡号的投诉共 %(counter)s 条（仅含您有权查看的）。":
        "%(counter)s complaint(s) with the same phone, e-mail or member number as %(number)s (those you may see).",
    # issue 14, least access (kesu/access)
    "个人信息查看记录": "Personal data views", "完整信息查看记录": "Reveals of full values", "完整信息": "Full value",
    "会员/卡号": "Member / card number", "客户邮箱": "Customer e-mail", "其他（填写）": "Other (typed)",
    "回访客户": "Calling the customer back", "核实身份": "Verifying identity", "处理投诉": "Handling the complaint",
    "号码索引": "Number index", "命中数": "Matches", "字段": "Field", "是": "Yes", "暂无记录": "Nothing recorded",
    "本次查看已记录（查看人、时间、字段、原因），供稽核审阅。":
        "This view is recorded (who, when, which field, why) for audit to review.",
    "查看人": "Viewed by", "查看原因": "Reason", "查看完整信息": "Show full value", "查询人": "Looked up by",
    "电话查询记录": "Phone lookups", "电话查询过于频繁，请稍后再试": "Too many phone lookups; try again later",
    "超限拒绝": "Refused (limit)", "返回投诉": "Back to the complaint",
}


def tables() -> dict[str, str]:
    """EN above plus every scripts/i18n/en_*.py table (one per area, so parallel work on different
    areas adds its English without touching the same lines)."""
    import importlib.util

    merged = dict(EN)
    for path in sorted(Path(__file__).resolve().parent.glob("en_*.py")):
        spec = importlib.util.spec_from_file_location(path.stem, path)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        clashes = {k: (merged[k], v) for k, v in module.EN.items()
                   if k in merged and merged[k] != v and k not in SHARED_MSGIDS}
        if clashes:  # one msgid, two meanings: the later table would silently win (登记: Register / Mark)
            raise SystemExit(f"{path.name} gives other English for msgids already translated: {clashes}; "
                             "use another Chinese wording for the other meaning")
        merged.update(module.EN)
    return merged


# msgids two tables translate differently, from before the check above; the later table wins (the
# order of the file names). Each is one Chinese word used in two places — give the second place its
# own wording when it is next touched, and take it off this list.
SHARED_MSGIDS = frozenset({
    "（稍后定级）", "投诉是否成立", "纠正措施", "预防措施", "奖励", "管理", "登记", "已确认", "开始", "结束",
    "客户评价", "起始", "截止", "纠正预防措施",
    "投诉编号、电话（或后四位）、姓名、车牌/订单/房号，或客户说的话，如：漏水",
    "；“客户原话”必填。先检查每一行，确认后才导入。",
})


def main() -> None:
    english_of = tables()
    po = polib.pofile(str(PO)) if PO.exists() else polib.POFile()
    po.metadata = {"Content-Type": "text/plain; charset=UTF-8", "Language": "en", "MIME-Version": "1.0",
                   "Content-Transfer-Encoding": "8bit"}
    have = {e.msgid: e for e in po}
    for msgid in sorted(used_msgids()):
        english = english_of.get(msgid)
        if msgid in have:
            if english is not None and have[msgid].msgstr != english:
                have[msgid].msgstr = english
            continue
        if english is None:
            print(f"no English for {msgid!r}", file=sys.stderr)
            english = ""
        po.append(polib.POEntry(msgid=msgid, msgstr=english))
    used = used_msgids()
    for entry in [e for e in po if e.msgid not in used]:  # no longer in the interface
        po.remove(entry)
    PO.parent.mkdir(parents=True, exist_ok=True)
    po.save(str(PO))
    po.save_as_mofile(str(PO.with_suffix(".mo")))
    print(f"{len(po)} entries, {po.percent_translated()} % translated")


if __name__ == "__main__":
    main()
