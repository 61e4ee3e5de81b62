"""Demo agreements for the demo cases that reached an agreement, with what followed.

The demo cases were already moved through their states (``referrals.demo``); here each resolved one
gets its agreement, dated from the referral's own events: terms, every party's confirmation, the
application for judicial confirmation and the court's decision where the referral went that far,
and follow-up visits (performed ones, one not performed that raises the warning, one still to come).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub import audit
from hub.demo_context import DemoContext
from hub.events import Outbox
from referrals.agencies import policy_for
from referrals.agreements import agreements, visits
from referrals.models import (
    Agreement,
    AgreementTerm,
    Case,
    FollowUp,
    PartyConfirmation,
    Referral,
    ReferralEvent,
)
from referrals.states import Side, State

ZONE = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class DemoTerm:
    obligor: int  # index into the case's parties
    obligee: int | None
    description: str
    amount: str | None
    due_days: int | None  # after the effective date


@dataclass(frozen=True)
class DemoAgreement:
    facts: str
    terms: tuple[DemoTerm, ...]
    other_terms: str
    visits: tuple[str, ...]  # outcome of each visit due by now, in order ("" leaves it open)


# Keyed by the first party's name in referrals.demo.STORIES.
AGREEMENTS = {
    "杨静": DemoAgreement(
        "朱强装修房屋期间多次在午休及夜间施工，噪音影响杨静一家休息，双方发生争执。",
        (
            DemoTerm(1, 0, "支付噪音扰民补偿款", "2000", 30),
            DemoTerm(1, None, "此后每日12时至14时、20时至次日8时不进行产生噪音的装修作业", None, None),
        ),
        "双方今后互谅互让，和睦相处。",
        (),
    ),
    "林涛": DemoAgreement(
        "双方因琐事发生口角并互相推搡，高峰致林涛鼻骨轻微损伤，林涛就医花费医药费若干。",
        (
            DemoTerm(1, 0, "当面赔礼道歉", None, 3),
            DemoTerm(1, 0, "赔偿医药费、误工费", "6000", 10),
        ),
        "本协议履行完毕后，双方就此事再无其他纠纷。",
        ("performed", "not_performed"),
    ),
    "罗娜": DemoAgreement(
        "梁斌驾驶电动车追尾罗娜的电动车，致其车辆受损，双方就修车费用协商未果。",
        (DemoTerm(1, 0, "支付修车费", "3500", 7),),
        "",
        ("performed",),
    ),
    "宋佳": DemoAgreement(
        "宋佳在谢东经营的网店购买家电，收货后发现存在质量问题，要求退货退款未果。",
        (
            DemoTerm(1, 0, "退还货款", "1200", 5),
            DemoTerm(0, 1, "退回所购家电（含包装及配件）", None, 5),
        ),
        "",
        ("performed",),
    ),
    "唐亮": DemoAgreement(
        "唐亮与韦芳系相邻宅基地使用人，因韦芳搭建的围墙越过双方宅基地边界发生争执。",
        (
            DemoTerm(1, None, "拆除越界搭建的围墙", None, 20),
            DemoTerm(0, 1, "支付围墙拆除补偿款", "800", 20),
        ),
        "",
        ("performed",),
    ),
    "秦月": DemoAgreement(
        "邱平长期在双方共用的楼道通道堆放杂物，影响秦月一家通行，双方多次争执。",
        (DemoTerm(1, None, "清理楼道内堆放的杂物，此后不再占用共用通道", None, 5),),
        "",
        (),
    ),
    "江涛": DemoAgreement(
        "江涛租住范丽的房屋，租期届满退租后，双方就押金退还及房屋损耗发生争议。",
        (DemoTerm(1, 0, "退还房屋租赁押金", "4000", 10),),
        "",
        (),
    ),
    "贺新": DemoAgreement(
        "贺新在青川某健身有限公司办理年卡后因工作调动无法继续使用，要求退费未果。",
        (DemoTerm(1, 0, "退还剩余会员费", "2600", 15),),
        "",
        (),
    ),
}
STATES = (
    State.in_mediation,  # mediated again after the court refused (those without a resolve are skipped)
    State.resolved,
    State.confirmation_applied,
    State.confirmation_accepted,
    State.correction_requested,
    State.confirmed,
    State.confirmation_refused,
    State.closed,
)


async def load(ctx: DemoContext) -> None:
    outbox = Outbox()  # nobody listens while the demo loads; notices are written all the same
    async with ctx.db.write() as s:
        referrals = (
            await s.scalars(select(Referral).where(Referral.state.in_(list(STATES))).order_by(Referral.id))
        ).all()
        for number, referral in enumerate(referrals, start=1):
            case = await s.get(Case, referral.case_id)
            assert case is not None
            story = AGREEMENTS.get(case.parties[0].name) if case.parties else None
            exists = await s.scalar(select(Agreement.id).where(Agreement.referral_id == referral.id))
            if story is None or exists or len(case.parties) < 2:
                continue
            if await _event_at(s, referral, "resolve") is None:
                continue
            await _agreement(s, ctx, case, referral, story, number, outbox)


async def _event_at(s: AsyncSession, referral: Referral, action: str) -> datetime | None:
    return await s.scalar(
        select(ReferralEvent.at).where(
            ReferralEvent.referral_id == referral.id, ReferralEvent.action == action
        )
    )


async def _agreement(
    s: AsyncSession,
    ctx: DemoContext,
    case: Case,
    referral: Referral,
    story: DemoAgreement,
    number: int,
    outbox: Outbox,
) -> None:
    actor = audit.Actor(referral.mediator_id, referral.to_agency_id)
    resolved_at = await _event_at(s, referral, "resolve") or ctx.now
    effective = resolved_at.astimezone(ZONE).date()
    parties = case.parties
    agreement = Agreement(
        case_id=case.id,
        referral_id=referral.id,
        facts=story.facts,
        other_terms=story.other_terms,
        effective_date=effective,
        created_by_id=referral.mediator_id,
        created_at=resolved_at - timedelta(hours=2),
        terms=[
            AgreementTerm(
                position=i,
                obligor_party_id=parties[t.obligor].id,
                obligee_party_id=parties[t.obligee].id if t.obligee is not None else None,
                description=t.description,
                amount=Decimal(t.amount) if t.amount else None,
                due_date=effective + timedelta(days=t.due_days) if t.due_days is not None else None,
            )
            for i, t in enumerate(story.terms, start=1)
        ],
        confirmations=[
            PartyConfirmation(
                party_id=p.id,
                confirmed_at=resolved_at - timedelta(minutes=30 - i),
                method="online" if i % 2 else "in_person",
                recorded_by_id=referral.mediator_id,
            )
            for i, p in enumerate(parties)
        ],
    )
    s.add(agreement)
    await s.flush()
    await audit.record(
        s, actor, "agreement.created", "agreement", agreement.id, {"case": case.number, "demo": True}
    )
    applied_at = await _event_at(s, referral, "apply_confirmation")
    if applied_at is not None:
        agreement.confirmation_applied_at = applied_at
        agreement.court_agency_id = ctx.agencies.get("COURT")
    for action, outcome in (("confirm", "confirmed"), ("refuse_confirmation", "refused")):
        decided_at = await _event_at(s, referral, action)
        if decided_at is not None:
            agreement.court_outcome = outcome
            agreement.court_decided_at = decided_at
            agreement.court_reference = f"（{decided_at.year}）浙0106民特{100 + number}号"
    policy = await policy_for(s, referral.to_agency_id)
    rows = await agreements.schedule_followups(s, actor, case, agreement, referral.to_agency_id, policy)
    await _visits(s, ctx, actor, case, referral, agreement, rows, story, outbox)


async def _visits(
    s: AsyncSession,
    ctx: DemoContext,
    actor: audit.Actor,
    case: Case,
    referral: Referral,
    agreement: Agreement,
    rows: list[FollowUp],
    story: DemoAgreement,
    outbox: Outbox,
) -> None:
    ca = agreements.CaseAgreement(case, referral, agreement, {Side.receiver})
    last: datetime | None = None
    for row, outcome in zip(rows, story.visits, strict=False):
        visited_at = _morning(row.due_date)
        if not outcome or visited_at > ctx.now:
            continue
        notes = "当事人确认已按约定履行。" if outcome == "performed" else "义务人称暂无能力支付，未按期履行。"
        await visits.record_visit(
            s, actor, ca, row.id, outcome, notes, visited_at=visited_at, now=ctx.now, outbox=outbox
        )
        last = visited_at
    if referral.state == State.closed and last is not None:
        # The demo closed this case before its visits existed: close it after them, as the rule wants.
        closed_at = min(last + timedelta(days=1), ctx.now)
        referral.closed_at = closed_at
        referral.state_changed_at = closed_at
        event = await s.scalar(
            select(ReferralEvent).where(
                ReferralEvent.referral_id == referral.id, ReferralEvent.action == "close"
            )
        )
        if event is not None:
            event.at = closed_at
    await s.flush()


def _morning(day: date) -> datetime:
    return datetime.combine(day, time(10, 0), tzinfo=ZONE)
