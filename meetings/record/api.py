"""JSON API for the record of a meeting: attendance, agenda (with proposed cases and the last
meeting's open actions), notes, decisions, action items; and the actions a person owns.

Every change tells the people who may see the meeting that it changed (``views.announce``), after
the commit, so their open meeting pages refresh themselves."""

from __future__ import annotations

from hub.errors import Forbidden, NotFound, ValidationFailed
from hub.i18n import N_
from hub.orm import utcnow
from hub.routing import Ctx, Routes
from hub.schemas import Page
from meetings import service
from meetings.cases import proposed_cases
from meetings.models import ActionItem, Meeting
from meetings.permissions import MeetingPermission, get_managed_meeting, get_visible_meeting, may_manage
from meetings.record import proceedings
from meetings.schemas import (
    ActionIn,
    ActionOut,
    ActionPatch,
    AgendaIn,
    AgendaItemOut,
    AttendanceIn,
    DecisionIn,
    DecisionOut,
    InviteeOut,
    MeetingOut,
    NotesIn,
    ProposedCase,
)
from meetings.views import action_out, actions_out, announce, meeting_out, owner_names, people

routes = Routes()
TAGS = ("meetings",)
VIEW, MANAGE = MeetingPermission.view_meetings, MeetingPermission.manage_meetings


def _item_of(meeting: Meeting, item_id: int | None) -> int | None:
    if item_id is not None:
        proceedings.agenda_item(meeting, item_id)  # NotFound for an item of another meeting
    return item_id


@routes.api(
    "POST",
    "/api/v1/meetings/{id}/attendance",
    perm=MANAGE,
    summary="Record one invitee as present, absent, excused or represented by a proxy",
    body=AttendanceIn,
    response=InviteeOut,
    tags=TAGS,
)
async def attendance(ctx: Ctx, body: AttendanceIn) -> InviteeOut:
    async with ctx.write() as (s, outbox):
        meeting = await get_managed_meeting(s, ctx.must, ctx.match_int("id"))
        service.ensure_open(meeting)
        invitee = await proceedings.record_attendance(
            s, ctx.user.actor, meeting, body.invitee_id, body.status, body.proxy_name
        )
        if meeting.status == "scheduled" and meeting.start <= utcnow():  # apologies may come before
            await proceedings.mark_held(s, ctx.user.actor, meeting, now=utcnow())
        await announce(s, outbox, meeting, "attendance", ctx.user.user_id)
        user = (await people(s, {invitee.user_id}))[invitee.user_id]
        out = InviteeOut(
            id=invitee.id,
            user_id=invitee.user_id,
            name=user.display_name,
            agency_id=user.agency_id,
            via_agency_id=invitee.via_agency_id,
            rsvp=invitee.rsvp,
            attendance=invitee.attendance,
            proxy_name=invitee.proxy_name,
        )
    return out


@routes.api(
    "POST",
    "/api/v1/meetings/{id}/held",
    perm=MANAGE,
    summary="Record that the meeting took place",
    response=MeetingOut,
    tags=TAGS,
)
async def held(ctx: Ctx) -> MeetingOut:
    async with ctx.write() as (s, outbox):
        meeting = await get_managed_meeting(s, ctx.must, ctx.match_int("id"))
        await proceedings.mark_held(s, ctx.user.actor, meeting, now=utcnow())
        await announce(s, outbox, meeting, "meeting", ctx.user.user_id)
        out = await meeting_out(s, meeting, ctx.must)
    return out


@routes.api(
    "GET",
    "/api/v1/meetings/{id}/proposed-cases",
    perm=MANAGE,
    summary="Cases the hub proposes for joint review (overdue, escalated, failed, group disputes, warnings)",
    response=Page[ProposedCase],
    tags=TAGS,
)
async def proposals(ctx: Ctx) -> Page[ProposedCase]:
    async with ctx.db.read() as s:
        meeting = await get_managed_meeting(s, ctx.must, ctx.match_int("id"))
        found = await proposed_cases(s, meeting, utcnow())
        return Page[ProposedCase](items=found, total=len(found))


@routes.api(
    "POST",
    "/api/v1/meetings/{id}/agenda",
    perm=MANAGE,
    summary="Add an agenda item (report, discussion, decision, case review)",
    body=AgendaIn,
    response=AgendaItemOut,
    status=201,
    tags=TAGS,
)
async def add_item(ctx: Ctx, body: AgendaIn) -> AgendaItemOut:
    async with ctx.write() as (s, outbox):
        meeting = await get_managed_meeting(s, ctx.must, ctx.match_int("id"))
        service.ensure_open(meeting)
        item = await proceedings.add_agenda_item(
            s,
            ctx.user.actor,
            meeting,
            kind=body.kind,
            title=body.title,
            presenter=body.presenter,
            minutes=body.minutes,
            case_ids=body.case_ids,
        )
        await announce(s, outbox, meeting, "agenda", ctx.user.user_id)
        out = AgendaItemOut.model_validate(item)
    return out


