"""Minutes: the API (draft, edit, circulate, comment, approve) and the PDF. Each change tells the
meeting's viewers (``views.announce``, part ``minutes``) after the commit."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from hub.errors import MinutesMissing
from hub.orm import utcnow
from hub.routing import Ctx, Routes
from hub.templating import JINJA
from meetings.errors import NO_MINUTES
from meetings.minutes import documents
from meetings.minutes import service as minutes_service
from meetings.models import Meeting, Minutes
from meetings.permissions import MeetingPermission, get_managed_meeting, get_visible_meeting, reads_drafts
from meetings.schemas import CommentIn, CommentOut, DraftIn, MinutesOut, MinutesTextIn, RevisionOut
from meetings.views import announce

routes = Routes()
TAGS = ("meetings",)
VIEW, MANAGE = MeetingPermission.view_meetings, MeetingPermission.manage_meetings


async def minutes_out(s: AsyncSession, minutes: Minutes, *, drafts: bool = True) -> MinutesOut:
    out = MinutesOut.model_validate(minutes)
    notes = [
        CommentOut(id=c.id, user_id=c.user_id, name=name, text=c.text, created_at=c.created_at)
        for c, name in await minutes_service.comments(s, minutes.id)
    ]
    revisions = [
        RevisionOut.model_validate(r)
        for r in await minutes_service.revisions(s, minutes.meeting_id, drafts=drafts)
    ]
    return out.model_copy(update={"comments": notes, "revisions": revisions})


async def _current(s: AsyncSession, meeting: Meeting, *, drafts: bool = True) -> Minutes:
    found = await minutes_service.latest(s, meeting.id, drafts=drafts)
    if found is None:
        raise MinutesMissing(NO_MINUTES)
    return found


@routes.api(
    "GET",
    "/api/v1/meetings/{id}/minutes",
    perm=VIEW,
    summary="The latest revision of the minutes, with comments and the list of revisions",
    response=MinutesOut,
    tags=TAGS,
)
async def get_minutes(ctx: Ctx) -> MinutesOut:
    async with ctx.db.read() as s:
        meeting = await get_visible_meeting(s, ctx.must, ctx.match_int("id"))
        # Invitees read the minutes once circulated; a draft is the secretary's and the chair's.
        drafts = reads_drafts(ctx.must, meeting)
        return await minutes_out(s, await _current(s, meeting, drafts=drafts), drafts=drafts)


@routes.api(
    "POST",
    "/api/v1/meetings/{id}/minutes/draft",
    perm=MANAGE,
    summary="Assemble the draft from the record (attendance, agenda, notes, decisions, actions)",
    body=DraftIn,
    response=MinutesOut,
    tags=TAGS,
)
async def draft(ctx: Ctx, body: DraftIn) -> MinutesOut:
    async with ctx.write() as (s, outbox):
        meeting = await get_managed_meeting(s, ctx.must, ctx.match_int("id"))
        row = await minutes_service.draft(
            s, ctx.user.actor, meeting, utcnow(), new_revision=body.new_revision
        )
        await announce(s, outbox, meeting, "minutes", ctx.user.user_id)
        out = await minutes_out(s, row)
    return out


@routes.api(
    "PUT",
    "/api/v1/meetings/{id}/minutes",
    perm=MANAGE,
    summary="Save the secretary's text (approved minutes are frozen: ask for a new revision)",
    body=MinutesTextIn,
    response=MinutesOut,
    tags=TAGS,
)
async def edit(ctx: Ctx, body: MinutesTextIn) -> MinutesOut:
    async with ctx.write() as (s, outbox):
        meeting = await get_managed_meeting(s, ctx.must, ctx.match_int("id"))
        row = await minutes_service.edit(
            s, ctx.user.actor, meeting, body.text, new_revision=body.new_revision
        )
        await announce(s, outbox, meeting, "minutes", ctx.user.user_id)
        out = await minutes_out(s, row)
    return out


@routes.api(
    "POST",
    "/api/v1/meetings/{id}/minutes/circulate",
    perm=MANAGE,
    summary="Circulate the draft to the attendees and the chair for comments",
    response=MinutesOut,
    tags=TAGS,
)
async def circulate(ctx: Ctx) -> MinutesOut:
    async with ctx.write() as (s, outbox):
        meeting = await get_managed_meeting(s, ctx.must, ctx.match_int("id"))
        row = await minutes_service.circulate(s, ctx.user.actor, meeting, outbox)
        await announce(s, outbox, meeting, "minutes", ctx.user.user_id)
        out = await minutes_out(s, row)
    return out


@routes.api(
    "POST",
    "/api/v1/meetings/{id}/minutes/comments",
    perm=VIEW,
    summary="Comment on circulated minutes",
    body=CommentIn,
    response=MinutesOut,
    status=201,
    tags=TAGS,
)
async def add_comment(ctx: Ctx, body: CommentIn) -> MinutesOut:
    async with ctx.write() as (s, outbox):
        meeting = await get_visible_meeting(s, ctx.must, ctx.match_int("id"))
        await minutes_service.comment(s, ctx.user.actor, meeting, body.text)
        await announce(s, outbox, meeting, "minutes", ctx.user.user_id)
        out = await minutes_out(s, await _current(s, meeting))
    return out


@routes.api(
    "POST",
    "/api/v1/meetings/{id}/minutes/approve",
    perm=VIEW,
    summary="Approve the minutes (the chair of the meeting): the text is frozen by its SHA-256",
    response=MinutesOut,
    tags=TAGS,
)
async def approve(ctx: Ctx) -> MinutesOut:
    async with ctx.write() as (s, outbox):
        meeting = await get_visible_meeting(s, ctx.must, ctx.match_int("id"))
        row = await minutes_service.approve(s, ctx.user, meeting, outbox)
        await announce(s, outbox, meeting, "minutes", ctx.user.user_id)
        out = await minutes_out(s, row)
    # The frozen text's PDF, rendered once and kept.
    await documents.keep_approved_pdf(ctx.db, ctx.request.app[JINJA], out.meeting_id, utcnow())
    return out
