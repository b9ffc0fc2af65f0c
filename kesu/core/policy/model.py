"""The policy document (SPEC F1): what one organisation's 客户投诉处理制度 says, as data.

Structure and types are checked by pydantic when a document is parsed; the cross-references
(a clock naming an unknown level, a role that does not exist …) by :mod:`.checks`. Both report
the offending field by its path, e.g. ``clocks[2].targets.urgent``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
)
from pydantic_core import PydanticCustomError

from kesu.core.catalogues import CHANNELS, COMPENSATION_KINDS, DEMANDS
from kesu.core.policy.durations import Duration
from kesu.core.roles import ROLE_CODES
from kesu.core.roles import role_label as builtin_role_label

POLICY_FORMAT = 1


def _parse_duration(value: Any) -> Duration:
    if isinstance(value, str) and value.strip().startswith("-"):
        raise PydanticCustomError("duration_not_positive", "duration must be positive", {"value": value})
    try:
        d = Duration.parse(value)
    except ValueError:
        raise PydanticCustomError("bad_duration", "malformed duration", {"value": str(value)}) from None
    if not d.is_positive:
        raise PydanticCustomError("duration_not_positive", "duration must be positive", {"value": str(value)})
    return d


def _money_out(value: Decimal) -> int | str:
    return int(value) if value == value.to_integral_value() else str(value)


def _money_in(value: Any) -> Any:
    if isinstance(value, float):  # YAML 20.5 → keep the written digits, not binary float noise
        return str(value)
    return value


def _as_list(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


DurationField = Annotated[Duration, BeforeValidator(_parse_duration), PlainSerializer(str, return_type=str)]
Money = Annotated[
    Decimal,
    BeforeValidator(_money_in),
    Field(ge=0, max_digits=14, decimal_places=2),
    PlainSerializer(_money_out),
]
Code = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=100)]
TimeMode = Literal["calendar", "working"]


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)


def named(thing: Any, lang: str, field: str = "name") -> str:
    """A policy item's name in the reader's language: ``name_en`` (``label_en``, ``unit_en`` …) in
    English when the policy gives one, else the policy's own (Chinese) wording."""
    if lang.startswith("en"):
        english = getattr(thing, f"{field}_en", "")
        if english:
            return str(english)
    return str(getattr(thing, field))


class Level(_Doc):
    """A severity level (P1: 不满意 / 非常不满意 / 重大投诉 / 危机事件)."""

    code: Code
    name: Name
    name_en: str = ""
    order: int = Field(ge=1)
    contact_attempts: int | None = Field(default=None, ge=1)  # 对应次数; None = 视情形而定
    penalty: Money = Decimal(0)  # 超时扣罚, yuan
    description: str = ""
    description_en: str = ""


class Clock(_Doc):
    """A time limit: from one lifecycle event to another, per level (SPEC F6)."""

    code: Code
    name: Name
    start: str
    stop: Annotated[list[str], BeforeValidator(_as_list), Field(min_length=1)]  # the first of these stops it
    targets: dict[str, DurationField]  # level code → target; "*" = every other level
    channel_targets: dict[str, DurationField] = {}  # channel → target that replaces the level's (现场 10 分钟)
    time: TimeMode = "calendar"
    responsible: str  # a role, or "owner" / "receiver" (the person in that position on the complaint)
    warn_before: DurationField | None = None
    penalty: bool = False  # a breach books the level's 超时扣罚 for the responsible person
    # Issue 18: this clock's own amount (yuan), booked at breach whatever the level (implies a penalty)
    penalty_amount: Money | None = None
    # Issue 18: the clock runs only for complaints of these categories (and those below them); all when empty
    categories: list[str] = []
    # category → target that replaces the level's (the nearest category up the tree wins);
    # ``channel_targets`` replace it again
    category_targets: dict[str, DurationField] = {}
    # Issue 18 "not before" (P1: 回访专员 40 分钟后致电): a stop event earlier than ``not_before`` after
    # the start does not stop the clock — it is recorded, flagged as too early, and the clock stays due
    not_before: DurationField | None = None
    escalate_to: str | None = None  # role notified at breach (default: the manager above)
    description: str = ""
    name_en: str = ""
    # A promise to the customer (受理 24 小时内, 3 个工作日内答复): listed in the public notice and on
    # the portal. Internal clocks (a hand-off, the follow-up specialist's progress call) are not.
    customer_facing: bool = False
    customer_name: str = ""  # how the notice words it for the customer (else ``name``)
    customer_name_en: str = ""


