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
from hub.demo_context import DemoContext, DemoLogin
from hub.events import Outbox
from hub.models import Setting
from referrals import mediators, moves, sending, states
from referrals.agreements import agreements
from referrals.agreements import demo as agreement_demo
from referrals.assessment import demo as assessment_demo
from referrals.cases.intake import CaseInput, ConsentInput, PartyInput, take_in
from referrals.evidence import demo as evidence_demo
from referrals.models import MediatorProfile, Referral, RoutingRule
from referrals.reports import demo as report_demo

MARK = "demo.referrals"


def _rules(a: dict[str, int]) -> list[RoutingRule]:
    return [
        RoutingRule(
            name="群体性纠纷报司法局统筹",
            priority=5,
            flags_all=["group_dispute"],
            target_kind="agency",
            target_agency_id=a["JB"],
        ),
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
        ("accept", "assign", "start_mediation", "resolve", "apply_confirmation"),
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
        ("accept", "assign", "start_mediation", "resolve", "apply_confirmation", "confirm"),
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
        ("accept", "assign", "start_mediation", "resolve", "apply_confirmation", "confirm", "close"),
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
)


async def load(ctx: DemoContext) -> None:
    async with ctx.db.write() as s:
        if await s.scalar(select(Setting.id).where(Setting.key == MARK)):
            return
        if not await s.scalar(select(RoutingRule.id).limit(1)):
            s.add_all(_rules(ctx.agencies))
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
    # What the cases led to: agreements with their visits, evidence files, reports and warnings.
    await agreement_demo.load(ctx)
    await evidence_demo.attach_demo_files(ctx)
    await report_demo.load(ctx)
    await assessment_demo.load(ctx)
    async with ctx.db.write() as s:
        s.add(Setting(key=MARK, value=ctx.now.isoformat()))
    ctx.logins.append(
        DemoLogin(
            "liaison_sr01", "gongtiao-demo", "liaison", "SR01", "receives the PS01 referrals / 接收派出所移送"
        )
    )


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
