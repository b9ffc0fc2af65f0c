"""A realistic demo organisation (a 4S dealership under preset P1) and a few hundred complaints in
every state and level, created through the real lifecycle actions so their timelines are real."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from kesu.complaints import lifecycle
from kesu.complaints.models import Complaint
from kesu.core.lifecycle import State
from kesu.core.policy import Policy
from kesu.core.registration import RegistrationInput
from kesu.core.roles import Role
from kesu.org.models import Department, Staff, StaffRole, Unit
from kesu.org.services import designate_deputy
from kesu.policies.models import PolicyVersion
from kesu.policies.services import active_version, import_and_publish, policy_of
from kesu.workflow import services as workflow

DEMO_PASSWORD = "kesu-demo-2026"

DEPARTMENTS = [  # code, name, parent, is_location
    ("company", "华安汽车 4S 店", None, False),
    ("gm_office", "总经理办公室", "company", False),
    ("customer_service", "客服部", "company", False),
    ("after_sales", "售后服务部", "company", True),
    ("repair_team", "机电维修班组", "after_sales", False),
    ("sales", "销售部", "company", True),
    ("parts", "配件部", "company", False),
    ("admin", "行政部", "company", False),
    ("finance", "财务部", "company", False),
    ("hr", "人事行政部", "company", False),
    ("legal", "法务与品牌部", "company", False),
]
DEPARTMENT_ENGLISH = {  # shown on English pages (Department.name_en)
    "company": "Hua'an Motors 4S dealership", "gm_office": "General manager's office",
    "customer_service": "Customer service", "after_sales": "After-sales service", "repair_team": "Repair crew",
    "sales": "Sales", "parts": "Parts", "admin": "Administration", "finance": "Finance", "hr": "Human resources",
    "legal": "Legal and brand", "east_after_sales": "East store after-sales",
    "west_after_sales": "West store after-sales",
}


@dataclass(frozen=True)
class Person:
    username: str
    name: str
    roles: tuple[str, ...]
    departments: tuple[str, ...]
    manages: str | None = None


PEOPLE = [
    Person("wangkf", "王客服", (Role.CS_AGENT,), ("customer_service",)),
    Person("chenhf", "陈回访", (Role.CS_AGENT,), ("customer_service",)),
    Person("zhoujl", "周经理", (Role.CS_MANAGER,), ("customer_service",), manages="customer_service"),
    Person("zhangzong", "张总", (Role.GM,), ("gm_office",), manages="gm_office"),
    Person("lijl", "李经理", (Role.DEPT_MANAGER,), ("after_sales",), manages="after_sales"),
    Person("liudl", "刘代理", (Role.HANDLER,), ("after_sales",)),
    Person("sunsf", "孙师傅", (Role.HANDLER,), ("repair_team",), manages="repair_team"),
    Person("zhaojl", "赵经理", (Role.DEPT_MANAGER,), ("sales",), manages="sales"),
    Person("qianyg", "钱员工", (Role.STAFF,), ("sales",)),
    Person("xupj", "许配件", (Role.DEPT_MANAGER,), ("parts",), manages="parts"),
    Person("wucw", "吴财务", (Role.FINANCE,), ("finance",), manages="finance"),
    Person("zhengjh", "郑稽核", (Role.AUDITOR,), ("finance",)),
    Person("fengda", "冯档案", (Role.ARCHIVIST,), ("admin",), manages="admin"),
    Person("churs", "褚人事", (Role.HR,), ("hr",), manages="hr"),
    Person("weifw", "卫法务", (Role.LEGAL,), ("legal",), manages="legal"),
    Person("admin", "系统管理员", (Role.SYSADMIN,), ("company",)),
]

# F16: a small group with two stores — the dealer group of seed 000's 4S policy. The departments
# above are the group's; each store has its after-sales department, a manager and a CS agent.
UNITS = [  # code, name, English name, kind, parent
    ("huaan_group", "华安汽车集团", "Hua'an Motor Group", "group", None),
    ("store_east", "华安东区 4S 店", "Hua'an East 4S store", "store", "huaan_group"),
    ("store_west", "华安西区 4S 店", "Hua'an West 4S store", "store", "huaan_group"),
]
UNIT_DEPARTMENTS = [  # code, name, unit
    ("east_after_sales", "东区店售后服务部", "store_east"),
    ("west_after_sales", "西区店售后服务部", "store_west"),
]
UNIT_PEOPLE = [  # the person, and their unit
    (Person("dongdz", "董店长", (Role.DEPT_MANAGER, Role.CS_MANAGER), ("east_after_sales",),
            manages="east_after_sales"), "store_east"),
    (Person("dongkf", "东区客服", (Role.CS_AGENT,), ("east_after_sales",)), "store_east"),
    (Person("xidz", "席店长", (Role.DEPT_MANAGER, Role.CS_MANAGER), ("west_after_sales",),
            manages="west_after_sales"), "store_west"),
]


def load_demo_units(people: dict[str, Staff], now: datetime) -> dict[str, Staff]:
    """The group and its two stores: the group's departments belong to the group; each store has
    its own department and people, and the west store its own published policy version (a copy of
    the group's, to show a unit under its own version)."""
    with transaction.atomic():
        made: dict[str, Unit] = {}
        for code, name, name_en, kind, parent in UNITS:
            made[code] = Unit.objects.create(code=code, name=name, name_en=name_en, kind=kind,
                                             parent=made.get(parent or ""))
        Department.objects.filter(unit__isnull=True).update(unit=made["huaan_group"])
        depts = {code: Department.objects.create(code=code, name=name, unit=made[unit], is_location=True,
                                                 name_en=DEPARTMENT_ENGLISH.get(code, ""))
                 for code, name, unit in UNIT_DEPARTMENTS}
        group = Group.objects.get(name="客诉员工")
        for p, unit in UNIT_PEOPLE:
            staff = Staff.objects.create_user(
                username=p.username, password=DEMO_PASSWORD, display_name=p.name, is_staff=True,
                phone=f"1390001{len(people):04d}", unit=made[unit])
            staff.departments.set([depts[d] for d in p.departments])
            staff.groups.add(group)
            StaffRole.objects.bulk_create([StaffRole(staff=staff, role=r) for r in p.roles])
            if p.manages:
                Department.objects.filter(pk=depts[p.manages].pk).update(manager=staff)
            people[p.username] = staff
        group_version = PolicyVersion.objects.filter(pk=active_version().pk).values_list("source_text", flat=True)
        import_and_publish(text=group_version[0], actor=None, now=now, unit=made["store_west"],
                           note="西区店沿用集团制度，单独发布")
    return people


WORDS = {
    "repair_quality": ["上周刚做完保养，今天发动机故障灯又亮了，你们到底修没修好？",
                       "更换刹车片后一直有异响，开起来很吓人。", "空调维修后还是不制冷，白跑了两趟。"],
    "repair_time": ["说好下午三点交车，等到六点还没修完，也没人通知我。", "预约了九点保养，排队等了两个小时。"],
    "parts": ["配件说要等一个月，车一直停在店里，我上班怎么办？", "换的配件不是原厂件，和报价单不一致。"],
    "charges": ["结算时多收了 380 元工时费，事先没有告知。", "保养套餐说包含机油滤芯，结账又单独收费。"],
    "vehicle_delivery": ["提车时发现车门有划痕，销售说是运输造成的，不给处理。",
                         "交车时承诺的脚垫和行车记录仪都没给。"],
    "sales_promise": ["买车时说送三次免费保养，现在不认账。"],
    "attitude": ["前台接待态度很差，问两句就不耐烦。", "打了三次电话都没人接，接了也是推脱。"],
    "insurance_claim": ["事故理赔拖了一个月，每次都说在走流程。"],
    "facilities": ["休息区空调不开，洗手间也很脏。"],
    "other": ["停车场收费不合理，来保养还要交停车费。"],
}
SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜"
GIVEN = ["先生", "女士", "伟", "芳", "娜", "敏", "静", "强", "磊", "洋", "勇", "艳", "杰", "涛", "明"]
PLATES = "京沪粤苏浙鲁川"

# The states the demo spreads complaints over, with how many of each (in order along the flow).
TARGETS: list[tuple[State, int]] = [
    (State.REGISTERED, 20), (State.CLASSIFIED, 15), (State.INVALID_ANSWERED, 15), (State.ASSIGNED, 25),
    (State.HANDLING, 35), (State.SOLUTION_AGREED, 25), (State.FOLLOW_UP, 25), (State.OBJECTED, 5), (State.REOPENED, 15),
    (State.SATISFIED, 20), (State.SIGNED_OFF, 20), (State.REVIEWED, 20), (State.ARCHIVED, 60),
]


def load_demo_organisation(now: datetime) -> dict[str, Staff]:
    with transaction.atomic():
        depts: dict[str, Department] = {}
        for code, name, parent, is_location in DEPARTMENTS:
            depts[code] = Department.objects.create(code=code, name=name, parent=depts.get(parent or ""),
                                                    is_location=is_location, name_en=DEPARTMENT_ENGLISH.get(code, ""))
        group, _ = Group.objects.get_or_create(name="客诉员工")
        group.permissions.set(Permission.objects.filter(
            content_type__app_label__in=["complaints"], codename__startswith="view_"))
        people: dict[str, Staff] = {}
        for p in PEOPLE:
            staff = Staff.objects.create_user(
                username=p.username, password=DEMO_PASSWORD, display_name=p.name, is_staff=True,
                is_superuser=Role.SYSADMIN in p.roles, phone=f"1390000{len(people):04d}",
            )
            staff.departments.set([depts[d] for d in p.departments])
            staff.groups.add(group)
            StaffRole.objects.bulk_create([StaffRole(staff=staff, role=r) for r in p.roles])
            if p.manages:
                Department.objects.filter(pk=depts[p.manages].pk).update(manager=staff)
            people[p.username] = staff
        after_sales = Department.objects.get(code="after_sales")
        designate_deputy(department=after_sales, deputy=people["liudl"], actor=people["lijl"], now=now,
                         reason="李经理外出培训期间由刘代理担任责任代理人")
    return people


def load_routed_departments(policy: Policy, people: dict[str, Staff]) -> list[Department]:
    """Issue 18: a preset's routing may send cases to departments the demo organisation lacks (P6's
    理赔部, P7's 技术部 and 质量部门). Each gets its department under the top one, named as the rule
    names its processing unit, and a demo manager (``<code>_head``) who takes the cases routed there —
    so a preset runs as it is with the demo. Departments that exist are left as they are."""
    top = Department.objects.filter(parent__isnull=True).order_by("pk").first()
    group, _ = Group.objects.get_or_create(name="客诉员工")
    made: list[Department] = []
    with transaction.atomic():
        for rule in policy.routing:
            code = rule.department
            if code.startswith("@") or Department.objects.filter(code=code).exists():
                continue
            name = rule.unit or code
            dept = Department.objects.create(code=code, name=name, parent=top, unit_id=top.unit_id if top else None)
            head = Staff.objects.create_user(username=f"{code}_head", password=DEMO_PASSWORD, is_staff=True,
                                             display_name=f"{name}负责人", phone=f"1390002{len(made):04d}")
            head.departments.set([dept])
            head.groups.add(group)
            StaffRole.objects.create(staff=head, role=Role.DEPT_MANAGER)
            Department.objects.filter(pk=dept.pk).update(manager=head)
            people[head.username] = head
            made.append(dept)
    return made


def demo_complaints_fit(policy: Policy) -> bool:
    """Whether the demo's complaints (a 4S dealership's: P1's categories, levels and plate numbers)
    can be registered under ``policy``; another preset gets the organisation without them."""
    return (set(WORDS) <= set(policy.category_codes())
            and {"dissatisfied", "very_dissatisfied", "major", "crisis"} <= {lv.code for lv in policy.levels}
            and any(f.code == "plate_number" for f in policy.record_fields))


def load_demo_complaints(people: dict[str, Staff], now: datetime, *, seed: int = 7) -> int:
    rng = random.Random(seed)
    plan = [state for state, n in TARGETS for _ in range(n)]
    rng.shuffle(plan)
    policy_levels = ["dissatisfied", "very_dissatisfied", "major", "crisis"]
    receivers = [people[u] for u in ("wangkf", "chenhf", "qianyg", "lijl")]
    depts = {d.code: d for d in Department.objects.all()}
    start = now - timedelta(days=60)
    for i, target in enumerate(plan):
        category = rng.choice(list(WORDS))
        # spread over 56 days: the longest walk takes under two days, so no event lies in the future
        t = start + timedelta(minutes=int((i / len(plan)) * 60 * 24 * 56) + rng.randint(0, 90))
        complained = depts["sales"] if category in ("vehicle_delivery", "sales_promise") else (
            depts["parts"] if category == "parts" else depts["after_sales"])
        data = RegistrationInput(
            channel=rng.choice(["phone", "phone", "walk_in", "suggestion_box", "web"]),
            customer_words=rng.choice(WORDS[category]),
            customer_name=rng.choice(SURNAMES) + rng.choice(GIVEN),
            customer_phone=rng.choice(["138", "139", "135", "186", "158"]) + str(rng.randint(10000000, 99999999)),
            customer_region=rng.choice(["朝阳区", "海淀区", "丰台区", "通州区"]),
            amount_involved=Decimal(rng.choice([0, 200, 380, 1200, 5600])) or None,
            demands=tuple(rng.sample(["refund", "repair", "apology", "compensation", "explanation"], 2)),
            extra={"plate_number": f"{rng.choice(PLATES)}{chr(65 + rng.randint(0, 25))}{rng.randint(10000, 99999)}"},
        )
        c = lifecycle.register_complaint(actor=rng.choice(receivers), now=t, data=data,
                                         complained_department=complained,
                                         location=complained if complained.is_location else None)
        _walk(c, target, people, t, rng, rng.choice(policy_levels), category)
    return len(plan) + _store_complaints(people, now, rng)


def _store_complaints(people: dict[str, Staff], now: datetime, rng: random.Random) -> int:
    """F16: the stores' own complaints (when the demo units are loaded): registered by the store,
    handled there, and the finished ones reported up to the group's customer service."""
    stores = {u.code: u for u in Unit.objects.filter(code__in=["store_east", "store_west"])}
    if len(stores) < 2:
        return 0
    count = 0
    start = now - timedelta(days=20)
    for store, dept_code, receiver in (("store_east", "east_after_sales", "dongkf"),
                                       ("store_west", "west_after_sales", "xidz")):
        dept = Department.objects.get(code=dept_code)
        for i, target in enumerate((State.REGISTERED, State.HANDLING, State.FOLLOW_UP, State.FOLLOW_UP,
                                    State.ARCHIVED)):
            t = start + timedelta(days=3 * i, hours=rng.randint(1, 8))
            category = rng.choice(["repair_quality", "repair_time", "charges"])
            data = RegistrationInput(
                channel="walk_in", customer_words=rng.choice(WORDS[category]),
                customer_name=rng.choice(SURNAMES) + rng.choice(GIVEN),
                customer_phone="137" + str(rng.randint(10000000, 99999999)),
                extra={"plate_number": f"{rng.choice(PLATES)}B{rng.randint(10000, 99999)}"})
            c = lifecycle.register_complaint(actor=people[receiver], now=t, data=data, complained_department=dept,
                                             location=dept, unit_id=stores[store].pk)
            _walk(c, target, people, t, rng, "dissatisfied", category)
            c.refresh_from_db()
            if target == State.FOLLOW_UP and i == 2:  # 4S: the store reports the result to the group
                workflow.pass_up(c, actor=dept.manager or people[receiver], now=c.updated_at + timedelta(hours=2),
                                 reason="门店已处理完毕，处理结果反馈集团客服部回访")
            count += 1
    return count


def _walk(c: Complaint, target: State, people: dict[str, Staff], t: datetime, rng: random.Random, level: str,
          category: str) -> None:
    """Take the complaint along the P1 flow until it reaches ``target``."""
    cs, specialist = people["wangkf"], people["chenhf"]

    def step(minutes: int) -> datetime:
        nonlocal t
        t += timedelta(minutes=minutes + rng.randint(0, minutes))
        return t

    if target == State.REGISTERED:
        return
    validity = "enquiry" if target == State.INVALID_ANSWERED else "valid"
    c = lifecycle.classify(c, actor=cs, now=step(2), level=level, category=category, validity=validity)
    if target == State.CLASSIFIED:
        return
    if target == State.INVALID_ANSWERED:
        lifecycle.answer_invalid(c, actor=cs, now=step(30), explanation="经核实属咨询，已向客户解释保养政策。")
        return
    dept = c.complained_department
    assert dept is not None
    c = lifecycle.assign(c, actor=cs, now=step(5), department=dept, reason="填写协调工作单，交被投诉部门经理")
    if target == State.ASSIGNED:
        return
    manager = c.owner or dept.manager
    assert manager is not None
    c = lifecycle.accept(c, actor=manager, now=step(3))
    c = lifecycle.record_contact(c, actor=manager, now=step(8), note="已致电客户致歉，了解详细情况")
    if target == State.HANDLING:
        return
    policy = policy_of(c.policy_version)
    if level in policy.approvals.solution_levels:  # P1: the GM approves solutions of major and crisis cases
        a = workflow.request_approval(c, actor=manager, now=step(5), kind="solution",
                                      plan="免费返修并赠送一次保养，另补偿 300 元礼券")
        workflow.decide_approval(a, actor=people["zhangzong"], now=step(15), approve=True, note="同意")
        a = workflow.request_approval(c, actor=manager, now=step(2), kind="compensation", compensation_kind="voucher",
                                      amount=300, plan="补偿 300 元礼券")
        workflow.decide_approval(a, actor=people["zhangzong"], now=step(10), approve=True, note="同意")
        workflow.finance_review(a, actor=people["wucw"], now=step(30), approve=True, note="已核")
    c = lifecycle.agree_solution(c, actor=manager, now=step(5), plan="免费返修并赠送一次保养，客户初步同意")
    if target == State.SOLUTION_AGREED:
        return
    c = lifecycle.record_progress_call(c, actor=specialist, now=step(40), note="客户表示已安排返修")
    c = lifecycle.return_result(c, actor=manager, now=step(300), result="已完成返修，试车正常")
    if target == State.FOLLOW_UP:
        return
    if target == State.OBJECTED:
        lifecycle.raise_objection(c, actor=cs, now=step(600), objection="客户认为补偿不足，要求上级复审")
        return
    satisfied = target != State.REOPENED
    c = lifecycle.record_return_visit(c, actor=specialist, now=step(600), satisfied=satisfied,
                                      conversation="客户对处理结果满意" if satisfied else "客户认为问题仍未解决")
    if target in (State.SATISFIED, State.REOPENED):
        return
    c = lifecycle.sign_off(c, actor=people["zhoujl"], now=step(60))
    if target == State.SIGNED_OFF:
        return
    c = lifecycle.review(c, actor=people["zhangzong"], now=step(120))
    if target == State.REVIEWED:
        return
    lifecycle.archive(c, actor=people["fengda"], now=step(240))