class Category(_Doc):
    code: Code
    name: Name
    name_en: str = ""
    children: list[Category] = []


BUILTIN_VALIDITY = Literal["valid", "enquiry", "help", "venting", "malicious"]


class ValidityKind(_Doc):
    """A validity kind: one of Kesu's five, or the policy's own (抱怨类) saying which of the five it
    counts as (``counts_as``) — the rulebook (only ``valid`` is handled as a complaint) and the
    reports go by that."""

    code: Code
    name: Name
    name_en: str = ""
    counts_as: BUILTIN_VALIDITY | None = None

    @property
    def kind(self) -> str:
        return self.counts_as or self.code


RoleCode = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=20)]


class PolicyRole(_Doc):
    """A role the policy names (总裁办, 店长, 合伙人, 董事长, 危机小组 …): people hold it as they hold a
    built-in role, the policy names it wherever it names a role (clocks, approvals, workflow,
    recipients), and it carries the powers of the built-in roles in ``acts_as``."""

    code: RoleCode
    name: Name
    name_en: str = ""
    acts_as: Annotated[list[str], BeforeValidator(_as_list)] = []
    description: str = ""
    description_en: str = ""


class NamedTerm(_Doc):
    """A word of the policy's own vocabulary — a channel (QQ, 400 热线, 12315 转办), a demand (减价), a
    compensation kind (保价赔付) — with its names and, optionally, the built-in one it behaves as."""

    code: Code
    name: Name
    name_en: str = ""
    counts_as: str | None = None


class RoutingCondition(_Doc):
    levels: list[str] = []
    categories: list[str] = []  # a category matches itself and everything below it
    channels: list[str] = []
    locations: list[str] = []

    @property
    def is_empty(self) -> bool:
        return not (self.levels or self.categories or self.channels or self.locations)


class RoutingRule(_Doc):
    """Where a complaint goes. ``department`` is a department code of the organisation or one of
    ``@complained`` (the department complained about), ``@location`` (the unit where it
    happened, e.g. the store) or ``@receiver`` (首问负责: the first receiver's department)."""

    when: RoutingCondition = RoutingCondition()
    department: Annotated[str, StringConstraints(min_length=1, max_length=60)]
    unit: str = ""  # the policy's name for the processing unit (一级处理单位 …)
    unit_en: str = ""


class ApprovalThreshold(_Doc):
    up_to: Money | None  # None: above every limit → 专案呈核 (special approval)
    approver: str
    finance_review: bool = False
    label: str = ""
    label_en: str = ""


# Whom an approval stage or a committee names: a role code, or ``person:<login>`` (one person).
Approver = Annotated[str, StringConstraints(min_length=1, max_length=80)]
# What an approval chain approves (issue 18): a solution, a compensation, special approval (专案呈核),
# a transfer (喜临门: 经总经理审批后转交), whether a complaint is accepted at all (manufacturer: 呈报上级
# 主管裁定是否受理), a reward (mall: 人评会决议，并呈上级予以奖励).
ChainFor = Literal["solution", "compensation", "special", "transfer", "acceptance", "reward"]


class Committee(_Doc):
    """A body that decides by vote (law firm: 合伙人会议 / 所务会议; mall: 人评会). ``members`` are roles
    (every holder votes) or ``person:<login>``; a decision needs ``quorum`` votes, and then the
    ``majority`` of the votes cast in favour (``simple``: more than half, ``two_thirds``, ``unanimous``)."""

    code: Code
    name: Name
    name_en: str = ""
    members: Annotated[list[Approver], Field(min_length=1)]
    quorum: int = Field(default=1, ge=1)
    majority: Literal["simple", "two_thirds", "unanimous"] = "simple"


