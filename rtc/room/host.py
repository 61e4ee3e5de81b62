"""The live rooms this process holds: sockets, room state, recording peers, and what happens when
the state changes (a fresh view to everyone, recording segments opened, switched or closed).

One ``RoomHost`` lives on the app (``ROOMS``); shutdown closes every socket and recording cleanly.
What a message *does* is in ``dispatch``; the socket's life is in ``routes``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from aiohttp import web
from sqlalchemy import update

from hub.config import Config
from hub.db import Database
from hub.events import LocalBus
from hub.keys import CONFIG, DB, EVENTS
from hub.orm import utcnow
from rtc import recordings, turn
from rtc.janus import JanusClient, JanusError
from rtc.models import MediationSession
from rtc.peer import RecordingPeer, SegmentRecord
from rtc.record_client import RecordWorker, RemoteRecordingPeer
from rtc.room import signalling
from rtc.room.media import SfuMedia
from rtc.rooms import SFU, MemberState, Room
from rtc.sfu import SfuError, SfuRoom

logger = logging.getLogger(__name__)

JANUS_RETRY_SECONDS = 30.0  # after Janus failed to answer, rooms stay on the mesh this long
# A member's recording peer: in the recording worker process (rtc.record_client); the in-process
# RecordingPeer has the same interface (tests and benches use it directly).
Recorder = RecordingPeer | RemoteRecordingPeer


class Port(Protocol):
    """Where the host sends a member's messages: a local WebSocket or a relay to another process."""

    @property
    def closed(self) -> bool: ...

    async def send_str(self, data: str) -> None: ...

    async def close(self, *, code: int = 1000, message: bytes = b"") -> bool: ...


@dataclass
class LiveRoom:
    room: Room
    case_id: int
    title: str
    mediator_user_id: int
    record_video: bool
    sockets: dict[int, Port] = field(default_factory=dict)
    peers: dict[int, Recorder] = field(default_factory=dict)
    evidence_names: dict[int, str] = field(default_factory=dict)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    was_recording: bool = False
    listener: asyncio.Task[None] | None = None  # relay.py: connections relayed from other processes
    empty_since: datetime | None = None
    sfu: SfuMedia | None = None  # the room's media through Janus (media.py), once it outgrew the mesh

    @property
    def session_id(self) -> int:
        return self.room.session_id


