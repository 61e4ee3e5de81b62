"""A participant's connection as the room's host sees it, whatever carries it: a WebSocket of this
process, or a socket of another process relayed through the event bus (``relay``). The first
text must be ``hello``; then each text is one message for ``dispatch``, one at a time per room.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field

from hub.events import transaction
from hub.permissions import Scope
from referrals import for_mediation
from rtc import recordings, service
from rtc.errors import SignalError
from rtc.models import MediationSession, Participant
from rtc.room import dispatch, signalling
from rtc.room.host import LiveRoom, Port, RoomHost, now
from rtc.rooms import MEDIATOR, RoomError

logger = logging.getLogger(__name__)


# A person types and clicks a few messages a second; a connection's ICE candidates come in a burst.
RATE_PER_SECOND = 20.0
BURST = 60.0


@dataclass
class Member:
    """One connection of one participant (a reconnect is a new Member with the same participant)."""

    port: Port
    participant: Participant
    greeted: bool = False
    allowance: float = BURST
    checked_at: float = field(default_factory=time.monotonic)

    def take(self) -> bool:
        """Token bucket: False when this connection sends faster than anyone could mean to."""
        current = time.monotonic()
        self.allowance = min(BURST, self.allowance + (current - self.checked_at) * RATE_PER_SECOND)
        self.checked_at = current
        if self.allowance < 1:
            return False
        self.allowance -= 1
        return True


async def open_room(host: RoomHost, session: MediationSession, participant: Participant) -> LiveRoom:
    """The live room of this session on this process (opened on first use); the mediator's arrival
    starts a scheduled session."""
    live = host.get(session.id)
    if live is None:
        async with host.db.read() as s:
            info = await for_mediation.case_for_mediation(s, Scope(None), session.case_id)
        live = host.open(
            session.id,
            case_id=session.case_id,
            title=session.title,
            mediator_user_id=session.mediator_id,
            record_video=session.record_video,
        )
        live.evidence_names = {e.evidence_id: e.name for e in info.evidence}
    if participant.role == MEDIATOR and session.status == "scheduled":
        async with transaction(host.db, host.events) as (s, outbox):
            # Locked and looked at again: two tabs of the mediator must not both start it.
            fresh = await s.get(MediationSession, session.id, with_for_update=True)
            assert fresh is not None
            if fresh.status != "scheduled":
                return live
            await service.start(
                s, recordings.actor_for(fresh), fresh, now=now(), instance=host.instance, outbox=outbox
            )
    return live


async def on_text(host: RoomHost, live: LiveRoom, member: Member, text: str) -> None:
    pid = member.participant.id
    ref = None
    if member.greeted and not member.take():
        await member.port.send_str(signalling.error_text("rate_limited"))
        return
    try:
        if not member.greeted:
            await _greet(host, live, member, text)
            return
        message = signalling.parse(text)
        ref = message.id
        if message.type == "signal":  # no lock: it reads the room and sends (dispatch.relay)
            if live.sockets.get(pid) is member.port:
                await dispatch.relay(host, live, pid, message.data)
            return
        async with live.lock:
            if live.sockets.get(pid) is not member.port:
                return  # this connection was replaced by a newer one
            await dispatch.handle(host, live, pid, message)
    except SignalError as exc:
        await member.port.send_str(signalling.error_text(exc.code, exc.ref, exc.detail))
    except RoomError as exc:
        await member.port.send_str(signalling.error_text(exc.code, ref, exc.detail))
    except asyncio.CancelledError:
        raise
    except Exception:  # one bad message must never take the room down
        logger.exception(
            "signalling message failed", extra={"session_id": live.session_id, "participant": pid}
        )
        await member.port.send_str(signalling.error_text("bad_message", ref))


async def _greet(host: RoomHost, live: LiveRoom, member: Member, text: str) -> None:
    """Place the member (lobby, or back in) and send the welcome; a bad hello closes the connection."""
    port, participant = member.port, member.participant
    try:
        hello = signalling.parse(text)
        if hello.type != "hello":
            raise SignalError("hello_first", ref=hello.id)
    except SignalError as exc:
        await port.send_str(signalling.error_text(exc.code, exc.ref, exc.detail))
        await port.close(code=4000, message=exc.code.encode())
        return
    pid = participant.id
    async with live.lock:
        await host.grow(live, pid)  # a room that outgrows the mesh moves its media to the SFU
        try:
            arrived = live.room.arrive(
                pid,
                participant.role,
                hello.data.name or participant.display_name,
                hello.data.consent,
                audio_only=hello.data.audio_only,
            )
        except RoomError as exc:
            await port.send_str(signalling.error_text(exc.code))
            await port.close(code=4001, message=exc.code.encode())
            return
        member.greeted = True
        old = live.sockets.get(pid)
        live.sockets[pid] = port
        if old is not None and old is not port:  # a reconnect replaces the stale connection
            # Not awaited under the lock: a dead client never answers the close frame, and
            # aiohttp waits for it up to its timeout.
            host.spawn(old.close(code=4002, message=b"replaced"), "rtc-replaced")
        at = now()
        await host.send_kind(
            live,
            pid,
            "welcome",
            {
                "participant": pid,
                "role": participant.role,
                "name": arrived.name,
                "session": {"id": live.session_id, "title": live.title},
                "ice_servers": host.ice_servers(f"s{live.session_id}p{pid}"),
                "evidence": [{"id": k, "name": v} for k, v in sorted(live.evidence_names.items())],
                # Send the recorder low-rate video too (off unless the operator and the session want it).
                "record_video": live.record_video and host.config.record_video,
            },
        )
        # Tell the others to connect afresh (standby connections too: this page has none left).
        for other in live.room.peers_of(pid) + live.room.standby_of(pid):
            await host.send_kind(live, other, "peer_reset", {"participant": pid})
        await host.push_state(live)
        # The pages first, then the record (under the lock still, so it precedes any admission):
        # a joining page must not wait for a disk. Nobody stays whom the record does not show
        # arrived, with their consent: if it cannot be written, their page is let go and comes back.
        try:
            await recordings.arrived(host.db, live.session_id, pid, hello.data.consent, arrived.state, at)
        except Exception:
            where = {"session_id": live.session_id, "participant": pid}
            logger.exception("arrival not recorded", extra=where)
            # Out of the room here, not by on_gone: a socket the server closes has its handler
            # cancelled, on_gone with it. Neither their arrival nor their leaving is on the record.
            await _let_go(host, live, pid, on_record=False)
            host.spawn(port.close(code=1011, message=b"not_recorded"), "rtc-not-recorded")


async def on_gone(host: RoomHost, live: LiveRoom, member: Member) -> None:
    pid = member.participant.id
    async with live.lock:
        if live.sockets.get(pid) is not member.port:
            return
        await _let_go(host, live, pid, on_record=True)


async def _let_go(host: RoomHost, live: LiveRoom, pid: int, *, on_record: bool) -> None:
    """Under the room's lock: the member's socket forgotten, their place kept but disconnected,
    their recording peer and SFU feeds closed, the leaving on the record (``on_record``) and the
    others told."""
    live.sockets.pop(pid, None)
    left = live.room.disconnect(pid)
    await host.close_peer(live, pid)
    if live.sfu is not None:
        await live.sfu.left(pid)
    if on_record and left is not None and not live.room.ended:
        await recordings.timeline(host.db, live.session_id, "left", now(), pid)
    if not live.room.ended:
        await host.push_state(live)
