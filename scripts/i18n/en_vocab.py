"""English for the policy's own vocabulary, clocks per category and record fields per category
(issue 18, helper vocab)."""

EN = {
    "角色": "Role",
    "仅限所属类别": "for its category only",
    "被请求协办部门的经理": "Manager of the department asked for help",
    # the policy page
    "仅限类别：": "Only for: ",
    "开始 %(after)s 后方可完成": "Counts only %(after)s after its start",
    "%(amount)s 元": "%(amount)s yuan",
    "本制度的角色": "The policy's own roles",
    "兼有权限": "Carries the powers of",
}
