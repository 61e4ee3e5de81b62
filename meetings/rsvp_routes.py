"""Answering an invitation by its link: ``/meetings/{id}/rsvp/{token}``, no login needed.

The token is the key: it names one invitee of one meeting (only its hash is stored). A token of
another meeting, or an unknown one, is refused (``rsvp_refused``) and changes nothing.
"""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.errors import ValidationFailed
from hub.events import Outbox
from hub.models import Agency, User
from hub.routing import Ctx, Routes
from hub.templating import render
from meetings import codes, service  # noqa: F401 - codes: names of the answers
from meetings.errors import RSVPRefused
from meetings.models import Invitee, Meeting
from meetings.views import announce

routes = Routes()
TAGS = ("meetings",)


async def _invitee(ctx: Ctx, s: AsyncSession) -> Invitee:
    """The invitee of the link; someone else who is logged in may not answer with it."""
    invitee = await service.invitee_by_token(s, ctx.match_int("id"), ctx.match("token"))
    if ctx.principal is not None and ctx.principal.user_id != invitee.user_id:
        raise RSVPRefused()
    return invitee


async def _page(ctx: Ctx, *, saved: bool) -> web.Response:
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
    return await _page(ctx, saved=False)


@routes.page(
    "POST",
    "/meetings/{id}/rsvp/{token}",
    public=True,
    summary="Answer an invitation by its link (form field answer=accepted|declined|tentative)",
    tags=TAGS,
)
async def rsvp_answer(ctx: Ctx) -> web.Response:
    form = await ctx.request.post()
    answer = str(form.get("answer", ""))
    if answer not in service.RSVP_VALUES:
        raise ValidationFailed()
    outbox = Outbox()
    async with ctx.db.write() as s:
        invitee = await _invitee(ctx, s)
        meeting = await s.get(Meeting, invitee.meeting_id)
        assert meeting is not None
        await service.rsvp(s, meeting, invitee, answer)
        await announce(s, outbox, meeting, "attendance", None)
    await outbox.send(ctx.events)
    return await _page(ctx, saved=True)
