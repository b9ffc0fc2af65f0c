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
