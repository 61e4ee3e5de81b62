"""The mediators' pages: sessions list, scheduling from a case, the session page (people, links with
QR codes, timeline, recordings), and the forms behind them (post/redirect/get)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from hub import flash, input_limits
from hub.errors import Forbidden, ValidationFailed
from hub.events import Outbox
from hub.forms import Form
from hub.i18n import N_
from hub.models import Agency, User
from hub.orm import utcnow
from hub.routing import Ctx, Routes
from hub.templating import render
from referrals import for_mediation
from rtc import invitations, party_messages, service, transcribe_progress, views
from rtc.errors import AlreadyScheduled
from rtc.models import MediationSession, Recording, SessionEvent, SpeechSegment
from rtc.permissions import (
    MediationPermission,
    get_run_session,
    get_visible_session,
    may_hear,
    may_run,
    visible,
)
from rtc.room.host import ROOMS

routes = Routes()
VIEW, RUN = MediationPermission.view_mediations, MediationPermission.run_mediations


@routes.page("GET", "/mediations", perm=VIEW, name="mediations")
async def list_page(ctx: Ctx) -> web.Response:
    async with ctx.db.read() as s:
        rows = (
            await s.scalars(
                select(MediationSession)
                .where(visible(ctx.must.scope, ctx.user.user_id))
                .order_by(MediationSession.status.desc(), MediationSession.id.desc())
                .limit(200)
            )
        ).all()
        sessions = [views.session_out(r, list(r.participants), utcnow()) for r in rows]
    return render(ctx, "rtc/list.html", sessions=sessions, may_schedule=ctx.must.allows(RUN))


@routes.page("GET", "/mediations/new", perm=RUN)
async def new_page(ctx: Ctx) -> web.Response:
    raw = ctx.request.query.get("case_id", "")
    if not raw.isdigit():  # no case chosen yet: the cases the person may schedule, theirs first
        async with ctx.db.read() as s:
            choices = await for_mediation.awaiting_mediation(s, ctx.must.scope, ctx.user.user_id)
        return render(ctx, "rtc/pick_case.html", choices=choices)
    case_id = input_limits.path_id(raw)
    async with ctx.db.read() as s:
        info = await for_mediation.case_for_mediation(s, ctx.must.scope, case_id)
        mediators = (
            await service.mediators_of(s, info.mediating_agency_id) if info.mediating_agency_id else []
        )
    # A one-time key: the form sent again (a reload of the invitations page) makes no second session.
    key = uuid.uuid4().hex
    return render(ctx, "rtc/new.html", info=info, mediators=mediators, error="", submission_key=key)


# Said on the session's page when the scheduling form comes again with the same key.
ALREADY_SCHEDULED = N_(
    "This video mediation was already scheduled: here it is. Its invitation links were shown only "
    "once; give anyone who needs one a new link here with “New link”."
)


@routes.page("POST", "/mediations/new", perm=RUN)
async def create(ctx: Ctx) -> web.Response:
    """Schedule, invite, and answer with the printable slips (not a redirect: the links are shown
    only now). The same form again with its key leads to the session made the first time."""
    form = await Form.read(ctx.request)
    key = form.text("submission_key")[:64] or None
    try:
        return await _schedule(ctx, form, key)
    except AlreadyScheduled as exc:
        raise flash.redirect(
            ctx.request, f"/mediations/{exc.details[0]['message']}", ALREADY_SCHEDULED
        ) from None
    except IntegrityError:
        # The same form sent twice at the same moment: the first sending made the session.
        async with ctx.db.read() as s:
            earlier = await service.scheduled_with(s, ctx.user.user_id, key)
        if earlier is None:
            raise
        raise flash.redirect(ctx.request, f"/mediations/{earlier}", ALREADY_SCHEDULED) from None


async def _schedule(ctx: Ctx, form: Form, key: str | None) -> web.Response:
    try:
        case_id = int(form.text("case_id"))
        mediator_id = int(form.text("mediator_id")) if form.text("mediator_id") else None
    except ValueError:
        raise ValidationFailed() from None
    start = None
    if form.text("start"):
        try:
            start = datetime.fromisoformat(form.text("start")).replace(tzinfo=ZoneInfo(ctx.config.time_zone))
        except ValueError:
            raise ValidationFailed(N_("Give a date and a time.")) from None
    chosen = {int(v) for v in form.getall("party") if v.isdigit()}
    async with ctx.write() as (s, outbox):
        earlier = await service.scheduled_with(s, ctx.user.user_id, key)
        if earlier is not None:  # before anything else: the case may have moved on since
            raise service.already_scheduled(earlier)
        info = await for_mediation.case_for_mediation(s, ctx.must.scope, case_id)
        if not ctx.must.scope.covers(info.mediating_agency_id):
            raise Forbidden("Only the agency that mediates this case may schedule its sessions.")
        guests = [
            service.GuestSpec(
                "party", p.name, p.party_id, "id_last4" if p.has_id_number and form.raw("check") else "none"
            )
            for p in info.parties
            if p.party_id in chosen
        ]
        extra_name, extra_role = form.text("extra_name"), form.text("extra_role")
        if extra_name and extra_role:
            guests.append(service.GuestSpec(extra_role, extra_name))
        session = await service.schedule(
            s,
            ctx.user.actor,
            info,
            mediator_id=await views.resolve_mediator(ctx, s, info, mediator_id),
            start=start,
            guests=guests,
            record_video=bool(form.raw("record_video")),
            now=utcnow(),
            submission_key=key,
        )
        await party_messages.plan_reminders(s, session, now=utcnow())  # SMS the day and the hour before
        slips = await _invite_all(ctx, s, session, outbox)
        agency = await s.scalar(select(Agency.name).where(Agency.id == session.agency_id)) or ""
        mediator = await s.get(User, session.mediator_id)
    return render(
        ctx,
        "rtc/invitations.html",
        session=session,
        slips=slips,
        agency=agency,
        mediator_name=mediator.display_name if mediator else "",
    )


async def _invite_all(
    ctx: Ctx, s: AsyncSession, session: MediationSession, outbox: Outbox
) -> list[dict[str, Any]]:
    """Each guest's link, sent by SMS and e-mail where the party has them on file, and a printable
    slip with its QR code for every guest (the links are shown only now: they are stored hashed)."""
    slips = []
    for guest in await service.participants(s, session.id):
        if guest.user_id is not None:  # the mediator logs in
            continue
        token = await invitations.issue(
            s, ctx.user.actor, session, guest, now=utcnow(), hours=ctx.config.invitation_hours
        )
        url = views.join_url(ctx.base_url, token)
        sent = await party_messages.send_link(s, session, guest, url, now=utcnow(), outbox=outbox)
        slips.append(
            {
                "name": guest.display_name,
                "role": guest.role,
                "url": url,
                "qr": views.qr_svg(url),
                "sms": "sms" in sent,
                "email": "email" in sent,
            }
        )
    return slips


async def _detail(s: AsyncSession, ctx: Ctx, session: MediationSession) -> dict[str, Any]:
    people = await service.participants(s, session.id)
    names = {p.id: p.display_name for p in people}
    events = (
        await s.scalars(
            select(SessionEvent)
            .where(SessionEvent.session_id == session.id)
            .order_by(SessionEvent.at, SessionEvent.id)
        )
    ).all()
    recordings = (
        await s.scalars(
            select(Recording).where(Recording.session_id == session.id).order_by(Recording.started_at)
        )
    ).all()
    speech: dict[int, float] = {}
    for seg in (await s.scalars(select(SpeechSegment).where(SpeechSegment.session_id == session.id))).all():
        speech[seg.participant_id] = (
            speech.get(seg.participant_id, 0.0) + (seg.end_at - seg.start_at).total_seconds()
        )
    mediator = await s.get(User, session.mediator_id)
    return {
        "transcription": await transcribe_progress.progress(s, session.id),
        "session": session,
        "view": views.session_out(session, people, utcnow()),
        "names": names,
        "events": events,
        "recordings": recordings,
        "speech": speech,
        "mediator_name": mediator.display_name if mediator else "",
        "may_run": may_run(ctx.must, session),
        "is_mediator": ctx.user.user_id == session.mediator_id,
        "room_name": views.room_name,
        "may_hear": lambda room: may_hear(ctx.must, session, room),
    }


@routes.page("GET", "/mediations/{id}", perm=VIEW)
async def detail_page(ctx: Ctx) -> web.Response:
    async with ctx.db.read() as s:
        session = await get_visible_session(s, ctx.must, ctx.match_int("id"))
        context = await _detail(s, ctx, session)
    return render(ctx, "rtc/session.html", new_link=None, **context)


@routes.page("POST", "/mediations/{id}/participants/{pid}/link", perm=RUN)
async def issue_link(ctx: Ctx) -> web.Response:
    """Show the fresh link once, with its QR code, on the session page itself."""
    async with ctx.write() as (s, outbox):
        session = await get_run_session(s, ctx.must, ctx.match_int("id"))
        participant = await service.guest(s, session, ctx.match_int("pid"))
        token = await invitations.issue(
            s, ctx.user.actor, session, participant, now=utcnow(), hours=ctx.config.invitation_hours
        )
        url = views.join_url(ctx.base_url, token)
        await party_messages.send_link(s, session, participant, url, now=utcnow(), outbox=outbox)
        new_link = {
            "participant": participant.id,
            "name": participant.display_name,
            "url": url,
            "qr": views.qr_svg(url),
        }
        context = await _detail(s, ctx, session)
    return render(ctx, "rtc/session.html", new_link=new_link, **context)


@routes.page("POST", "/mediations/{id}/participants/{pid}/revoke", perm=RUN)
async def revoke_link(ctx: Ctx) -> web.Response:
    async with ctx.write() as (s, _):
        session = await get_run_session(s, ctx.must, ctx.match_int("id"))
        participant = await service.guest(s, session, ctx.match_int("pid"))
        await invitations.revoke(s, ctx.user.actor, participant, now=utcnow())
    done = N_("The link of %(name)s no longer works.")
    raise flash.redirect(ctx.request, f"/mediations/{session.id}", done, name=participant.display_name)


@routes.page("POST", "/mediations/{id}/participants", perm=RUN)
async def add_guest(ctx: Ctx) -> web.Response:
    form = await Form.read(ctx.request)
    name, role = form.text("name"), form.text("role")
    if not name or role not in ("party", "interpreter", "lawyer", "grid_worker", "observer"):
        raise ValidationFailed(N_("Give a name and a role."))
    async with ctx.write() as (s, _):
        session = await get_run_session(s, ctx.must, ctx.match_int("id"))
        info = await for_mediation.case_for_mediation(s, ctx.must.scope, session.case_id)
        await service.add_guest(s, session, info, service.GuestSpec(role, name))
    done = N_("%(name)s is invited: give them a link with “New link”.")
    raise flash.redirect(ctx.request, f"/mediations/{session.id}", done, name=name)


@routes.page("POST", "/mediations/{id}/reschedule", perm=RUN)
async def reschedule(ctx: Ctx) -> web.Response:
    form = await Form.read(ctx.request)
    try:
        start = datetime.fromisoformat(form.text("start")).replace(tzinfo=ZoneInfo(ctx.config.time_zone))
    except ValueError:
        raise ValidationFailed(N_("Give a date and a time.")) from None
    async with ctx.write() as (s, _):
        session = await get_run_session(s, ctx.must, ctx.match_int("id"))
        await service.reschedule(s, ctx.user.actor, session, start=start, now=utcnow())
    done = N_("The session is moved; the parties with a mobile number are told by SMS.")
    raise flash.redirect(ctx.request, f"/mediations/{session.id}", done)


@routes.page("POST", "/mediations/{id}/cancel", perm=RUN)
async def cancel(ctx: Ctx) -> web.Response:
    async with ctx.write() as (s, _):
        session = await get_run_session(s, ctx.must, ctx.match_int("id"))
        await service.cancel(s, ctx.user.actor, session, now=utcnow())
    await ctx.request.app[ROOMS].close_session(session.id, reason="cancelled")  # the lobby is told
    done = N_("The session is cancelled; the parties with a mobile number are told by SMS.")
    raise flash.redirect(ctx.request, f"/mediations/{session.id}", done)


@routes.page(
    "GET",
    "/mediations/{id}/recordings/{rid}",
    perm=VIEW,
    summary="One recording (Ogg Opus; WAV before issue #16)",
    produces="audio/ogg",
)
async def recording_file(ctx: Ctx) -> web.StreamResponse:
    async with ctx.db.read() as s:
        session = await get_visible_session(s, ctx.must, ctx.match_int("id"))
        row = await s.get(Recording, ctx.match_int("rid"))
        if row is None or row.session_id != session.id:
            raise ValidationFailed()
        if not may_hear(ctx.must, session, row.room):
            raise Forbidden()
    path = (ctx.config.data_dir / row.path).resolve()
    if not path.is_relative_to(ctx.config.data_dir.resolve()) or not path.is_file():
        raise ValidationFailed()
    return web.FileResponse(path, headers={"Content-Disposition": f'attachment; filename="{path.name}"'})