class ApprovalStage(_Doc):
    """One step of a chain: a role (``approver``) or a committee decides; when the approver is marked
    absent, or has not decided within ``fallback_after``, the ``fallback`` roles may decide instead
    (law firm: 分管合伙人不在，则由主任或其他合伙人处理)."""

    approver: Approver | None = None
    committee: str | None = None
    fallback: list[Approver] = []
    fallback_after: DurationField | None = None
    label: str = ""
    label_en: str = ""


class ApprovalChain(_Doc):
    """Approvers in order for one kind of matter (``applies_to``) of the ``levels`` and ``categories``
    named (every one when empty; a category covers those below it). The first chain that matches
    applies; its stages replace the single approver the section names otherwise."""

    code: Code
    name: Name
    name_en: str = ""
    applies_to: ChainFor
    levels: list[str] = []
    categories: list[str] = []
    stages: Annotated[list[ApprovalStage], Field(min_length=1)]


class Approvals(_Doc):
    solution_levels: list[str] = []  # levels whose solution the solution_approver must approve
    solution_approver: str = "gm"
    compensation: list[ApprovalThreshold] = []  # 权限核决表, ascending
    compensation_kinds: list[str] = []
    charge_to: Literal["responsible_department", "originating_department_pr", "company"] = (
        "responsible_department"
    )
    # A cost no department can be charged with (mall: 无法明确归属部门者，以专案呈报处理): to the
    # table's open, last threshold (special approval), or simply to the company.
    unattributable: Literal["special_approval", "company"] = "special_approval"
    chains: list[ApprovalChain] = []
    committees: list[Committee] = []

    def chain_for(self, kind: str, level: str | None, category_path: list[str]) -> ApprovalChain | None:
        """The first chain for ``kind`` that names the complaint's level and category (or none)."""
        for chain in self.chains:
            if chain.applies_to != kind:
                continue
            if chain.levels and level not in chain.levels:
                continue
            if chain.categories and not set(chain.categories) & set(category_path):
                continue
            return chain
        return None

    def committee(self, code: str) -> Committee | None:
        return next((c for c in self.committees if c.code == code), None)


class FollowUp(_Doc):
    return_visit_within: DurationField | None = None
    time: TimeMode = "calendar"
    max_unsatisfied_rounds: int = Field(default=3, ge=1)  # beyond: escalate
    escalate_to: str = "gm"
    objection_reviewer: str = "gm"  # 复审 by the level above
    callback_required: bool = True
    # F8/F10 复审: how long after the case is closed (客服经理签字) the customer may still object —
    # archived or not. Kesu's default where a policy names none.
    objection_within: DurationField = Duration.parse("30d")


class RequiredStep(_Doc):
    """A step the policy requires for complaints of ``levels`` / ``categories`` (all when both are
    empty; a category covers those below it) before the complaint may take the ``before`` step."""

    levels: list[str] = []
    categories: list[str] = []
    before: Literal["agree_solution", "return_result", "sign_off"] = "sign_off"

    def applies(self, level: str | None, category_path: list[str]) -> bool:
        if self.levels and level not in self.levels:
            return False
        return not self.categories or bool(set(self.categories) & set(category_path))


class Handling(_Doc):
    """F5/F7/F9 handling rules beyond the clocks (Kesu's defaults where the seeds name no time)."""

    transfer_acknowledge_within: DurationField = Duration.parse("2h")  # 转交处理联系单: receiver signs
    transfer_escalate_to: str = "cs_manager"  # told when a transfer is not acknowledged in time
    assist_within: DurationField = Duration.parse("24h")  # 协办: default due time of a help request
    assist_time: TimeMode = "calendar"
    investigation_levels: list[str] = []  # levels whose solution needs an investigation report first
    finding_penalties: bool = True  # investigation findings may book penalties (F9)
    # Issue 18: 向相关管理部门通报 and 书面形式回复, required for some levels/categories before a step.
    external_notice: RequiredStep | None = None
    external_bodies: list[Annotated[str, StringConstraints(min_length=1, max_length=60)]] = []
    written_reply: RequiredStep | None = None


