"""JSON API of a session's minutes (调解笔录): read, redraft, edit, circulate (the pages and the PDF
are in ``pages``)."""

from __future__ import annotations

from hub.orm import utcnow
from hub.routing import Ctx, Routes
from rtc.minutes import service as minutes_service
from rtc.minutes.views import (
    EditsIn,
    MinutesOut,
    minutes_json,
)
from rtc.permissions import MediationPermission, get_run_session, get_visible_session

routes = Routes()
TAGS = ("mediations",)
VIEW, RUN = MediationPermission.view_mediations, MediationPermission.run_mediations


# --- guests -----------------------------------------------------------------------------------


# --- the mediator's page ------------------------------------------------------------------------


# --- the PDF --------------------------------------------------------------------------------------


# --- the parties' page ----------------------------------------------------------------------------


# --- the API --------------------------------------------------------------------------------------


@routes.api(
    "GET",
    "/api/v1/mediations/{id}/minutes",
    perm=VIEW,
    summary="The minutes of a session",
    response=MinutesOut,
    tags=TAGS,
)
async def get_minutes(ctx: Ctx) -> MinutesOut:
    async with ctx.db.read() as s:
        session = await get_visible_session(s, ctx.must, ctx.match_int("id"))
        return await minutes_json(s, await minutes_service.require(s, session.id))


@routes.api(
    "POST",
    "/api/v1/mediations/{id}/minutes/draft",
    perm=RUN,
    summary="Draft the minutes from the record again (the mediator's edits are kept)",
    response=MinutesOut,
    tags=TAGS,
)
async def redraft(ctx: Ctx) -> MinutesOut:
    async with ctx.write() as (s, _):
        session = await get_run_session(s, ctx.must, ctx.match_int("id"))
        minutes = await minutes_service.draft(
            s, ctx.user.actor, session, now=utcnow(), zone=ctx.config.time_zone
        )
        return await minutes_json(s, minutes)


@routes.api(
    "PUT",
    "/api/v1/mediations/{id}/minutes",
    perm=RUN,
    summary="Save the mediator's text of some sections (circulated minutes go back to draft)",
    body=EditsIn,
    response=MinutesOut,
    tags=TAGS,
)
async def edit(ctx: Ctx, body: EditsIn) -> MinutesOut:
    async with ctx.write() as (s, _):
        session = await get_run_session(s, ctx.must, ctx.match_int("id"))
        minutes = await minutes_service.save_edits(
            s,
            ctx.user.actor,
            session,
            body.sections,
            caucus_summary=body.caucus_summary,
            now=utcnow(),
            zone=ctx.config.time_zone,
        )
        return await minutes_json(s, minutes)


@routes.api(
    "POST",
    "/api/v1/mediations/{id}/minutes/circulate",
    perm=RUN,
    summary="Send the minutes to the parties to read and confirm online",
    response=MinutesOut,
    tags=TAGS,
)
async def circulate(ctx: Ctx) -> MinutesOut:
    async with ctx.write() as (s, outbox):
        session = await get_run_session(s, ctx.must, ctx.match_int("id"))
        minutes = await minutes_service.circulate(s, ctx.user.actor, session, now=utcnow(), outbox=outbox)
        out = await minutes_json(s, minutes)
    return out
