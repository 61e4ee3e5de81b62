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

from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from hub import docform
from hub.errors import MinutesMissing, ValidationFailed
from hub.forms import Form
from hub.orm import utcnow
from hub.routing import Ctx, Routes
from hub.templating import JINJA, render
from rtc import party_messages, service
from rtc.errors import NO_MINUTES, MinutesConfirmed, NotAParty
from rtc.minutes import confirm_links, documents
from rtc.minutes import service as minutes_service
from rtc.minutes.confirm_view import page_context, with_preview
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
EMPTY_CELL = "—"  # a blank table cell, as the minutes write it (``rtc.minutes.text``)


@routes.page("GET", "/mediations/{id}/minutes", perm=VIEW, summary="The minutes (调解笔录) of a session")
async def minutes_page(ctx: Ctx) -> web.Response:
    return await minutes_view(ctx, ctx.match_int("id"))


async def minutes_view(ctx: Ctx, session_id: int, *, issued: dict[str, Any] | None = None) -> web.Response:
    """The minutes page; ``issued``: a confirmation link just sent, shown once."""
    async with ctx.db.read() as s:
        session = await get_visible_session(s, ctx.must, session_id)
        minutes = await minutes_service.get(s, session.id)
        view = await minutes_json(s, minutes) if minutes is not None else None
        preview = await _preview(ctx, s, session, minutes)
    editable = may_run(ctx.must, session)
    response = render(
        ctx,
        "rtc/minutes.html",
        session=session,
        minutes=view,
        editable=editable,
        blocks=documents.blocks,
        parts=docform.parts,
        preview=preview,
        issued=issued,
    )
    return with_preview(response, preview)


async def _preview(
    ctx: Ctx, s: AsyncSession, session: MediationSession, minutes: MediationMinutes | None
) -> str:
    """The HTML the PDF is rendered from, as it stands: what the preview frame shows."""
    if minutes is None:
        return ""
    env, zone = ctx.request.app[JINJA], ctx.config.time_zone
    return (await documents.minutes_document(s, env, session, minutes, zone=zone)).html


def _changes(form: Form, minutes: MediationMinutes | None) -> dict[str, str]:
    """Each section's text as the form gives it: its fields (headings, paragraphs, table cells),
    or one plain text box (``section-KEY``) from a client that sends text."""
    if minutes is None:
        return {}
    found = {}
    for section in minutes.content.get("sections", ()):
        name = f"section-{section['key']}"
        if docform.posted(form, name + "-"):
            found[section["key"]] = docform.text_of(form, name + "-", empty=EMPTY_CELL)
        elif name in form:
            found[section["key"]] = form.raw(name)
    return found


@routes.page("POST", "/mediations/{id}/minutes/preview", perm=RUN)
async def minutes_preview(ctx: Ctx) -> web.Response:
    """The minutes as the fields being typed would print, saving nothing: ``{"html": ...}`` for
    the preview frame (the editor's script posts the form here as the mediator types)."""
    form = await Form.read(ctx.request)
    async with ctx.db.read() as s:
        session = await get_run_session(s, ctx.must, ctx.match_int("id"))
        minutes = await minutes_service.get(s, session.id)
        if minutes is None:
            raise MinutesMissing(NO_MINUTES)
        env, zone = ctx.request.app[JINJA], ctx.config.time_zone
        summary = form.raw("caucus_summary") if "caucus_summary" in form else None
        content, edits = await minutes_service.as_typed(
            s, session, minutes, _changes(form, minutes), caucus_summary=summary, zone=zone
        )
        document = await documents.minutes_document(
            s, env, session, minutes, zone=zone, edits=edits, typed=content
        )
    return web.json_response({"html": document.html})


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
        if minutes is None or minutes.status != "confirmed":
            document = await documents.minutes_document(
                s, ctx.request.app[JINJA], session, minutes, zone=zone
            )
            frozen = False
        else:
            frozen = True
    if frozen:  # rendered once, when the last party confirmed: served as kept
        kept = await documents.frozen_pdf(ctx.db, session_id, zone=zone, env=ctx.request.app[JINJA])
        assert kept is not None  # confirmed minutes stay confirmed
        return kept.response(ctx.request)
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
        assert session is not None  # the guest's row belongs to it
        path = f"/mediations/{session_id}/minutes"
        context = await page_context(ctx, s, session, guest, action=path + "/confirm", pdf_url=path + ".pdf")
    return with_preview(render(ctx, "rtc/minutes_confirm.html", **context), context["preview"])


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
        minutes = await minutes_service.confirm(s, session, guest, seen_hash, now=utcnow(), outbox=outbox)
        frozen = minutes.status == "confirmed"
    if frozen:  # the text is frozen: its PDF is rendered now, once, and kept
        await documents.frozen_pdf(ctx.db, session_id, zone=ctx.config.time_zone, env=ctx.request.app[JINJA])
    raise web.HTTPSeeOther(f"/mediations/{session_id}/minutes/confirm")


@routes.page(
    "POST", "/mediations/{id}/minutes/links/{pid}", perm=RUN, summary="Send a party a link to confirm"
)
async def send_confirm_link(ctx: Ctx) -> web.Response:
    """A fresh confirmation-only link for one party (``confirm_links``): by SMS when they have a
    mobile number on file, and shown once on the minutes page to pass on."""
    async with ctx.write() as (s, outbox):
        session = await get_run_session(s, ctx.must, ctx.match_int("id"))
        participant = await service.guest(s, session, ctx.match_int("pid"))
        token = await confirm_links.issue(s, ctx.user.actor, session, participant, now=utcnow())
        url = confirm_links.url(ctx.base_url, token)
        queued = await party_messages.send_confirm_link(s, session, participant, url, outbox=outbox)
        issued = {
            "name": participant.display_name,
            "url": url,
            "sms": queued is not None,
            "days": confirm_links.CONFIRM_DAYS,
        }
    return await minutes_view(ctx, session.id, issued=issued)