class Capa(_Doc):
    """Corrective and preventive actions (纠正预防措施; 4S: 总经理批准预防纠正措施并指派人员进行监督，
    检查预防纠正措施的落实; manufacturer: 改善方案的提出、执行效果跟踪和确认): each has an owner, a
    due date ``due_within`` after it is opened (on the calendar ``time``), a warning ``warn_before``
    and, when overdue, ``escalate_to`` is told; the effect is verified by someone other than the
    owner, holding one of ``verifiers`` (or named as the action's verifier). ``required_levels``:
    a case of these levels cannot be signed off before an action was opened and every one verified."""

    opened_by: str | None = None  # the role that opens them (default: owner, manager, CS manager, GM)
    verifiers: list[Approver] = ["cs_manager", "gm"]
    due_within: DurationField = Duration.parse("10d")
    time: TimeMode = "working"
    warn_before: DurationField | None = Duration.parse("1d")
    escalate_to: str = "gm"
    required_levels: list[str] = []


class Rewards(_Doc):
    """F9: rewards to staff and to customers whose feedback was valid, and the discipline list."""

    staff: bool = True  # staff rewards for saving a major loss or winning public praise
    customer_kinds: list[Literal["points", "coupon", "gift", "cash"]] = []
    discipline_list_day: int = Field(default=10, ge=1, le=28)  # last month's list is due by this day


class KeywordRule(_Doc):
    """Words that signal trouble in what a customer writes (曝光, 12315, 律师 …): the complaint is
    flagged for review, and registered at least at ``level`` when one is given (SPEC F3, F13)."""

    words: Annotated[list[Annotated[str, StringConstraints(min_length=1, max_length=20)]], Field(min_length=1)]
    level: str | None = None
    note: str = ""


class ReportSchedule(_Doc):
    """When one report is delivered and to whom (seed 002: 每月 5 日前呈报董事长). The weekly report
    goes out from ``day`` of the week (1 = Monday), the monthly from ``day`` of the month, the
    yearly from ``day`` of January; ``by_day`` is the deadline it is due by (shown, and the task
    delivers at the latest then). ``recipients``: roles or ``person:<login>`` (else the section's)."""

    report: Literal["weekly", "monthly", "yearly", "capa"]
    day: int = Field(default=1, ge=1, le=28)
    by_day: int | None = Field(default=None, ge=1, le=28)
    recipients: list[Approver] = []


class Reporting(_Doc):
    """F11: who receives the weekly, monthly and yearly analysis reports (seed 000 第八条: 总经理;
    seed 002: the monthly report reaches the top by the 5th)."""

    recipients: Annotated[list[str], Field(min_length=1)] = ["cs_manager", "gm"]
    schedules: list[ReportSchedule] = []

    def schedule(self, report: str) -> ReportSchedule | None:
        return next((s for s in self.schedules if s.report == report), None)


class Repeats(_Doc):
    """F13: a complaint by the same customer, or about the same problem, within ``window`` of an
    earlier one is a repeated complaint (shown beside the earlier case, counted in reports)."""

    window: DurationField = Duration.parse("30d")


class Workflow(_Doc):
    sign_off: str = "cs_manager"
    review: str | None = "gm"  # None: the policy has no GM review step
    archive: str = "archivist"
    extension_approver: str = "gm"


class Numbering(_Doc):
    pattern: Annotated[str, StringConstraints(min_length=1, max_length=60)] = "{yy}{mm}{dd}{seq:3}"
    reset: Literal["year", "month", "day", "never"] = "year"


class RecordField(_Doc):
    """An industry field of the record template (plate number, unit number, batch number …)."""

    code: Code
    name: Name
    name_en: str = ""
    type: Literal["text", "number", "date", "choice"] = "text"
    required: bool = False
    choices: list[str] = []  # the values stored (the policy's own words)
    choices_en: list[str] = []  # the same choices as English pages show them, in the same order
    max_length: int | None = Field(default=None, ge=1, le=2000)
    # The customer is known by it (plate, VIN, room): their other complaints with the same value are
    # part of their history (issue 12).
    identifies_customer: bool = False
    # Issue 18: the field belongs to these categories' form (and those below them), e.g. the
    # 《药品不良反应登记表》 of adverse-reaction complaints; every category's when empty
    categories: list[str] = []
    form: str = ""  # the paper form it belongs to (药品不良反应登记表)
    form_en: str = ""

    def choice_label(self, value: str, lang: str) -> str:
        """How a page in ``lang`` shows the stored choice ``value``: its ``choices_en`` partner in
        English when the policy gives one; the stored value (the policy's own word) otherwise."""
        if lang.startswith("en") and value in self.choices:
            at = self.choices.index(value)
            if at < len(self.choices_en) and self.choices_en[at]:
                return self.choices_en[at]
        return value


