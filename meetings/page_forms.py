"""The forms of the meeting pages: each reads the form, calls the same use case as the API, and
goes back to the page (post/redirect/get). Refusals show the error page with the reason, or the
form again with it (new meetings)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from aiohttp import web
from multidict import MultiDictProxy

from hub.errors import HubError, ValidationFailed
from hub.events import Outbox
from hub.i18n import N_
from hub.routing import Ctx, Routes
from hub.templating import render
from meetings import feeds, mail, proceedings, series, service
from meetings.api import send_mail
from meetings.models import ActionItem, Meeting
from meetings.pages import new_form
from meetings.permissions import MeetingPermission, get_managed_meeting, get_visible_meeting, may_manage
from meetings.timezones import to_utc
from meetings.views import announce

routes = Routes()
VIEW, MANAGE = MeetingPermission.view_meetings, MeetingPermission.manage_meetings
Form = MultiDictProxy[str | bytes | bytearray | web.FileField]


def text(form: Form, name: str) -> str:
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def number(form: Form, name: str) -> int | None:
    value = text(form, name)
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise ValidationFailed() from None


def numbers(form: Form, name: str) -> list[int]:
    found = [v for v in form.getall(name, []) if isinstance(v, str) and v.strip()]
    try:
        return [int(v) for v in found]
    except ValueError:
        raise ValidationFailed() from None


def local_time(value: str) -> datetime:
    """A ``datetime-local`` field: wall clock, read in the meeting's zone by the caller."""
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(N_("Give a date and a time.")) from None


def back(meeting_id: int, anchor: str = "") -> web.HTTPSeeOther:
    return web.HTTPSeeOther(f"/meetings/{meeting_id}" + (f"#{anchor}" if anchor else ""))


@routes.page("POST", "/meetings/new", perm=MANAGE)
async def create(ctx: Ctx) -> web.Response:
    form = await ctx.request.post()
    values = {
        k: text(form, k)
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
        )
    }
    try:
        zone = values["zone"] or "Asia/Shanghai"
        start = local_time(values["start"])
        minutes = number(form, "duration") or 0
        agency_ids = numbers(form, "agency_ids")
        roles = [r for r in form.getall("roles", []) if isinstance(r, str)]
        outbox = Outbox()
        async with ctx.db.write() as s:
            if values["kind"] == "single":
                data = service.MeetingInput(
                    values["title"],
                    ctx.user.agency_id,
                    to_utc(start, zone),
                    to_utc(start, zone) + timedelta(minutes=minutes),
                    zone,
                    values["place"],
                    ctx.user.user_id,
                    number(form, "chair_id"),
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
                    number(form, "chair_id"),
                    number(form, "horizon"),
                )
                meetings = (await series.create_series(s, ctx.user.actor, plan))[1]
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
    await outbox.send(ctx.events)
    if everyone:  # one message per person: a series travels as one calendar
        send_mail(ctx, meetings[0].id, mail.Change.INVITED, first_tokens, user_ids=tuple(sorted(everyone)))
    raise back(meetings[0].id)


@routes.page("POST", "/meetings/feed", perm=VIEW)
async def create_feed(ctx: Ctx) -> web.Response:
    async with ctx.db.write() as s:
        row, token = await feeds.create(s, ctx.user.actor, user_id=ctx.user.user_id, agency_id=None)
    return render(ctx, "meetings/feed.html", url=f"{ctx.base_url}/calendar/{token}.ics", row=row)


@routes.page("POST", "/meetings/actions/{id}", perm=VIEW)
async def action_status(ctx: Ctx) -> web.Response:
    form = await ctx.request.post()
    outbox = Outbox()
    async with ctx.db.write() as s:
        action = await s.get(ActionItem, ctx.match_int("id"))
        if action is None:
            raise web.HTTPNotFound()
        if not await proceedings.owns(s, ctx.user, action):
            meeting = await get_visible_meeting(s, ctx.must, action.meeting_id)
            if not may_manage(ctx.must, meeting):
                raise web.HTTPNotFound()
        await service.set_action_status(s, ctx.user.actor, action, text(form, "status"))
        changed = await s.get(Meeting, action.meeting_id)
        if changed is not None:
            await announce(s, outbox, changed, "actions", ctx.user.user_id)
    await outbox.send(ctx.events)
    raise web.HTTPSeeOther("/meetings/actions")


