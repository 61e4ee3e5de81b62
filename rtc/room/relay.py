"""Rooms across several ``gongtiao serve`` processes on one PostgreSQL database.

A live room is pinned to one process, its *host*: the one holding its recording peers. The first
socket of a session claims the room (``MediationSession.host_instance``); the host marks it alive
every few seconds (``host_seen_at``), and a claim older than ``STALE_SECONDS`` may be taken over.
A claim by a process of this machine that no longer runs (killed, crashed) is taken over at once,
so that after ``kill -9`` and a restart the room opens again on the first reconnect.
A socket that lands on another process is relayed over the event bus (LISTEN/NOTIFY):

    proxy --(rtc-in:{session})-->  host      open / text / close of one connection
    host  --(rtc-out:{instance})--> proxy    text / close for one connection

On SQLite (one process) every socket is local and nothing goes over the bus.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import os
import uuid
import zlib
from datetime import timedelta
from typing import Any

from aiohttp import WSMsgType, web

from hub.events import Event, LocalBus
from rtc.models import MediationSession, Participant
from rtc.room import members, signalling
from rtc.room.host import LiveRoom, RoomHost, now
from rtc.room.members import Member

logger = logging.getLogger(__name__)
BEAT_SECONDS = 5.0
STALE_SECONDS = 20.0
OPEN_TIMEOUT_SECONDS = 10.0
SILENT_SECONDS = 45.0  # browsers ping every 20 s and the host answers: silence this long is death
IDLE_SECONDS = 600.0
INLINE_LIMIT = 2000  # larger texts (SDPs) travel compressed: NOTIFY takes at most 8000 bytes


def in_topic(session_id: int) -> str:
    return f"rtc-in:{session_id}"


def out_topic(instance: str) -> str:
    return f"rtc-out:{instance}"


def pack(text: str) -> dict[str, str]:
    if len(text) <= INLINE_LIMIT:
        return {"t": text}
    return {"z": base64.b64encode(zlib.compress(text.encode(), 9)).decode()}


def unpack(data: dict[str, Any]) -> str:
    if "z" in data:
        return zlib.decompress(base64.b64decode(data["z"])).decode()
    return str(data.get("t", ""))


def holder_is_gone(holder: str, mine: str) -> bool:
    """Whether the process named by a claim (``host:pid:nonce``, see ``RoomHost.instance``) surely
    no longer runs: it was on this machine and its pid is free, or is ours (a restart that got the
    same pid, as in a container). A claim from another machine is never judged here."""
    try:
        name, pid_text, nonce = holder.rsplit(":", 2)
        my_name, my_pid, _ = mine.rsplit(":", 2)
        pid = int(pid_text)
    except ValueError:
        return False
    if name != my_name or not nonce or holder == mine or pid <= 0:
        return False
    if str(pid) == my_pid:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # alive under another user, or not ours to ask: leave it to the heartbeat
        return False
    return False


async def claim(host: RoomHost, session_id: int) -> str:
    """The instance that holds this session's room: this process if nobody live does. SQLite
    means one process: always this one (a claim left by the process before a restart is void)."""
    if host.db.is_sqlite:
        return host.instance
    async with host.db.write() as s:
        session = await s.get(MediationSession, session_id, with_for_update=True)
        assert session is not None
        current = now()
        seen = session.host_seen_at
        if (
            session.host_instance in ("", host.instance)
            or seen is None
            or current - seen > timedelta(seconds=STALE_SECONDS)
            or holder_is_gone(session.host_instance, host.instance)
        ):
            session.host_instance = host.instance
            session.host_seen_at = current
        return session.host_instance


# --- on the host ----------------------------------------------------------------------------------
class RemotePort:
    """A member's connection that lives on another process."""

    def __init__(self, bus: LocalBus, instance: str, conn: str) -> None:
        self._bus, self._instance, self._conn = bus, instance, conn
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed

    async def send_str(self, data: str) -> None:
        if not self._closed:
            await self._publish({"conn": self._conn, **pack(data)})

    async def close(self, *, code: int = 1000, message: bytes = b"") -> bool:
        if self._closed:
            return False
        self._closed = True
        await self._publish(
            {"conn": self._conn, "close": code, "reason": message.decode(errors="replace")[:100]}
        )
        return True

    async def _publish(self, data: dict[str, Any]) -> None:
        try:
            await self._bus.publish(Event(topic=out_topic(self._instance), kind="rtc.out", data=data))
        except Exception:
            logger.exception("relay to another process failed")


def ensure_listener(host: RoomHost, live: LiveRoom) -> None:
    """Hear the room's relayed connections and keep the claim alive, while the room is open."""
    if live.listener is None or live.listener.done():
        live.listener = asyncio.create_task(_listen(host, live), name=f"rtc-room-{live.session_id}")


