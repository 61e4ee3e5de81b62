"""The secretary's pages: the calendar (month or week), a new meeting or series, the meeting page
(used during the meeting: attendance, notes per item, decisions and actions; it refreshes itself
when someone else records something, see ``static/js/meetings.js``), and one's actions. The forms
post back here, or to ``record.pages``; the minutes editor is in ``minutes.pages``."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import quote

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.errors import HubError, ValidationFailed
from hub.forms import Form
from hub.i18n import N_, current_locale
from hub.models import Agency, User
from hub.orm import utcnow
from hub.routing import Ctx, Routes
from hub.templating import render
from hub.workdays.keys import CALENDAR
from meetings import conflicts, holidays, mail, month, series, service, week
from meetings.cases import case_numbers, proposed_cases
from meetings.errors import RSVPRefused
from meetings.minutes import service as minutes_service
from meetings.models import Invitee, Meeting
from meetings.permissions import (
    MeetingPermission,
    get_managed_meeting,
    get_visible_meeting,
    may_manage,
)
from meetings.rule_words import rule_in_words
from meetings.timezones import to_local, to_utc
from meetings.views import (
    PRESETS,
    ROLES,
    agencies_to_invite,
    announce,
    back,
    local_time,
    meeting_out,
    meetings_between,
    people_in,
    send_mail,
    viewer_zone,
)

routes = Routes()
TAGS = ("meetings",)
VIEW, MANAGE = MeetingPermission.view_meetings, MeetingPermission.manage_meetings


@routes.page("GET", "/meetings", perm=VIEW, name="meetings")
async def calendar_page(ctx: Ctx) -> web.Response:
    """The month (``?month=2026-12``) or the week (``?view=week&week=2026-11-30``, or ``2026-W49``)."""
    zone = viewer_zone(ctx)
    query = ctx.request.query
    today = to_local(utcnow(), zone).date()
    calendar = await ctx.request.app[CALENDAR].get(ctx.db)
    common: dict[str, Any] = {
        "holiday": calendar.holiday_name,  # the public holiday a day belongs to, if any
        "can_manage": ctx.must.allows(MANAGE),
        "zone": zone,
        "clock": lambda t: to_local(t, zone).strftime("%H:%M"),
        "tz": f"&tz={quote(zone)}" if zone != ctx.config.time_zone else "",
    }
    if query.get("view") == "week" or "week" in query:
        monday = week.parse_week(query.get("week"), today)
        found = await meetings_between(ctx, *week.window(monday, zone))
        return render(
            ctx,
            "meetings/calendar.html",
            view="week",
            week=week.place(monday, found, zone, today),
            previous=week.shift(monday, -1).isoformat(),
            following=week.shift(monday, 1).isoformat(),
            month_link=week.month_of(monday).strftime("%Y-%m"),
            **common,
        )
    first = month.parse_month(query.get("month"), today)
    found = await meetings_between(ctx, *month.window(first, zone))
    return render(
        ctx,
        "meetings/calendar.html",
        view="month",
        weeks=month.weeks(first, found, zone),
        first=first,
        previous=month.shift(first, -1).strftime("%Y-%m"),
        following=month.shift(first, 1).strftime("%Y-%m"),
        week_link=week.first_week_of(first, today).isoformat(),
        **common,
    )


async def new_form(
    ctx: Ctx, status: int = 200, error: str = "", values: dict[str, Any] | None = None
) -> web.Response:
    async with ctx.db.read() as s:
        agencies = await agencies_to_invite(s)
        chairs = await people_in(s, {ctx.user.agency_id})
    defaults = dict.fromkeys(("title", "start", "place", "custom_rule", "chair_id"), "")
    defaults |= {
        "kind": "series",
        "rrule": PRESETS[0][0],
        "duration": "120",
        "horizon": "12",
        "zone": "Asia/Shanghai",
        "holidays": "flag",
    }
    return render(
        ctx,
        "meetings/new.html",
        status=status,
        agencies=agencies,
        chairs=chairs,
        presets=PRESETS,
        roles=ROLES,
        error=error,
        v={**defaults, **(values or {})},
    )


@routes.page("GET", "/meetings/new", perm=MANAGE)
async def new_page(ctx: Ctx) -> web.Response:
    return await new_form(ctx)


@routes.page("GET", "/meetings/{id}", perm=VIEW, name="meeting")
async def meeting_page(ctx: Ctx) -> web.Response:
    now = utcnow()
    calendar = await ctx.request.app[CALENDAR].get(ctx.db)
    async with ctx.db.read() as s:
        meeting = await get_visible_meeting(s, ctx.must, ctx.match_int("id"))
        out = await meeting_out(s, meeting, ctx.must)
        manage = may_manage(ctx.must, meeting)
        agency_names = dict((await s.execute(select(Agency.id, Agency.name))).all())
        numbers = await case_numbers(s, meeting, {c for i in meeting.agenda for c in i.case_ids}, now)
        extra: dict[str, Any] = {"proposed": [], "clashes": [], "agencies": [], "owners": []}
        if manage and meeting.status != "cancelled":
            extra["proposed"] = await proposed_cases(s, meeting, now)
            agencies = await conflicts.invited_agencies(s, meeting)
            clashes = await conflicts.for_meetings(s, [meeting], agencies)
            extra["clashes"] = await conflicts.as_seen_by(s, clashes, ctx.must)
            extra["agencies"] = await agencies_to_invite(s)
            extra["owners"] = await people_in(s, agencies | {meeting.organiser_agency_id})
        rule = None
        if meeting.series_id is not None:
            plan = await series.get_series(s, meeting.series_id)
            first = to_local(plan.first_start, plan.time_zone)
            rule = rule_in_words(plan.rrule, current_locale.get(), first, plan.time_zone)
        minutes = await minutes_service.latest(s, meeting.id)
        people = dict(
            (
                await s.execute(
                    select(User.id, User.display_name).where(
                        User.id.in_({meeting.chair_id or 0, meeting.secretary_id or 0})
                    )
                )
            ).all()
        )
    return render(
        ctx,
        "meetings/meeting.html",
        m=out,
        manage=manage,
        agency_names=agency_names,
        numbers=numbers,
        rule=rule,
        minutes=minutes,
        people=people,
        zone=meeting.time_zone,
        local=lambda t: to_local(t, meeting.time_zone).strftime("%Y-%m-%d %H:%M"),
        local_input=lambda t: to_local(t, meeting.time_zone).strftime("%Y-%m-%dT%H:%M"),
        roles=ROLES,
        rest_day=holidays.rest_day(meeting.start, meeting.time_zone, calendar),
        skipped_for=meeting.skipped_for,
        REST_DAY=holidays.REST_DAY,
        **extra,
    )


# --- forms ---------------------------------------------------------------------------------------


@routes.page("POST", "/meetings/new", perm=MANAGE)
async def create(ctx: Ctx) -> web.Response:
    form = await Form.read(ctx.request)
    values = {
        k: form.text(k)
        for k in (
            "kind",
            "title",
            "start",
            "duration",
            "zone",
            "rrule",
            "custom_rule",
            "horizon",
            "place",
            "chair_id",
            "holidays",
        )
    }
    try:
        zone = values["zone"] or "Asia/Shanghai"
        start = local_time(values["start"])
        minutes = form.number("duration") or 0
        agency_ids = form.numbers("agency_ids")
        roles = form.getall("roles")
        async with ctx.write() as (s, outbox):
            if values["kind"] == "single":
                data = service.MeetingInput(
                    values["title"],
                    ctx.user.agency_id,
                    to_utc(start, zone),
                    to_utc(start, zone) + timedelta(minutes=minutes),
                    zone,
                    values["place"],
                    ctx.user.user_id,
                    form.number("chair_id"),
                )
                meetings = [await service.create_meeting(s, ctx.user.actor, data)]
            else:
                rule = values["custom_rule"] if values["rrule"] == "custom" else values["rrule"]
                plan = series.SeriesInput(
                    values["title"],
                    ctx.user.agency_id,
                    rule,
                    start,
                    minutes,
                    zone,
                    values["place"],
                    ctx.user.user_id,
                    form.number("chair_id"),
                    form.number("horizon"),
                    holidays=values["holidays"] or "flag",
                )
                meetings = series.held((await series.create_series(s, ctx.user.actor, plan))[1])
            first_tokens: dict[int, str] = {}  # the links in the e-mail are to the first meeting
            everyone: set[int] = set()
            for meeting in meetings:
                quiet = meeting is not meetings[0]
                tokens = await service.invite(
                    s, ctx.user.actor, meeting, agency_ids=agency_ids, roles=roles, outbox=outbox, quiet=quiet
                )
                everyone |= set(tokens)
                first_tokens = tokens if meeting is meetings[0] else first_tokens
    except HubError as exc:
        message = exc.text()
        return await new_form(ctx, status=exc.status, error=message, values=values)
    if everyone:  # one message per person: a series travels as one calendar
        send_mail(ctx, meetings[0].id, mail.Change.INVITED, first_tokens, user_ids=tuple(sorted(everyone)))
    raise back(meetings[0].id)


@routes.page("POST", "/meetings/{id}/rsvp", perm=VIEW)
async def rsvp(ctx: Ctx) -> web.Response:
    form = await Form.read(ctx.request)
    async with ctx.write() as (s, outbox):
        meeting = await get_visible_meeting(s, ctx.must, ctx.match_int("id"))
        invitee = next((i for i in meeting.invitees if i.user_id == ctx.user.user_id), None)
        if invitee is None:
            raise ValidationFailed(N_("You are not invited to this meeting."))
        await service.rsvp(s, meeting, invitee, form.text("answer"))
        await announce(s, outbox, meeting, "attendance", ctx.user.user_id)
    raise back(meeting.id)


@routes.page("POST", "/meetings/{id}/invite", perm=MANAGE)
async def invite(ctx: Ctx) -> web.Response:
    form = await Form.read(ctx.request)
    async with ctx.write() as (s, outbox):
        meeting = await get_managed_meeting(s, ctx.must, ctx.match_int("id"))
        targets = [meeting]
        if form.text("whole_series") and meeting.series_id is not None:
            later = await series.occurrences(s, meeting.series_id)
            targets += [m for m in later if m.start > meeting.start and m.status == "scheduled"]
        roles = form.getall("roles")
        asked: dict[int, str] = {}  # links in the e-mail are to the meeting asked about
        invited: set[int] = set()
        for target in targets:
            tokens = await service.invite(
                s,
                ctx.user.actor,
                target,
                agency_ids=form.numbers("agency_ids"),
                roles=roles,
                outbox=outbox,
                quiet=target is not meeting,
            )
            invited |= set(tokens)
            asked = tokens if target is meeting else asked
        await announce(s, outbox, meeting, "attendance", ctx.user.user_id)
    if invited:
        send_mail(ctx, meeting.id, mail.Change.INVITED, asked, user_ids=tuple(sorted(invited)))
    raise back(meeting.id)


@routes.page("POST", "/meetings/{id}/reschedule", perm=MANAGE)
async def reschedule(ctx: Ctx) -> web.Response:
    form = await Form.read(ctx.request)
    async with ctx.write() as (s, outbox):
        meeting = await get_managed_meeting(s, ctx.must, ctx.match_int("id"))
        start = to_utc(local_time(form.text("start")), meeting.time_zone)
        end = to_utc(local_time(form.text("end")), meeting.time_zone)
        await service.reschedule(s, ctx.user.actor, meeting, start, end, form.text("place"))
        await announce(s, outbox, meeting, "meeting", ctx.user.user_id)
    send_mail(ctx, meeting.id, mail.Change.UPDATED)
    raise back(meeting.id)


@routes.page("POST", "/meetings/{id}/cancel", perm=MANAGE)
async def cancel(ctx: Ctx) -> web.Response:
    form = await Form.read(ctx.request)
    async with ctx.write() as (s, outbox):
        meeting = await get_managed_meeting(s, ctx.must, ctx.match_int("id"))
        await service.cancel(s, ctx.user.actor, meeting, form.text("reason"))
        await announce(s, outbox, meeting, "meeting", ctx.user.user_id)
    send_mail(ctx, meeting.id, mail.Change.CANCELLED, reason=form.text("reason"))
    raise back(meeting.id)


# --- invitation links (no account needed: the link is the key) -------------------------------------


async def _invitee(ctx: Ctx, s: AsyncSession) -> Invitee:
    """The invitee of the link; someone else who is logged in may not answer with it."""
    invitee = await service.invitee_by_token(s, ctx.match_int("id"), ctx.match("token"))
    if ctx.principal is not None and ctx.principal.user_id != invitee.user_id:
        raise RSVPRefused()
    return invitee


async def rsvp_view(ctx: Ctx, *, saved: bool) -> web.Response:
    meeting_id = ctx.match_int("id")
    async with ctx.db.read() as s:
        invitee = await _invitee(ctx, s)
        meeting = await s.get(Meeting, meeting_id)
        assert meeting is not None
        person = await s.get(User, invitee.user_id)
        organiser = await s.scalar(select(Agency.name).where(Agency.id == meeting.organiser_agency_id))
    return render(
        ctx,
        "meetings/rsvp.html",
        meeting=meeting,
        invitee=invitee,
        person=person.display_name if person else "",
        organiser=organiser or "",
        when=service.local_text(meeting),
        saved=saved,
    )


@routes.page(
    "GET",
    "/meetings/{id}/rsvp/{token}",
    public=True,
    summary="The page of an invitation link: the meeting, and accept / decline / tentative",
    tags=TAGS,
)
async def rsvp_page(ctx: Ctx) -> web.Response:
    return await rsvp_view(ctx, saved=False)


@routes.page(
    "POST",
    "/meetings/{id}/rsvp/{token}",
    public=True,
    summary="Answer an invitation by its link (form field answer=accepted|declined|tentative)",
    tags=TAGS,
)
async def rsvp_answer(ctx: Ctx) -> web.Response:
    form = await Form.read(ctx.request)
    answer = form.raw("answer")
    if answer not in service.RSVP_VALUES:
        raise ValidationFailed()
    async with ctx.write() as (s, outbox):
        invitee = await _invitee(ctx, s)
        meeting = await s.get(Meeting, invitee.meeting_id)
        assert meeting is not None
        await service.rsvp(s, meeting, invitee, answer)
        await announce(s, outbox, meeting, "attendance", None)
    return await rsvp_view(ctx, saved=True)
