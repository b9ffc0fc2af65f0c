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
}
