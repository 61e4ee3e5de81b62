"""Guests' way in: ``/join/{token}`` (no account, no install), the room page, and the evidence the
mediator shows in the room.

Opening the link only shows a page; the link is spent when the guest presses "continue" (a POST),
so a chat app that previews links cannot use them up. The POST sets a cookie for that session alone.

The signalling WebSocket (``GET /mediations/{id}/ws``): its other end is the session's mediator
(logged in) or a guest holding the browser credential their invitation link gave them. The Origin
must be the hub's own (a page elsewhere cannot open a socket with the guest's cookie). The first
message must be ``hello`` (name and recording consent); then messages go to ``dispatch``, one at a
time per room.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from aiohttp import WSMsgType, web

from hub.errors import Forbidden, NotFound, Unauthenticated
from hub.forms import Form
from hub.keys import CONFIG, PRINCIPAL
from hub.orm import utcnow
from hub.routing import Ctx, Routes
from hub.templating import render
from referrals import for_mediation
from rtc import errors, invitations, service
from rtc.models import MediationSession, Participant
from rtc.room import members, relay, signalling
from rtc.room.host import ROOMS

logger = logging.getLogger(__name__)
routes = Routes()
HEARTBEAT_SECONDS = 15.0
HELLO_TIMEOUT_SECONDS = 60.0
COOKIE_DAYS = invitations.GUEST_DAYS


def _set_guest_cookie(
    request: web.Request, response: web.StreamResponse, session_id: int, secret: str
) -> None:
    response.set_cookie(
        invitations.cookie_name(session_id),
        secret,
        max_age=COOKIE_DAYS * 86400,
        httponly=True,
        samesite="Lax",
        secure=request.app[CONFIG].secure_cookies,
        path="/",
    )


def _link_error(ctx: Ctx, exc: errors.LinkInvalid) -> web.Response:
    return render(ctx, "rtc/link_error.html", status=exc.status, code=exc.code, message=exc.msgid)


@routes.page("GET", "/join/{token}", public=True, summary="A guest's invitation link")
async def join_page(ctx: Ctx) -> web.Response:
    token = ctx.match("token")
    async with ctx.db.read() as s:
        try:
            participant, session = await invitations.find(s, token, utcnow())
        except errors.LinkInvalid as exc:
            return _link_error(ctx, exc)
    return render(ctx, "rtc/join.html", participant=participant, session=session, token=token, error="")


@routes.page("POST", "/join/{token}", public=True, summary="Use an invitation link")
async def join_post(ctx: Ctx) -> web.Response:
    token = ctx.match("token")
    digits = (await Form.read(ctx.request)).raw("last4")
    now = utcnow()
    async with ctx.write() as (s, _):
        try:
            participant, session = await invitations.find(s, token, now, lock=True)
        except errors.LinkInvalid as exc:
            return _link_error(ctx, exc)
        if participant.identity_check == "id_last4" and participant.identity_checked_at is None:
            matches = (
                participant.party_id is not None
                and isinstance(digits, str)
                and await for_mediation.identity_matches(s, participant.party_id, digits)
            )
            failed: errors.IdentityMismatch | errors.IdentityLocked | None = None
            try:
                await invitations.check_identity(s, participant, matches, now=now)
            except (errors.IdentityMismatch, errors.IdentityLocked) as exc:
                failed = exc
            if failed is not None:
                # The failure count must be kept: commit it, then answer with the form again.
                await s.commit()
                if isinstance(failed, errors.IdentityLocked):
                    return _link_error(ctx, errors.LinkRevoked())
                return render(
                    ctx,
                    "rtc/join.html",
                    status=403,
                    participant=participant,
                    session=session,
                    token=token,
                    error=failed.msgid,
                )
        secret = await invitations.claim(s, participant, now=now)
        session_id = session.id
        after = "room" if session.status in invitations.OPEN_STATUSES else "minutes/confirm"
    response = web.Response(status=303, headers={"Location": f"/mediations/{session_id}/{after}"})
    _set_guest_cookie(ctx.request, response, session_id, secret)
    return response


async def room_member(
    request: web.Request, session_id: int, *, login_helps: bool = True
) -> tuple[MediationSession, Participant]:
    """The session and who is asking: its mediator, or one of its guests (by their cookie).
    ``login_helps``: a stranger is sent to log in (pages), or simply refused (sockets)."""
    db = request.app[ROOMS].db
    principal = request.get(PRINCIPAL)
    async with db.write() as s:
        session = await s.get(MediationSession, session_id)
        if session is None:
            raise NotFound()
        if principal is not None and principal.user_id == session.mediator_id:
            participant = await service.mediator_participant(s, session)
        else:
            found = await invitations.guest_by_secret(
                s, session_id, request.cookies.get(invitations.cookie_name(session_id)), utcnow()
            )
            if found is None:
                raise Unauthenticated() if principal is None and login_helps else Forbidden()
            participant = found
        s.expunge_all()  # plain objects from here on: the transaction ends
    return session, participant


@routes.page(
    "GET", "/mediations/{id}/room", public=True, summary="The video room (mediator or invited guest)"
)
async def room_page(ctx: Ctx) -> web.Response:
    session, participant = await room_member(ctx.request, ctx.match_int("id"))
    if session.status not in ("scheduled", "live"):
        return render(
            ctx, "rtc/link_error.html", status=410, code="session_over", message=errors.SessionOver.message
        )
    return render(
        ctx,
        "rtc/room.html",
        session=session,
        participant=participant,
        is_mediator=participant.role == "mediator",
    )


@routes.page(
    "GET", "/mediations/{id}/shared/{evidence_id}", public=True, summary="Evidence shown in the room"
)
async def shared_evidence(ctx: Ctx) -> web.StreamResponse:
    """Only while the mediator shows it, and only to those admitted to the room."""
    session_id, evidence_id = ctx.match_int("id"), ctx.match_int("evidence_id")
    session, participant = await room_member(ctx.request, session_id)
    live = ctx.request.app[ROOMS].get(session_id)
    if live is not None:
        shown = live.room.shared_evidence_id
        member = live.room.members.get(participant.id)
        admitted = member is not None and member.state == "admitted"
    else:  # the room lives on another process: its record says the same
        async with ctx.db.read() as s:
            shown = await service.shown_evidence(s, session_id) if session.status == "live" else None
        admitted = participant.admitted_at is not None and participant.removed_at is None
    if shown != evidence_id:
        raise NotFound()
    if not admitted:
        raise Forbidden()
    async with ctx.db.read() as s:
        path, info = await for_mediation.evidence_for_room(s, ctx.config, session.case_id, evidence_id)
    return web.FileResponse(
        path,
        headers={
            "Content-Type": info.media_type,
            "Content-Disposition": "inline",
            "Cache-Control": "no-store",
        },
    )


# --- the signalling WebSocket ------------------------------------------------------------------


def origin_allowed(request: web.Request, public_url: str) -> bool:
    """The page that opened the socket must be ours: same scheme-less host, or the public URL."""
    origin = request.headers.get("Origin", "")
    if not origin:
        return False
    if public_url:
        return origin.rstrip("/") == public_url.rstrip("/")
    return urlsplit(origin).netloc == request.host


async def identify(request: web.Request, session_id: int) -> tuple[MediationSession, Participant]:
    """The session and the participant this socket speaks for, or an HTTP error (a socket cannot
    log in, so strangers get 403, not the login page)."""
    session, participant = await room_member(request, session_id, login_helps=False)
    if session.status not in ("scheduled", "live"):
        raise Forbidden()
    return session, participant


@routes.page("GET", "/mediations/{id}/ws", public=True, summary="Signalling WebSocket (docs/signalling.md)")
async def signalling_socket(ctx: Ctx) -> web.StreamResponse:
    request = ctx.request
    host = request.app[ROOMS]
    if not origin_allowed(request, ctx.config.public_url):
        raise Forbidden("The page that opened this connection is not the hub's own.")
    session, participant = await identify(request, ctx.match_int("id"))
    ws = web.WebSocketResponse(
        heartbeat=HEARTBEAT_SECONDS, max_msg_size=4 * signalling.MAX_MESSAGE_BYTES
    )  # larger: closed with 1009
    await ws.prepare(request)
    if await relay.claim(host, session.id) != host.instance:
        await relay.proxy(host, ws, session.id, participant)  # the room lives on another process
        return ws
    live = await members.open_room(host, session, participant)
    relay.ensure_listener(host, live)
    member = members.Member(ws, participant)
    try:
        try:
            first = await ws.receive(timeout=HELLO_TIMEOUT_SECONDS)
        except TimeoutError:
            await ws.close(code=4000, message=b"hello_first")
            return ws
        if first.type != WSMsgType.TEXT:
            return ws
        await members.on_text(host, live, member, first.data)
        if not member.greeted:
            return ws
        async for msg in ws:
            if msg.type == WSMsgType.TEXT:
                await members.on_text(host, live, member, msg.data)
            elif msg.type == WSMsgType.BINARY:
                await ws.send_str(signalling.error_text("bad_json"))
    finally:
        await members.on_gone(host, live, member)
    return ws