class Attachments(_Doc):
    max_size_mb: int = Field(default=20, ge=1, le=500)
    max_count: int = Field(default=10, ge=1, le=100)
    types: list[Annotated[str, StringConstraints(pattern=r"^[a-z0-9]{1,8}$")]] = [
        "jpg", "jpeg", "png", "gif", "webp", "heic", "pdf", "doc", "docx", "xls", "xlsx", "txt",
        "mp3", "m4a", "amr", "wav", "mp4", "mov",
    ]


class Retention(_Doc):
    years: int = Field(ge=1, le=100)
    then: Literal["archive", "purge"] = "archive"
    # PIPL art. 47: a customer may have their data erased before the period ends (kesu.privacy)
    erasure_allowed: bool = True


_FULL = ["cs_agent", "cs_manager", "gm", "owner", "manager"]  # who calls the customer back or handles the case
_OTHERS = ["staff", "dept_manager", "handler", "finance", "auditor", "archivist", "hr", "legal", "sysadmin"]


class PersonalKind(_Doc):
    """Who sees one kind of personal data: ``full`` the value, ``masked`` a masked one (138****5678);
    every other role nothing. Roles by code, ``owner`` (the case's handler) and ``manager`` (who
    manages the case's department or acts for them)."""

    full: list[str] = []
    masked: list[str] = []


class PersonalData(_Doc):
    """F12 least access (kesu.core.personal). The defaults are Kesu's behaviour before the section:
    phone, e-mail and ID numbers in full for customer service, the GM, the case's handler and
    department manager, masked for everybody else; names and addresses for everybody. ``reveal``:
    kinds a reader allowed the full value still sees masked until they ask with a reason (logged)."""

    phone: PersonalKind = PersonalKind(full=_FULL, masked=_OTHERS)
    email: PersonalKind = PersonalKind(full=_FULL, masked=_OTHERS)
    id_number: PersonalKind = PersonalKind(full=_FULL, masked=_OTHERS)
    address: PersonalKind = PersonalKind(full=_FULL + _OTHERS)
    name: PersonalKind = PersonalKind(full=_FULL + _OTHERS)
    reveal: list[Literal["phone", "email", "id_number", "address", "name"]] = ["phone", "email", "id_number"]

    def rule(self, kind: str) -> PersonalKind:
        return getattr(self, kind)  # type: ignore[no-any-return]


# ---- notifications (SPEC F14) and crisis response (SPEC F13) ------------------------------------
# Whom a route or a crisis alert reaches: a role code (every active holder), ``@owner`` /
# ``@receiver`` (the person in that position on the complaint), ``@department`` (the manager of the
# complaint's department, or of the one complained about before routing), ``@customer`` (by SMS or
# e-mail as they gave it, in their language), ``@department_robot`` (the group robots configured for
# the complaint's department), ``@approver`` (who may decide the approval waiting:
# event ``approval_waiting`` only), ``person:<login>``, ``department:<code>`` (its manager) or
# ``robot:<code>`` (a group robot of 企业微信 / 钉钉 / 飞书 configured by an administrator). The event
# ``report_ready`` (a scheduled report generated) concerns no complaint: roles, persons, departments, robots.
PersonChannel = Literal["inapp", "email", "sms"]
Target = Annotated[str, StringConstraints(min_length=1, max_length=80)]


class Route(_Doc):
    """When ``event`` happens (to a complaint of ``levels``, all when empty), tell ``to`` by
    ``channels`` within ``within``. Robots named in ``to`` post to their group whatever the
    channels; persons get each channel once. ``quiet: false`` ignores personal quiet hours."""

    event: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    levels: list[str] = []
    to: Annotated[list[Target], Field(min_length=1)]
    channels: list[PersonChannel] = ["inapp"]
    within: DurationField | None = None
    quiet: bool = True
    # the message's wording (default: the event's), e.g. customer_result, customer_rating
    template: Annotated[str, StringConstraints(pattern=r"^([a-z][a-z0-9_]*)?$", max_length=40)] = ""
    note: str = ""


