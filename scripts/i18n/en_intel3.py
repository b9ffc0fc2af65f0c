"""English for the repeat decisions and the pair model learned from them (issue 17, third round)."""

EN = {
    "人工判定": "Staff decision",
    "判定人": "Decided by",
    "判定时间": "Decided at",
    "未判定": "Not decided",
    "是同一问题": "Same problem",
    "不是同一问题": "Not the same problem",
    "人工判定：": "Staff decision: ",
    "请选择：是同一问题，或不是同一问题": "Choose: the same problem, or not the same problem",
    "已记录判定，模型下次训练时学习": "Decision recorded; the model learns from it at its next training",
    "同一问题判断": "Same-problem judge",
    "ROC-AUC（本公司模型）": "ROC-AUC (this company's model)",
    "ROC-AUC（内置判断）": "ROC-AUC (built-in judge)",
    "精确率 / 召回率": "Precision / recall",
    "从本公司的判定中学习": "Learned from this company's decisions",
    "内置判断（判定不足 %(n)s 条，或“是”“不是”各不足 %(e)s 条）":
        "Built-in judge (fewer than %(n)s decisions, or fewer than %(e)s of either kind)",
    "%(n)s（是 %(s)s，其中合并 %(m)s；不是 %(d)s）": "%(n)s (same %(s)s, of them merged %(m)s; not the same %(d)s)",
}
