"""Message catalogue for domain errors: code → Simplified Chinese and English templates.

Templates use named placeholders (``{field}``, ``{value}``). The core stays free of Django, so
this small catalogue is used instead of gettext; the edge picks the language.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

CATALOGUE: dict[str, tuple[str, str]] = {
    # generic
    "field_prefix": ("字段「{field}」：", "field '{field}': "),
    "validation_failed": ("共发现 {count} 处错误", "{count} problem(s) found"),
    "required": ("必填，不能为空", "is required"),
    "unknown_field": ("不是可识别的字段（拼写错误？）", "is not a known field (misspelt?)"),
    "bad_type": ("应为{expected}，实际为「{value}」", "should be {expected}, got '{value}'"),
    "bad_value": ("取值无效：{detail}", "invalid value: {detail}"),
    "too_small": ("不能小于 {limit}", "must not be less than {limit}"),
    "too_large": ("不能大于 {limit}", "must not be greater than {limit}"),
    "too_long": ("不能超过 {limit} 个字", "must not be longer than {limit} characters"),
    "too_deep": ("嵌套不能超过 {limit} 层", "must not nest deeper than {limit} levels"),
    "bad_json": ("不是有效的 JSON：{detail}", "is not valid JSON: {detail}"),
    "body_too_large": ("不能超过 {limit}", "must not exceed {limit}"),
    "too_many_parts": ("请求中的字段或文件过多（不能超过 {limit} 个）", "too many fields or files (at most {limit})"),
    "nul_character": ("不能包含空字符（NUL）", "must not contain NUL characters"),
    "not_one_of": ("取值「{value}」不在允许范围内：{allowed}", "'{value}' is not one of: {allowed}"),
    "duplicate_code": ("编码「{value}」重复", "code '{value}' appears more than once"),
    # policy documents
    "policy_unreadable": ("制度文件无法解析：{detail}", "the policy file cannot be parsed: {detail}"),
    "policy_not_mapping": ("制度文件的顶层必须是键值结构", "the top level of a policy file must be a mapping"),
    "policy_format": (
        "不支持的制度文件格式版本「{value}」，支持：{supported}",
        "unsupported policy format version '{value}', supported: {supported}",
    ),
    "bad_duration": (
        "时长「{value}」格式不正确，应写作如 30m、24h、3d（分钟/小时/天）",
        "duration '{value}' is malformed; write e.g. 30m, 24h, 3d (minutes/hours/days)",
    ),
    "duration_not_positive": ("时长必须大于零，实际为「{value}」", "duration must be positive, got '{value}'"),
    "unknown_level": ("未定义的投诉级别「{value}」", "unknown complaint level '{value}'"),
    "unknown_category": ("未定义的投诉类别「{value}」", "unknown complaint category '{value}'"),
    "unknown_event": (
        "流程中没有事件「{value}」，可用事件：{allowed}",
        "the lifecycle has no event '{value}'; known events: {allowed}",
    ),
    "unknown_role": ("未定义的角色「{value}」，可用角色：{allowed}", "unknown role '{value}'; roles: {allowed}"),
    "unknown_channel": ("未定义的投诉渠道「{value}」", "unknown channel '{value}'"),
    "unknown_target": (
        "无法识别的通知对象「{value}」，可用：{allowed}",
        "unknown recipient '{value}'; use: {allowed}",
    ),
    "unknown_notice_event": (
        "没有可通知的事件「{value}」，可用事件：{allowed}",
        "no event '{value}' to notify of; known events: {allowed}",
    ),
    "target_not_for_event": (
        "通知对象「{value}」不适用于事件「{event}」（@approver 仅用于 approval_waiting；"
        "report_ready 不涉及具体投诉，只能通知角色、人员、部门或群机器人）",
        "recipient '{value}' does not apply to the event '{event}' (@approver is for approval_waiting only; "
        "report_ready concerns no complaint: name roles, persons, departments or robots)",
    ),
    "levels_not_for_event": (
        "事件「{event}」不涉及具体投诉，不能按级别限定",
        "the event '{event}' concerns no complaint and cannot be limited to levels",
    ),
    "clock_same_event": ("开始事件与结束事件不能相同（「{value}」）", "start and stop events must differ ('{value}')"),
    "clock_no_target": ("至少需要一个时限目标", "at least one target is required"),
    "clock_level_missing": (
        "时限未覆盖级别「{value}」：请为它设定目标，或使用「*」作为默认值",
        "no target for level '{value}': give one or a '*' default",
    ),
    "working_unit_minutes": (
        "按工作时间计时的时限不能以分钟计：请改用 h 或 d，或改为日历时间",
        "a working-time clock cannot be set in minutes; use h or d, or calendar time",
    ),
    "level_order": ("级别顺序必须从 1 开始连续递增，实际为 {value}", "level order must run 1, 2, 3…; got {value}"),
    "thresholds_ascending": (
        "审批金额上限必须递增：{value} 不大于前一档 {previous}",
        "approval limits must increase: {value} is not above the previous {previous}",
    ),
    "threshold_open_last": (
        "只有最后一档可以不设上限（专案呈核）",
        "only the last threshold may have no upper limit (special approval)",
    ),
    "validity_needs_valid": (
        "有效性分类必须包含「valid」（有效投诉）",
        "validity kinds must include 'valid' (a valid complaint)",
    ),
    "routing_no_default": (
        "分派规则缺少兜底规则：最后一条规则不能带条件",
        "routing needs a catch-all: the last rule must have no conditions",
    ),
    "numbering_no_seq": ("编号规则必须包含 {{seq}} 序号", "the numbering pattern must contain {{seq}}"),
    "numbering_period": (
        "编号按「{reset}」重新计数时，规则必须包含 {needs}，否则编号会重复",
        "a sequence reset per {reset} needs {needs} in the pattern, or numbers repeat",
    ),
    "numbering_token": ("编号规则中有未知占位符「{value}」", "unknown placeholder '{value}' in the numbering pattern"),
    "retention_min": ("档案保存期限不得少于 {limit} 年", "records must be kept at least {limit} years"),
    "record_field_choices": ("选择型字段必须列出可选项", "a choice field must list its choices"),
    # issue 18: the policy's own vocabulary and clocks
    "builtin_code": ("「{value}」是系统内置编码，自定义项须另取编码",
                     "'{value}' is a built-in code; give the policy's own item a code of its own"),
    "counts_as_required": ("自定义有效性分类「{value}」须用 counts_as 说明按哪一类计（{allowed}）",
                           "the policy's own validity kind '{value}' must say which kind it counts as "
                           "(counts_as: {allowed})"),
    "clock_not_before_target": ("最早时间 {value} 须早于时限 {target}",
                                "the earliest time {value} must come before the target {target}"),
    "field_not_for_category": ("该项属于《{form}》，本投诉的类别不填写此项",
                               "this item belongs to the form '{form_en}', "
                               "which this complaint's category does not use"),
    "record_field_choices_en": ("英文选项须与选项一一对应：选项 {count} 个，英文 {given} 个",
                                "choices_en must match choices one for one: {count} choices, {given} in English"),
    # registration
    "bad_email": ("电子邮件地址「{value}」无效", "'{value}' is not a valid email address"),
    "bad_phone": ("电话号码「{value}」无效（应为 11 位手机号或带区号的固话）", "'{value}' is not a valid phone number"),
    "attachment_too_large": (
        "附件「{name}」大小 {size_mb} MB，超过上限 {limit_mb} MB",
        "attachment '{name}' is {size_mb} MB, over the {limit_mb} MB limit",
    ),
    "attachment_type": (
        "附件「{name}」类型不允许，允许：{allowed}",
        "attachment '{name}' has a forbidden type; allowed: {allowed}",
    ),
    "attachment_content_mismatch": (
        "附件「{name}」的内容与扩展名不符",
        "attachment '{name}' does not contain what its extension says",
    ),
    "too_many_attachments": ("附件最多 {limit} 个", "at most {limit} attachments"),
    "no_active_policy": ("尚未发布投诉处理制度，无法受理", "no policy has been published yet"),
    "policy_version_published": (
        "已发布的制度版本不可修改，请新建版本",
        "a published policy version cannot be edited; create a new version",
    ),
    "recusal": (
        "「{person}」是被投诉人，须回避，不能处理本投诉",
        "{person} is the subject of this complaint and must not handle it",
    ),
    # lifecycle
    "transition_not_allowed": (
        "当前状态「{state}」下不能执行「{action}」",
        "'{action}' is not allowed while the complaint is '{state}'",
    ),
    "role_not_allowed": (
        "「{action}」须由{roles}执行，您没有该权限",
        "'{action}' must be done by {roles}; you may not",
    ),
    "self_approval": ("不能审批自己提出的申请", "you cannot approve your own request"),
    "reason_required": ("「{action}」必须填写原因", "'{action}' needs a reason"),
    "guard_failed": ("不能「{action}」：{detail}", "cannot '{action}': {detail}"),
    "stale_update": (
        "该投诉已被{who}于 {when} 修改，您的提交未保存，请刷新后重试",
        "{who} changed this complaint at {when}; your change was not saved — reload and retry",
    ),
    "not_visible": ("您无权查看该投诉", "you may not see this complaint"),
    "search_too_long": ("搜索内容不能超过 {limit} 个字", "the search must not be longer than {limit} characters"),
    "search_too_many_terms": ("搜索词不能超过 {limit} 个（用空格分隔）",
                              "at most {limit} search words (separated by spaces)"),
    "search_nothing": ("请输入要查找的文字、编号或电话", "type words, a number or a phone to search for"),
    "routing_unresolved": (
        "分派规则无法确定责任部门（缺少发生门店或被投诉部门），请手动选择",
        "the routing rules cannot decide the department (no location or complained-about department); choose one",
    ),
    "routing_unknown_department": (
        "分派规则第 {rule} 条指向的部门「{value}」在组织中不存在或已停用",
        "routing rule {rule} names department '{value}', which does not exist or is inactive",
    ),
    # handling workflow (F5, F7, F9)
    "unknown_department": ("部门「{value}」不存在或已停用", "department '{value}' does not exist or is inactive"),
    # business units (F16)
    "unknown_unit": ("业务单位「{value}」不存在或已停用", "business unit '{value}' does not exist or is inactive"),
    "same_unit": ("投诉已在「{value}」，无需转送", "the complaint is already with '{value}'"),
    "no_parent_unit": ("「{value}」没有上级单位", "'{value}' has no unit above it"),
    "not_a_child_unit": ("「{value}」不是本单位的下级单位", "'{value}' is not a unit below this one"),
    "unit_out_of_scope": ("您不能为业务单位「{value}」登记投诉",
                          "you may not register complaints for the unit '{value}'"),
    "same_department": ("投诉已在「{value}」处理，无需转交", "the complaint is already with '{value}'"),
    "no_pending_transfer": ("没有待签收的转交", "there is no transfer waiting to be acknowledged"),
    "top_level": ("已是最高级别「{value}」，不能再提级", "'{value}' is already the highest level"),
    "approval_not_pending": ("该审批已处理（{state}），不能重复审批", "this approval was already decided ({state})"),
    "not_finance_stage": ("该审批不在财务审核环节（{state}）", "this approval is not waiting for finance ({state})"),
    "not_assisting_department": (
        "只有协办部门「{department}」的人员可以回复协办",
        "only staff of '{department}', the helping department, may answer",
    ),
    "assist_answered": ("该协办申请已回复", "this help request was already answered"),
    "reward_needs_valid": (
        "只有有效投诉的客户可获奖励（本投诉认定为「{value}」）",
        "only customers whose complaint was valid may be rewarded (this one is '{value}')",
    ),
    "reward_staff_off": ("本制度未设员工奖励", "this policy has no staff rewards"),
    "penalty_without_person": ("调查处罚须指明责任人或责任部门", "a penalty needs a responsible person or department"),
    "finding_penalties_off": ("本制度不设调查处罚", "this policy books no penalties from investigations"),
    # issue 18: approval chains and committees, CAPA, required steps
    "stage_one_decider": ("每个审批环节须且只能指定审批角色（approver）或委员会（committee）之一",
                          "each approval stage names either an approver or a committee, not both or neither"),
    "unknown_committee": ("未定义的委员会「{value}」，可用：{allowed}",
                          "unknown committee '{value}'; committees: {allowed}"),
    "already_voted": ("您已对该事项表决过", "you have already voted on this"),
    "capa_not_open": ("该纠正预防措施已{state}", "this corrective action is already {state}"),
    "capa_not_owner": ("只有措施负责人{person}可以登记落实情况", "only {person}, its owner, records it as carried out"),
    "capa_not_done": ("该措施尚未落实，不能确认效果",
                      "this action has not been carried out yet; its effect cannot be verified"),
    "capa_own_verification": ("措施负责人不能确认自己措施的效果", "the owner of an action cannot verify its effect"),
    "capa_not_verifier": ("效果须由{roles}确认", "the effect must be verified by {roles}"),
    "capa_verifier_is_owner": ("监督确认人不能是措施负责人本人", "the verifier must be someone other than the owner"),
    "unattributable_company": ("本制度将无法归属部门的费用计入公司，无需专案呈核",
                               "this policy charges unattributable costs to the company; no special approval"),
    # customer portal (F10)
    "portal_challenge_wrong": ("验证题答案不正确，请重新计算", "the answer to the check question is wrong"),
    "portal_challenge_expired": ("表单已过期，请刷新页面后重新填写", "the form expired; reload and fill it in again"),
    "portal_too_fast": ("提交过快，请确认内容后再提交", "submitted too fast; please check the form and submit again"),
    "portal_rate_limited": ("提交过于频繁，请 {minutes} 分钟后再试", "too many; try again in {minutes} min"),
    "portal_closed": ("本单位暂未开放网上投诉，请拨打电话或到现场反映", "no online complaints here; call or visit"),
    "portal_not_found": ("投诉编号与电话不匹配，或该投诉不存在", "the number and phone do not match a complaint"),
    "portal_link_invalid": ("评价链接无效", "the rating link is not valid"),
    "portal_link_expired": ("评价链接已过期", "the rating link has expired"),
    "portal_already_rated": ("您已评价过本次处理，感谢您的反馈", "you have already rated this complaint; thank you"),
    # webhook (F3)
    "webhook_unknown_source": ("未知或已停用的来源「{value}」", "unknown or disabled source '{value}'"),
    "webhook_stale": ("请求时间戳缺失或超出 5 分钟，已拒绝（防重放）", "timestamp missing or 5+ min off (replay)"),
    "webhook_bad_signature": ("签名不正确，请求已拒绝", "the signature does not match; request refused"),
    # spreadsheet import (F3)
    "import_unknown_column": ("表头「{value}」不是可识别的列；可用列：{allowed}",
                              "unknown column '{value}'; known: {allowed}"),
    "import_missing_column": ("缺少必需的列「{value}」", "the required column '{value}' is missing"),
    "import_empty": ("表格中没有数据行", "the sheet has no data rows"),
    "import_has_errors": (
        "有 {count} 行未通过检查，未导入任何数据；请修改后重新上传，或选择仅导入有效行",
        "{count} rows failed the checks and nothing was imported; fix them, or import only the valid rows",
    ),
    # reports (F11)
    "report_range_backwards": ("结束日期 {end} 早于开始日期 {start}", "the end {end} is before the start {start}"),
    "report_future": ("开始日期 {value} 在未来，尚无数据", "the start {value} is in the future"),
    # personal data (issue 14, kesu.privacy)
    "privacy_lookup_required": ("请输入客户的电话、电子邮件或会员/卡号",
                                "give the customer's phone, e-mail or member / card number"),
    "privacy_customer_unknown": ("没有找到该客户的投诉", "no complaint of this customer was found"),
    "privacy_on_hold": ("投诉 {number} 处于法律保全中，不能删除个人信息",
                        "{number} is on legal hold: its data is kept"),
    "privacy_already_anonymised": ("投诉 {number} 的个人信息已匿名化",
                                   "the personal data of {number} is anonymised already"),
    "privacy_hold_unchanged": ("投诉 {number} 已是该保全状态", "{number} is already in that legal hold state"),
    # REST API
    "not_found": ("没有找到，或您无权查看", "not found, or you may not see it"),
    "http_400": ("请求无法解析：{detail}", "the request cannot be read: {detail}"),
    "http_401": ("未登录或令牌无效：{detail}", "not signed in or the token is invalid: {detail}"),
    "http_403": ("无权执行：{detail}", "not allowed: {detail}"),
    "http_405": ("不支持该请求方法：{detail}", "method not allowed: {detail}"),
    "http_406": ("无法提供所要求的格式：{detail}", "cannot produce the requested format: {detail}"),
    "http_415": ("不支持的内容类型：{detail}", "unsupported media type: {detail}"),
    "http_429": ("请求过于频繁：{detail}", "too many requests: {detail}"),
    "idempotency_mismatch": (
        "该 Idempotency-Key 已用于另一个请求内容，请换一个新的键",
        "this Idempotency-Key was used with a different request body; use a new key",
    ),
    "idempotency_in_progress": ("相同 Idempotency-Key 的请求正在处理，请稍后重试", "this key is in use"),
    # working calendar
    "hours_format": ("营业时段「{value}」格式不正确，应写作 08:30-12:00",
                     "shift '{value}' is malformed; write 08:30-12:00"),
    "hours_order": ("营业时段「{value}」的结束时间必须晚于开始时间", "shift '{value}' must end after it starts"),
    "hours_overlap": ("营业时段「{value}」与前一时段重叠", "shift '{value}' overlaps the one before"),
    "hours_empty": ("一周中至少要有一天营业", "at least one day of the week needs business hours"),
    "hours_unknown_day": ("「{value}」不是星期（mon…sun）", "'{value}' is not a weekday (mon…sun)"),
    "date_twice": ("日期 {value} 重复出现", "date {value} is listed twice"),
    "date_wrong_year": ("日期 {value} 不属于 {year} 年", "date {value} is not in {year}"),
    "date_both": ("日期 {value} 不能既是节假日又是调休上班日", "date {value} cannot be both a holiday and a workday"),
    "date_format": ("「{value}」不是日期（YYYY-MM-DD）", "'{value}' is not a date (YYYY-MM-DD)"),
    "calendar_unknown_year": (
        "节假日数据中没有 {year} 年的安排，请在国务院公布后手工录入",
        "no holiday schedule for {year} is known yet; enter it once it is published",
    ),
}


class Said(tuple[str, str]):
    """Words a message puts into a placeholder, in both languages — a step's name, a state, roles,
    the reason a rule gives (「没有待审批的事项」 / "nothing waits for a decision"). The message is
    rendered in the reader's language and so are these; as plain text they are the Chinese."""

    def __new__(cls, zh: str, en: str) -> Said:
        return super().__new__(cls, (zh, en))

    @property
    def zh(self) -> str:
        return self[0]

    @property
    def en(self) -> str:
        return self[1]

    def __str__(self) -> str:
        return self[0]

    def __format__(self, spec: str) -> str:
        return format(self[0], spec)

    def in_language(self, lang: str) -> str:
        return self[1] if lang.lower().startswith("en") and self[1] else self[0]

    @classmethod
    def joined(cls, parts: list[Said] | tuple[Said, ...]) -> Said:
        """Several names as one: 「客服专员、客服部经理」 / "CS agent, CS manager"."""
        return cls("、".join(p.zh for p in parts), ", ".join(p.en for p in parts))


def said(value: Any, lang: str) -> Any:
    """A placeholder's value in ``lang`` (a Said in its language, anything else as it is)."""
    return value.in_language(lang) if isinstance(value, Said) else value


class _Missing(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def render(code: str, lang: str, params: Mapping[str, Any]) -> str:
    """Render ``code`` in ``lang`` ("zh-hans" or "en"); unknown codes fall back to the code itself."""
    zh, en = CATALOGUE.get(code, (code, code))
    template = en if lang.lower().startswith("en") else zh
    return template.format_map(_Missing({k: said(v, lang) for k, v in params.items()}))
