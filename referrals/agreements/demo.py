"""Demo agreements for the demo cases that reached an agreement, with what followed.

The demo cases were already moved through their states (``referrals.demo``); here each resolved one
gets its agreement in the structured form of 人民调解法 art. 29 (facts, matters in dispute, each
party's responsibility, terms of every kind with their manner of performance), numbered by its
committee, dated from the referral's own events: every party's confirmation (the last one makes it
effective), the application for judicial confirmation and the court's decision where the referral
went that far, and follow-up visits (performed ones, one not performed that raises the warning, one
still to come).
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
from referrals import committees
from referrals.agencies import policy_for
from referrals.agreements import agreements, numbering, visits
from referrals.models import (
    Agreement,
    AgreementTerm,
    Case,
    FollowUp,
    Party,
    PartyConfirmation,
    Referral,
    ReferralEvent,
)
from referrals.states import Side, State

ZONE = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class DemoTerm:
    kind: str
    obligor: int  # index into the case's parties
    obligee: int | None
    description: str
    amount: str | None = None
    due_days: int | None = None  # after the effective date
    method: str = ""
    place: str = ""
    instalments: tuple[tuple[int, str], ...] = ()  # (days after the effective date, yuan)


@dataclass(frozen=True)
class DemoAgreement:
    facts: str
    issues: str
    liabilities: str
    terms: tuple[DemoTerm, ...]
    other_terms: str
    visits: tuple[str, ...]  # outcome of each visit due by now, in order ("" leaves it open)
    recorder: str = "陈晓"


# Keyed by the first party's name in referrals.demo.STORIES.
AGREEMENTS = {
    "杨静": DemoAgreement(
        "朱强装修房屋期间多次在午休及夜间施工，噪音影响杨静一家休息，双方发生争执。",
        "朱强应否停止在休息时间施工，是否应补偿杨静一家所受影响。",
        "朱强在休息时间施工影响邻居休息，应承担主要责任；杨静在交涉中言语过激，亦有不当之处。",
        (
            DemoTerm("payment", 1, 0, "噪音扰民补偿款", "2000", 30, method="transfer"),
            DemoTerm("omission", 1, None, "在每日12时至14时、20时至次日8时进行产生噪音的装修作业"),
            DemoTerm("apology", 1, 0, "当面", None, 3),
        ),
        "双方今后互谅互让，和睦相处。",
        (),
    ),
    "林涛": DemoAgreement(
        "双方因琐事发生口角并互相推搡，高峰致林涛鼻骨轻微损伤，林涛就医花费医药费若干。",
        "医药费、误工费的数额及承担。",
        "高峰先动手推搡致林涛受伤，应承担主要责任；林涛对冲突的发生亦有一定责任。",
        (
            DemoTerm("apology", 1, 0, "当面", None, 3),
            DemoTerm(
                "payment",
                1,
                0,
                "医药费、误工费",
                "6000",
                method="cash",
                place="人民调解工作室",
                instalments=((3, "3000"), (10, "3000")),
            ),
        ),
        "本协议履行完毕后，双方就此事再无其他纠纷。",
        ("performed", "not_performed"),
    ),
    "罗娜": DemoAgreement(
        "梁斌驾驶电动车追尾罗娜的电动车，致其车辆受损，双方就修车费用协商未果。",
        "修车费用的数额及承担。",
        "梁斌未保持安全车距，应承担事故的全部责任。",
        (DemoTerm("payment", 1, 0, "修车费", "3500", 7, method="transfer"),),
        "",
        ("performed",),
    ),
    "宋佳": DemoAgreement(
        "宋佳在谢东经营的网店购买家电，收货后发现存在质量问题，要求退货退款未果。",
        "能否退货退款。",
        "谢东出售的商品存在质量问题，应承担退货退款的责任。",
        (
            DemoTerm("payment", 1, 0, "全部货款", "1200", 5, method="transfer"),
            DemoTerm("act", 0, 1, "向谢东退回所购家电（含包装及配件）", None, 5),
        ),
        "",
        ("performed",),
    ),
    "唐亮": DemoAgreement(
        "唐亮与韦芳系相邻宅基地使用人，因韦芳搭建的围墙越过双方宅基地边界发生争执。",
        "围墙是否越界及其拆除，拆除费用的承担。",
        "韦芳搭建围墙越过宅基地边界，应自行拆除；唐亮自愿补偿部分拆除费用。",
        (
            DemoTerm("act", 1, None, "拆除越界搭建的围墙", None, 20),
            DemoTerm("payment", 0, 1, "围墙拆除补偿款", "800", 20, method="cash"),
        ),
        "",
        ("performed",),
    ),
    "秦月": DemoAgreement(
        "邱平长期在双方共用的楼道通道堆放杂物，影响秦月一家通行，双方多次争执。",
        "楼道杂物的清理及共用通道今后的使用。",
        "邱平占用共用通道堆放杂物，应承担清理责任。",
        (
            DemoTerm("act", 1, None, "清理楼道内堆放的杂物", None, 5),
            DemoTerm("omission", 1, None, "在双方共用的楼道通道堆放杂物"),
        ),
        "",
        (),
    ),
    "江涛": DemoAgreement(
        "江涛租住范丽的房屋，租期届满退租后，双方就押金退还及房屋损耗发生争议。",
        "押金的退还及房屋损耗的承担。",
        "房屋损耗属正常使用所致，范丽应退还押金。",
        (DemoTerm("payment", 1, 0, "房屋租赁押金", "4000", 10, method="transfer"),),
        "",
        (),
    ),
    "贺新": DemoAgreement(
        "贺新在青川某健身有限公司办理年卡后因工作调动无法继续使用，要求退费未果。",
        "剩余会员费能否退还及其数额。",
        "贺新因工作调动无法继续使用，青川某健身有限公司同意按剩余期限退费。",
        (DemoTerm("payment", 1, 0, "剩余会员费", "2600", 15, method="transfer"),),
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
            # In the order they were resolved: each committee numbers its agreements as they come.
            await s.scalars(
                select(Referral)
                .where(Referral.state.in_(list(STATES)))
                .order_by(Referral.decided_at.is_(None), Referral.decided_at, Referral.id)
            )
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
    # The last party signs 10 minutes before the referral is resolved: that day is the effective date.
    effective = (resolved_at - timedelta(minutes=10)).astimezone(ZONE).date()
    parties = case.parties
    created_at = resolved_at - timedelta(hours=2)
    organisation = await committees.organisation_for(s, referral.to_agency_id)
    agreement = Agreement(
        case_id=case.id,
        referral_id=referral.id,
        facts=story.facts,
        issues=story.issues,
        liabilities=story.liabilities,
        other_terms=story.other_terms,
        recorder=story.recorder,
        effective_date=effective,
        created_by_id=referral.mediator_id,
        created_at=created_at,
        committee_id=organisation.committee_id,
        document_number=await numbering.issue_number(s, organisation, created_at),
        terms=[_term(i, t, parties, effective) for i, t in enumerate(story.terms, start=1)],
        confirmations=[
            PartyConfirmation(
                party_id=p.id,
                confirmed_at=resolved_at - timedelta(minutes=10 + 20 * (len(parties) - 1 - i)),
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


def _term(position: int, t: DemoTerm, parties: list[Party], effective: date) -> AgreementTerm:
    instalments = [
        {"due": (effective + timedelta(days=days)).isoformat(), "amount": amount}
        for days, amount in t.instalments
    ]
    due = effective + timedelta(days=t.due_days) if t.due_days is not None else None
    return AgreementTerm(
        position=position,
        kind=t.kind,
        obligor_party_id=parties[t.obligor].id,
        obligee_party_id=parties[t.obligee].id if t.obligee is not None else None,
        description=t.description,
        amount=Decimal(t.amount) if t.amount else None,
        due_date=date.fromisoformat(instalments[-1]["due"]) if instalments else due,
        method=t.method,
        place=t.place,
        instalments=instalments,
    )


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