@routes.page("POST", "/meetings/{id}/rsvp", perm=VIEW)
async def rsvp(ctx: Ctx) -> web.Response:
    form = await ctx.request.post()
    outbox = Outbox()
    async with ctx.db.write() as s:
        meeting = await get_visible_meeting(s, ctx.must, ctx.match_int("id"))
        invitee = next((i for i in meeting.invitees if i.user_id == ctx.user.user_id), None)
        if invitee is None:
            raise ValidationFailed(N_("You are not invited to this meeting."))
        await service.rsvp(s, meeting, invitee, text(form, "answer"))
        await announce(s, outbox, meeting, "attendance", ctx.user.user_id)
    await outbox.send(ctx.events)
    raise back(meeting.id)


@routes.page("POST", "/meetings/{id}/attendance", perm=MANAGE)
async def attendance(ctx: Ctx) -> web.Response:
    form = await ctx.request.post()
    outbox = Outbox()
    async with ctx.db.write() as s:
        meeting = await get_managed_meeting(s, ctx.must, ctx.match_int("id"))
        service.ensure_open(meeting)
        invitee_id = number(form, "invitee_id") or 0
        await service.record_attendance(
            s, ctx.user.actor, meeting, invitee_id, text(form, "status"), text(form, "proxy_name")
        )
        if meeting.status == "scheduled":
            await proceedings.mark_held(s, ctx.user.actor, meeting)
        await announce(s, outbox, meeting, "attendance", ctx.user.user_id)
    await outbox.send(ctx.events)
    raise back(meeting.id)


@routes.page("POST", "/meetings/{id}/invite", perm=MANAGE)
async def invite(ctx: Ctx) -> web.Response:
    form = await ctx.request.post()
    outbox = Outbox()
    async with ctx.db.write() as s:
        meeting = await get_managed_meeting(s, ctx.must, ctx.match_int("id"))
        targets = [meeting]
        if text(form, "whole_series") and meeting.series_id is not None:
            later = await series.occurrences(s, meeting.series_id)
            targets += [m for m in later if m.start > meeting.start and m.status == "scheduled"]
        roles = [r for r in form.getall("roles", []) if isinstance(r, str)]
        asked: dict[int, str] = {}  # links in the e-mail are to the meeting asked about
        invited: set[int] = set()
        for target in targets:
            tokens = await service.invite(
                s,
                ctx.user.actor,
                target,
                agency_ids=numbers(form, "agency_ids"),
                roles=roles,
                outbox=outbox,
                quiet=target is not meeting,
            )
            invited |= set(tokens)
            asked = tokens if target is meeting else asked
        await announce(s, outbox, meeting, "attendance", ctx.user.user_id)
    await outbox.send(ctx.events)
    if invited:
        send_mail(ctx, meeting.id, mail.Change.INVITED, asked, user_ids=tuple(sorted(invited)))
    raise back(meeting.id)


@routes.page("POST", "/meetings/{id}/agenda", perm=MANAGE)
async def agenda(ctx: Ctx) -> web.Response:
    form = await ctx.request.post()
    outbox = Outbox()
    async with ctx.db.write() as s:
        meeting = await get_managed_meeting(s, ctx.must, ctx.match_int("id"))
        service.ensure_open(meeting)
        await service.add_agenda_item(
            s,
            ctx.user.actor,
            meeting,
            kind=text(form, "kind"),
            title=text(form, "title"),
            presenter=text(form, "presenter"),
            minutes=number(form, "minutes") or 10,
            case_ids=numbers(form, "case_ids"),
        )
        await announce(s, outbox, meeting, "agenda", ctx.user.user_id)
    await outbox.send(ctx.events)
    raise back(meeting.id, "agenda")


@routes.page("POST", "/meetings/{id}/agenda/carried", perm=MANAGE)
async def carried(ctx: Ctx) -> web.Response:
    outbox = Outbox()
    async with ctx.db.write() as s:
        meeting = await get_managed_meeting(s, ctx.must, ctx.match_int("id"))
        if await proceedings.carry_open_actions(s, ctx.user.actor, meeting):
            await announce(s, outbox, meeting, "agenda", ctx.user.user_id)
    await outbox.send(ctx.events)
    raise back(meeting.id, "agenda")