class Notifications(_Doc):
    """F14 routes; whether persons may set quiet hours (a crisis ignores them); issue 13: past
    ``breach_digest_after`` breach notices a day, one person's further breaches are folded into
    one digest notice for that day."""

    routes: list[Route] = []
    quiet_hours: bool = True
    breach_digest_after: int = Field(default=3, ge=1)


class CrisisRepeat(_Doc):
    """A repeated complaint: ``count`` complaints by the same customer within ``within`` — the same
    phone, e-mail address or member number (their blind indexes, as kesu.intelligence matches them)."""

    count: int = Field(default=2, ge=2)
    within: DurationField
    # whether a repeat alone raises the level to crisis.raise_to (a phone is a rough key: two unrelated
    # complaints by one customer are a repeat too), or only alerts and leaves the level to the agent
    raise_level: bool = False


class Crisis(_Doc):
    """F13 crisis signals and the response (seed 000 篇一 1.3, 2.5, 2.6: 危机事件处理小组 led by the
    GM; 重大投诉 reported to brand and legal within 24 hours). A signal — one of ``keywords`` in the
    customer's words, a repeated complaint, a level in ``levels`` — raises the complaint to at least
    ``raise_to`` and alerts ``team``, ``legal`` and ``brand`` by every channel in ``channels``
    (robots among the targets too) within ``alert_within``. Nobody of the team acknowledging
    within ``acknowledge_within`` alerts ``escalate_to``."""

    keywords: list[Annotated[str, StringConstraints(min_length=1, max_length=20)]] = []
    levels: list[str] = []
    repeat: CrisisRepeat | None = None
    raise_to: str | None = None
    team: list[Target] = []
    legal: list[Target] = []
    brand: list[Target] = []
    channels: list[PersonChannel] = ["inapp", "email", "sms"]
    alert_within: DurationField = Duration.parse("30m")
    acknowledge_within: DurationField = Duration.parse("1h")
    escalate_to: list[Target] = ["gm"]


class Organisation(_Doc):
    """Who the customer is dealing with (SPEC F10 客户投诉须知): the company, its complaint hotline
    and address, as the public notice and the portal show them."""

    name: str = ""
    name_en: str = ""
    hotline: Annotated[str, StringConstraints(max_length=40)] = ""
    address: str = ""
    address_en: str = ""
    hours: str = ""  # when the hotline answers (周一至周日 8:30–18:00)
    hours_en: str = ""


