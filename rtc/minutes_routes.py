"""The minutes (调解笔录) of a session: the mediator's editor page and its API (redraft, edit,
circulate), the parties' page to read and confirm them online, and the PDF.

Who may do what:
- staff who may run the session (``rtc.permissions.may_run``) edit, redraft and circulate;
- staff who may see the session read the minutes and download the PDF;
- the session's guests, by the browser credential their invitation gave them, read circulated
  minutes and their PDF; a party who took part confirms them. Guest routes are public and check
  that cookie themselves; a guest of another session is refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from aiohttp import web
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from hub.errors import Forbidden, Unauthenticated, ValidationFailed
from hub.events import Outbox
from hub.keys import TREE
from hub.orm import utcnow
from hub.permissions import Guard
from hub.routing import Ctx, Routes
from hub.templating import JINJA, render
from rtc import documents, invitations, minutes_service, service
from rtc import minutes as pure
from rtc.models import MediationMinutes, MediationSession, Participant
from rtc.permissions import MediationPermission, get_run_session, get_visible_session, may_run

routes = Routes()
TAGS = ("mediations",)
VIEW, RUN = MediationPermission.view_mediations, MediationPermission.run_mediations
STEPS = ("save", "redraft", "circulate")


class SectionOut(BaseModel):
    key: str
    heading: str
    text: str
    edited: bool


class ConfirmationOut(BaseModel):
    participant_id: int
    name: str
    confirmed_at: datetime | None


class MinutesOut(BaseModel):
    session_id: int
    status: str = Field(description="draft, circulated (sent to the parties) or confirmed (frozen)")
    hash: str = Field(description="SHA-256 of the current text: what a party confirms")
    frozen_hash: str
    caucus_summary: str
    drafted_at: datetime
    edited_at: datetime | None
    circulated_at: datetime | None
    confirmed_at: datetime | None
    sections: list[SectionOut]
    confirmations: list[ConfirmationOut]
    text: str
    pdf_url: str


class EditsIn(BaseModel):
    sections: dict[str, str] = Field(
        default_factory=dict, description="Section key -> text; blank = drafted text"
    )
    caucus_summary: str | None = Field(default=None, max_length=minutes_service.MAX_SUMMARY_CHARS)


def minutes_out(minutes: MediationMinutes, people: Sequence[Participant]) -> MinutesOut:
    return MinutesOut(
        session_id=minutes.session_id,
        status=minutes.status,
        hash=minutes_service.current_hash(minutes),
        frozen_hash=minutes.frozen_hash,
        caucus_summary=minutes.include_caucus_summary,
        drafted_at=minutes.drafted_at,
        edited_at=minutes.edited_at,
        circulated_at=minutes.circulated_at,
        confirmed_at=minutes.confirmed_at,
        sections=[
            SectionOut(key=k, heading=h, text=t, edited=e)
            for k, h, t, e in pure.bodies(minutes.content, minutes.edits)
        ],
        confirmations=[
            ConfirmationOut(participant_id=p.id, name=p.display_name, confirmed_at=p.minutes_confirmed_at)
            for p in minutes_service.signers(people)
        ],
        text=pure.render_text(minutes.content, minutes.edits),
        pdf_url=f"/mediations/{minutes.session_id}/minutes.pdf",
    )


async def _out(s: AsyncSession, minutes: MediationMinutes) -> MinutesOut:
    return minutes_out(minutes, await service.participants(s, minutes.session_id))


# --- guests -----------------------------------------------------------------------------------


async def _guest(ctx: Ctx, s: AsyncSession, session_id: int) -> Participant | None:
    secret = ctx.request.cookies.get(invitations.cookie_name(session_id))
    return await invitations.guest_by_secret(s, session_id, secret)


def _refuse(ctx: Ctx) -> Exception:
    """Neither staff nor a guest of this session: a guest browser (of another session) is refused,
    anyone else is asked to log in."""
    if any(name.startswith("gt_guest_") for name in ctx.request.cookies):
        return Forbidden()
    return Unauthenticated()


async def _staff_session(ctx: Ctx, s: AsyncSession, session_id: int) -> MediationSession:
    """On a public route: the session as a logged-in person may see it (404 when unseen)."""
    if ctx.principal is None:
        raise _refuse(ctx)
    guard = Guard(ctx.principal, await ctx.request.app[TREE].get(ctx.db))
    guard.require(VIEW)
    return await get_visible_session(s, guard, session_id)


def _shown_to_guests(minutes: MediationMinutes | None) -> bool:
    return minutes is not None and minutes.status in ("circulated", "confirmed")


# --- the mediator's page ------------------------------------------------------------------------


@routes.page("GET", "/mediations/{id}/minutes", perm=VIEW, summary="The minutes (调解笔录) of a session")
async def minutes_page(ctx: Ctx) -> web.Response:
    async with ctx.db.read() as s:
        session = await get_visible_session(s, ctx.must, ctx.match_int("id"))
        minutes = await minutes_service.get(s, session.id)
        view = await _out(s, minutes) if minutes is not None else None
    editable = may_run(ctx.must, session)
    return render(
        ctx, "rtc/minutes.html", session=session, minutes=view, editable=editable, blocks=documents.blocks
    )


def _changes(form: object, minutes: MediationMinutes | None) -> dict[str, str]:
    if minutes is None:
        return {}
    found = {}
    for section in minutes.content.get("sections", ()):
        value = form.get(f"section-{section['key']}")  # type: ignore[attr-defined]
        if isinstance(value, str):
            found[section["key"]] = value
    return found


@routes.page("POST", "/mediations/{id}/minutes", perm=RUN, summary="Save, redraft or circulate the minutes")
async def minutes_step(ctx: Ctx) -> web.Response:
    """One form, three buttons; each first saves the text in the form, so nothing typed is lost."""
    form = await ctx.request.post()
    step = form.get("step")
    if step not in STEPS:
        raise ValidationFailed()
    summary = form.get("caucus_summary")
    outbox, now, zone = Outbox(), utcnow(), ctx.config.time_zone
    async with ctx.db.write() as s:
        session = await get_run_session(s, ctx.must, ctx.match_int("id"))
        actor = ctx.user.actor
        minutes = await minutes_service.get(s, session.id)
        if minutes is not None and minutes.status == "confirmed":
            raise minutes_service.MinutesConfirmed()
        if minutes is not None:
            await minutes_service.save_edits(
                s,
                actor,
                session,
                _changes(form, minutes),
                caucus_summary=summary if isinstance(summary, str) else None,
                now=now,
                zone=zone,
            )
        if step == "redraft" or minutes is None:
            await minutes_service.draft(s, actor, session, now=now, zone=zone)
        if step == "circulate":
            await minutes_service.circulate(s, actor, session, now=now, outbox=outbox)
    await outbox.send(ctx.events)
    raise web.HTTPSeeOther(f"/mediations/{session.id}/minutes")


# --- the PDF --------------------------------------------------------------------------------------


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
        guest = await _guest(ctx, s, session_id)
        if guest is not None:
            found = await s.get(MediationSession, session_id)
            assert found is not None  # the guest's row belongs to it
            session, minutes = found, await minutes_service.get(s, session_id)
            if not _shown_to_guests(minutes):
                raise minutes_service.NoMinutes()
        else:
            session = await _staff_session(ctx, s, session_id)
            minutes = await minutes_service.get(s, session_id)
        zone = ctx.config.time_zone
        document = await documents.minutes_document(s, ctx.request.app[JINJA], session, minutes, zone=zone)
    return web.Response(
        body=await document.pdf(),
        headers={
            "Content-Type": "application/pdf",
            "Content-Disposition": document.disposition,
            "Cache-Control": "private, no-store",
        },
    )


# --- the parties' page ----------------------------------------------------------------------------


@routes.page(
    "GET",
    "/mediations/{id}/minutes/confirm",
    public=True,
    summary="A guest reads (a party confirms) the minutes",
)
async def confirm_page(ctx: Ctx) -> web.Response:
    session_id = ctx.match_int("id")
    async with ctx.db.read() as s:
        guest = await _guest(ctx, s, session_id)
        if guest is None:
            await _staff_session(ctx, s, session_id)
            raise web.HTTPSeeOther(f"/mediations/{session_id}/minutes")
        session = await s.get(MediationSession, session_id)
        minutes = await minutes_service.get(s, session_id)
        view = await _out(s, minutes) if minutes is not None and _shown_to_guests(minutes) else None
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
    form = await ctx.request.post()
    seen = form.get("hash")
    outbox = Outbox()
    async with ctx.db.write() as s:
        guest = await _guest(ctx, s, session_id)
        if guest is None:
            raise _refuse(ctx) if ctx.principal is None else minutes_service.NotAParty()
        session = await s.get(MediationSession, session_id)
        assert session is not None
        seen_hash = seen if isinstance(seen, str) else ""
        await minutes_service.confirm(s, session, guest, seen_hash, now=utcnow(), outbox=outbox)
    await outbox.send(ctx.events)
    raise web.HTTPSeeOther(f"/mediations/{session_id}/minutes/confirm")


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
        return await _out(s, await minutes_service.require(s, session.id))


@routes.api(
    "POST",
    "/api/v1/mediations/{id}/minutes/draft",
    perm=RUN,
    summary="Draft the minutes from the record again (the mediator's edits are kept)",
    response=MinutesOut,
    tags=TAGS,
)
async def redraft(ctx: Ctx) -> MinutesOut:
    async with ctx.db.write() as s:
        session = await get_run_session(s, ctx.must, ctx.match_int("id"))
        minutes = await minutes_service.draft(
            s, ctx.user.actor, session, now=utcnow(), zone=ctx.config.time_zone
        )
        return await _out(s, minutes)


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
    async with ctx.db.write() as s:
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
        return await _out(s, minutes)


@routes.api(
    "POST",
    "/api/v1/mediations/{id}/minutes/circulate",
    perm=RUN,
    summary="Send the minutes to the parties to read and confirm online",
    response=MinutesOut,
    tags=TAGS,
)
async def circulate(ctx: Ctx) -> MinutesOut:
    outbox = Outbox()
    async with ctx.db.write() as s:
        session = await get_run_session(s, ctx.must, ctx.match_int("id"))
        minutes = await minutes_service.circulate(s, ctx.user.actor, session, now=utcnow(), outbox=outbox)
        out = await _out(s, minutes)
    await outbox.send(ctx.events)
    return out
