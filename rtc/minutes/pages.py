"""The minutes (调解笔录) of a session: the mediator's editor page (the API is
``api``), the parties' page to read and confirm them online, and the PDF.

Who may do what:
- staff who may run the session (``rtc.permissions.may_run``) edit, redraft and circulate;
- staff who may see the session read the minutes and download the PDF;
- the session's guests, by the browser credential their invitation gave them, read circulated
  minutes and their PDF; a party who took part confirms them. Guest routes are public and check
  that cookie themselves; a guest of another session is refused.
"""

from __future__ import annotations

from aiohttp import web

from hub.errors import MinutesMissing, ValidationFailed
from hub.forms import Form
from hub.orm import utcnow
from hub.routing import Ctx, Routes
from hub.templating import JINJA, render
from rtc.errors import NO_MINUTES, MinutesConfirmed, NotAParty
from rtc.minutes import documents
from rtc.minutes import minutes as pure
from rtc.minutes import service as minutes_service
from rtc.minutes.views import (
    STEPS,
    guest_of,
    minutes_json,
    refusal,
    shown_to_guests,
    staff_session,
)
from rtc.models import MediationMinutes, MediationSession
from rtc.permissions import MediationPermission, get_run_session, get_visible_session, may_run

routes = Routes()
VIEW, RUN = MediationPermission.view_mediations, MediationPermission.run_mediations
TAGS = ("mediations",)


@routes.page("GET", "/mediations/{id}/minutes", perm=VIEW, summary="The minutes (调解笔录) of a session")
async def minutes_page(ctx: Ctx) -> web.Response:
    async with ctx.db.read() as s:
        session = await get_visible_session(s, ctx.must, ctx.match_int("id"))
        minutes = await minutes_service.get(s, session.id)
        view = await minutes_json(s, minutes) if minutes is not None else None
    editable = may_run(ctx.must, session)
    return render(
        ctx, "rtc/minutes.html", session=session, minutes=view, editable=editable, blocks=documents.blocks
    )


def _changes(form: Form, minutes: MediationMinutes | None) -> dict[str, str]:
    if minutes is None:
        return {}
    found = {}
    for section in minutes.content.get("sections", ()):
        name = f"section-{section['key']}"
        if name in form:
            found[section["key"]] = form.raw(name)
    return found


@routes.page("POST", "/mediations/{id}/minutes", perm=RUN, summary="Save, redraft or circulate the minutes")
async def minutes_step(ctx: Ctx) -> web.Response:
    """One form, three buttons; each first saves the text in the form, so nothing typed is lost."""
    form = await Form.read(ctx.request)
    step = form.raw("step")
    if step not in STEPS:
        raise ValidationFailed()
    summary = form.raw("caucus_summary") if "caucus_summary" in form else None
    now, zone = utcnow(), ctx.config.time_zone
    async with ctx.write() as (s, outbox):
        session = await get_run_session(s, ctx.must, ctx.match_int("id"))
        actor = ctx.user.actor
        minutes = await minutes_service.get(s, session.id)
        if minutes is not None and minutes.status == "confirmed":
            raise MinutesConfirmed()
        if minutes is not None:
            await minutes_service.save_edits(
                s,
                actor,
                session,
                _changes(form, minutes),
                caucus_summary=summary,
                now=now,
                zone=zone,
            )
        if step == "redraft" or minutes is None:
            await minutes_service.draft(s, actor, session, now=now, zone=zone)
        if step == "circulate":
            await minutes_service.circulate(s, actor, session, now=now, outbox=outbox)
    raise web.HTTPSeeOther(f"/mediations/{session.id}/minutes")


@routes.page(
    "GET",
    "/mediations/{id}/minutes.pdf",
    public=True,
    summary="调解笔录 as PDF (staff who may see the session, or its guests once circulated)",
    produces="application/pdf",
    tags=TAGS,
)
async def minutes_pdf(ctx: Ctx) -> web.Response:
    session_id = ctx.match_int("id")
    async with ctx.db.read() as s:
        guest = await guest_of(ctx, s, session_id)
        if guest is not None:
            found = await s.get(MediationSession, session_id)
            assert found is not None  # the guest's row belongs to it
            session, minutes = found, await minutes_service.get(s, session_id)
            if not shown_to_guests(minutes):
                raise MinutesMissing(NO_MINUTES)
        else:
            session = await staff_session(ctx, s, session_id)
            minutes = await minutes_service.get(s, session_id)
        zone = ctx.config.time_zone
        document = await documents.minutes_document(s, ctx.request.app[JINJA], session, minutes, zone=zone)
    return await document.response()


@routes.page(
    "GET",
    "/mediations/{id}/minutes/confirm",
    public=True,
    summary="A guest reads (a party confirms) the minutes",
)
async def confirm_page(ctx: Ctx) -> web.Response:
    session_id = ctx.match_int("id")
    async with ctx.db.read() as s:
        guest = await guest_of(ctx, s, session_id)
        if guest is None:
            await staff_session(ctx, s, session_id)
            raise web.HTTPSeeOther(f"/mediations/{session_id}/minutes")
        session = await s.get(MediationSession, session_id)
        minutes = await minutes_service.get(s, session_id)
        view = await minutes_json(s, minutes) if minutes is not None and shown_to_guests(minutes) else None
    signs = pure.signs(guest.role, guest.joined_at, guest.removed_at)
    return render(
        ctx,
        "rtc/minutes_confirm.html",
        session=session,
        guest=guest,
        minutes=view,
        signs=signs,
        blocks=documents.blocks,
    )


@routes.page(
    "POST", "/mediations/{id}/minutes/confirm", public=True, summary="A party confirms the minutes online"
)
async def confirm(ctx: Ctx) -> web.Response:
    session_id = ctx.match_int("id")
    seen_hash = (await Form.read(ctx.request)).raw("hash")
    async with ctx.write() as (s, outbox):
        guest = await guest_of(ctx, s, session_id)
        if guest is None:
            raise refusal(ctx) if ctx.principal is None else NotAParty()
        session = await s.get(MediationSession, session_id)
        assert session is not None
        await minutes_service.confirm(s, session, guest, seen_hash, now=utcnow(), outbox=outbox)
    raise web.HTTPSeeOther(f"/mediations/{session_id}/minutes/confirm")
