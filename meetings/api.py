"""JSON API of meetings: list, create (one meeting or a series), read, reschedule, cancel, invite,
answer an invitation. The record of a meeting (attendance, agenda, decisions, actions) is in
``record.api``; minutes in ``minutes.api``; calendars in ``calendars.routes``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.errors import ValidationFailed
from hub.events import Outbox
from hub.i18n import N_
from hub.models import User
from hub.notifications import notify
from hub.routing import Ctx, Routes
from hub.schemas import Page
from meetings import conflicts, mail, series, service
from meetings.models import Meeting
from meetings.permissions import (
    MeetingPermission,
    get_managed_meeting,
    get_visible_meeting,
    visible,
)
from meetings.recurrence import Interval
from meetings.schemas import (
    CancelIn,
    Invited,
    InviteIn,
    MeetingChanged,
    MeetingIn,
    MeetingOut,
    MeetingPatch,
    MeetingQuery,
    MeetingSummary,
    RsvpIn,
    SeriesCreated,
    SeriesIn,
    SeriesOut,
)
from meetings.timezones import to_utc
from meetings.views import announce, conflicts_out, meeting_out, send_mail

routes = Routes()
TAGS = ("meetings",)
VIEW, MANAGE = MeetingPermission.view_meetings, MeetingPermission.manage_meetings


async def _check_people(s: AsyncSession, *user_ids: int | None) -> None:
    wanted = {u for u in user_ids if u is not None}
    if wanted and len((await s.scalars(select(User.id).where(User.id.in_(wanted)))).all()) != len(wanted):
        raise ValidationFailed(N_("Choose people who have an account in the hub."))


@routes.api(
    "GET",
    "/api/v1/meetings",
    perm=VIEW,
    summary="Meetings you may see",
    query=MeetingQuery,
    response=Page[MeetingSummary],
    tags=TAGS,
)
async def list_meetings(ctx: Ctx, query: MeetingQuery) -> Page[MeetingSummary]:
    stmt = select(Meeting).where(visible(ctx.must.scope, ctx.user.user_id))
    if query.start is not None:
        stmt = stmt.where(Meeting.end > to_utc(query.start, "UTC"))
    if query.end is not None:
        stmt = stmt.where(Meeting.start < to_utc(query.end, "UTC"))
    if query.status is not None:
        stmt = stmt.where(Meeting.status == query.status)
    if query.series_id is not None:
        stmt = stmt.where(Meeting.series_id == query.series_id)
    async with ctx.db.read() as s:
        total = await s.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        rows = (await s.scalars(stmt.order_by(Meeting.start).limit(query.limit).offset(query.offset))).all()
        return Page[MeetingSummary](items=[MeetingSummary.model_validate(m) for m in rows], total=total)


@routes.api(
    "POST",
    "/api/v1/meetings",
    perm=MANAGE,
    summary="Schedule one meeting and invite people",
    body=MeetingIn,
    response=MeetingChanged,
    status=201,
    tags=TAGS,
)
async def create_meeting(ctx: Ctx, body: MeetingIn) -> MeetingChanged:
    organiser = body.organiser_agency_id or ctx.user.agency_id
    ctx.must.check_agency(organiser)
    data = service.MeetingInput(
        title=body.title,
        organiser_agency_id=organiser,
        start=to_utc(body.start, body.time_zone),
        end=to_utc(body.end, body.time_zone),
        time_zone=body.time_zone,
        place=body.place,
        secretary_id=body.secretary_id or ctx.user.user_id,
        chair_id=body.chair_id,
    )
    async with ctx.write() as (s, outbox):
        await _check_people(s, data.secretary_id, data.chair_id, *body.invite_user_ids)
        meeting = await service.create_meeting(s, ctx.user.actor, data)
        tokens = await service.invite(
            s,
            ctx.user.actor,
            meeting,
            user_ids=body.invite_user_ids,
            agency_ids=body.invite_agency_ids,
            roles=body.invite_roles,
            outbox=outbox,
        )
        found = await conflicts.for_meetings(s, [meeting], await conflicts.invited_agencies(s, meeting))
        out = MeetingChanged(
            meeting=await meeting_out(s, meeting, ctx.must), conflicts=await conflicts_out(s, found, ctx.must)
        )
    if tokens:
        send_mail(ctx, meeting.id, mail.Change.INVITED, tokens, user_ids=tuple(tokens))
    return out


@routes.api(
    "POST",
    "/api/v1/meetings/series",
    perm=MANAGE,
    summary="Create a repeating series of meetings",
    body=SeriesIn,
    response=SeriesCreated,
    status=201,
    tags=TAGS,
)
async def create_series(ctx: Ctx, body: SeriesIn) -> SeriesCreated:
    organiser = body.organiser_agency_id or ctx.user.agency_id
    ctx.must.check_agency(organiser)
    data = series.SeriesInput(
        title=body.title,
        organiser_agency_id=organiser,
        rrule=body.rrule,
        first_start=body.first_start,
        duration_minutes=body.duration_minutes,
        time_zone=body.time_zone,
        place=body.place,
        secretary_id=body.secretary_id or ctx.user.user_id,
        chair_id=body.chair_id,
        horizon_months=body.horizon_months,
        holidays=body.holidays,
    )
    series.plan(data)  # refuse bad input before opening a write transaction
    async with ctx.write() as (s, outbox):
        await _check_people(s, data.secretary_id, data.chair_id, *body.invite_user_ids)
        created, planned = await series.create_series(s, ctx.user.actor, data)
        meetings = series.held(planned)  # a skip series' meetings on holidays are not held
        tokens: dict[int, dict[int, str]] = {}
        for meeting in meetings:
            tokens[meeting.id] = await service.invite(
                s,
                ctx.user.actor,
                meeting,
                user_ids=body.invite_user_ids,
                agency_ids=body.invite_agency_ids,
                roles=body.invite_roles,
                outbox=outbox,
                quiet=True,
            )
        await _announce(s, outbox, meetings)
        found = await conflicts.for_meetings(s, meetings, await conflicts.invited_agencies(s, meetings[0]))
        out = SeriesCreated(
            series=SeriesOut.model_validate(created),
            meetings=[MeetingSummary.model_validate(m) for m in planned],
            conflicts=await conflicts_out(s, found, ctx.must),
        )
    if invited := tuple(sorted({uid for per_meeting in tokens.values() for uid in per_meeting})):
        first = meetings[0].id  # one message per person for the series, answering for its first meeting
        send_mail(ctx, first, mail.Change.INVITED, tokens[first], user_ids=invited)
    return out


async def _announce(s: AsyncSession, outbox: Outbox, meetings: list[Meeting]) -> None:
    """One notification per person for a whole series: its first meeting and how it repeats."""
    if not meetings:
        return
    first = meetings[0]
    await notify(
        s,
        outbox,
        {i.user_id for m in meetings for i in m.invitees},
        "meeting.invited",
        N_("You are invited to %(meeting)s on %(when)s"),
        f"/meetings/{first.id}",
        meeting=first.title,
        when=service.local_text(first),
    )


@routes.api(
    "GET", "/api/v1/meetings/series/{id}", perm=VIEW, summary="One series", response=SeriesOut, tags=TAGS
)
async def get_series(ctx: Ctx) -> SeriesOut:
    async with ctx.db.read() as s:
        found = await series.get_series(s, ctx.match_int("id"))
        first = await s.scalar(
            select(Meeting.id).where(Meeting.series_id == found.id, visible(ctx.must.scope, ctx.user.user_id))
        )
        if first is None:
            await get_visible_meeting(s, ctx.must, 0)  # 404 for those who see none of it
        return SeriesOut.model_validate(found)


@routes.api(
    "POST",
    "/api/v1/meetings/series/{id}/cancel",
    perm=MANAGE,
    summary="Cancel a whole series",
    body=CancelIn,
    response=SeriesOut,
    tags=TAGS,
)
async def cancel_series(ctx: Ctx, body: CancelIn) -> SeriesOut:
    async with ctx.write() as (s, outbox):
        found = await series.get_series(s, ctx.match_int("id"), lock=True)
        first = await s.scalar(
            select(Meeting.id).where(Meeting.series_id == found.id).order_by(Meeting.start).limit(1)
        )
        meeting = await get_managed_meeting(s, ctx.must, first or 0)  # 404 for a series with none
        await series.cancel_series(s, ctx.user.actor, found, body.reason)
        for occurrence in await series.occurrences(s, found.id):  # open meeting pages refresh
            await announce(s, outbox, occurrence, "meeting", ctx.user.user_id)
        out = SeriesOut.model_validate(found)
    send_mail(ctx, meeting.id, mail.Change.CANCELLED, whole_series=True, reason=body.reason)
    return out


@routes.api(
    "GET",
    "/api/v1/meetings/{id}",
    perm=VIEW,
    summary="One meeting with its record",
    response=MeetingOut,
    tags=TAGS,
)
async def get_meeting(ctx: Ctx) -> MeetingOut:
    async with ctx.db.read() as s:
        meeting = await get_visible_meeting(s, ctx.must, ctx.match_int("id"))
        return await meeting_out(s, meeting, ctx.must)


@routes.api(
    "PATCH",
    "/api/v1/meetings/{id}",
    perm=MANAGE,
    summary="Change a meeting: move it (an occurrence moves alone), its place, title, notes",
    body=MeetingPatch,
    response=MeetingChanged,
    tags=TAGS,
)
async def patch_meeting(ctx: Ctx, body: MeetingPatch) -> MeetingChanged:
    async with ctx.write() as (s, outbox):
        meeting = await get_managed_meeting(s, ctx.must, ctx.match_int("id"))
        service.ensure_open(meeting)
        found: list[conflicts.ConflictNotice] = []
        sequence = meeting.sequence
        if body.start is not None or body.end is not None or body.place is not None:
            start = to_utc(body.start, meeting.time_zone) if body.start else meeting.start
            end = to_utc(body.end, meeting.time_zone) if body.end else start + (meeting.end - meeting.start)
            await service.reschedule(s, ctx.user.actor, meeting, start, end, body.place)
            found = await _conflicts_at(s, meeting, start, end)
            await _tell_invitees(s, outbox, meeting, N_("%(meeting)s was moved to %(when)s"))
        if body.title is not None:
            await service.retitle(s, ctx.user.actor, meeting, body.title)
        if body.notes is not None:
            from meetings.record.proceedings import set_meeting_notes

            await set_meeting_notes(s, ctx.user.actor, meeting, body.notes)
        out = MeetingChanged(
            meeting=await meeting_out(s, meeting, ctx.must), conflicts=await conflicts_out(s, found, ctx.must)
        )
    if meeting.sequence != sequence:  # what calendars show changed (time, place or title)
        send_mail(ctx, meeting.id, mail.Change.UPDATED)
    return out


async def _conflicts_at(
    s: AsyncSession, meeting: Meeting, start: datetime, end: datetime
) -> list[conflicts.ConflictNotice]:
    agencies = await conflicts.invited_agencies(s, meeting)
    return await conflicts.check(s, [Interval(start, end)], agencies, ignore_meetings={meeting.id})


async def _tell_invitees(s: AsyncSession, outbox: Outbox, meeting: Meeting, title: str) -> None:
    await announce(s, outbox, meeting, "meeting", None)  # open meeting pages refresh
    await notify(
        s,
        outbox,
        [i.user_id for i in meeting.invitees],
        "meeting.changed",
        title,
        f"/meetings/{meeting.id}",
        meeting=meeting.title,
        when=service.local_text(meeting),
    )


@routes.api(
    "POST",
    "/api/v1/meetings/{id}/cancel",
    perm=MANAGE,
    summary="Cancel a meeting (or one occurrence)",
    body=CancelIn,
    response=MeetingOut,
    tags=TAGS,
)
async def cancel_meeting(ctx: Ctx, body: CancelIn) -> MeetingOut:
    async with ctx.write() as (s, outbox):
        meeting = await get_managed_meeting(s, ctx.must, ctx.match_int("id"))
        await service.cancel(s, ctx.user.actor, meeting, body.reason)
        await _tell_invitees(s, outbox, meeting, N_("%(meeting)s on %(when)s was cancelled"))
        out = await meeting_out(s, meeting, ctx.must)
    send_mail(ctx, meeting.id, mail.Change.CANCELLED, reason=body.reason)
    return out


@routes.api(
    "POST",
    "/api/v1/meetings/{id}/invitees",
    perm=MANAGE,
    summary="Invite people or agencies (each gets their own reply link by e-mail); warns of clashes",
    body=InviteIn,
    response=Invited,
    tags=TAGS,
)
async def invite(ctx: Ctx, body: InviteIn) -> Invited:
    async with ctx.write() as (s, outbox):
        meeting = await get_managed_meeting(s, ctx.must, ctx.match_int("id"))
        await _check_people(s, *body.user_ids)
        targets = [meeting]
        if body.whole_series and meeting.series_id is not None:
            later = await series.occurrences(s, meeting.series_id)
            targets += [m for m in later if m.start > meeting.start and m.status == "scheduled"]
        invited: set[int] = set()
        asked: dict[int, str] = {}  # the tokens for the meeting asked about, for the e-mail
        for target in targets:
            tokens = await service.invite(
                s,
                ctx.user.actor,
                target,
                user_ids=body.user_ids,
                agency_ids=body.agency_ids,
                roles=body.roles,
                outbox=outbox,
                quiet=target is not meeting,
            )
            invited |= set(tokens)
            asked = tokens if target is meeting else asked
        agencies = await conflicts.agencies_of(s, invited, body.agency_ids)
        found = await conflicts.for_meetings(s, targets, agencies)
        await announce(s, outbox, meeting, "attendance", ctx.user.user_id)
        out = Invited(
            meeting_ids=[t.id for t in targets],
            user_ids=sorted(invited),
            conflicts=await conflicts_out(s, found, ctx.must),
        )
    if invited:
        send_mail(ctx, meeting.id, mail.Change.INVITED, asked, user_ids=tuple(sorted(invited)))
    return out


@routes.api(
    "POST",
    "/api/v1/meetings/{id}/rsvp",
    perm=VIEW,
    summary="Answer your own invitation",
    body=RsvpIn,
    response=MeetingOut,
    tags=TAGS,
)
async def rsvp(ctx: Ctx, body: RsvpIn) -> MeetingOut:
    async with ctx.write() as (s, outbox):
        meeting = await get_visible_meeting(s, ctx.must, ctx.match_int("id"))
        invitee = next((i for i in meeting.invitees if i.user_id == ctx.user.user_id), None)
        if invitee is None:
            raise ValidationFailed(N_("You are not invited to this meeting."))
        await service.rsvp(s, meeting, invitee, body.answer)
        await announce(s, outbox, meeting, "attendance", ctx.user.user_id)
        out = await meeting_out(s, meeting, ctx.must)
    return out