class RoomHost:
    def __init__(self, app: web.Application) -> None:
        self._app = app
        self.instance = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.rooms: dict[int, LiveRoom] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._janus: JanusClient | None = None
        self._janus_failed_at = -JANUS_RETRY_SECONDS
        self.recorder = RecordWorker(on_lost=self._recorder_lost)

    # The database and the bus are opened at start-up, after the plugins are set up.
    @property
    def config(self) -> Config:
        return self._app[CONFIG]

    @property
    def db(self) -> Database:
        return self._app[DB]

    @property
    def events(self) -> LocalBus:
        return self._app[EVENTS]

    # --- rooms ------------------------------------------------------------------------------
    def get(self, session_id: int) -> LiveRoom | None:
        return self.rooms.get(session_id)

    def open(
        self, session_id: int, *, case_id: int, title: str, mediator_user_id: int, record_video: bool
    ) -> LiveRoom:
        live = self.rooms.get(session_id)
        if live is None:
            room = Room(session_id, max_participants=self.config.rtc_max_participants)
            live = LiveRoom(room, case_id, title, mediator_user_id, record_video)
            self.rooms[session_id] = live
        return live

    def ice_servers(self, user_label: str) -> list[dict[str, Any]]:
        return turn.ice_servers(self.config, user_label, now=utcnow())

    # --- sending ----------------------------------------------------------------------------
    async def send(self, live: LiveRoom, pid: int, text: str) -> None:
        ws = live.sockets.get(pid)
        if ws is None or ws.closed:
            return
        try:
            await ws.send_str(text)
        except (ConnectionResetError, RuntimeError):
            logger.info("send to a closing socket", extra={"session_id": live.session_id, "participant": pid})

    async def send_kind(
        self, live: LiveRoom, pid: int, kind: str, data: dict[str, Any] | None = None
    ) -> None:
        await self.send(live, pid, signalling.envelope(kind, data))

    async def to_room(
        self, live: LiveRoom, kind: str, data: dict[str, Any], *, room_label: str | None = None
    ) -> None:
        """To every admitted, connected member (of one room segment when given)."""
        for member in live.room.admitted():
            if room_label is None or live.room.room_of(member.pid) == room_label:
                await self.send_kind(live, member.pid, kind, data)

    def view_for(self, live: LiveRoom, pid: int) -> dict[str, Any]:
        """What this member sees of the room: lobby guests see only that they wait."""
        room = live.room
        me = room.members.get(pid)
        state = me.state if me else MemberState.lobby
        view: dict[str, Any] = {
            "you": {
                "participant": pid,
                "state": state,
                "room": room.room_of(pid),
                "peers": room.peers_of(pid),
                "standby": room.standby_of(pid),  # connections prepared, nothing sent (rooms.py)
            },
            "recording": room.recording,
            "ended": room.ended,
            "media": room.media,
        }
        if live.sfu is not None:
            view["you"]["feeds"] = live.sfu.feeds_for(pid)
        if state is not MemberState.admitted:
            return view
        view["members"] = [
            {
                "participant": m.pid,
                "name": m.name,
                "role": m.role,
                "state": m.state,
                "connected": m.connected,
                "consent": m.consent,
                "hand_up": m.hand_up,
                "audio": m.audio_on,
                "video": m.video_on and not m.audio_only,
                "room": room.room_of(m.pid),
            }
            for m in room.members.values()
            if m.state is not MemberState.removed and (m.connected or m.state is MemberState.admitted)
        ]
        caucus = room.caucus
        view["caucus"] = (
            {"number": caucus.number, "members": sorted(caucus.members), "label": caucus.label}
            if caucus
            else None
        )
        shared = room.shared_evidence_id
        view["shared"] = (
            {
                "evidence_id": shared,
                "name": live.evidence_names.get(shared, ""),
                "url": f"/mediations/{live.session_id}/shared/{shared}",
            }
            if shared is not None
            else None
        )
        return view

    async def push_state(self, live: LiveRoom) -> None:
        flipped = await self._sync_recording(live)
        if live.sfu is not None:  # first the subscriptions the rules now forbid go
            await live.sfu.sync()
        for pid in list(live.sockets):
            await self.send_kind(live, pid, "state", self.view_for(live, pid))
        if flipped is not None:  # written once the pages know: a write never delays a join
            await recordings.timeline(self.db, live.session_id, *flipped)

    # --- the SFU (docs/scaling.md) ---------------------------------------------------------------
    async def grow(self, live: LiveRoom, pid: int) -> None:
        """Before an arrival, under the room's lock: a room that outgrows the mesh moves to Janus,
        if the operator set one up and it answers; otherwise it stays a mesh (and may be full)."""
        config = self.config
        if not config.janus_url:
            return
        if live.room.media == SFU:
            if live.sfu is None:  # Janus was lost: try again
                await self._start_sfu(live)
            return
        if live.room.outgrows_mesh(pid, config.sfu_threshold) and await self._start_sfu(live):
            live.room.use_sfu(config.sfu_max_participants)
            for member in list(live.peers):  # the recorder now subscribes through Janus
                await self.close_peer(live, member)

    async def _start_sfu(self, live: LiveRoom) -> bool:
        if time.monotonic() - self._janus_failed_at < JANUS_RETRY_SECONDS:
            return False
        try:
            if self._janus is None or not self._janus.alive:
                config = self.config
                client = JanusClient(config.janus_url, config.janus_api_secret, on_lost=self._janus_lost)
                await client.start()
                self._janus = client
            sfu = SfuRoom(
                self._janus,
                max_publishers=self.config.sfu_max_participants,
                on_ready=lambda feed: self._feed_ready(live),
            )
            await sfu.create()
        except (JanusError, SfuError) as exc:
            self._janus_failed_at = time.monotonic()
            logger.warning("the SFU is unavailable: %s", exc, extra={"session_id": live.session_id})
            return False
        live.sfu = SfuMedia(
            sfu,
            live.room,
            send=lambda pid, text: self.send(live, pid, text),
            record=lambda pid, offer: self.recording_peer(live, pid).answer(offer, fresh=True),
            spawn=self.spawn,
        )
        return True

    async def _feed_ready(self, live: LiveRoom) -> None:
        async with live.lock:  # a publisher connected: offer it to those who may see it
            if self.rooms.get(live.session_id) is live:
                await self.push_state(live)

    def _janus_lost(self) -> None:
        """Janus restarted or went away: every SFU room starts afresh on the next Janus."""
        self._janus = None
        for live in list(self.rooms.values()):
            if live.sfu is not None:
                self.spawn(self._restart_sfu(live), "sfu-restart")

    async def _restart_sfu(self, live: LiveRoom) -> None:
        async with live.lock:
            live.sfu = None
            for pid in list(live.peers):
                await self.close_peer(live, pid)
            await self._start_sfu(live)
            for pid in list(live.sockets):  # every page publishes and subscribes afresh
                await self.send_kind(live, pid, "sfu_reset", {})
            await self.push_state(live)

    # --- recording ----------------------------------------------------------------------------
    def directory(self, live: LiveRoom) -> Path:
        path = self.config.data_dir / "recordings" / str(live.session_id)
        path.mkdir(parents=True, exist_ok=True)
        return path

    def recording_peer(self, live: LiveRoom, pid: int) -> Recorder:
        """The member's recording peer, made on first use, held by the recording worker."""
        peer = live.peers.get(pid)
        if peer is None:
            peer = RemoteRecordingPeer(
                self.recorder,
                directory=self.directory(live),
                name_prefix=f"p{pid}",
                segment=live.room.room_of(pid),
                on_segment_closed=lambda record: self._segment_closed(live.session_id, pid, record),
                ice_servers=turn.aiortc_servers(self.config, f"hub-{live.session_id}", now=utcnow()),
                record_video=live.record_video and self.config.record_video,
            )
            live.peers[pid] = peer
        return peer

    def _recorder_lost(self) -> None:
        """The recording worker died: its peers are gone (their files wait for recovery at the next
        start); a browser's next offer makes a new peer in a new worker."""
        for live in self.rooms.values():
            live.peers.clear()

    async def _segment_closed(self, session_id: int, pid: int, record: SegmentRecord) -> None:
        try:
            await recordings.save(self.db, self.config.data_dir, session_id, pid, record)
        except Exception:  # the file stays on disk; crash recovery registers it later
            logger.exception(
                "could not register a recording", extra={"session_id": session_id, "participant": pid}
            )

    async def close_peer(self, live: LiveRoom, pid: int) -> None:
        peer = live.peers.pop(pid, None)
        if live.sfu is not None:
            await live.sfu.stop_recording(pid)
        if peer is not None:
            await peer.close()

    async def switch_segment(self, live: LiveRoom, pids: list[int]) -> None:
        for pid in pids:
            peer = live.peers.get(pid)
            if peer is not None:
                await peer.switch_segment(live.room.room_of(pid))

    async def _sync_recording(self, live: LiveRoom) -> tuple[str, datetime] | None:
        """Recording follows consent: when it stops, every recording peer closes its file. Returns
        the timeline entry to write (kind, when) if recording started or stopped."""
        now_recording = live.room.recording
        if now_recording == live.was_recording:
            return None
        live.was_recording = now_recording
        if not now_recording:  # first the files close: consent withdrawn must hold even if the DB fails
            for pid in list(live.peers):
                await self.close_peer(live, pid)
        return ("recording_started" if now_recording else "recording_stopped"), utcnow()

    # --- ending -------------------------------------------------------------------------------
    async def close_session(self, session_id: int, *, reason: str) -> None:
        """Close the session's room if this process holds it (a cancelled session, say)."""
        live = self.get(session_id)
        if live is not None:
            await self.close_room(live, reason=reason)

    async def close_room(self, live: LiveRoom, *, reason: str) -> None:
        """The pages hear first (in a room of eight on Janus, closing the recorder's peers and some
        seventy SFU handles took over 15 s on a busy machine), then the media goes."""
        ports = list(live.sockets.values())
        live.sockets.clear()
        for port in ports:
            with contextlib.suppress(Exception):
                await port.send_str(signalling.envelope("ended", {"reason": reason}))
        for pid in list(live.peers):
            await self.close_peer(live, pid)
        if live.sfu is not None:
            sfu, live.sfu = live.sfu, None
            await sfu.close()
        for port in ports:
            # Closing waits for the other side's close frame; the socket whose handler called us
            # cannot read it until we return, so the closes run on their own.
            self.spawn(_quietly(port.close(code=1000, message=reason.encode()[:100])), "rtc-close")
        self.rooms.pop(live.session_id, None)
        if live.listener is not None and live.listener is not asyncio.current_task():
            live.listener.cancel()

    def spawn(self, coro: Any, name: str) -> None:
        task = asyncio.create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def shutdown(self) -> None:
        held = list(self.rooms)
        for live in list(self.rooms.values()):
            await self.close_room(live, reason="server_shutdown")
        if held:  # let go at once: the next process in (or this one restarted) takes the rooms
            with contextlib.suppress(Exception):
                async with self.db.write() as s:
                    await s.execute(
                        update(MediationSession)
                        .where(MediationSession.id.in_(held), MediationSession.host_instance == self.instance)
                        .values(host_instance="")
                    )
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.recorder.stop()
        if self._janus is not None:
            janus, self._janus = self._janus, None
            await janus.close()


async def _quietly(closing: Any) -> None:
    with contextlib.suppress(Exception):
        await closing


def now() -> datetime:
    return utcnow()


ROOMS = web.AppKey("mediation_rooms", RoomHost)
