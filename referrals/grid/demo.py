"""Demo of the grid: which grids each demo grid worker screens, the rules that give a village's
everyday disputes to its own committee (and a violent risk to the stationed room), and reports
from the grid in several states, made through the same use case as the phone form."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub import audit
from hub.demo_context import DemoContext
from hub.events import Outbox
from hub.models import Role, User, UserRole
from referrals import mediators, moves, states
from referrals.agreements import agreements
from referrals.grid import grids, reporting
from referrals.grid.forms import GridReportInput
from referrals.models import GridAssignment, Referral, RoutingRule

# Villages whose committees receive their grid's everyday disputes (the demo logins' villages).
VILLAGES = ("T01V01", "T01V02", "T07V01")
EVERYDAY = ["neighbour", "family", "property_management", "other"]
# grid worker -> grid codes
ASSIGNMENTS = {
    "grid_worker01": ("T01V01G1",),
    "grid_worker04": ("T01V01G2",),
    "grid_worker02": ("T01V02G1", "T01V02G2", "T01V02G3"),
    "grid_worker03": ("T07V01G1", "T07V01G2"),
}


def committee_rules(a: dict[str, int], areas: dict[str, int]) -> list[RoutingRule]:
    rules = [
        RoutingRule(
            name="龙泉镇暴力风险隐患交龙泉派出所派驻调解室",
            priority=6,
            area_ids=[areas["T07"]],
            flags_all=["violence_risk"],
            target_kind="agency",
            target_agency_id=a["SR07"],
        )
    ]
    for n, village in enumerate(VILLAGES):
        rules.append(
            RoutingRule(
                name=f"{village}村（社区）日常纠纷由本村（居）调委会就地化解",
                priority=46 + n,
                categories=EVERYDAY,
                area_ids=[areas[village]],
                target_kind="agency",
                target_agency_id=a[f"MC-{village}"],
            )
        )
    return rules


@dataclass(frozen=True)
class GridStory:
    worker: str
    grid: str
    kind: str
    category: str
    summary: str
    address: str
    parties: tuple[tuple[str, str], ...]
    moves: tuple[str, ...]
    hours_ago: int
    urgency: str = "normal"
    flags: tuple[str, ...] = ()
    consented: bool = False
    position: tuple[str, str] | None = None


STORIES = (
    GridStory(
        "grid_worker01",
        "T01V01G1",
        "dispute",
        "neighbour",
        "两户村民因院墙滴水问题多次争吵，双方同意由村调委会调解。",
        "幸福社区3组12号",
        (("周桂兰", "13605710041"), ("吴德明", "13605710042")),
        ("accept", "assign", "start_mediation", "resolve"),
        60,
        consented=True,
        position=("30.274100", "120.155200"),
    ),
    GridStory(
        "grid_worker01",
        "T01V01G1",
        "hidden_risk",
        "land_acquisition",
        "拆迁片区多户村民聚集议论补偿款发放，情绪激动，存在聚集上访隐患。",
        "幸福社区拆迁安置点",
        (),
        (),
        3,
        urgency="urgent",
    ),
    GridStory(
        "grid_worker04",
        "T01V01G2",
        "hidden_risk",
        "family",
        "独居老人与子女因赡养问题关系紧张，子女多日未探望。",
        "幸福社区7组3号",
        (("钱淑珍", ""),),
        ("accept",),
        20,
    ),
    GridStory(
        "grid_worker02",
        "T01V02G1",
        "dispute",
        "property_management",
        "业主与物业因电梯维修费用分摊发生争执。",
        "和平社区5幢",
        (("孔立新", "13605710043"), ("和平物业服务中心", "057186401222")),
        ("accept", "assign", "start_mediation"),
        30,
        consented=True,
    ),
    GridStory(
        "grid_worker03",
        "T07V01G1",
        "hidden_risk",
        "neighbour",
        "两户村民因宅基地界址争执，一方扬言动手，存在民转刑风险。",
        "翠竹村2组",
        (("汤建华", "13605710044"), ("韩永刚", "13605710045")),
        ("accept",),
        10,
        urgency="urgent",
        flags=("violence_risk",),
    ),
)


async def load(ctx: DemoContext) -> None:
    async with ctx.db.write() as s:
        if await s.scalar(select(GridAssignment.user_id).limit(1)):
            return
        for worker, codes in ASSIGNMENTS.items():
            if worker in ctx.users:
                await grids.assign(s, ctx.users[worker], [ctx.areas[c] for c in codes])
    for story in STORIES:
        await _play(ctx, story)


async def _play(ctx: DemoContext, story: GridStory) -> None:
    user_id = ctx.users[story.worker]
    async with ctx.db.read() as s:
        agency_id = await s.scalar(select(User.agency_id).where(User.id == user_id))
    assert agency_id is not None
    actor = audit.Actor(user_id, agency_id)
    outbox = Outbox()
    clock = ctx.now - timedelta(hours=story.hours_ago)
    data = GridReportInput(
        kind=story.kind,
        urgency=story.urgency,
        category=story.category,
        summary=story.summary,
        grid_id=ctx.areas[story.grid],
        address=story.address,
        latitude=None if story.position is None else Decimal(story.position[0]),
        longitude=None if story.position is None else Decimal(story.position[1]),
        accuracy_m=None if story.position is None else 25,
        parties=story.parties,
        flags=frozenset(story.flags),
        consented=story.consented,
        idempotency_key=f"demo-grid-{story.grid}-{story.hours_ago}",
    )
    async with ctx.db.write() as s:
        done = await reporting.report(
            s, actor, data, (), now=clock, outbox=outbox, base_url="http://127.0.0.1:8080"
        )
        referral_id = done.referral.id if done.referral else None
    if referral_id is None:
        return
    for step in story.moves:
        clock += timedelta(hours=4)
        async with ctx.db.write() as s:
            referral = await s.get(Referral, referral_id)
            assert referral is not None
            receiver = await _liaison(s, referral.to_agency_id)
            sides = {states.Side.receiver}
            if step == "assign":
                choice = (await mediators.propose_mediators(s, referral))[0]
                await mediators.assign_mediator(
                    s, receiver, referral, choice.user_id, sides=sides, outbox=outbox
                )
            else:
                await moves.move(
                    s,
                    receiver,
                    referral,
                    moves.Move(step),
                    sides=sides,
                    now=clock,
                    outbox=outbox,
                    effects=agreements.EFFECTS,
                )


async def _liaison(s: AsyncSession, agency_id: int) -> audit.Actor:
    user_id = await s.scalar(
        select(User.id)
        .join(UserRole, UserRole.user_id == User.id)
        .where(User.agency_id == agency_id, UserRole.role == Role.liaison)
        .order_by(User.id)
        .limit(1)
    )
    return audit.Actor(user_id, agency_id)
