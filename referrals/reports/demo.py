"""Demo reports and early warnings: daily reports over the last week (a few agencies still owe
today's), a special and a direct report, three disputes at one address, then one warning sweep."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from hub import audit
from hub.demo_context import DemoContext
from hub.events import Outbox
from hub.models import Agency, AgencyKind
from hub.permissions import Scope
from referrals import mediators, moves, sending, states
from referrals.cases.intake import CaseInput, ConsentInput, PartyInput, take_in
from referrals.models import Case, Report
from referrals.reports.filing import REPORTING_KINDS, ReportInput, ReportKind, file_report, local_day
from referrals.reports.sweep import sweep

DEMO_LATE = ("PS01", "PS07", "SR05", "JO01", "MC-T01V01", "MC-T02V01", "SB-EDU")  # no report today
DEMO_BUSY = ("PS01", "PS02", "SR01", "SR02")  # periodic reports with figures
DEMO_ADDRESS = "青川区城关街道幸福路12号"
# (days ago, hours ago, summary, parties, steps): three disputes at one address, two between the
# same neighbours, so the demo shows repeat-dispute and hotspot warnings.
DEMO_CASES: tuple[tuple[int, str, tuple[tuple[str, str, str], ...], tuple[str, ...]], ...] = (
    (
        4,
        "楼上住户深夜噪音扰民，楼下住户上门理论发生口角。",
        (("张桂兰", "330106196503150025", "applicant"), ("李德明", "330106197108220016", "respondent")),
        ("accept", "start_mediation"),
    ),
    (
        2,
        "双方再次因噪音问题争吵，楼下住户报警。",
        (("张桂兰", "330106196503150025", "applicant"), ("李德明", "330106197108220016", "respondent")),
        ("accept",),
    ),
    (
        0,
        "同一楼栋住户因楼道堆放杂物发生争执。",
        (("赵春燕", "330106198204110049", "applicant"), ("孙卫东", "330106197912300033", "respondent")),
        (),
    ),
)


async def load(ctx: DemoContext) -> None:
    zone = ZoneInfo("Asia/Shanghai")
    async with ctx.db.read() as s:
        if await s.scalar(select(Report.id).limit(1)) is not None:
            return
    await _demo_cases(ctx)
    today = local_day(ctx.now, zone)
    codes = {agency_id: code for code, agency_id in ctx.agencies.items()}
    async with ctx.db.read() as s:
        agencies = (
            await s.execute(
                select(Agency.id, Agency.kind).where(Agency.kind.in_([str(k) for k in REPORTING_KINDS]))
            )
        ).all()
    outbox = Outbox()  # the demo has no listeners
    async with ctx.db.write() as s:
        for back in range(6, -1, -1):
            day = today - timedelta(days=back)
            for i, (agency_id, kind) in enumerate(sorted(agencies)):
                code = codes.get(agency_id, "")
                daily = kind in (AgencyKind.police_station, AgencyKind.stationed_room)
                if (back and not daily) or (not back and code in DEMO_LATE):
                    continue
                busy = code in DEMO_BUSY and back % 2 == 0
                at = ctx.now if not back else datetime.combine(day, time(16, 0), zone) + timedelta(minutes=i)
                data = ReportInput(
                    kind=ReportKind.periodic if busy else ReportKind.zero,
                    agency_id=agency_id,
                    period=day,
                    body="今日受理纠纷均已按流程移送调解，无重大矛盾隐患。" if busy else "",
                    figures={"received": 2 + back % 3, "referred": 2, "resolved": 1} if busy else {},
                )
                actor = audit.Actor(ctx.users.get(f"liaison_{code.lower()}"), agency_id)
                await file_report(s, actor, Scope(None), data, now=at, zone=zone, outbox=outbox)
        labour = await s.scalar(
            select(Case.id).where(
                Case.created_agency_id == ctx.agencies["PS01"], Case.group_dispute.is_(True)
            )
        )
        specials = (
            ReportInput(
                ReportKind.special,
                ctx.agencies["PS01"],
                title="关于青川建工拖欠工资群体性纠纷的专报",
                body="十余名工人聚集讨薪，已移送司法局统筹调处，派出所加强现场巡控，防止事态升级。",
                case_id=labour,
            ),
            ReportInput(
                ReportKind.direct,
                ctx.agencies["SR01"],
                title="幸福路12号邻里纠纷反复发生，存在激化风险",
                body="同一地址一周内发生三起纠纷，其中两起为同一对当事人，建议公安、司法联合走访化解。",
            ),
        )
        for data in specials:
            actor = audit.Actor(
                ctx.users.get("liaison_ps01" if data.kind == "special" else "liaison_sr01"), data.agency_id
            )
            await file_report(s, actor, Scope(None), data, now=ctx.now, zone=zone, outbox=outbox)
    await sweep(ctx.db, ctx.now)


async def _demo_cases(ctx: DemoContext) -> None:
    station, room = ctx.agencies["PS01"], ctx.agencies["SR01"]
    police = audit.Actor(ctx.users.get("liaison_ps01"), station)
    receiver = audit.Actor(ctx.users.get("liaison_sr01"), room)
    outbox = Outbox()
    for days_ago, summary, parties, steps in DEMO_CASES:
        clock = ctx.now - timedelta(days=days_ago, hours=1)
        data = CaseInput(
            channel="call_110",
            category="neighbour",
            summary=summary,
            parties=tuple(PartyInput(role, name, id_number) for name, id_number, role in parties),
            area_id=ctx.areas.get("T01V01G1"),
            address=DEMO_ADDRESS,
            consent=ConsentInput("、".join(p[0] for p in parties), clock, "verbal_recorded"),
        )
        async with ctx.db.write() as s:
            case = await take_in(s, police, station, data, clock, outbox)
            referral = await sending.send(s, police, case, sender_agency_id=station, now=clock, outbox=outbox)
            for step in steps:
                clock += timedelta(hours=2)
                sides = {states.Side.receiver}
                if step == "start_mediation":
                    choice = (await mediators.propose_mediators(s, referral))[0]
                    await mediators.assign_mediator(
                        s, receiver, referral, choice.user_id, sides=sides, outbox=outbox
                    )
                await moves.move(
                    s, receiver, referral, moves.Move(step), sides=sides, now=clock, outbox=outbox
                )
