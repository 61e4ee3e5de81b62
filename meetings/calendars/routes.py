"""Calendar files: ``/meetings/{id}.ics`` (log in or Bearer token), subscription feeds at
``/calendar/{token}.ics`` (the token is the key), and the API to create and revoke feed tokens."""

from __future__ import annotations

from aiohttp import web

from hub import etags
from hub.directory import get_agency
from hub.errors import Forbidden, NotFound
from hub.models import Role
from hub.orm import utcnow
from hub.routing import Ctx, Routes
from hub.schemas import Page
from hub.templating import render
from meetings.calendars import calendars, feeds
from meetings.models import CalendarFeedToken
from meetings.permissions import (
    MeetingPermission,
    get_visible_meeting,
)
from meetings.schemas import FeedCreated, FeedIn, FeedOut

routes = Routes()
TAGS = ("meetings",)
VIEW = MeetingPermission.view_meetings
ICS = "text/calendar"


def _ics(ctx: Ctx, body: bytes, filename: str, method: str | None = None) -> web.Response:
    """A calendar file with its ETag, or 304 when the client's copy is current (call it only once
    the reader may see the file: a 304 tells as much)."""
    return etags.respond(
        ctx.request,
        body,
        content_type=f"{ICS}; charset=utf-8" + (f"; method={method}" if method else ""),
        headers={"Content-Disposition": f'inline; filename="{filename}"'},
    )


@routes.page(
    "GET",
    "/meetings/{id}.ics",
    perm=VIEW,
    summary=(
        "The meeting as iCalendar (METHOD:REQUEST, or CANCEL); a series with its RRULE and exceptions. "
        "With its ETag in If-None-Match: 304 while the meeting is unchanged"
    ),
    produces=ICS,
    tags=TAGS,
)
async def meeting_ics(ctx: Ctx) -> web.Response:
    async with ctx.db.read() as s:
        meeting = await get_visible_meeting(s, ctx.must, ctx.match_int("id"))
        # DTSTAMP: when the meeting last changed, so an unchanged meeting is the same octets.
        body, method = await calendars.meeting_calendar(s, meeting, ctx.base_url)
    return _ics(ctx, body, f"meeting-{meeting.id}.ics", method.value)


@routes.page(
    "GET",
    "/calendar/{token}.ics",
    public=True,
    summary=(
        "A subscription feed (a person's or an agency's meetings); the token in the URL is the key. "
        "With its ETag in If-None-Match: 304 while nothing in it changed"
    ),
    produces=ICS,
    tags=TAGS,
)
async def feed_ics(ctx: Ctx) -> web.Response:
    async with ctx.db.read() as s:
        row = await feeds.by_token(s, ctx.match("token"))
        meetings = await feeds.meetings_of(s, row, utcnow())
        body = await calendars.feed(s, meetings, await feeds.name_of(s, row), ctx.base_url)
    # The token has opened the feed (revoked and unknown ones are 404 above): only now may a
    # client learn that its copy is current.
    return _ics(ctx, body, "meetings.ics")


def _feed_url(ctx: Ctx, token: str) -> str:
    return f"{ctx.base_url}/calendar/{token}.ics"


@routes.api(
    "POST",
    "/api/v1/calendar-feeds",
    perm=VIEW,
    summary="A subscription feed URL for your meetings, or (secretaries, admins, supervisors) your agency's",
    body=FeedIn,
    response=FeedCreated,
    status=201,
    tags=TAGS,
)
async def create_feed(ctx: Ctx, body: FeedIn) -> FeedCreated:
    if body.agency_id is not None:
        ctx.must.check_agency(body.agency_id)
        runs = ctx.must.allows(MeetingPermission.manage_meetings)
        if not (runs or ctx.user.has_role(Role.supervisor, Role.admin)):
            raise Forbidden()
    async with ctx.write() as (s, _):
        if body.agency_id is not None:
            await get_agency(s, body.agency_id)  # 404 if it is not there: an admin covers any id
        user_id = None if body.agency_id is not None else ctx.user.user_id
        row, token = await feeds.create(s, ctx.user.actor, user_id=user_id, agency_id=body.agency_id)
        return FeedCreated(**FeedOut.model_validate(row).model_dump(), token=token, url=_feed_url(ctx, token))


@routes.api(
    "GET",
    "/api/v1/calendar-feeds",
    perm=VIEW,
    summary="Your feeds (the tokens themselves are never shown again)",
    response=Page[FeedOut],
    tags=TAGS,
)
async def list_feeds(ctx: Ctx) -> Page[FeedOut]:
    async with ctx.db.read() as s:
        rows = await feeds.listed(s, ctx.user.user_id)
        return Page[FeedOut](items=[FeedOut.model_validate(r) for r in rows], total=len(rows))


@routes.api(
    "POST",
    "/api/v1/calendar-feeds/{id}/revoke",
    perm=VIEW,
    summary="Revoke a feed: its URL stops working at once",
    response=FeedOut,
    tags=TAGS,
)
async def revoke_feed(ctx: Ctx) -> FeedOut:
    async with ctx.write() as (s, _):
        row = await s.get(CalendarFeedToken, ctx.match_int("id"))
        me = ctx.user.user_id
        if row is None:
            raise NotFound()
        if me not in (row.user_id, row.created_by_id):
            runs = ctx.must.allows(MeetingPermission.manage_meetings) or ctx.user.has_role(Role.admin)
            if row.agency_id is None or not runs or not ctx.must.scope.covers(row.agency_id):
                raise NotFound()
        await feeds.revoke(s, ctx.user.actor, row)
        return FeedOut.model_validate(row)


@routes.page("POST", "/meetings/feed", perm=VIEW)
async def feed_form(ctx: Ctx) -> web.Response:
    async with ctx.write() as (s, _):
        row, token = await feeds.create(s, ctx.user.actor, user_id=ctx.user.user_id, agency_id=None)
    return render(ctx, "meetings/feed.html", url=f"{ctx.base_url}/calendar/{token}.ics", row=row)
