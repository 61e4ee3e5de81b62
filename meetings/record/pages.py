"""The forms of the meeting pages: each reads the form, calls the same use case as the API, and
goes back to the page (post/redirect/get). Refusals show the error page with the reason, or the
form again with it (new meetings)."""

from __future__ import annotations

from datetime import date

from aiohttp import web
from sqlalchemy import select

from hub.errors import ValidationFailed
from hub.forms import Form
from hub.i18n import N_
from hub.orm import utcnow
from hub.routing import Ctx, Routes
from hub.templating import render
from meetings import service
from meetings.models import ActionItem, Meeting
from meetings.permissions import (
    MeetingPermission,
    get_managed_meeting,
    get_visible_meeting,
    may_manage,
)
from meetings.record import proceedings
from meetings.timezones import to_local
from meetings.views import (
    actions_out,
    announce,
    back,
)

routes = Routes()
VIEW, MANAGE = MeetingPermission.view_meetings, MeetingPermission.manage_meetings


@routes.page("POST", "/meetings/actions/{id}", perm=VIEW)
async def action_status(ctx: Ctx) -> web.Response:
    form = await Form.read(ctx.request)
    async with ctx.write() as (s, outbox):
        action = await s.get(ActionItem, ctx.match_int("id"))
        if action is None:
            raise web.HTTPNotFound()
        if not await proceedings.owns(s, ctx.user, action):
            meeting = await get_visible_meeting(s, ctx.must, action.meeting_id)
            if not may_manage(ctx.must, meeting):
                raise web.HTTPNotFound()
        await proceedings.set_action_status(s, ctx.user.actor, action, form.text("status"))
        changed = await s.get(Meeting, action.meeting_id)
        if changed is not None:
            await announce(s, outbox, changed, "actions", ctx.user.user_id)
    raise web.HTTPSeeOther("/meetings/actions")


@routes.page("POST", "/meetings/{id}/attendance", perm=MANAGE)
async def attendance(ctx: Ctx) -> web.Response:
    form = await Form.read(ctx.request)
    async with ctx.write() as (s, outbox):
        meeting = await get_managed_meeting(s, ctx.must, ctx.match_int("id"))
        service.ensure_open(meeting)
        invitee_id = form.number("invitee_id") or 0
        await proceedings.record_attendance(
            s, ctx.user.actor, meeting, invitee_id, form.text("status"), form.text("proxy_name")
        )
        if meeting.status == "scheduled" and meeting.start <= utcnow():  # apologies may come before
            await proceedings.mark_held(s, ctx.user.actor, meeting, now=utcnow())
        await announce(s, outbox, meeting, "attendance", ctx.user.user_id)
    raise back(meeting.id)


@routes.page("POST", "/meetings/{id}/agenda", perm=MANAGE)
async def agenda(ctx: Ctx) -> web.Response:
    form = await Form.read(ctx.request)
    async with ctx.write() as (s, outbox):
        meeting = await get_managed_meeting(s, ctx.must, ctx.match_int("id"))
        service.ensure_open(meeting)
        await proceedings.add_agenda_item(
            s,
            ctx.user.actor,
            meeting,
            kind=form.text("kind"),
            title=form.text("title"),
            presenter=form.text("presenter"),
            minutes=form.number("minutes") or 10,
            case_ids=form.numbers("case_ids"),
        )
        await announce(s, outbox, meeting, "agenda", ctx.user.user_id)
    raise back(meeting.id, "agenda")


@routes.page("POST", "/meetings/{id}/agenda/carried", perm=MANAGE)
async def carried(ctx: Ctx) -> web.Response:
    async with ctx.write() as (s, outbox):
        meeting = await get_managed_meeting(s, ctx.must, ctx.match_int("id"))
        if await proceedings.carry_open_actions(s, ctx.user.actor, meeting):
            await announce(s, outbox, meeting, "agenda", ctx.user.user_id)
    raise back(meeting.id, "agenda")


@routes.page("POST", "/meetings/{id}/agenda/{item}/notes", perm=MANAGE)
async def notes(ctx: Ctx) -> web.Response:
    form = await Form.read(ctx.request)
    async with ctx.write() as (s, outbox):
        meeting = await get_managed_meeting(s, ctx.must, ctx.match_int("id"))
        await proceedings.set_item_notes(
            s, ctx.user.actor, meeting, ctx.match_int("item"), form.text("notes")
        )
        await announce(s, outbox, meeting, "notes", ctx.user.user_id)
    raise back(meeting.id, "agenda")


@routes.page("POST", "/meetings/{id}/decisions", perm=MANAGE)
async def decision(ctx: Ctx) -> web.Response:
    form = await Form.read(ctx.request)
    async with ctx.write() as (s, outbox):
        meeting = await get_managed_meeting(s, ctx.must, ctx.match_int("id"))
        service.ensure_open(meeting)
        item = form.number("agenda_item_id")
        if item is not None:
            proceedings.agenda_item(meeting, item)
        await proceedings.add_decision(s, ctx.user.actor, meeting, form.text("text"), item)
        await announce(s, outbox, meeting, "decisions", ctx.user.user_id)
    raise back(meeting.id, "agenda")


@routes.page("POST", "/meetings/{id}/actions", perm=MANAGE)
async def action(ctx: Ctx) -> web.Response:
    form = await Form.read(ctx.request)
    kind, _, owner = form.text("owner").partition(":")
    try:
        due = date.fromisoformat(form.text("due"))
        owner_id = int(owner)
    except ValueError:
        raise ValidationFailed(N_("Give the action an owner and a due date.")) from None
    async with ctx.write() as (s, outbox):
        meeting = await get_managed_meeting(s, ctx.must, ctx.match_int("id"))
        service.ensure_open(meeting)
        item = form.number("agenda_item_id")
        if item is not None:
            proceedings.agenda_item(meeting, item)
        await proceedings.add_action(
            s,
            ctx.user.actor,
            meeting,
            text=form.text("text"),
            due=due,
            outbox=outbox,
            owner_agency_id=owner_id if kind == "agency" else None,
            owner_user_id=owner_id if kind == "user" else None,
            agenda_item_id=item,
        )
        await announce(s, outbox, meeting, "actions", ctx.user.user_id)
    raise back(meeting.id, "agenda")


@routes.page("POST", "/meetings/{id}/held", perm=MANAGE)
async def held(ctx: Ctx) -> web.Response:
    async with ctx.write() as (s, outbox):
        meeting = await get_managed_meeting(s, ctx.must, ctx.match_int("id"))
        await proceedings.mark_held(s, ctx.user.actor, meeting, now=utcnow())
        await announce(s, outbox, meeting, "meeting", ctx.user.user_id)
    raise back(meeting.id)


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
