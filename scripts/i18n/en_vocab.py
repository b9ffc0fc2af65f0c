"""English for the policy's own vocabulary, clocks per category and record fields per category
(issue 18, helper vocab)."""

EN = {
    "角色": "Role",
    "仅限所属类别": "for its category only",
    "被请求协办部门的经理": "Manager of the department asked for help",
}