@routes.page("POST", "/meetings/{id}/agenda/{item}/notes", perm=MANAGE)
async def notes(ctx: Ctx) -> web.Response:
    form = await ctx.request.post()
    outbox = Outbox()
    async with ctx.db.write() as s:
        meeting = await get_managed_meeting(s, ctx.must, ctx.match_int("id"))
        await proceedings.set_item_notes(
            s, ctx.user.actor, meeting, ctx.match_int("item"), text(form, "notes")
        )
        await announce(s, outbox, meeting, "notes", ctx.user.user_id)
    await outbox.send(ctx.events)
    raise back(meeting.id, "agenda")


@routes.page("POST", "/meetings/{id}/decisions", perm=MANAGE)
async def decision(ctx: Ctx) -> web.Response:
    form = await ctx.request.post()
    outbox = Outbox()
    async with ctx.db.write() as s:
        meeting = await get_managed_meeting(s, ctx.must, ctx.match_int("id"))
        service.ensure_open(meeting)
        item = number(form, "agenda_item_id")
        if item is not None:
            proceedings.agenda_item(meeting, item)
        await service.add_decision(s, ctx.user.actor, meeting, text(form, "text"), item)
        await announce(s, outbox, meeting, "decisions", ctx.user.user_id)
    await outbox.send(ctx.events)
    raise back(meeting.id, "agenda")


@routes.page("POST", "/meetings/{id}/actions", perm=MANAGE)
async def action(ctx: Ctx) -> web.Response:
    form = await ctx.request.post()
    kind, _, owner = text(form, "owner").partition(":")
    try:
        due = date.fromisoformat(text(form, "due"))
        owner_id = int(owner)
    except ValueError:
        raise ValidationFailed(N_("Give the action an owner and a due date.")) from None
    outbox = Outbox()
    async with ctx.db.write() as s:
        meeting = await get_managed_meeting(s, ctx.must, ctx.match_int("id"))
        service.ensure_open(meeting)
        item = number(form, "agenda_item_id")
        if item is not None:
            proceedings.agenda_item(meeting, item)
        await service.add_action(
            s,
            ctx.user.actor,
            meeting,
            text=text(form, "text"),
            due=due,
            outbox=outbox,
            owner_agency_id=owner_id if kind == "agency" else None,
            owner_user_id=owner_id if kind == "user" else None,
            agenda_item_id=item,
        )
        await announce(s, outbox, meeting, "actions", ctx.user.user_id)
    await outbox.send(ctx.events)
    raise back(meeting.id, "agenda")


@routes.page("POST", "/meetings/{id}/reschedule", perm=MANAGE)
async def reschedule(ctx: Ctx) -> web.Response:
    form = await ctx.request.post()
    outbox = Outbox()
    async with ctx.db.write() as s:
        meeting = await get_managed_meeting(s, ctx.must, ctx.match_int("id"))
        start = to_utc(local_time(text(form, "start")), meeting.time_zone)
        end = to_utc(local_time(text(form, "end")), meeting.time_zone)
        await service.reschedule(s, ctx.user.actor, meeting, start, end, text(form, "place"))
        await announce(s, outbox, meeting, "meeting", ctx.user.user_id)
    await outbox.send(ctx.events)
    send_mail(ctx, meeting.id, mail.Change.UPDATED)
    raise back(meeting.id)


@routes.page("POST", "/meetings/{id}/cancel", perm=MANAGE)
async def cancel(ctx: Ctx) -> web.Response:
    form = await ctx.request.post()
    outbox = Outbox()
    async with ctx.db.write() as s:
        meeting = await get_managed_meeting(s, ctx.must, ctx.match_int("id"))
        await service.cancel(s, ctx.user.actor, meeting, text(form, "reason"))
        await announce(s, outbox, meeting, "meeting", ctx.user.user_id)
    await outbox.send(ctx.events)
    send_mail(ctx, meeting.id, mail.Change.CANCELLED, reason=text(form, "reason"))
    raise back(meeting.id)


@routes.page("POST", "/meetings/{id}/held", perm=MANAGE)
async def held(ctx: Ctx) -> web.Response:
    outbox = Outbox()
    async with ctx.db.write() as s:
        meeting = await get_managed_meeting(s, ctx.must, ctx.match_int("id"))
        await proceedings.mark_held(s, ctx.user.actor, meeting)
        await announce(s, outbox, meeting, "meeting", ctx.user.user_id)
    await outbox.send(ctx.events)
    raise back(meeting.id)
