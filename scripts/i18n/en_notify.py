"""English of the notification pages (issue 16): the crisis page and the outbox's channel and state names."""

EN = {
    "危机预警": "Crisis alert", "预警时间": "Raised", "应确认时间": "Acknowledge by",
    "无人按时确认，已升级": "Nobody acknowledged in time: escalated", "已过应确认时间": "Past the time to acknowledge",
    "危机处理小组": "Crisis team", "成员": "Member", "确认": "Acknowledged", "已确认": "Acknowledged",
    "未确认": "Not yet", "已发出的预警": "Alerts sent", "站内消息": "In-app notices",
    "我已收到，负责跟进": "I have it and will follow up", "您已确认。": "You have acknowledged.",
    "邮件": "E-mail", "短信": "SMS", "企业微信": "WeCom", "钉钉": "DingTalk", "飞书": "Feishu",
    "待发送": "Waiting", "发送中": "Sending", "已发送": "Sent", "已并入汇总": "Folded into a digest",
    "发送失败": "Failed",
    "免打扰时段": "Quiet hours", "现行制度不允许设置免打扰时段。": "The policy in force allows no quiet hours.",
    "在此时段内，邮件和短信等到结束时再发送；站内消息照常显示，危机预警不受影响。":
        "During these hours e-mail and SMS wait until the end; in-app notices show as usual, and crisis alerts are never held.",
    "开始": "From", "结束": "Until", "保存": "Save", "取消免打扰": "Remove quiet hours",
    "请按 时:分 填写开始与结束时间，例如 22:00 与 07:30": "Give the start and end as hours:minutes, e.g. 22:00 and 07:30",
    "开始与结束时间不能相同": "The start and the end cannot be the same",
}