async def _listen(host: RoomHost, live: LiveRoom) -> None:
    remote: dict[str, Member] = {}
    heard: dict[str, float] = {}  # connection -> when its proxy last spoke (the loop's clock)
    subscription = host.events.subscribe([in_topic(live.session_id)])
    loop = asyncio.get_running_loop()
    last_beat = loop.time()
    try:
        while host.get(live.session_id) is live:
            # The claim is renewed on time however busy the room is, or another process takes it.
            event = await subscription.get(timeout=max(0.0, last_beat + BEAT_SECONDS - loop.time()))
            if event is None and subscription.closed:
                break
            if event is not None:
                conn = str(event.data.get("conn", ""))
                heard[conn] = loop.time()
                try:
                    await _relayed(host, live, remote, event.data)
                except Exception:  # one bad event must not cut every relayed member off
                    logger.exception("relayed event failed", extra={"session_id": live.session_id})
            if loop.time() - last_beat >= BEAT_SECONDS:
                last_beat = loop.time()
                await _forget_silent(host, live, remote, heard, loop.time())
                await _beat(host, live)
    except asyncio.CancelledError:
        pass
    finally:
        subscription.close()
        for member in remote.values():
            await members.on_gone(host, live, member)


async def _forget_silent(
    host: RoomHost, live: LiveRoom, remote: dict[str, Member], heard: dict[str, float], at: float
) -> None:
    """A proxy that died (its process killed) never says close; its browser pings every 20 s, so
    a connection silent for ``SILENT_SECONDS`` is gone and must not hold a place in the room."""
    for conn in [c for c in remote if at - heard.get(c, at) > SILENT_SECONDS]:
        heard.pop(conn, None)
        await members.on_gone(host, live, remote.pop(conn))
    for conn in [c for c in heard if c not in remote]:
        heard.pop(conn)


async def _beat(host: RoomHost, live: LiveRoom) -> None:
    """Keep the claim alive; let go of a room nobody has been in for ``IDLE_SECONDS`` (the session
    stays open: the next one in opens it again, here or on another process)."""
    if live.sockets:
        live.empty_since = None
    elif live.empty_since is None:
        live.empty_since = now()
    elif now() - live.empty_since > timedelta(seconds=IDLE_SECONDS):
        async with host.db.write() as s:  # the claim goes first: a room gone is a room unclaimed
            session = await s.get(MediationSession, live.session_id)
            if session is not None and session.host_instance == host.instance:
                session.host_instance = ""
        await host.close_room(live, reason="idle")
        return
    cancelled = False
    try:
        async with host.db.write() as s:
            session = await s.get(MediationSession, live.session_id)
            if session is not None and session.host_instance == host.instance:
                session.host_seen_at = now()
            cancelled = session is None or session.status == "cancelled"
    except Exception:
        logger.exception("could not mark the room alive", extra={"session_id": live.session_id})
    if cancelled:  # cancelled on another process: those waiting in the lobby are told here
        await host.close_room(live, reason="cancelled")


async def _relayed(host: RoomHost, live: LiveRoom, remote: dict[str, Member], data: dict[str, Any]) -> None:
    conn, op = str(data.get("conn", "")), data.get("op")
    if op == "open":
        async with host.db.read() as s:
            participant = await s.get(Participant, int(data["pid"]))
            if participant is None or participant.session_id != live.session_id:
                return
            s.expunge(participant)
        remote[conn] = Member(RemotePort(host.events, str(data["instance"]), conn), participant)
    elif op == "text" and conn in remote:
        await members.on_text(host, live, remote[conn], unpack(data))
    elif op == "close" and conn in remote:
        await members.on_gone(host, live, remote.pop(conn))


# --- on a proxy -----------------------------------------------------------------------------------
async def proxy(host: RoomHost, ws: web.WebSocketResponse, session_id: int, participant: Participant) -> None:
    """Carry one local socket to the room's host and back until either side closes."""
    conn = uuid.uuid4().hex
    subscription = host.events.subscribe([out_topic(host.instance)])

    async def publish(op: str, **data: Any) -> None:
        event = Event(topic=in_topic(session_id), kind="rtc.in", data={"conn": conn, "op": op, **data})
        await host.events.publish(event)

    async def downstream() -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + OPEN_TIMEOUT_SECONDS  # for the host's first word, then its next
        while not ws.closed:
            event = await subscription.get(timeout=max(0.0, deadline - loop.time()))
            if event is None:
                if subscription.closed or loop.time() >= deadline:
                    await ws.close(code=4005, message=b"host_unavailable")  # the client retries
                    return
                continue
            if event.data.get("conn") != conn:
                continue
            deadline = loop.time() + SILENT_SECONDS
            if "close" in event.data:
                await ws.close(
                    code=int(event.data["close"]), message=str(event.data.get("reason", "")).encode()
                )
                return
            await ws.send_str(unpack(event.data))

    await publish("open", pid=participant.id, instance=host.instance)
    down = asyncio.create_task(downstream())
    try:
        async for msg in ws:
            if msg.type == WSMsgType.TEXT:
                await publish("text", **pack(msg.data))
            elif msg.type == WSMsgType.BINARY:
                await ws.send_str(signalling.error_text("bad_json"))
    finally:
        down.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):  # its failure ends this anyway
            await down
        subscription.close()
        with contextlib.suppress(Exception):
            await publish("close")
