"""English for the one-screen registration, the complaint's full record, form errors by label and
the role walk (issue 13, helper agentday)."""

EN = {
    # the one-screen registration
    "客户与诉求": "Customer and demands",
    "分类定级与分派": "Classification and routing",
    "（稍后分类，只登记）": "(classify later: register only)",
    "（稍后定级）": "(level later)",
    "按分派规则": "By the routing rules",
    "%(department)s（按分派规则）": "%(department)s (routing rules)",
    "按分派规则（尚未确定）": "By the routing rules (not decided yet)",
    "发生门店/场所": "Store or site where it happened",
    "责任部门": "Responsible department",
    "有效性": "Validity",
    "已按上次的登记填入客户信息，请核对。": "Filled in from the customer's last complaint; please check.",
    "没有这个电话的投诉记录：新客户。": "No complaint from this phone: a new customer.",
    "请修改以下各处后再登记（未保存任何内容）：": "Please correct the following, then register (nothing was saved):",
    "Ctrl+Enter 登记。选了类别即同时分类定级并分派；类别留空则只登记。":
        "Ctrl+Enter registers. With a category it is also classified and routed; without one, only registered.",
    "更多信息：地区、发生时间与地点、产品、订单/批号、购买日期、金额":
        "More: region, when and where, product, order/batch, purchase date, amount",
    "、附件": ", attachments",
    "已分类定级": "Classified",
    "已分派至 %(department)s": "Routed to %(department)s",
    "%(step)s未完成：%(error)s（请在下方完成）": "%(step)s not done: %(error)s (please finish it below)",
    # the complaint's page
    "被投诉人": "Person complained about",
    "%(amount)s 元": "%(amount)s yuan",
    "是": "Yes",
    "附件": "Attachments",
    "客户评价": "Customer rating",
    "%(score)s / 5 分": "%(score)s / 5",
    "没有这个附件": "No such attachment",
    "附件文件已不存在": "The attachment's file is gone",
    # errors
    "未完成：%(action)s。请按表单中的提示修改后再提交。": "Not done: %(action)s. Please correct the form and send it again.",
    "请修改以下各处后再提交（您填写的内容都还在）：": "Please correct the following and send again (everything you typed is kept):",
}
