"""The secretary's pages: the calendar (month or week), a new meeting or series, the meeting page
(used during the meeting: attendance, notes per item, decisions and actions; it refreshes itself
when someone else records something, see ``static/js/meetings.js``), and one's actions. The forms
post to ``page_forms``; the minutes editor is in ``pages_minutes``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from urllib.parse import quote

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.i18n import N_
from hub.models import Agency, AgencyKind, User
from hub.orm import utcnow
from hub.permissions import allowed
from hub.routing import Ctx, Routes
from hub.templating import render
from meetings import (
    codes,  # noqa: F401 - registers the labels the templates use
    conflicts,
    minutes_service,
    month,
    proceedings,
    series,
    week,
)
from meetings.cases import case_numbers, proposed_cases
from meetings.models import Meeting
from meetings.permissions import MeetingPermission, get_visible_meeting, may_manage, visible
from meetings.timezones import known_zones, to_local
from meetings.views import actions_out, meeting_out

routes = Routes()
VIEW, MANAGE = MeetingPermission.view_meetings, MeetingPermission.manage_meetings
INVITABLE = (
    AgencyKind.police_bureau,
    AgencyKind.justice_bureau,
    AgencyKind.court,
    AgencyKind.police_station,
    AgencyKind.judicial_office,
    AgencyKind.specialised_body,
    AgencyKind.stationed_room,
)
PRESETS = (
    ("FREQ=MONTHLY;BYDAY=1TU", N_("Monthly, first Tuesday")),
    ("FREQ=MONTHLY;BYDAY=1WE", N_("Monthly, first Wednesday")),
    ("FREQ=MONTHLY;INTERVAL=3;BYDAY=1TU", N_("Quarterly, first Tuesday")),
    ("FREQ=WEEKLY", N_("Weekly")),
)
ROLES = ("liaison", "supervisor", "admin", "secretary")


async def agencies_to_invite(s: AsyncSession) -> list[tuple[int, str]]:
    query = select(Agency.id, Agency.name).where(Agency.kind.in_(list(INVITABLE)), Agency.active.is_(True))
    return [(i, n) for i, n in (await s.execute(query.order_by(Agency.kind, Agency.code))).all()]


async def people_in(s: AsyncSession, agency_ids: set[int]) -> list[tuple[int, str]]:
    query = select(User.id, User.display_name).where(User.agency_id.in_(agency_ids), User.active.is_(True))
    return [(i, n) for i, n in (await s.execute(query.order_by(User.display_name))).all()]


def viewer_zone(ctx: Ctx) -> str:
    """The zone the calendar is drawn in: ``?tz=`` when it names a known zone, else the hub's."""
    asked = ctx.request.query.get("tz", "")
    return asked if asked in known_zones() else ctx.config.time_zone


async def meetings_between(ctx: Ctx, low: datetime, high: datetime) -> Sequence[Meeting]:
    async with ctx.db.read() as s:
        query = select(Meeting).where(
            visible(ctx.must.scope, ctx.user.user_id), Meeting.start < high, Meeting.end > low
        )
        return (await s.scalars(query.order_by(Meeting.start))).all()


@routes.page("GET", "/meetings", perm=VIEW, name="meetings")
async def calendar_page(ctx: Ctx) -> web.Response:
    """The month (``?month=2026-12``) or the week (``?view=week&week=2026-11-30``, or ``2026-W49``)."""
    zone = viewer_zone(ctx)
    query = ctx.request.query
    today = to_local(utcnow(), zone).date()
    common: dict[str, Any] = {
        "can_manage": allowed(ctx.user, MANAGE),
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


@routes.page("GET", "/meetings/actions", perm=VIEW)
async def actions_page(ctx: Ctx) -> web.Response:
    async with ctx.db.read() as s:
        actions = await proceedings.actions_of(s, ctx.user.user_id, ctx.user.agency_id, open_only=False)
        rows = await actions_out(s, actions)
        titles = dict(
            (
                await s.execute(
                    select(Meeting.id, Meeting.title).where(Meeting.id.in_({a.meeting_id for a in rows}))
                )
            ).all()
        )
    today = to_local(utcnow(), ctx.config.time_zone).date()
    return render(ctx, "meetings/actions.html", rows=rows, titles=titles, today=today)


@routes.page("GET", "/meetings/{id}", perm=VIEW, name="meeting")
async def meeting_page(ctx: Ctx) -> web.Response:
    now = utcnow()
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
            rule = (await series.get_series(s, meeting.series_id)).rrule
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
        **extra,
    )
