"""The signalling WebSocket: ``GET /mediations/{id}/ws``.

Who is on the other end: the session's mediator (logged in) or a guest holding the browser
credential their invitation link gave them. The Origin must be the hub's own (a page elsewhere
cannot open a socket with the guest's cookie). The first message must be ``hello`` (name and
recording consent); then messages go to rtc/dispatch.py, one at a time per room.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from aiohttp import WSMsgType, web

from hub.errors import Forbidden
from hub.routing import Ctx, Routes
from rtc import members, relay, signalling
from rtc.join import room_member
from rtc.keys import ROOMS
from rtc.models import MediationSession, Participant

logger = logging.getLogger(__name__)
routes = Routes()
HEARTBEAT_SECONDS = 15.0
HELLO_TIMEOUT_SECONDS = 60.0


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
