"""The parties' page to read the minutes (调解笔录) as they print and confirm them: by the browser
credential of their invitation (``/mediations/{id}/minutes/confirm``, in ``pages``) or by a
confirmation-only link (``/minutes/{token}``, here) that works after the session. The page says
exactly who took part, who did not, and what was agreed (or that nothing was). A link that cannot
be used answers with a page in Chinese and English saying what to do, and whom to call.

The mediator sends a party a fresh link on request (``POST /mediations/{id}/minutes/links/{pid}``,
in ``pages``): by SMS when the party has a mobile number on file, and shown once on the page.
"""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.errors import HubError, MinutesMissing
from hub.forms import Form
from hub.i18n import LOCALES, gettext
from hub.models import Agency
from hub.orm import utcnow
from hub.routing import Ctx, Routes
from hub.templating import JINJA, render
from referrals import for_mediation
from rtc import errors, party_messages
from rtc.errors import NO_MINUTES
from rtc.minutes import confirm_links, documents
from rtc.minutes import service as minutes_service
from rtc.minutes.confirm_view import page_context, with_preview
from rtc.minutes.views import shown_to_guests
from rtc.models import MediationSession, Participant

routes = Routes()


# --- the confirmation-only link ---------------------------------------------------------------------


async def _link_error(
    ctx: Ctx, s: AsyncSession, exc: errors.ConfirmLinkInvalid, session: MediationSession | None
) -> web.Response:
    """The page of a link that cannot be used, in Chinese and English, with whom to call."""
    agency, phone = "", ""
    if session is not None:
        agency = await s.scalar(select(Agency.name).where(Agency.id == session.agency_id)) or ""
        phone = await party_messages.callback_number(s, session)
    texts = [(locale, gettext(exc.msgid, locale)) for locale in LOCALES]
    return render(
        ctx,
        "rtc/confirm_link_error.html",
        status=exc.status,
        code=exc.code,
        texts=texts,
        gettext_in=gettext,
        agency=agency,
        phone=phone,
    )


async def _usable(
    ctx: Ctx, s: AsyncSession, token: str, *, lock: bool = False
) -> tuple[Participant, MediationSession] | web.Response:
    found = await confirm_links.lookup(s, token, lock=lock)
    if found is None:
        return await _link_error(ctx, s, errors.ConfirmLinkUnknown(), None)
    participant, session = found
    problem = confirm_links.link_problem(participant, utcnow())
    if problem is not None:
        return await _link_error(ctx, s, problem(), session)
    return participant, session


async def _link_page(ctx: Ctx, token: str, *, status: int = 200, error: str = "") -> web.Response:
    async with ctx.db.read() as s:
        found = await _usable(ctx, s, token)
        if isinstance(found, web.Response):
            return found
        guest, session = found
        context = await page_context(
            ctx, s, session, guest, action=f"/minutes/{token}", pdf_url=f"/minutes/{token}/minutes.pdf"
        )
    context.update(needs_last4=confirm_links.identity_needed(guest), error=error)
    return with_preview(render(ctx, "rtc/minutes_confirm.html", status=status, **context), context["preview"])


@routes.page("GET", "/minutes/{token}", public=True, summary="A party's link to read and confirm the minutes")
async def link_page(ctx: Ctx) -> web.Response:
    return await _link_page(ctx, ctx.match("token"))


@routes.page("POST", "/minutes/{token}", public=True, summary="A party confirms the minutes by their link")
async def link_confirm(ctx: Ctx) -> web.Response:
    token = ctx.match("token")
    form = await Form.read(ctx.request)
    now = utcnow()
    refused: HubError | None = None
    async with ctx.write() as (s, outbox):
        found = await _usable(ctx, s, token, lock=True)
        if isinstance(found, web.Response):
            return found
        guest, session = found
        if confirm_links.identity_needed(guest):
            matches = guest.party_id is not None and await for_mediation.identity_matches(
                s, guest.party_id, form.text("last4")
            )
            try:
                await confirm_links.check_identity(s, guest, matches, now=now)
            except (errors.IdentityMismatch, errors.IdentityLocked) as exc:
                refused = exc
        if refused is None:
            minutes = await minutes_service.confirm(
                s, session, guest, form.raw("hash"), now=now, outbox=outbox
            )
            frozen, session_id = minutes.status == "confirmed", session.id
    if refused is not None:  # the failure is counted (committed); the page asks again
        if isinstance(refused, errors.IdentityLocked):
            async with ctx.db.read() as s:
                return await _link_error(ctx, s, errors.ConfirmLinkWithdrawn(), session)
        return await _link_page(ctx, token, status=refused.status, error=refused.msgid)
    if frozen:  # the text is frozen: its PDF is rendered now, once, and kept
        await documents.frozen_pdf(ctx.db, session_id, zone=ctx.config.time_zone, env=ctx.request.app[JINJA])
    raise web.HTTPSeeOther(f"/minutes/{token}")


@routes.page(
    "GET",
    "/minutes/{token}/minutes.pdf",
    public=True,
    summary="调解笔录 as PDF, by a party's confirmation link",
    produces="application/pdf",
)
async def link_pdf(ctx: Ctx) -> web.Response:
    zone, env = ctx.config.time_zone, ctx.request.app[JINJA]
    async with ctx.db.read() as s:
        found = await _usable(ctx, s, ctx.match("token"))
        if isinstance(found, web.Response):
            return found
        _guest, session = found
        minutes = await minutes_service.get(s, session.id)
        if not shown_to_guests(minutes):
            raise MinutesMissing(NO_MINUTES)
        assert minutes is not None
        document = (
            None
            if minutes.status == "confirmed"
            else await documents.minutes_document(s, env, session, minutes, zone=zone)
        )
    if document is None:
        kept = await documents.frozen_pdf(ctx.db, session.id, zone=zone, env=env)
        assert kept is not None
        return kept.response(ctx.request)
    return await document.response()
