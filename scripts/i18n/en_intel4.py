"""English for the category mix the suggestions follow (issue 17, fourth round: the stream's mix)."""

EN = {
    "类别构成：建议按最近登记的 %(n)s 条投诉估计的构成调整（只读文字，不读类别）":
        "Category mix: suggestions follow the mix estimated from the %(n)s most recently registered complaints "
        "(their words only, never their categories)",
    "类别构成：按最近登记的 %(n)s 条投诉估计（只读文字，不读类别）；各类别样本数相差较大，模型按各类别同等重要学习，建议不随构成调整":
        "Category mix estimated from the %(n)s most recently registered complaints (their words only, never "
        "their categories); the categories' examples differ widely in number, so the model learned them as "
        "equally important and its suggestions do not follow the mix",
    "已确认的投诉中": "Among confirmed complaints",
    "最近登记的投诉中（估计）": "Among recently registered complaints (estimated)",
}
