"""Demo data for referrals: routing rules, mediator profiles, and cases in every referral state.

Cases are driven through the real service functions (intake, send, moves), so the demo exercises
the same paths as people do; only the clock is moved back so deadlines fall where they should.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from hub import audit
from hub.demo_context import DemoContext
from hub.events import Outbox
from hub.models import Setting
from referrals import committees, mediators, moves, sending, states
from referrals.agreements import agreements
from referrals.agreements import demo as agreement_demo
from referrals.assessment import demo as assessment_demo
from referrals.casefile import demo as casefile_demo
from referrals.cases.intake import CaseInput, ConsentInput, PartyInput, take_in
from referrals.court import demo as court_demo
from referrals.evidence import demo as evidence_demo
from referrals.grid import demo as grid_demo
from referrals.models import MediatorProfile, Referral, RoutingRule
from referrals.reports import demo as report_demo

MARK = "demo.referrals"


def _rules(a: dict[str, int]) -> list[RoutingRule]:
    return [
        RoutingRule(
            name="劳动争议交劳动争议调委会",
            priority=10,
            categories=["labour"],
            target_kind="agency",
            target_agency_id=a["SB-LABOUR"],
        ),
        RoutingRule(
            name="医疗纠纷交医调委",
            priority=20,
            categories=["medical"],
            target_kind="agency",
            target_agency_id=a["SB-MEDICAL"],
        ),
        RoutingRule(
            name="征地拆迁交专业调委会",
            priority=30,
            categories=["land_acquisition"],
            target_kind="agency",
            target_agency_id=a["SB-LAND"],
        ),
        RoutingRule(
            name="环境污染交环保调委会",
            priority=40,
            categories=["environmental"],
            target_kind="agency",
            target_agency_id=a["SB-ENV"],
        ),
        RoutingRule(
            name="企业改制纠纷交企业改制调委会",
            priority=42,
            categories=["enterprise_restructuring"],
            target_kind="agency",
            target_agency_id=a["SB-ENTERPRISE"],
        ),
        RoutingRule(
            name="教育纠纷交教育调委会",
            priority=44,
            categories=["education"],
            target_kind="agency",
            target_agency_id=a["SB-EDU"],
        ),
        # A group dispute of one of the six fields goes to its body (above, by priority); the
        # bureau and the station are told when it is sent. Only the others go to the bureau.
        RoutingRule(
            name="群体性纠纷（无专业归口）报司法局统筹",
            priority=48,
            flags_all=["group_dispute"],
            target_kind="agency",
            target_agency_id=a["JB"],
        ),
        RoutingRule(
            name="大额合同纠纷交司法所",
            priority=45,
            categories=["contract"],
            amount_min=Decimal("100000"),
            target_kind="agency",
            target_agency_id=a["JO01"],
        ),
        RoutingRule(
            name="日常纠纷交本所派驻调解室",
            priority=50,
            categories=[
                "neighbour",
                "family",
                "minor_injury",
                "traffic",
                "consumer",
                "property_management",
                "contract",
                "other",
            ],
            target_kind="stationed_room_of_sender",
        ),
        RoutingRule(
            name="兜底：本所派驻调解室",
            priority=1000,
            is_fallback=True,
            target_kind="stationed_room_of_sender",
        ),
        RoutingRule(
            name="兜底：司法局",
            priority=1001,
            is_fallback=True,
            target_kind="agency",
            target_agency_id=a["JB"],
        ),
    ]


@dataclass(frozen=True)
class Story:
    """One demo case: who took it in, what it is, and the moves it went through."""

    station: str
    category: str
    summary: str
    parties: tuple[tuple[str, str, str, str], ...]  # role, name, id number, phone
    moves: tuple[str, ...]
    days_ago: int
    amount: str | None = None
    flags: tuple[str, ...] = ()
    consent: bool = True


STORIES = (
    Story(
        "PS01",
        "neighbour",
        "楼上漏水浸湿楼下天花板，双方多次争吵。",
        (
            ("applicant", "王秀英", "330106197503121229", "13805710001"),
            ("respondent", "陈志强", "330106198011053316", "13905710002"),
        ),
        (),
        0,
    ),
    Story(
        "PS01",
        "family",
        "夫妻因家务琐事发生争执，一方要求调解。",
        (
            ("applicant", "刘芳", "330106198806180028", "13605710003"),
            ("respondent", "赵磊", "330106198602040015", "13705710004"),
        ),
        ("accept",),
        1,
    ),
    Story(
        "PS02",
        "minor_injury",
        "酒后口角引发推搡，一方轻微擦伤。",
        (
            ("applicant", "孙浩", "330106199201150031", "15005710005"),
            ("respondent", "周伟", "330106199007070054", "15105710006"),
        ),
        ("accept", "assign", "start_mediation"),
        5,
    ),
    Story(
        "PS01",
        "consumer",
        "顾客与餐馆就菜品质量与退款发生纠纷。",
        (
            ("applicant", "吴婷", "330106199512120040", "15205710007"),
            ("respondent", "郑建国", "330106197011110072", "15305710008"),
        ),
        ("decline:不属于本室受理范围，建议向消保委投诉",),
        9,
    ),
    Story(
        "PS02",
        "traffic",
        "非机动车与行人相撞，就医药费赔偿协商未果。",
        (
            ("applicant", "冯丽", "330106198304230064", "15605710009"),
            ("respondent", "何勇", "330106197909090012", "15705710010"),
        ),
        ("expire",),
        3,
    ),
    Story(
        "PS01",
        "property_management",
        "业主与物业就停车费收取发生争执。",
        (
            ("applicant", "许明", "330106197612120014", "15805710011"),
            ("respondent", "青川物业公司", "", "057186400111"),
        ),
        ("withdraw:双方已自行和解",),
        12,
    ),
    Story(
        "PS02",
        "contract",
        "装修合同款项结算争议，金额较大。",
        (
            ("applicant", "韩梅", "330106198107070022", "15905710012"),
            ("respondent", "曹军", "330106197701010036", "18005710013"),
        ),
        ("accept", "onward:SB-LABOUR"),
        15,
        amount="38000",
    ),
    Story(
        "PS01",
        "neighbour",
        "邻居装修噪音扰民，协商一致。",
        (
            ("applicant", "杨静", "330106199108080040", "18105710014"),
            ("respondent", "朱强", "33010619890909005X", "18205710015"),
        ),
        ("accept", "assign", "start_mediation", "resolve"),
        20,
        amount="2000",
    ),
    Story(
        "PS02",
        "family",
        "兄弟间因赡养老人费用分摊产生矛盾。",
        (
            ("applicant", "马红", "33010619680505002X", "18305710016"),
            ("respondent", "马刚", "330106197102020013", "18405710017"),
        ),
        ("accept", "assign", "start_mediation", "fail:双方分歧过大，建议诉讼"),
        25,
    ),
    Story(
        "PS01",
        "minor_injury",
        "打架致一方鼻骨轻微损伤，双方愿意调解赔偿。",
        (
            ("applicant", "林涛", "330106199303030073", "18505710018"),
            ("respondent", "高峰", "330106199404040094", "18605710019"),
        ),
        ("accept", "assign", "start_mediation", "resolve", "apply_confirmation", "accept_application"),
        28,
        amount="6000",
    ),
    Story(
        "PS02",
        "traffic",
        "电动车追尾，就修车费达成协议并申请司法确认。",
        (
            ("applicant", "罗娜", "330106198712120067", "18705710020"),
            ("respondent", "梁斌", "330106198510100092", "18805710021"),
        ),
        (
            "accept",
            "assign",
            "start_mediation",
            "resolve",
            "apply_confirmation",
            "accept_application",
            "confirm",
        ),
        40,
        amount="3500",
    ),
    Story(
        "PS01",
        "consumer",
        "网购家电质量纠纷，调解后履行完毕。",
        (
            ("applicant", "宋佳", "330106199606060085", "18905710022"),
            ("respondent", "谢东", "330106198808080039", "13005710023"),
        ),
        (
            "accept",
            "assign",
            "start_mediation",
            "resolve",
            "apply_confirmation",
            "accept_application",
            "confirm",
            "close",
        ),
        60,
        amount="1200",
    ),
    Story(
        "PS02",
        "neighbour",
        "宅基地边界纠纷，法院不予确认。",
        (
            ("applicant", "唐亮", "330106197202020053", "13105710024"),
            ("respondent", "韦芳", "330106197303030066", "13205710025"),
        ),
        (
            "accept",
            "assign",
            "start_mediation",
            "resolve",
            "apply_confirmation",
            "accept_application",
            "refuse_confirmation:协议内容涉及土地权属，不属于司法确认范围",
        ),
        50,
    ),
    Story(
        "PS01",
        "labour",
        "十余名工人讨要拖欠工资，聚集在工地门口。",
        tuple(("applicant", n, "", "") for n in ("黄建华", "蒋文", "沈涛", "彭飞", "潘勇"))
        + (("respondent", "青川建工有限公司", "", "057186400222"),),
        (),
        0,
        amount="168000",
        flags=("group_dispute",),
    ),
    Story(
        "PS02",
        "family",
        "家庭纠纷，当事人尚未同意调解。",
        (
            ("applicant", "田雨", "330106199909090011", "13305710026"),
            ("respondent", "田野", "330106199808080025", "13405710027"),
        ),
        (),
        0,
        consent=False,
    ),
    # The court's queue (referrals.court.demo): an application waiting to be accepted, one whose
    # correction the court asked for, and one the court refused that is being mediated again.
    Story(
        "PS01",
        "neighbour",
        "相邻通道堆放杂物引发争执，达成协议后申请司法确认。",
        (
            ("applicant", "秦月", "330106198912120028", "13505710028"),
            ("respondent", "邱平", "330106198703030031", "13505710029"),
        ),
        ("accept", "assign", "start_mediation", "resolve", "apply_confirmation"),
        2,
        amount="500",
    ),
    Story(
        "PS01",
        "contract",
        "房屋租赁押金退还纠纷，法院要求补正材料。",
        (
            ("applicant", "江涛", "330106199104040016", "13505710030"),
            ("respondent", "范丽", "330106198206060043", "13505710031"),
        ),
        (
            "accept",
            "assign",
            "start_mediation",
            "resolve",
            "apply_confirmation",
            "accept_application",
            "request_correction:请补充提交申请人范丽的身份证明复印件及租赁合同",
        ),
        9,
        amount="4000",
    ),
    Story(
        "PS01",
        "consumer",
        "健身卡退费纠纷，法院不予确认后重新调解。",
        (
            ("applicant", "贺新", "330106199702020019", "13505710032"),
            ("respondent", "青川某健身有限公司", "", "057186400333"),
        ),
        (
            "accept",
            "assign",
            "start_mediation",
            "resolve",
            "apply_confirmation",
            "accept_application",
            "refuse_confirmation:协议约定的退费金额与所附合同约定不一致，权利义务不明确",
            "reopen_mediation:法院不予确认，双方同意重新调解变更协议",
        ),
        35,
        amount="2600",
    ),
)


# Every receiving kind at work (issue #13): each specialised body settles a case of its field,
# the justice bureau takes a group dispute no field claims, a judicial office mediates a large
# contract; a group wage claim (above) goes to the labour body. Village committees get theirs
# from the grid (``referrals.grid.demo``).
RECEIVER_STORIES = (
    Story(
        "PS01",
        "labour",
        "保洁员被辞退后讨要加班费，与物业公司协商未果。",
        (("applicant", "齐秀兰", "", "13505710031"), ("respondent", "青川保洁服务公司", "", "057186400333")),
        ("accept", "assign", "start_mediation", "resolve"),
        18,
        amount="4200",
    ),
    Story(
        "PS02",
        "land_acquisition",
        "村民对房屋拆迁补偿面积认定有异议，与拆迁实施单位发生争执。",
        (
            ("applicant", "殷国庆", "", "13505710032"),
            ("respondent", "青川区城市更新公司", "", "057186400444"),
        ),
        ("accept", "assign", "start_mediation", "resolve"),
        26,
        amount="56000",
    ),
    Story(
        "PS01",
        "medical",
        "患者术后感染，家属与医院就赔偿发生纠纷。",
        (
            ("applicant", "巩立新", "", "13505710033"),
            ("respondent", "青川区第二人民医院", "", "057186400555"),
        ),
        ("accept", "assign", "start_mediation", "resolve"),
        33,
        amount="30000",
    ),
    Story(
        "PS02",
        "environmental",
        "养殖场异味影响周边居民，双方就整改与补偿协商。",
        (("applicant", "祁海燕", "", "13505710034"), ("respondent", "青川绿源养殖场", "", "057186400666")),
        ("accept", "assign", "start_mediation", "resolve"),
        22,
        amount="8000",
    ),
    Story(
        "PS01",
        "enterprise_restructuring",
        "企业改制后职工安置补偿标准存在争议。",
        (("applicant", "井建国", "", "13505710035"), ("respondent", "青川机械厂", "", "057186400777")),
        ("accept", "assign", "start_mediation", "resolve"),
        30,
        amount="45000",
    ),
    Story(
        "PS02",
        "education",
        "学生在校体育课受伤，家长与学校就赔偿发生争议。",
        (("applicant", "段文军", "", "13505710036"), ("respondent", "青川区实验小学", "", "057186400888")),
        ("accept", "assign", "start_mediation", "resolve"),
        16,
        amount="12000",
    ),
    Story(
        "PS01",
        "education",
        "家长对学校收取课后服务费用有异议。",
        (("applicant", "富丽华", "", "13505710037"), ("respondent", "青川区第三中学", "", "057186400999")),
        ("accept",),
        2,
    ),
    Story(
        "PS02",
        "environmental",
        "工厂夜间排放废气，多户居民投诉。",
        (("applicant", "步志强", "", "13505710038"), ("respondent", "青川化工厂", "", "057186401000")),
        ("accept", "assign", "start_mediation"),
        6,
    ),
    Story(
        "PS01",
        "neighbour",
        "小区十余户业主与邻楼业主因通道占用发生群体性纠纷。",
        tuple(("applicant", n, "", "") for n in ("单海燕", "盖红梅", "车德明"))
        + (("respondent", "路春燕", "", "13505710039"),),
        ("accept", "assign", "start_mediation"),
        4,
        flags=("group_dispute",),
    ),
    Story(
        "PS02",
        "contract",
        "建材买卖合同货款纠纷，金额较大。",
        (("applicant", "边金宝", "", "13505710040"), ("respondent", "青川建材商行", "", "057186401111")),
        ("accept", "assign", "start_mediation"),
        8,
        amount="150000",
    ),
    Story(
        "PS01",
        "contract",
        "工程分包款结算纠纷，经司法所调解达成协议。",
        (("applicant", "暴建华", "", "13505710046"), ("respondent", "青川路桥工程公司", "", "057186401333")),
        ("accept", "assign", "start_mediation", "resolve"),
        35,
        amount="260000",
    ),
    Story(
        "PS02",
        "family",
        "家族二十余人因祖坟迁移补偿分配发生群体性争执。",
        tuple(("applicant", n, "", "") for n in ("仇国庆", "栾秀英", "冀明辉"))
        + (("respondent", "仇建国", "", "13505710047"),),
        (),
        0,
        flags=("group_dispute",),
    ),
)


async def load(ctx: DemoContext) -> None:
    async with ctx.db.write() as s:
        # Rooms and judicial offices mediate for their street's (town's) committee; village
        # committees and specialised bodies are committees of their own. Idempotent, so a demo
        # database from before committees existed gets them too.
        await committees.derive_committees(s)
    async with ctx.db.write() as s:
        if await s.scalar(select(Setting.id).where(Setting.key == MARK)):
            return
        if not await s.scalar(select(RoutingRule.id).limit(1)):
            s.add_all(_rules(ctx.agencies))
            s.add_all(grid_demo.committee_rules(ctx.agencies, ctx.areas))
        if not await s.scalar(select(MediatorProfile.user_id).limit(1)):
            for username, user_id in ctx.users.items():
                if username.startswith("mediator"):
                    odd = int(username[-2:]) % 2
                    s.add(
                        MediatorProfile(
                            user_id=user_id,
                            specialties=["neighbour", "family"]
                            if odd
                            else ["minor_injury", "traffic", "consumer"],
                        )
                    )
    for number, story in enumerate(STORIES, start=1):
        await _play(ctx, story, number)
    for number, story in enumerate(RECEIVER_STORIES, start=len(STORIES) + 1):
        await _play(ctx, story, number)
    await grid_demo.load(ctx)
    # What the cases led to: agreements with their visits, evidence files, reports and warnings.
    await agreement_demo.load(ctx)
    await court_demo.load(ctx)
    await evidence_demo.attach_demo_files(ctx)
    await casefile_demo.load(ctx)
    await report_demo.load(ctx)
    await assessment_demo.load(ctx)
    async with ctx.db.write() as s:
        s.add(Setting(key=MARK, value=ctx.now.isoformat()))


async def _play(ctx: DemoContext, story: Story, number: int) -> None:
    station = ctx.agencies[story.station]
    liaison = ctx.users[f"liaison_{story.station.lower()}"]
    started = ctx.now - timedelta(days=story.days_ago, hours=2)
    outbox = Outbox()
    actor = audit.Actor(liaison, station)
    data = CaseInput(
        channel="call_110" if number % 2 else "walk_in",
        category=story.category,
        summary=story.summary,
        incident_no=f"J{started:%Y%m%d}{number:04d}",
        area_id=None,
        address="青川区某街道某号",
        amount=Decimal(story.amount) if story.amount else None,
        flags=frozenset(story.flags),
        parties=tuple(PartyInput(*p) for p in story.parties),
        consent=ConsentInput("、".join(p[1] for p in story.parties[:2]), started, "signed_form")
        if story.consent
        else None,
    )
    async with ctx.db.write() as s:
        case = await take_in(s, actor, station, data, started, outbox)
        if not story.consent:
            return
        referral = await sending.send(s, actor, case, sender_agency_id=station, now=started, outbox=outbox)
    clock = started
    for step in story.moves:
        clock += timedelta(hours=6)
        name, _sep, reason = step.partition(":")
        async with ctx.db.write() as s:
            current = await s.get(Referral, referral.id)
            assert current is not None
            receiver = await _receiver(ctx, current.to_agency_id)
            sides = {states.Side.receiver}
            if name == "assign":
                choice = (await mediators.propose_mediators(s, current))[0]
                await mediators.assign_mediator(
                    s, receiver, current, choice.user_id, sides=sides, outbox=outbox
                )
            elif name == "onward":
                onward = await sending.refer_onward(
                    s,
                    receiver,
                    current,
                    target_agency_id=ctx.agencies[reason],
                    reason="涉及劳务费用，转专业调委会",
                    now=clock,
                    outbox=outbox,
                    sides=sides,
                )
                referral = onward
            elif name == "expire":
                current.accept_due = clock - timedelta(minutes=1)
                await moves.move(
                    s,
                    None,
                    current,
                    moves.Move("expire", "acceptance deadline passed"),
                    sides={states.Side.system},
                    now=clock,
                    outbox=outbox,
                )
            elif name in court_demo.COURT_SIDE:
                await moves.move(
                    s,
                    court_demo.court_actor(ctx),
                    current,
                    moves.Move(name, reason),
                    sides={states.Side.court},
                    now=clock,
                    outbox=outbox,
                )
            elif name == "withdraw":
                await moves.move(
                    s,
                    actor,
                    current,
                    moves.Move(name, reason),
                    sides={states.Side.sender},
                    now=clock,
                    outbox=outbox,
                )
            else:
                await moves.move(
                    s,
                    receiver,
                    current,
                    moves.Move(name, reason),
                    sides=sides,
                    now=clock,
                    outbox=outbox,
                    effects=agreements.EFFECTS,
                )


async def _receiver(ctx: DemoContext, agency_id: int) -> audit.Actor:
    from hub.models import User

    async with ctx.db.read() as s:
        user_id = await s.scalar(
            select(User.id).where(User.agency_id == agency_id).order_by(User.id).limit(1)
        )
    return audit.Actor(user_id, agency_id)
