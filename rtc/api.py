"""JSON API of video mediation: schedule sessions, invite people, issue and revoke links."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, Field
from sqlalchemy import select

from hub.errors import Forbidden
from hub.orm import utcnow
from hub.routing import Ctx, Routes
from referrals import for_mediation
from rtc import invitations, party_messages, service, views
from rtc.models import MediationSession
from rtc.permissions import MediationPermission, get_run_session, get_visible_session, visible
from rtc.room.host import ROOMS

routes = Routes()
TAGS = ("mediations",)
VIEW, RUN = MediationPermission.view_mediations, MediationPermission.run_mediations


class GuestIn(BaseModel):
    role: Literal["party", "interpreter", "lawyer", "grid_worker", "observer"]
    name: str = Field(min_length=1, max_length=100)
    party_id: int | None = None
    identity_check: Literal["none", "id_last4"] = "none"


class ScheduleIn(BaseModel):
    case_id: int
    start: datetime | None = Field(default=None, description="Planned start (with offset); empty = start now")
    mediator_id: int | None = Field(default=None, description="Default: the referral's mediator, or you")
    guests: list[GuestIn] | None = Field(default=None, description="Default: every party of the case")
    record_video: bool = False


class RescheduleIn(BaseModel):
    start: AwareDatetime = Field(description="The new planned start (with offset)")


class SessionList(BaseModel):
    items: list[views.SessionOut]


class InvitationOut(BaseModel):
    participant_id: int
    url: str
    expires_at: datetime


class EmptyOut(BaseModel):
    ok: bool = True


@routes.api(
    "GET",
    "/api/v1/mediations",
    perm=VIEW,
    summary="Video mediation sessions I may see",
    response=SessionList,
    tags=TAGS,
)
async def list_sessions(ctx: Ctx) -> SessionList:
    now = utcnow()
    async with ctx.db.read() as s:
        rows = (
            await s.scalars(
                select(MediationSession)
                .where(visible(ctx.must.scope, ctx.user.user_id))
                .order_by(MediationSession.id.desc())
                .limit(200)
            )
        ).all()
        return SessionList(items=[views.session_out(r, list(r.participants), now) for r in rows])


@routes.api(
    "POST",
    "/api/v1/mediations",
    perm=RUN,
    summary="Schedule a video mediation session for a referral",
    body=ScheduleIn,
    response=views.SessionOut,
    status=201,
    tags=TAGS,
)
async def schedule(ctx: Ctx, body: ScheduleIn) -> views.SessionOut:
    now = utcnow()
    async with ctx.write() as (s, _):
        info = await for_mediation.case_for_mediation(s, ctx.must.scope, body.case_id)
        if not ctx.must.scope.covers(info.mediating_agency_id):
            raise Forbidden("Only the agency that mediates this case may schedule its sessions.")
        mediator_id = await views.resolve_mediator(ctx, s, info, body.mediator_id)
        guests = (
            [service.GuestSpec(g.role, g.name, g.party_id, g.identity_check) for g in body.guests]
            if body.guests is not None
            else None
        )
        session = await service.schedule(
            s,
            ctx.user.actor,
            info,
            mediator_id=mediator_id,
            start=body.start,
            guests=guests,
            record_video=body.record_video,
            now=now,
        )
        await party_messages.plan_reminders(s, session, now=now)  # SMS the day and the hour before
        return views.session_out(session, await service.participants(s, session.id), now)


@routes.api(
    "GET", "/api/v1/mediations/{id}", perm=VIEW, summary="One session", response=views.SessionOut, tags=TAGS
)
async def get_session(ctx: Ctx) -> views.SessionOut:
    async with ctx.db.read() as s:
        session = await get_visible_session(s, ctx.must, ctx.match_int("id"))
        return views.session_out(session, await service.participants(s, session.id), utcnow())


@routes.api(
    "POST",
    "/api/v1/mediations/{id}/participants",
    perm=RUN,
    summary="Invite one more person",
    body=GuestIn,
    response=views.ParticipantOut,
    status=201,
    tags=TAGS,
)
async def add_participant(ctx: Ctx, body: GuestIn) -> views.ParticipantOut:
    async with ctx.write() as (s, _):
        session = await get_run_session(s, ctx.must, ctx.match_int("id"))
        info = await for_mediation.case_for_mediation(s, ctx.must.scope, session.case_id)
        participant = await service.add_guest(
            s, session, info, service.GuestSpec(body.role, body.name, body.party_id, body.identity_check)
        )
        return views.participant_out(participant, utcnow())


@routes.api(
    "POST",
    "/api/v1/mediations/{id}/participants/{pid}/invitation",
    perm=RUN,
    summary="A fresh invitation link (shown once; any earlier link stops working)",
    response=InvitationOut,
    status=201,
    tags=TAGS,
)
async def issue_link(ctx: Ctx) -> InvitationOut:
    async with ctx.write() as (s, outbox):
        session = await get_run_session(s, ctx.must, ctx.match_int("id"))
        participant = await service.guest(s, session, ctx.match_int("pid"))
        token = await invitations.issue(
            s, ctx.user.actor, session, participant, now=utcnow(), hours=ctx.config.invitation_hours
        )
        assert participant.token_expires_at is not None
        url = views.join_url(ctx.base_url, token)
        await party_messages.send_link(s, session, participant, url, now=utcnow(), outbox=outbox)
        return InvitationOut(participant_id=participant.id, url=url, expires_at=participant.token_expires_at)


@routes.api(
    "DELETE",
    "/api/v1/mediations/{id}/participants/{pid}/invitation",
    perm=RUN,
    summary="Revoke a participant's link (and their way back in)",
    response=EmptyOut,
    tags=TAGS,
)
async def revoke_link(ctx: Ctx) -> EmptyOut:
    async with ctx.write() as (s, _):
        session = await get_run_session(s, ctx.must, ctx.match_int("id"))
        participant = await service.guest(s, session, ctx.match_int("pid"))
        await invitations.revoke(s, ctx.user.actor, participant, now=utcnow())
    return EmptyOut()


@routes.api(
    "POST",
    "/api/v1/mediations/{id}/reschedule",
    perm=RUN,
    summary="Move a session that has not started to another time (the parties' SMS reminders follow)",
    body=RescheduleIn,
    response=views.SessionOut,
    tags=TAGS,
)
async def reschedule(ctx: Ctx, body: RescheduleIn) -> views.SessionOut:
    async with ctx.write() as (s, _):
        session = await get_run_session(s, ctx.must, ctx.match_int("id"))
        await service.reschedule(s, ctx.user.actor, session, start=body.start, now=utcnow())
        return views.session_out(session, await service.participants(s, session.id), utcnow())


@routes.api(
    "POST",
    "/api/v1/mediations/{id}/cancel",
    perm=RUN,
    summary="Cancel a session that has not started",
    response=views.SessionOut,
    tags=TAGS,
)
async def cancel(ctx: Ctx) -> views.SessionOut:
    async with ctx.write() as (s, _):
        session = await get_run_session(s, ctx.must, ctx.match_int("id"))
        await service.cancel(s, ctx.user.actor, session, now=utcnow())
        out = views.session_out(session, await service.participants(s, session.id), utcnow())
    await ctx.request.app[ROOMS].close_session(session.id, reason="cancelled")  # the lobby is told
    return out
