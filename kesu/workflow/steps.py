"""The one step registry (SPEC F2, F5–F9): every step a person can take on a complaint or on one of
its handling records, declared once — its inputs with their labels, and the one function that
takes it. Who may take it and in which states is the rulebook's (kesu.core.lifecycle TRANSITIONS
and ACTIVITIES, judged by the kernel); this registry says what the step needs and where it goes.

The staff pages (kesu.web.views.act), the API (kesu.api.views.ActionRun) and the workbench pages
dispatch through :func:`perform`; they render the inputs declared here and decide nothing
themselves. tests/workflow/test_step_registry.py holds every rule to a step here and every step
to both surfaces.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kesu.clocks import extensions, ledger
from kesu.clocks.models import ExtensionRequest, PenaltyEntry
from kesu.complaints import lifecycle
from kesu.complaints.models import Complaint
from kesu.core import lifecycle as rules
from kesu.core.catalogues import VALIDITY_KINDS
from kesu.core.errors import KesuError, ValidationFailed
from kesu.core.messages import Said
from kesu.core.policy import Policy
from kesu.org.models import Department, Staff
from kesu.policies.services import policy_of
from kesu.workflow import capa
from kesu.workflow import services as workflow
from kesu.workflow.capa import open_q as capa_open_q
from kesu.workflow.models import Approval, AssistRequest, CorrectiveAction


@dataclass(frozen=True)
class Ctx:
    complaint: Complaint
    policy: Policy
    actor: Staff
    now: datetime
    cache: dict[str, Any] = field(default_factory=dict, compare=False)  # choices read once per page


Choices = Callable[[Ctx], list[tuple[str, str]]]


# The most characters a free-text input takes, by kind; pages, the API and the portal share them.
TEXT_LIMIT = 5000  # several lines: a note, a plan, an investigation's course of events
LINE_LIMIT = 200  # one line: an amount, a duration
MAX_LENGTH = {"text": TEXT_LIMIT, "line": LINE_LIMIT}


@dataclass(frozen=True)
class Input:
    name: str
    label: tuple[str, str]
    kind: str = "text"  # text (several lines) | line | choice | record (one of the complaint's handling records)
    required: bool = False
    choices: Choices | None = None  # for kind "choice": (value, shown) pairs
    initial: Callable[[Ctx], Any] | None = None  # the complaint's current value: a form never silently changes it
    limit: int | None = None  # fewer characters than the kind's, where the record's column is shorter

    def shown_label(self, lang: str) -> str:
        return self.label[1] if lang.startswith("en") else self.label[0]

    @property
    def max_length(self) -> int | None:
        """The most characters this input takes (text and line inputs), else None."""
        return self.limit or MAX_LENGTH.get(self.kind)


@dataclass(frozen=True)
class Step:
    code: str
    inputs: tuple[Input, ...]
    run: Callable[[Ctx, dict[str, Any], int | None], Any]

    def label(self, lang: str = "zh-hans") -> str:
        rule = rules.BY_ACTION.get(self.code) or rules.ACTIVITY_BY_ACTION.get(self.code)
        pair = rule.label if rule else (self.code, self.code)
        return pair[1] if lang.startswith("en") else pair[0]


# --- choices ----------------------------------------------------------------------------------------

def _departments(ctx: Ctx) -> list[tuple[str, str]]:
    if "departments" not in ctx.cache:  # several inputs name a department (transfer, help, responsible)
        active = Department.objects.filter(is_active=True).order_by("code")
        ctx.cache["departments"] = [(d.code, str(d)) for d in active]
    return list(ctx.cache["departments"])


def _staff(ctx: Ctx) -> list[tuple[str, str]]:
    if "staff" not in ctx.cache:  # several inputs name a person (responsible, reward, CAPA owner and verifier)
        people = Staff.objects.filter(is_active=True).exclude(password__startswith="!")  # not the channels' accounts
        ctx.cache["staff"] = [(s.username, s.display_name or s.username) for s in people.order_by("username")]
    return list(ctx.cache["staff"])


def _levels(ctx: Ctx) -> list[tuple[str, str]]:
    return [(lv.code, lv.name) for lv in ctx.policy.levels]


def category_choices(policy: Policy, lang: str = "zh-hans") -> list[tuple[str, str]]:
    """The policy's type tree as (code, indented name) pairs (``name_en`` in English); the
    registration forms and the filters use it too."""
    out: list[tuple[str, str]] = []
    english = lang.startswith("en")

    def walk(nodes: list[Any], depth: int) -> None:
        for n in nodes:
            out.append((n.code, "\u00a0\u00a0" * depth + n.name_en if english and n.name_en else "　" * depth + n.name))
            walk(n.children, depth + 1)
    walk(policy.categories, 0)
    return out


def _categories(ctx: Ctx) -> list[tuple[str, str]]:
    return category_choices(ctx.policy)


def _validity(ctx: Ctx) -> list[tuple[str, str]]:
    return [(v.code, v.name or VALIDITY_KINDS.get(v.code, (v.code,))[0]) for v in ctx.policy.validity]


def _compensation_kinds(ctx: Ctx) -> list[tuple[str, str]]:
    kinds = ctx.policy.compensation_catalogue()
    return [(k, kinds[k][0]) for k in ctx.policy.approvals.compensation_kinds]


def _fixed(*pairs: tuple[str, str]) -> Choices:
    return lambda ctx: list(pairs)


def _running_clocks(ctx: Ctx) -> list[tuple[str, str]]:
    return [(k.code, k.name) for k in ctx.complaint.clocks.filter(
        stopped_at__isnull=True, cancelled_at__isnull=True, paused_at__isnull=True).order_by("due_at")]


def _paused_clocks(ctx: Ctx) -> list[tuple[str, str]]:
    return [(k.code, k.name) for k in ctx.complaint.clocks.filter(paused_at__isnull=False, stopped_at__isnull=True,
                                                                    cancelled_at__isnull=True)]


def _pending_extensions(ctx: Ctx) -> list[tuple[str, str]]:
    return [(str(r.pk), f"{r.clock.name}：{r.reason}") for r in ExtensionRequest.objects.filter(
        complaint=ctx.complaint, state=ExtensionRequest.State.PENDING).select_related("clock")]


def _pending_approvals(ctx: Ctx) -> list[tuple[str, str]]:
    return [(str(a.pk), f"{a.threshold_label}：{a.plan}") for a in ctx.complaint.approvals.filter(
        state=Approval.State.PENDING).order_by("requested_at")]


def _finance_approvals(ctx: Ctx) -> list[tuple[str, str]]:
    return [(str(a.pk), f"{a.threshold_label}：{a.plan}") for a in ctx.complaint.approvals.filter(
        state=Approval.State.FINANCE).order_by("requested_at")]


def _open_assists(ctx: Ctx) -> list[tuple[str, str]]:
    return [(str(a.pk), f"{a.department}：{a.matter}") for a in ctx.complaint.assists.filter(
        answered_at__isnull=True).select_related("department").order_by("requested_at")]


def _open_capas(ctx: Ctx) -> list[tuple[str, str]]:
    return [(str(a.pk), f"{a.measure[:40]}（{a.owner.display_name or a.owner.username}）") for a in
            ctx.complaint.corrective_actions.filter(capa_open_q()).select_related("owner").order_by("due_at")]


def _capas_to_verify(ctx: Ctx) -> list[tuple[str, str]]:
    return [(str(a.pk), f"{a.measure[:40]}：{a.done_note[:40]}") for a in
            ctx.complaint.corrective_actions.filter(done_at__isnull=False).exclude(effective=True).order_by("done_at")]


def _penalties(ctx: Ctx) -> list[tuple[str, str]]:
    return [(str(p.pk), f"{p.reason}（{p.amount} 元）") for p in PenaltyEntry.objects.filter(
        complaint=ctx.complaint, waived_at__isnull=True).order_by("booked_at")]


# --- inputs -----------------------------------------------------------------------------------------

def _text(name: str, zh: str, en: str, required: bool = True, limit: int | None = None) -> Input:
    return Input(name, (zh, en), "text", required, limit=limit)


REASON = _text("reason", "说明", "Note", required=False)
VERDICT = Input("verdict", ("审批结论", "Decision"), "choice", True, _fixed(("approve", "同意"), ("reject", "驳回")))
DECISION_NOTE = _text("note", "审批意见（驳回须说明理由）", "Comment (required when rejecting)", required=False)
EXTENSION_NOTE = _text("note", "审批意见（驳回须说明理由）", "Comment (required when rejecting)", required=False,
                       limit=200)  # ExtensionRequest.decision_note is 200 characters


def _record(name: str, zh: str, en: str, choices: Choices) -> Input:
    """One of the complaint's handling records; the choices are the open ones, but the step itself
    says precisely why another one cannot be taken (already decided, not yours)."""
    return Input(name, (zh, en), "record", True, choices)


def _department_input(name: str, zh: str, en: str, required: bool = True,
                      initial: Callable[[Ctx], Any] | None = None) -> Input:
    return Input(name, (zh, en), "choice", required, _departments, initial)


def _obj(model: Any, ctx: Ctx, pk: str) -> Any:
    found = model.objects.filter(pk=int(pk), complaint=ctx.complaint).first() if pk.isdigit() else None
    if found is None:
        from django.utils.translation import override

        with override("zh-hans"):
            zh = f"本投诉没有编号为 {pk} 的{model._meta.verbose_name}"
        with override("en"):
            en = f"this complaint has no {str(model._meta.verbose_name).lower()} numbered {pk}"
        raise KesuError("bad_value", field="record", detail=Said(zh, en))
    return found


def _approve(v: dict[str, Any]) -> bool:
    return bool(v["verdict"] == "approve")


def _who(username: str | None) -> Staff | None:
    return Staff.objects.get(username=username) if username else None


def _kw(ctx: Ctx, version: int | None) -> dict[str, Any]:
    return {"actor": ctx.actor, "now": ctx.now, "expected_version": version}


def _reasoned(fn: Callable[..., Any], arg: str, name: str = "reason", label: tuple[str, str] = ("说明", "Note"),
              required: bool = True) -> tuple[tuple[Input, ...], Callable[[Ctx, dict[str, Any], int | None], Any]]:
    return ((Input(name, label, "text", required),),
            lambda ctx, v, ver: fn(ctx.complaint, **{arg: v.get(name, "")}, **_kw(ctx, ver)))


def _step(code: str, spec: tuple[tuple[Input, ...], Callable[[Ctx, dict[str, Any], int | None], Any]]) -> Step:
    return Step(code, *spec)


STEPS: dict[str, Step] = {s.code: s for s in (
    Step("classify", (
        Input("level", ("级别", "Level"), "choice", True, _levels, lambda ctx: ctx.complaint.level),
        Input("category", ("类别", "Category"), "choice", True, _categories, lambda ctx: ctx.complaint.category),
        Input("validity", ("有效性", "Validity"), "choice", True, _validity, lambda ctx: ctx.complaint.validity),
        REASON),
        lambda ctx, v, ver: lifecycle.classify(ctx.complaint, level=v["level"], category=v["category"],
                                               validity=v["validity"], reason=v.get("reason", ""), **_kw(ctx, ver))),
    _step("answer_invalid", _reasoned(lifecycle.answer_invalid, "explanation", "explanation",
                                      ("答复说明", "Explanation"))),
    Step("assign", (_department_input("department", "责任部门（留空按分派规则）", "Department (empty: routing rules)",
                                      required=False, initial=lambda ctx: ctx.complaint.department.code
                                      if ctx.complaint.department else None), REASON),
         lambda ctx, v, ver: lifecycle.assign(ctx.complaint, department=_dept(v.get("department")),
                                              reason=v.get("reason", ""), **_kw(ctx, ver))),
    _step("accept", _reasoned(lifecycle.accept, "reason", required=False)),
    _step("agree_solution", _reasoned(lifecycle.agree_solution, "plan", "plan", ("处理方案与初步协议", "Plan agreed"))),
    _step("return_result", _reasoned(lifecycle.return_result, "result", "result", ("处理结果", "Result"))),
    Step("record_satisfied", (_text("conversation", "回访记录", "Conversation"),),
         lambda ctx, v, ver: lifecycle.record_return_visit(ctx.complaint, satisfied=True,
                                                           conversation=v["conversation"], **_kw(ctx, ver))),
    Step("record_unsatisfied", (_text("conversation", "回访记录", "Conversation"),),
         lambda ctx, v, ver: lifecycle.record_return_visit(ctx.complaint, satisfied=False,
                                                           conversation=v["conversation"], **_kw(ctx, ver))),
    _step("sign_off", _reasoned(lifecycle.sign_off, "note", "note", ("签字意见", "Note"), required=False)),
    _step("review", _reasoned(lifecycle.review, "note", "note", ("审阅意见", "Note"), required=False)),
    _step("archive", _reasoned(lifecycle.archive, "note", "note", ("归档说明", "Note"), required=False)),
    _step("reopen", _reasoned(lifecycle.reopen, "reason", label=("重新开启原因", "Why reopen"))),
    _step("object", _reasoned(lifecycle.raise_objection, "objection", "objection", ("客户异议", "Objection"))),
    Step("uphold_objection", (_text("finding", "复审结论", "Finding"),),
         lambda ctx, v, ver: lifecycle.decide_objection(ctx.complaint, upheld=True, finding=v["finding"],
                                                        **_kw(ctx, ver))),
    Step("dismiss_objection", (_text("finding", "复审结论", "Finding"),),
         lambda ctx, v, ver: lifecycle.decide_objection(ctx.complaint, upheld=False, finding=v["finding"],
                                                        **_kw(ctx, ver))),
    # F13: a duplicate merged into the case that continues, and the undo while that case is open
    Step("merge", (Input("into", ("并入的投诉编号", "Merge into (complaint number)"), "line", True, limit=40),
                   _text("reason", "合并说明", "Why these are the same complaint")),
         lambda ctx, v, ver: lifecycle.merge(ctx.complaint, into=_complaint(v["into"]), reason=v["reason"],
                                             **_kw(ctx, ver))),
    _step("unmerge", _reasoned(lifecycle.unmerge, "reason", label=("撤销合并原因", "Why undo the merge"))),
    # activities
    Step("transfer", (_department_input("department", "接收部门", "Receiving department"),
                      _text("reason", "转交原因", "Reason for the transfer")),
         lambda ctx, v, ver: workflow.transfer(ctx.complaint, to_department=v["department"], reason=v["reason"],
                                               **_kw(ctx, ver))),
    _step("acknowledge_transfer", _reasoned(workflow.acknowledge_transfer, "note", "note", ("签收说明", "Note"),
                                            required=False)),
    Step("request_assist", (_department_input("department", "协办部门", "Helping department"),
                            _text("matter", "协办事项", "What help is needed"),
                            Input("within", ("协办时限（如 4h、1d；留空按制度默认）",
                                             "Within (e.g. 4h, 1d; empty: the policy's)"), "line")),
         lambda ctx, v, ver: workflow.request_assist(ctx.complaint, department=v["department"], matter=v["matter"],
                                                     within=v.get("within") or None, **_kw(ctx, ver))),
    _step("raise_level", _reasoned(workflow.raise_level, "reason", label=("提级原因", "Why raise it"))),
    # F16: between business units — up to the group and back down to a store
    _step("pass_up", _reasoned(workflow.pass_up, "reason", label=("上报说明（处理结果）", "Note (the result)"))),
    Step("pass_down", (Input("unit", ("下级单位", "Unit below"), "choice", True, lambda ctx: workflow.units_below(
        ctx.complaint)), _text("reason", "下派说明", "Why pass it down")),
         lambda ctx, v, ver: workflow.pass_down(ctx.complaint, to_unit=v["unit"], reason=v["reason"],
                                                **_kw(ctx, ver))),
    Step("submit_investigation", (
        Input("valid", ("投诉是否成立", "Complaint founded"), "choice", True, _fixed(("1", "成立"), ("0", "不成立"))),
        _text("cause", "原因", "Cause"), _text("course", "经过", "Course of events"),
        Input("responsible_staff", ("责任人", "Person responsible"), "choice", False, _staff),
        _department_input("responsible_department", "责任部门", "Department responsible", required=False),
        _text("conclusion", "结论", "Conclusion"),
        _text("corrective", "纠正措施", "Corrective action", required=False),
        _text("preventive", "预防措施", "Preventive action", required=False),
        Input("penalty", ("处罚金额（元，可空）", "Penalty (yuan, optional)"), "line")),
        lambda ctx, v, ver: workflow.submit_investigation(ctx.complaint, findings=workflow.Findings(
            valid=v["valid"] == "1", cause=v["cause"], course=v["course"], conclusion=v["conclusion"],
            corrective=v.get("corrective", ""), preventive=v.get("preventive", ""),
            responsible_staff=_who(v.get("responsible_staff")),
            responsible_department=v.get("responsible_department") or None, penalty=v.get("penalty") or None),
            **_kw(ctx, ver))),
    Step("request_approval", (
        Input("kind", ("审批事项", "What to approve"), "choice", True,
              _fixed(("solution", "处理方案"), ("compensation", "补偿"))),
        _text("plan", "方案说明", "Plan"),
        Input("compensation_kind", ("补偿方式", "Compensation"), "choice", False, _compensation_kinds),
        Input("amount", ("金额（元）", "Amount (yuan)"), "line"),
        Input("unattributable", ("费用无法明确归属部门（专案呈核）", "No department can be charged (special approval)"),
              "choice", False, _fixed(("0", "否"), ("1", "是")))),
        lambda ctx, v, ver: workflow.request_approval(
            ctx.complaint, kind=v["kind"], plan=v["plan"], compensation_kind=v.get("compensation_kind", ""),
            amount=v.get("amount") or None, unattributable=v.get("unattributable") == "1", **_kw(ctx, ver))),
    _step("inform_customer", _reasoned(workflow.inform_customer, "message", "message", ("告知内容", "Message"))),
    Step("grant_reward", (
        Input("to", ("奖励对象", "To"), "choice", True, _fixed(("customer", "客户"), ("staff", "员工"))),
        Input("staff", ("员工", "Staff member"), "choice", False, _staff),
        Input("form", ("方式", "Form"), "choice", True, _fixed(
            ("points", "积分"), ("coupon", "优惠券"), ("gift", "礼品"), ("cash", "现金"), ("commendation", "通报表扬"),
            ("bonus", "奖金"))),
        Input("amount", ("数额", "Amount"), "line"), _text("reason", "事由", "Why")),
        lambda ctx, v, ver: workflow.grant_reward(ctx.complaint, to=v["to"], form=v["form"], reason=v["reason"],
                                                  amount=v.get("amount") or None, staff=_who(v.get("staff")),
                                                  **_kw(ctx, ver))),
    _step("contact_made", _reasoned(lifecycle.record_contact, "note", "note", ("沟通内容", "What was said"))),
    _step("progress_call", _reasoned(lifecycle.record_progress_call, "note", "note", ("跟进情况", "Progress"))),
    _step("note", _reasoned(lifecycle.add_note, "note", "note", ("备注", "Note"))),
    Step("extension_requested", (
        _record("clock", "时限", "Clock", _running_clocks),
        Input("kind", ("方式", "Kind"), "choice", True,
              _fixed(("pause", "暂停计时（至恢复）"), ("extend", "延长时限"))),
        Input("extension", ("延长时长（如 24h、2d，仅“延长时限”）", "Extension (e.g. 24h, 2d)"), "line", limit=20),
        _text("reason", "原因", "Why")),
        lambda ctx, v, ver: extensions.request_extension(
            ctx.complaint, clock_code=v["clock"], kind=v["kind"], extension=v.get("extension", ""),
            reason=v["reason"], **_kw(ctx, ver))),
    Step("extension_decided", (_record("request", "延期申请", "Request", _pending_extensions), VERDICT, EXTENSION_NOTE),
         lambda ctx, v, ver: extensions.decide_extension(_obj(ExtensionRequest, ctx, v["request"]),
                                                         approve=_approve(v), note=v.get("note", ""),
                                                         **_kw(ctx, ver))),
    Step("clock_paused", (_record("clock", "时限", "Clock", _running_clocks), _text("reason", "原因", "Why")),
         lambda ctx, v, ver: extensions.pause_for_next_visit(ctx.complaint, clock_code=v["clock"], reason=v["reason"],
                                                             **_kw(ctx, ver))),
    Step("clock_resumed", (_record("clock", "时限", "Clock", _paused_clocks), _text("reason", "原因", "Why")),
         lambda ctx, v, ver: extensions.resume_clock(ctx.complaint, clock_code=v["clock"], reason=v["reason"],
                                                     **_kw(ctx, ver))),
    Step("approval_decided", (_record("approval", "审批事项", "Approval", _pending_approvals), VERDICT, DECISION_NOTE),
         lambda ctx, v, ver: workflow.decide_approval(_obj(Approval, ctx, v["approval"]), approve=_approve(v),
                                                      note=v.get("note", ""), **_kw(ctx, ver))),
    Step("finance_reviewed", (_record("approval", "审核事项", "Approval", _finance_approvals), VERDICT, DECISION_NOTE),
         lambda ctx, v, ver: workflow.finance_review(_obj(Approval, ctx, v["approval"]), approve=_approve(v),
                                                     note=v.get("note", ""), **_kw(ctx, ver))),
    Step("assist_answered", (_record("assist", "协办请求", "Help request", _open_assists),
                             _text("answer", "协办回复", "What was done")),
         lambda ctx, v, ver: workflow.answer_assist(_obj(AssistRequest, ctx, v["assist"]), answer=v["answer"],
                                                    **_kw(ctx, ver))),
    # issue 18: the ruling on accepting a complaint, notices to outside bodies, written replies, CAPA
    _step("request_acceptance", _reasoned(workflow.request_acceptance, "reason", label=(
        "投诉理由是否成立（呈报上级主管裁定）", "Whether the grounds hold (for the supervisor's ruling)"))),
    Step("external_notified", (Input("body", ("通报单位", "Body notified"), "line", True, limit=60),
                               _text("content", "通报内容", "What was reported")),
         lambda ctx, v, ver: workflow.notify_authorities(ctx.complaint, body=v["body"], content=v["content"],
                                                         **_kw(ctx, ver))),
    Step("written_reply", (_text("reply", "书面回复内容", "The written reply"),
                           Input("means", ("送达方式", "Sent by"), "choice", True, _fixed(
                               ("letter", "信函"), ("email", "电子邮件"), ("fax", "传真"), ("in_person", "当面送达")))),
         lambda ctx, v, ver: workflow.reply_in_writing(ctx.complaint, reply=v["reply"], means=v["means"],
                                                       **_kw(ctx, ver))),
    Step("capa_opened", (
        Input("kind", ("类型", "Kind"), "choice", True, _fixed(("corrective", "纠正措施"), ("preventive", "预防措施"))),
        _text("measure", "措施内容", "The measure"),
        Input("owner", ("负责人", "Owner"), "choice", True, _staff),
        Input("verifier", ("监督确认人（可空：按制度的确认角色）", "Verifier (empty: the policy's verifier roles)"),
              "choice", False, _staff),
        Input("within", ("完成期限（如 10d；留空按制度默认）", "Due within (e.g. 10d; empty: the policy's)"), "line",
              limit=20)),
        lambda ctx, v, ver: capa.open_action(ctx.complaint, kind=v["kind"], measure=v["measure"],
                                             owner=_who(v.get("owner")), verifier=_who(v.get("verifier")),
                                             within=v.get("within") or None, **_kw(ctx, ver))),
    Step("capa_done", (_record("capa", "纠正预防措施", "Corrective action", _open_capas),
                       _text("note", "落实情况", "What was done")),
         lambda ctx, v, ver: capa.record_done(_obj(CorrectiveAction, ctx, v["capa"]), note=v["note"],
                                              **_kw(ctx, ver))),
    Step("capa_verified", (_record("capa", "纠正预防措施", "Corrective action", _capas_to_verify),
                           Input("effective", ("效果", "Effect"), "choice", True,
                                 _fixed(("1", "有效"), ("0", "无效，重新落实"))),
                           _text("note", "确认意见（无效须说明）", "Comment (required when not effective)",
                                 required=False)),
         lambda ctx, v, ver: capa.verify(_obj(CorrectiveAction, ctx, v["capa"]), effective=v["effective"] == "1",
                                         note=v.get("note", ""), **_kw(ctx, ver))),
    Step("penalty_waived", (_record("entry", "扣罚", "Penalty", _penalties),  # PenaltyEntry.waive_reason: 200
                            _text("reason", "免除原因", "Reason for waiving", limit=200)),
         lambda ctx, v, ver: ledger.waive(_obj(PenaltyEntry, ctx, v["entry"]), reason=v["reason"], **_kw(ctx, ver))),
)}

# Steps the rulebook judges that are not in this registry: correcting the registered fields and
# adding files carry the record template's fields and uploads (lifecycle.edit_complaint and
# add_attachments; mail adds files to the case it answers). Neither has a staff page yet.
ELSEWHERE = frozenset({"edited", "attachment_added"})


def _complaint(number: str) -> Complaint:
    found = Complaint.objects.filter(number=number.strip()).first()
    if found is None:
        raise KesuError("bad_value", field="into", detail=Said(f"没有编号为 {number} 的投诉",
                                                               f"no complaint numbered {number}"))
    return found


def _dept(code: str | None) -> Department | None:
    if not code:
        return None
    return Department.objects.get(code=code, is_active=True)


def context(c: Complaint, actor: Staff, now: datetime) -> Ctx:
    return Ctx(c, policy_of(c.policy_version), actor, now)


def available(ctx: Ctx) -> list[Step]:
    """The steps ``ctx.actor`` may take on the complaint now (the rulebook's judgement)."""
    c = ctx.complaint
    codes = rules.available_actions(lifecycle.facts_of(c, ctx.policy, records=True, now=ctx.now),
                                    lifecycle.actor_facts(ctx.actor, c, ctx.now), lifecycle.workflow_roles(ctx.policy))
    return [STEPS[code] for code in codes if code in STEPS]


def read(step: Step, ctx: Ctx, raw: Mapping[str, Any]) -> dict[str, Any]:
    """The submitted values, checked against the step's inputs: unknown and missing fields, and
    choices outside their list, are refused by label before anything is written."""
    known = {i.name for i in step.inputs}
    problems = [KesuError("unknown_field", field=k) for k in raw if k not in known]
    values: dict[str, Any] = {}
    for i in step.inputs:
        value = raw.get(i.name)
        if isinstance(value, bool):
            value = "1" if value else "0"
        if isinstance(value, int | float):
            value = str(value)
        if value is not None and not isinstance(value, str):
            problems.append(KesuError("bad_type", field=i.name, label=i.label, expected=Said("字符串", "text"),
                                      value=type(value).__name__))
            continue
        value = (value or "").strip() if i.kind != "text" else (value or "")
        if not value.strip():
            if i.required:
                problems.append(KesuError("required", field=i.name, label=i.label))
            continue
        if "\x00" in value:  # no database keeps it in text (PostgreSQL refuses it)
            problems.append(KesuError("nul_character", field=i.name, label=i.label))
            continue
        if i.max_length is not None and len(value) > i.max_length:
            problems.append(KesuError("too_long", field=i.name, label=i.label, limit=i.max_length))
            continue
        if i.kind == "choice" and i.choices is not None:
            allowed = dict(i.choices(ctx))
            if value not in allowed:
                problems.append(KesuError("not_one_of", field=i.name, label=i.label, value=value,
                                          allowed="、".join(allowed.values()) or "（无）"))
                continue
        values[i.name] = value
    if problems:
        raise ValidationFailed(problems)
    return values


def perform(code: str, c: Complaint, raw: Mapping[str, Any], *, actor: Staff, now: datetime,
            expected_version: int | None) -> Complaint:
    """Take step ``code`` with the submitted ``raw`` values; the kernel judges and writes."""
    step = STEPS.get(code)
    if step is None:
        raise KesuError("not_one_of", field="action", value=code, allowed=", ".join(STEPS))
    ctx = context(c, actor, now)
    try:
        step.run(ctx, read(step, ctx, raw), expected_version)
    except KesuError as exc:  # the kernel names fields by code; say them as the step's form labels them
        labels = {i.name: i.label for i in step.inputs}
        first_text = next((i.name for i in step.inputs if i.kind == "text"), "")
        labels.setdefault("reason", labels.get(first_text, ("说明", "Note")))
        for e in exc.errors if isinstance(exc, ValidationFailed) else [exc]:
            if e.field and e.label is None and e.field in labels:
                e.label = labels[e.field]
        raise
    return Complaint.objects.get(pk=c.pk)