@routes.api(
    "POST",
    "/api/v1/meetings/{id}/agenda/carried",
    perm=MANAGE,
    summary="Start the agenda with the open actions of the earlier meetings",
    response=Page[AgendaItemOut],
    tags=TAGS,
)
async def carry(ctx: Ctx) -> Page[AgendaItemOut]:
    async with ctx.write() as (s, outbox):
        meeting = await get_managed_meeting(s, ctx.must, ctx.match_int("id"))
        added = await proceedings.carry_open_actions(s, ctx.user.actor, meeting)
        if added:
            await announce(s, outbox, meeting, "agenda", ctx.user.user_id)
        out = Page[AgendaItemOut](items=[AgendaItemOut.model_validate(i) for i in added], total=len(added))
    return out


@routes.api(
    "PUT",
    "/api/v1/meetings/{id}/agenda/{item}/notes",
    perm=MANAGE,
    summary="Notes typed during the meeting for one agenda item",
    body=NotesIn,
    response=AgendaItemOut,
    tags=TAGS,
)
async def item_notes(ctx: Ctx, body: NotesIn) -> AgendaItemOut:
    async with ctx.write() as (s, outbox):
        meeting = await get_managed_meeting(s, ctx.must, ctx.match_int("id"))
        item = await proceedings.set_item_notes(s, ctx.user.actor, meeting, ctx.match_int("item"), body.notes)
        await announce(s, outbox, meeting, "notes", ctx.user.user_id)
        out = AgendaItemOut.model_validate(item)
    return out


@routes.api(
    "POST",
    "/api/v1/meetings/{id}/decisions",
    perm=MANAGE,
    summary="Record a decision (of an agenda item, or general)",
    body=DecisionIn,
    response=DecisionOut,
    status=201,
    tags=TAGS,
)
async def decision(ctx: Ctx, body: DecisionIn) -> DecisionOut:
    async with ctx.write() as (s, outbox):
        meeting = await get_managed_meeting(s, ctx.must, ctx.match_int("id"))
        service.ensure_open(meeting)
        item = _item_of(meeting, body.agenda_item_id)
        out = DecisionOut.model_validate(
            await proceedings.add_decision(s, ctx.user.actor, meeting, body.text, item)
        )
        await announce(s, outbox, meeting, "decisions", ctx.user.user_id)
    return out


@routes.api(
    "POST",
    "/api/v1/meetings/{id}/actions",
    perm=MANAGE,
    summary="Give an action to an agency or a person, with a due date (the owners are notified)",
    body=ActionIn,
    response=ActionOut,
    status=201,
    tags=TAGS,
)
async def add_action(ctx: Ctx, body: ActionIn) -> ActionOut:
    async with ctx.write() as (s, outbox):
        meeting = await get_managed_meeting(s, ctx.must, ctx.match_int("id"))
        service.ensure_open(meeting)
        if body.owner_agency_id is not None and body.owner_user_id is not None:
            raise ValidationFailed(N_("Give the action one owner: an agency or a person."))
        action = await proceedings.add_action(
            s,
            ctx.user.actor,
            meeting,
            text=body.text,
            due=body.due,
            outbox=outbox,
            owner_agency_id=body.owner_agency_id,
            owner_user_id=body.owner_user_id,
            agenda_item_id=_item_of(meeting, body.agenda_item_id),
            case_id=body.case_id,
        )
        await announce(s, outbox, meeting, "actions", ctx.user.user_id)
        out = (await actions_out(s, [action]))[0]
    return out


@routes.api(
    "GET",
    "/api/v1/actions",
    perm=VIEW,
    summary="Open actions you own (by name or through your agency)",
    response=Page[ActionOut],
    tags=TAGS,
)
async def my_actions(ctx: Ctx) -> Page[ActionOut]:
    async with ctx.db.read() as s:
        found = await actions_out(s, await proceedings.actions_of(s, ctx.user.user_id, ctx.user.agency_id))
        return Page[ActionOut](items=found, total=len(found))


@routes.api(
    "PATCH",
    "/api/v1/actions/{id}",
    perm=VIEW,
    summary="Report progress on an action (its owners, or those who run the meeting)",
    body=ActionPatch,
    response=ActionOut,
    tags=TAGS,
)
async def patch_action(ctx: Ctx, body: ActionPatch) -> ActionOut:
    async with ctx.write() as (s, outbox):
        action = await s.get(ActionItem, ctx.match_int("id"))
        if action is None:
            raise NotFound()
        owner = await proceedings.owns(s, ctx.user, action)
        if not owner:
            meeting = await get_visible_meeting(s, ctx.must, action.meeting_id)
            if not may_manage(ctx.must, meeting):
                raise Forbidden()
        await proceedings.set_action_status(s, ctx.user.actor, action, body.status)
        changed = await s.get(Meeting, action.meeting_id)  # the owner may not see the meeting itself
        if changed is not None:
            await announce(s, outbox, changed, "actions", ctx.user.user_id)
        names = await owner_names(s, [action])
        out = action_out(action, names.get(action.id, ""))
    return out