class Policy(_Doc):
    """One complete complaint-handling policy (客户投诉处理制度)."""

    kesu_policy: int = POLICY_FORMAT
    code: Code
    name: Name
    name_en: str = ""
    industry: str = ""
    source: str = ""
    effective_date: date | None = None
    description: str = ""
    description_en: str = ""
    organisation: Organisation = Organisation()
    channels: list[str]
    # Issue 18: the policy's own vocabulary beside Kesu's built-in catalogues
    roles: list[PolicyRole] = []
    custom_channels: list[NamedTerm] = []
    custom_demands: list[NamedTerm] = []
    custom_compensation_kinds: list[NamedTerm] = []
    levels: list[Level] = Field(min_length=1)
    clocks: list[Clock] = []
    categories: list[Category] = Field(min_length=1)
    validity: list[ValidityKind] = Field(min_length=1)
    routing: list[RoutingRule] = Field(min_length=1)
    approvals: Approvals = Approvals()
    follow_up: FollowUp = FollowUp()
    workflow: Workflow = Workflow()
    handling: Handling = Handling()
    keywords: list[KeywordRule] = []
    reporting: Reporting = Reporting()
    repeats: Repeats = Repeats()
    rewards: Rewards = Rewards()
    numbering: Numbering = Numbering()
    record_fields: list[RecordField] = []
    attachments: Attachments = Attachments()
    retention: Retention
    personal_data: PersonalData = PersonalData()
    notifications: Notifications = Notifications()
    crisis: Crisis | None = None
    capa: Capa = Capa()

    # ---- lookups used by the rest of the product -------------------------------------------
    def level(self, code: str) -> Level | None:
        return next((lv for lv in self.levels if lv.code == code), None)

    def category_codes(self) -> set[str]:
        out: set[str] = set()
        stack = list(self.categories)
        while stack:
            c = stack.pop()
            out.add(c.code)
            stack.extend(c.children)
        return out

    def category_path(self, code: str) -> list[Category]:
        """The category and its ancestors, root first; empty when unknown."""

        def walk(nodes: list[Category], trail: list[Category]) -> list[Category]:
            for node in nodes:
                if node.code == code:
                    return [*trail, node]
                found = walk(node.children, [*trail, node])
                if found:
                    return found
            return []

        return walk(self.categories, [])

    def category_and_below(self, code: str) -> list[str]:
        """The category's code and those of every category under it; empty when unknown (a list
        filtered by a category shows its sub-categories' complaints too)."""
        path = self.category_path(code)
        out, stack = [], path[-1:]
        while stack:
            node = stack.pop()
            out.append(node.code)
            stack.extend(node.children)
        return out

    def category_trail(self, code: str | None) -> list[str]:
        """The category's code and its ancestors' (a rule naming a category covers those below it)."""
        return [c.code for c in self.category_path(code)] if code else []

    def clocks_for(self, level: str, channel: str = "", category: str = "") -> list[tuple[Clock, Duration]]:
        """Each clock that runs for ``level``, ``channel`` and ``category``, with its target there:
        the level's, replaced by the nearest category target up the tree, replaced by the
        channel's. A clock limited to categories runs only for those and the ones below them."""
        out = []
        path = [c.code for c in self.category_path(category)] if category else []
        for clock in self.clocks:
            if clock.categories and not set(clock.categories) & set(path):
                continue
            target = clock.targets.get(level, clock.targets.get("*"))
            for code in reversed(path):
                if code in clock.category_targets:
                    target = clock.category_targets[code]
                    break
            if target is not None:
                out.append((clock, clock.channel_targets.get(channel, target)))
        return out

    # ---- the policy's own vocabulary (issue 18) --------------------------------------------------
    def role_codes(self) -> tuple[str, ...]:
        """Every role the policy may name: Kesu's and its own."""
        return (*ROLE_CODES, *(r.code for r in self.roles))

    def role(self, code: str) -> PolicyRole | None:
        return next((r for r in self.roles if r.code == code), None)

    def powers(self) -> dict[str, frozenset[str]]:
        """Each policy role → the built-in roles whose powers it carries."""
        return {r.code: frozenset(r.acts_as) for r in self.roles}

    def role_label(self, code: str, lang: str = "zh-hans") -> str:
        own = self.role(code)
        if own is not None:
            return named(own, lang)
        return builtin_role_label(code, lang) if code in ROLE_CODES else code

    def channel_catalogue(self) -> dict[str, tuple[str, str]]:
        return {**CHANNELS, **{t.code: (t.name, t.name_en or t.name) for t in self.custom_channels}}

    def channel_kind(self, code: str) -> str:
        """The built-in channel a channel behaves as (itself, or a custom one's ``counts_as``)."""
        own = next((t for t in self.custom_channels if t.code == code), None)
        return (own.counts_as or code) if own is not None else code

    def demand_catalogue(self) -> dict[str, tuple[str, str]]:
        return {**DEMANDS, **{t.code: (t.name, t.name_en or t.name) for t in self.custom_demands}}

    def compensation_catalogue(self) -> dict[str, tuple[str, str]]:
        return {**COMPENSATION_KINDS,
                **{t.code: (t.name, t.name_en or t.name) for t in self.custom_compensation_kinds}}

    def validity_kind(self, code: str | None) -> str | None:
        """The built-in kind a validity code counts as (抱怨类 → enquiry …); None when unset."""
        if not code:
            return None
        own = next((v for v in self.validity if v.code == code), None)
        return own.kind if own is not None else code

    def fields_for(self, category: str = "") -> list[RecordField]:
        """The record fields of a complaint of ``category``: every category's, and the ones that
        belong to it or a category above it."""
        path = {c.code for c in self.category_path(category)} if category else set()
        return [f for f in self.record_fields if not f.categories or set(f.categories) & path]
