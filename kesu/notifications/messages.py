"""Notification texts per kind, rendered from stored params (codes and values, not prose)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kesu.core.inbound import one_line
from kesu.core.lifecycle import EVENTS, event_label

TEMPLATES: dict[str, tuple[tuple[str, str], tuple[str, str]]] = {
    # kind: ((subject zh, body zh), (subject en, body en))
    "clock_warning": (
        ("【客诉】投诉 {number}「{clock}」即将到期", "投诉 {number} 的「{clock}」将于 {due} 到期，请及时处理。"),
        ("[Kesu] {number}: '{clock}' is nearly due", "'{clock}' of complaint {number} is due at {due}."),
    ),
    "clock_breached": (
        ("【客诉】投诉 {number}「{clock}」已超时", "投诉 {number} 的「{clock}」已于 {due} 到期，已超时 {late}。"),
        ("[Kesu] {number}: '{clock}' is overdue", "'{clock}' of complaint {number} was due at {due}; {late} late."),
    ),
    # issue 13: past the policy's number of breach notices a day, one person's further breaches in one notice
    "clock_breached_digest": (
        ("【客诉】{date} 另有 {count} 件投诉超时", "{date} 您负责或需督办的投诉中，另有 {count} 件超时：{numbers}。"
                                          "请在工作台「已超时」中逐一处理。"),
        ("[Kesu] {count} more complaints overdue on {date}", "{count} more complaints you answer for went overdue "
                                                              "on {date}: {numbers}. See the Overdue queue."),
    ),
    # issue 16: crisis alerts, routes, robots' digests and the customer's messages
    "crisis": (
        ("【客诉】危机预警：投诉 {number}", "投诉 {number}（{level}）触发危机预警。原因：{reasons}。"
                                     "请危机处理小组立即处理，并在系统中确认已收到：{site}/notify/crisis/{number}/"),
        ("[Kesu] CRISIS: complaint {number}", "Complaint {number} ({level}) raised a crisis alert. Why: {reasons_en}. "
                                             "Crisis team: act now and acknowledge: {site}/notify/crisis/{number}/"),
    ),
    "crisis_unacknowledged": (
        ("【客诉】危机预警无人确认：投诉 {number}", "投诉 {number} 的危机预警（{since} 发出）在规定时间内无人确认，"
                                            "请立即指派处理：{site}/notify/crisis/{number}/"),
        ("[Kesu] crisis not acknowledged: {number}", "Nobody acknowledged the crisis alert of {number} (raised "
                                                     "{since}) in time. Please act: {site}/notify/crisis/{number}/"),
    ),
    "digest": (
        ("【客诉】消息汇总（{count} 条）", "以下 {count} 条消息按平台发送频率限制合并发送：\n{lines}"),
        ("[Kesu] {count} messages", "{count} messages folded into one under the platform's rate limit:\n{lines}"),
    ),
    "event": (
        ("【客诉】投诉 {number}：{step}", "投诉 {number}（{level}）：{step}。{result}"),
        ("[Kesu] {number}: {step}", "Complaint {number} ({level}): {step}. {result}"),
    ),
    "customer_registered": (
        ("您的投诉已受理（编号 {number}）", "您的投诉已受理，编号 {number}。我们将尽快与您联系；"
                                    "凭编号和手机号可查询进度：{track}"),
        ("Your complaint {number} is registered", "We have registered your complaint as {number} and will contact "
                                                  "you soon. Track it with the number and your phone: {track}"),
    ),
    "customer_result": (
        ("您的投诉 {number} 处理结果", "您的投诉 {number} 处理结果：{result}"),
        ("The result of your complaint {number}", "The result of your complaint {number}: {result}"),
    ),
    "customer_rating": (
        ("请为投诉 {number} 的处理评分", "您的投诉 {number} 已处理完毕。欢迎为本次服务评分：{rating}"),
        ("Please rate how we handled {number}", "Your complaint {number} has been dealt with. "
                                                "Please rate our service: {rating}"),
    ),
    "customer_event": (
        ("您的投诉 {number} 有新进展", "您的投诉 {number}：{step}。{result}"),
        ("News on your complaint {number}", "Your complaint {number}: {step}. {result}"),
    ),
    "calendar_uncovered": (
        ("【客诉】工作日历缺少 {years} 年", "投诉 {number} 的「{clock}」到期时间落在尚未录入节假日安排的 {years} 年，"
                                      "暂按周一至周五计算为 {due}。请录入该年的法定节假日与调休安排。"),
        ("[Kesu] calendar lacks {years}", "'{clock}' of {number} falls in {years}, which the holiday table does "
                                          "not cover; provisionally due {due}. Please enter that year's schedule."),
    ),
    "contact_limit_exceeded": (
        ("【客诉】投诉 {number} 超过对应次数", "投诉 {number} 已联系客户 {contacts} 次，超过本级别上限 {limit} 次。"),
        ("[Kesu] {number}: contact limit exceeded", "Complaint {number}: {contacts} contacts, limit {limit}."),
    ),
    "extension_requested": (
        ("【客诉】投诉 {number} 申请延期处理", "投诉 {number} 的「{clock}」申请延期，原因：{reason}。请审批。"),
        ("[Kesu] {number}: extension requested", "An extension of '{clock}' on {number} was requested: {reason}."),
    ),
    "extension_decided": (
        ("【客诉】投诉 {number} 延期申请已审批", "投诉 {number} 的「{clock}」延期申请：{verdict}。{note}"),
        ("[Kesu] {number}: extension decided", "Extension of '{clock}' on {number}: {verdict}. {note}"),
    ),
    "unsatisfied_limit_exceeded": (
        ("【客诉】投诉 {number} 多次回访不满意",
         "投诉 {number} 客户已 {rounds} 次表示不满意，超过制度上限 {limit} 次，请介入处理。"),
        ("[Kesu] {number}: unsatisfied again", "The customer of {number} was not satisfied {rounds} times "
                                               "(limit {limit}). Please step in."),
    ),
    # F16: a case passed up to the group or down to a store; its customer service is told
    "unit_passed": (
        ("【客诉】投诉 {number} 已转至{unit}", "投诉 {number} 已由 {sender} 转至{unit}：{reason}"),
        ("[Kesu] {number} passed to {unit}", "{sender} passed {number} to {unit}: {reason}"),
    ),
    "transfer_sent": (
        ("【客诉】投诉 {number} 转交贵部门，请签收",
         "投诉 {number} 已由 {sender} 转交 {department}：{reason}。请于 {due} 前签收。"),
        ("[Kesu] {number} transferred to you", "{sender} transferred {number} to {department}: {reason}. "
                                               "Please acknowledge by {due}."),
    ),
    "transfer_overdue": (
        ("【客诉】投诉 {number} 转交超时未签收", "投诉 {number} 转交 {department} 后，未在 {due} 前签收。"),
        ("[Kesu] {number}: transfer not acknowledged", "{department} did not acknowledge {number} by {due}."),
    ),
    "assist_requested": (
        ("【客诉】投诉 {number} 请求协办", "投诉 {number} 请求 {department} 协办：{matter}。请于 {due} 前回复。"),
        ("[Kesu] {number}: help requested", "{department} is asked to help on {number}: {matter}. Due {due}."),
    ),
    "assist_answered": (
        ("【客诉】投诉 {number} 协办已回复", "{department} 已回复投诉 {number} 的协办请求：{answer}"),
        ("[Kesu] {number}: help given", "{department} answered the help request on {number}: {answer}"),
    ),
    "assist_overdue": (
        ("【客诉】投诉 {number} 协办超时", "{department} 未在 {due} 前完成投诉 {number} 的协办事项：{matter}。"),
        ("[Kesu] {number}: help overdue", "{department} did not help on {number} by {due}: {matter}."),
    ),
    "approval_requested": (
        ("【客诉】投诉 {number} 待您审批", "投诉 {number} 提交{what}审批（{threshold}）：{plan}"),
        ("[Kesu] {number}: approval needed", "{number} asks for approval of {what} ({threshold}): {plan}"),
    ),
    # issue 16: the routes of "approval_waiting" (at the request, and at finance review) and "report_ready"
    "approval_waiting": (
        ("【客诉】投诉 {number} 待审批：{what}", "投诉 {number}（{level}）的{what}（{threshold}）{stage_text}：{plan}。"
                                         "请审批：{site}/approvals/"),
        ("[Kesu] {number}: approval waiting ({what_en})", "{what_en} on complaint {number} ({level}, {threshold_en}) "
                                                         "waits for {stage_text}: {plan}. Decide: {site}/approvals/"),
    ),
    "report_ready": (
        ("【客诉】投诉分析{report_name}已生成：{start} 至 {end}",
         "投诉分析{report_name}（{start} 至 {end}）：受理 {received} 件，解决率 {resolution}，满意率 {satisfaction}，"
         "重复投诉 {repeats} 件。详见 {site}/reports/?start={start}&end={end}"),
        ("[Kesu] {report_name} ready: {start} to {end}",
         "The {report_name} ({start} to {end}): {received} received; resolution {resolution}; satisfied "
         "{satisfaction}; {repeats} repeat complaints. {site}/reports/?start={start}&end={end}"),
    ),
    "approval_decided": (
        ("【客诉】投诉 {number} 审批结果", "投诉 {number} 的{what}审批：{verdict}。{note}"),
        ("[Kesu] {number}: approval decided", "{what} on {number}: {verdict}. {note}"),
    ),
    "discipline_list": (
        ("【客诉】{period} 月度处罚名单",
         "{period} 发生扣罚 {total} 元，涉及投诉 {cases} 件，按部门与责任人列出。"
         "请于本月 10 日前审核：/discipline/?month={period}"),
        ("[Kesu] discipline list {period}", "Penalties of {total} yuan incurred in {period} on {cases} complaints, "
                                            "by department and person. "
                                            "Review by the 10th: /discipline/?month={period}"),
    ),
    "after_hours_received": (
        ("【客诉】工作知会单：夜间受理投诉 {number}",
         "投诉 {number} 于非工作时间受理，请 {next_shift} 上班后优先交接处理。"),
        ("[Kesu] handover: {number} received after hours",
         "{number} came in after hours; take it over at {next_shift}."),
    ),
    "after_hours_handover": (
        ("【客诉】工作知会单：夜间受理投诉 {count} 件待交接",
         "非工作时间受理、尚未处理的投诉 {count} 件，请本班（{shift} 起）优先交接处理：{numbers}。"
         "全部见工作台「夜间受理」。"),
        ("[Kesu] handover: {count} complaints received after hours",
         "{count} complaints came in after hours and wait for this shift ({shift}): {numbers}. "
         "All of them: the Overnight queue."),
    ),
    "keyword_flagged": (
        ("【客诉】投诉 {number} 含预警关键词", "投诉 {number} 中出现「{words}」，请复核级别与处理方式。"),
        ("[Kesu] {number}: warning words", "Complaint {number} mentions '{words}'; please review its level."),
    ),
    "report_weekly": (
        ("【客诉】投诉分析周报 {start} 至 {end}",
         "受理 {received} 件，解决率 {resolution}，满意率 {satisfaction}。详见 /reports/?start={start}&end={end}"),
        ("[Kesu] weekly report {start} to {end}",
         "{received} received; resolution {resolution}; satisfied {satisfaction}. /reports/?start={start}&end={end}"),
    ),
    "report_monthly": (
        ("【客诉】投诉分析月报 {start} 至 {end}",
         "受理 {received} 件，解决率 {resolution}，满意率 {satisfaction}。详见 /reports/?start={start}&end={end}"),
        ("[Kesu] monthly report {start} to {end}",
         "{received} received; resolution {resolution}; satisfied {satisfaction}. /reports/?start={start}&end={end}"),
    ),
    "report_yearly": (
        ("【客诉】投诉分析年报 {start} 至 {end}",
         "受理 {received} 件，解决率 {resolution}，满意率 {satisfaction}。详见 /reports/?start={start}&end={end}"),
        ("[Kesu] yearly report {start} to {end}",
         "{received} received; resolution {resolution}; satisfied {satisfaction}. /reports/?start={start}&end={end}"),
    ),
    # issue 18: corrective and preventive actions (CAPA), an approval's fallback, the CAPA report
    "capa_assigned": (
        ("【客诉】投诉 {number} 纠正预防措施待您落实", "请于 {due} 前落实投诉 {number} 的措施：{measure}"),
        ("[Kesu] {number}: a corrective action for you", "Carry out by {due} on complaint {number}: {measure}"),
    ),
    "capa_supervise": (
        ("【客诉】投诉 {number} 纠正预防措施请您监督", "{owner} 须于 {due} 前落实投诉 {number} 的措施：{measure}。"
                                          "落实后请确认效果。"),
        ("[Kesu] {number}: supervise a corrective action", "{owner} is to carry out by {due} on complaint {number}: "
                                                            "{measure}. Verify its effect once done."),
    ),
    "capa_to_verify": (
        ("【客诉】投诉 {number} 纠正预防措施待确认效果",
         "{owner} 已落实投诉 {number} 的措施「{measure}」：{note}。请确认效果。"),
        ("[Kesu] {number}: verify a corrective action", "{owner} carried out '{measure}' on complaint {number}: "
                                                         "{note}. Please verify its effect."),
    ),
    "capa_due_soon": (
        ("【客诉】投诉 {number} 纠正预防措施即将到期",
         "投诉 {number} 的措施「{measure}」将于 {due} 到期，请及时落实。"),
        ("[Kesu] {number}: corrective action nearly due",
         "'{measure}' on complaint {number} is due at {due}."),
    ),
    "capa_overdue": (
        ("【客诉】投诉 {number} 纠正预防措施逾期", "{owner} 未在 {due} 前落实投诉 {number} 的措施：{measure}。"),
        ("[Kesu] {number}: corrective action overdue", "{owner} did not carry out '{measure}' on complaint {number} "
                                                       "by {due}."),
    ),
    "approval_fallback": (
        ("【客诉】投诉 {number} 待您替补审批", "投诉 {number} 的{what}审批（{threshold}）审批人不在或逾时未审批，"
                                     "现由您审批：{plan}"),
        ("[Kesu] {number}: approval falls to you", "The approver of {what} on {number} ({threshold}) is absent or "
                                                   "late; you may decide it now: {plan}"),
    ),
    "report_capa": (
        ("【客诉】纠正预防措施报告 {end}", "未落实 {open} 项（其中逾期 {overdue} 项），待确认效果 {waiting} 项，"
                                   "已确认有效 {verified} 项。详见 /reports/capa/"),
        ("[Kesu] corrective actions report {end}", "{open} open ({overdue} overdue), {waiting} awaiting "
                                                   "verification, {verified} verified. /reports/capa/"),
    ),
    "sweep_error": (
        ("【客诉】后台任务遇到错误数据", "{what} 处理第 {id} 条记录时出错：{error}。其余记录已继续处理。"),
        ("[Kesu] background task met a broken row", "{what} failed on row {id}: {error}. The rest carried on."),
    ),
    "task_failed": (
        ("【客诉】后台任务失败", "后台任务 {task} 运行失败：{error}"),
        ("[Kesu] background task failed", "Background task {task} failed: {error}"),
    ),
}


STAGES = {"approver": ("等待审批", "its approver"), "finance": ("等待财务审核", "finance review")}
REPORT_NAMES = {"weekly": ("周报", "weekly report"), "monthly": ("月报", "monthly report"),
                "yearly": ("年报", "yearly report")}


def render(kind: str, params: Mapping[str, Any], lang: str = "zh-hans") -> tuple[str, str]:
    """(subject, body) for a notification; unknown kinds fall back to the kind code (a lifecycle
    event routed by the policy reads as the event's name)."""
    pair = TEMPLATES.get(kind)
    if pair is None and kind.startswith("customer_"):
        kind, pair = "customer_event", TEMPLATES["customer_event"]
    if pair is None and kind in EVENTS:
        kind, pair = "event", TEMPLATES["event"]
    if pair is None:
        return kind, kind
    subject, body = pair[1] if lang.startswith("en") else pair[0]
    return _render_texts(kind, subject, body, params, lang)


def _render_texts(kind: str, subject: str, body: str, params: Mapping[str, Any], lang: str) -> tuple[str, str]:
    en = lang.startswith("en")
    values: dict[str, Any] = {"result": "", "site": _site(), **params}
    if en:  # a parameter with an English partner (level_en, clock_en, what_en …) says it in English
        values.update({k[:-3]: v for k, v in list(values.items()) if k.endswith("_en") and v and k[:-3] in values})
    if "event" in values:
        values.setdefault("step", event_label(str(values["event"]), lang))
    if kind == "digest":
        values["lines"] = "\n".join(f"{i}. {item}" for i, item in enumerate(values.get("items", []), 1))
    if "late_minutes" in values:
        values["late"] = duration_words(int(values["late_minutes"]), lang)
    if isinstance(values.get("numbers"), list):
        values["numbers"] = ("、" if not en else ", ").join(values["numbers"])
    if "stage" in values:  # approval_waiting: whom the approval waits for now
        values["stage_text"] = STAGES.get(str(values["stage"]), STAGES["approver"])[1 if en else 0]
    if "report" in values:  # report_ready: which scheduled report
        values["report_name"] = REPORT_NAMES.get(str(values["report"]), ("报告", "report"))[1 if en else 0]
    if "approved" in values:
        values.setdefault("verdict", ("approved" if values["approved"] else "rejected") if lang.startswith("en")
                          else ("批准" if values["approved"] else "驳回"))
    return header_text(_fill(subject, values)), _fill(body, values)


def header_text(value: str) -> str:
    """A value safe for a mail header: one line, no CR, LF or other control character (a customer's
    subject with an encoded CR/LF is quoted in the acknowledgement's; it must not break the header)."""
    return one_line(value)


def _fill(template: str, values: Mapping[str, Any]) -> str:
    return template.format_map(_Tolerant(values))  # a missing value shows as {name}: never crash a sweep


class _Tolerant(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def duration_words(minutes: int, lang: str = "zh-hans") -> str:
    """A lateness a person reads at a glance (issue 13): 「7 天 7 小时」 rather than 「10516 分钟」;
    minutes only under an hour, hours and days without the minutes beyond."""
    en = lang.startswith("en")
    minutes = max(0, minutes)
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    if en:
        parts = [f"{days} day{'s' if days != 1 else ''}" if days else "",
                 f"{hours} hour{'s' if hours != 1 else ''}" if hours else ""]
        if not days and not hours:
            return f"{mins} minute{'s' if mins != 1 else ''}"
        return " ".join(p for p in parts if p)
    if not days and not hours:
        return f"{mins} 分钟"
    return " ".join(p for p in (f"{days} 天" if days else "", f"{hours} 小时" if hours else "") if p)


def _site() -> str:
    from django.conf import settings

    return str(getattr(settings, "KESU_SITE_URL", ""))


def render_message(kind: str, params: Mapping[str, Any], lang: str = "zh-hans") -> tuple[str, str, Any]:
    """(subject, text, the administrator's template or None) for a message of the outbox: the
    wording an administrator saved in 消息模板 for this kind and language, else the built-in one."""
    from kesu.notifications.models import MessageTemplate

    lang = "en" if lang.startswith("en") else "zh-hans"
    template = MessageTemplate.objects.filter(kind=kind, lang=lang).first()
    if template is not None:
        subject, text = _render_texts(kind, template.subject or kind, template.body, params, lang)
        return subject, text, template
    subject, text = render(kind, params, lang)
    return subject, text, None
