"""Demo data for meetings: the justice bureau's monthly joint liaison meeting with the police.

A series on the first Tuesday of each month at 09:30, organised by the justice bureau (JB), with
the sub-bureau's (PSB) and the bureau's liaisons and supervisors invited; secretary ``secretary``,
chair ``supervisor``. The meetings before the demo's "now" were held: attendance, a case review of
the cases the hub proposes, decisions, actions (the older ones done, the last ones open), and
minutes approved by the chair. Of the meetings to come, one is moved and one cancelled.

Everything goes through the real use cases (series, invitations, attendance, minutes approval), so
the demo exercises the same paths as people do. The invited people get demo e-mail addresses
(``.example``, reserved) so that calendars can list them as attendees.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hub import audit
from hub.demo_context import DemoContext
from hub.events import Outbox
from hub.models import Agency, Setting, User
from hub.permissions import Principal
from meetings import series, service
from meetings.cases import proposed_cases
from meetings.minutes import service as minutes_service
from meetings.models import Meeting
from meetings.record import proceedings
from meetings.timezones import to_local

MARK = "demo.meetings"
ZONE = "Asia/Shanghai"
TITLE = "公调对接联席会议"
PLACE = "青川区司法局三楼会议室"
MONTHS_BACK = 4
DOMAIN = "qingchuan.example"


def first_tuesday(year: int, month: int) -> date:
    day = date(year, month, 1)
    return day + timedelta(days=(1 - day.weekday()) % 7)


def series_start(now: datetime) -> datetime:
    """09:30 local on the first Tuesday of the month ``MONTHS_BACK`` months before ``now``."""
    local = to_local(now, ZONE)
    index = local.year * 12 + local.month - 1 - MONTHS_BACK
    day = first_tuesday(index // 12, index % 12 + 1)
    return datetime(day.year, day.month, day.day, 9, 30)


async def load(ctx: DemoContext) -> None:
    async with ctx.db.read() as s:
        if await s.scalar(select(Setting.id).where(Setting.key == MARK)):
            return
    outbox = Outbox()  # the demo tells nobody live: the notifications stay in the inbox
    async with ctx.db.write() as s:
        users = {u.username: u for u in (await s.scalars(select(User))).all()}
        secretary, chair = users["secretary"], users["supervisor"]
        actor = audit.Actor(secretary.id, secretary.agency_id)
        invited = ["psb_supervisor", "liaison_jb", "supervisor", "secretary"]
        for name in invited:
            if not users[name].email:
                await s.execute(
                    update(User).where(User.id == users[name].id).values(email=f"{name}@{DOMAIN}")
                )
        plan = series.SeriesInput(
            TITLE,
            ctx.agencies["JB"],
            "FREQ=MONTHLY;BYDAY=1TU",
            series_start(ctx.now),
            120,
            ZONE,
            PLACE,
            secretary.id,
            chair.id,
            horizon_months=MONTHS_BACK + 8,
            holidays="skip",  # no joint meeting inside the National Day holiday (first Tuesday: 6 October)
        )
        meetings = series.held((await series.create_series(s, actor, plan))[1])
        for meeting in meetings:
            await service.invite(
                s,
                actor,
                meeting,
                agency_ids=[ctx.agencies["PSB"], ctx.agencies["JB"]],
                roles=["liaison", "supervisor"],
                outbox=outbox,
                quiet=meeting is not meetings[0],
            )
        past = [m for m in meetings if m.end < ctx.now]
        upcoming = [m for m in meetings if m.start > ctx.now]
        chair_principal = await _principal(s, chair)
        for n, meeting in enumerate(past):
            await _hold(s, actor, meeting, n, now=ctx.now, outbox=outbox, agencies=ctx.agencies)
            await minutes_service.draft(s, actor, meeting, meeting.end + timedelta(days=1))
            await minutes_service.approve(s, chair_principal, meeting, outbox)
        if upcoming:
            await proceedings.carry_open_actions(s, actor, upcoming[0])
            await _review(s, actor, upcoming[0], ctx.now)
        if len(upcoming) >= 3:
            moved = upcoming[1]
            start = moved.start + timedelta(days=1, hours=5)
            await service.reschedule(
                s, actor, moved, start, start + timedelta(hours=2), "青川区公安分局二楼会议室"
            )
            await service.cancel(s, actor, upcoming[2], "与全区综治工作会议冲突")
        s.add(Setting(key=MARK, value=ctx.now.isoformat()))


async def _principal(s: AsyncSession, user: User) -> Principal:
    agency = await s.get(Agency, user.agency_id)
    return Principal(
        user_id=user.id,
        username=user.username,
        display_name=user.display_name,
        agency_id=user.agency_id,
        agency_name=agency.name if agency else "",
        agency_kind=agency.kind if agency else "",
        roles=frozenset(user.role_names),
    )


async def _review(s: AsyncSession, actor: audit.Actor, meeting: Meeting, now: datetime) -> None:
    """A case-review item with the cases the hub proposes."""
    proposed = await proposed_cases(s, meeting, now)
    if proposed:
        await proceedings.add_agenda_item(
            s,
            actor,
            meeting,
            kind="case_review",
            title="超期及群体性纠纷案件会商",
            presenter="区司法局",
            minutes=30,
            case_ids=[c.case_id for c in proposed[:3]],
        )
    await proceedings.add_agenda_item(
        s, actor, meeting, kind="report", title="本月公调对接工作情况通报", presenter="区公安分局", minutes=15
    )


async def _hold(
    s: AsyncSession,
    actor: audit.Actor,
    meeting: Meeting,
    n: int,
    *,
    now: datetime,
    outbox: Outbox,
    agencies: dict[str, int],
) -> None:
    """A past meeting as it went: agenda, attendance, notes, decisions and actions."""
    await proceedings.carry_open_actions(s, actor, meeting)
    for action in await proceedings.open_actions_before(s, meeting):
        await proceedings.set_action_status(s, actor, action, "done")
    await _review(s, actor, meeting, now)
    for k, invitee in enumerate(meeting.invitees):
        status, proxy = ("excused", "") if (k + n) % 5 == 4 else ("present", "")
        if (k + n) % 7 == 3:
            status, proxy = "proxy", "刘志强"
        await service.rsvp(s, meeting, invitee, "accepted" if status != "excused" else "declined")
        await proceedings.record_attendance(s, actor, meeting, invitee.id, status, proxy)
    review = next((i for i in meeting.agenda if i.kind == "case_review"), meeting.agenda[-1])
    await proceedings.set_item_notes(
        s,
        actor,
        meeting,
        review.id,
        "与会单位逐案听取了办理情况。\n\n对超期未受理的案件，明确由受理单位限期答复。",
    )
    await proceedings.add_decision(
        s, actor, meeting, "超期未受理案件由派驻调解室三个工作日内答复受理意见", review.id
    )
    await proceedings.add_decision(s, actor, meeting, "群体性纠纷由区司法局牵头组织联合调解", review.id)
    due = to_local(meeting.start, ZONE).date() + timedelta(days=21)
    await proceedings.add_action(
        s,
        actor,
        meeting,
        text="督促派出所补录超期案件的移送材料",
        due=due,
        outbox=outbox,
        owner_agency_id=agencies["PSB"],
        agenda_item_id=review.id,
    )
    await proceedings.add_action(
        s,
        actor,
        meeting,
        text="组织专业调委会对群体性纠纷开展联合调解",
        due=due + timedelta(days=7),
        outbox=outbox,
        owner_agency_id=agencies["JB"],
        agenda_item_id=review.id,
    )
    await proceedings.mark_held(s, actor, meeting, now=meeting.end)
