"""What each signalling message does in a live room. ``handle`` is called with the room's lock held;
a refused request raises ``RoomError`` or ``SignalError`` and the socket answers with its code.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from hub.events import Outbox
from rtc import recordings, service
from rtc.errors import SignalError
from rtc.models import MediationSession, Participant
from rtc.room import signalling
from rtc.room.host import LiveRoom, Port, Recorder, RoomHost, now
from rtc.room.signalling import Message
from rtc.rooms import MemberState, RoomError

logger = logging.getLogger(__name__)


async def handle(host: RoomHost, live: LiveRoom, pid: int, message: Message) -> None:
    kind, data = message.type, message.data
    room = live.room
    if kind == "ping":
        await host.send(live, pid, signalling.envelope("pong", {}, message.id))
        return
    if kind == "hello":
        raise SignalError("bad_message", "hello was already sent", ref=message.id)
    if kind == "signal":
        await relay(host, live, pid, data)
        return
    if kind == "hub_offer":
        room.require_admitted(pid)
        if not room.recording:
            raise SignalError("not_recording", ref=message.id)
        peer = host.recording_peer(live, pid)
        host.spawn(_answer_hub_offer(host, live, pid, peer, data.sdp, message.id), "rtc-hub-answer")
        return
    if kind == "hub_close":
        await host.close_peer(live, pid)
        return
    if kind in ("sfu_publish", "sfu_answer", "sfu_refresh"):
        member = room.require_admitted(pid)
        if live.sfu is None:
            raise SignalError("not_sfu", ref=message.id)
        if kind == "sfu_publish":
            work = live.sfu.publish(pid, member.name, data.sdp, message.id)
        elif kind == "sfu_answer":
            work = live.sfu.answer(pid, data.feed, data.sdp, message.id)
        else:
            work = live.sfu.refresh(pid, data.feed)
        host.spawn(work, f"rtc-{kind}")  # off the room's lock: Janus answers in its own time
        return
    if kind == "chat":
        await _chat(host, live, pid, data.text)
        return
    if kind == "note":
        await _note(host, live, pid, data.text)
        return
    if kind == "hand":
        room.set_hand(pid, data.up)
        await recordings.timeline(
            host.db, live.session_id, "hand_raised" if data.up else "hand_lowered", now(), pid
        )
    elif kind == "media":
        room.set_media(pid, data.audio, data.video)
    elif kind in ("admit", "admit_all"):
        let_in = [room.admit(pid, data.participant)] if kind == "admit" else room.admit_all(pid)
        await _admit(host, live, [m.pid for m in let_in])
        return
    elif kind == "remove":
        caucus = room.caucus
        member = room.remove(pid, data.participant)
        await recordings.removed(host.db, live.session_id, member.pid, now())
        await host.close_peer(live, member.pid)
        if live.sfu is not None:
            await live.sfu.left(member.pid)
        if caucus is not None and room.caucus is None:  # the caucus ended with its party gone
            await recordings.timeline(host.db, live.session_id, "caucus_ended", now(), pid, room=caucus.label)
            await host.switch_segment(live, sorted(caucus.members - {member.pid}))
        ws = live.sockets.pop(member.pid, None)
        if ws is not None:
            host.spawn(_farewell(ws, signalling.envelope("removed", {}), 4003, b"removed"), "rtc-remove")
    elif kind == "mute":
        member = room.ask_mute(pid, data.participant)
        await host.send_kind(live, member.pid, "mute_request", {"by": pid})
        await recordings.timeline(host.db, live.session_id, "mute_requested", now(), member.pid)
    elif kind == "caucus_start":
        caucus = room.start_caucus(pid, data.participants, now())
        await recordings.timeline(
            host.db,
            live.session_id,
            "caucus_started",
            now(),
            pid,
            room=caucus.label,
            members=sorted(caucus.members),
        )
        await host.switch_segment(live, sorted(caucus.members))
    elif kind == "caucus_end":
        caucus = room.end_caucus(pid)
        await recordings.timeline(
            host.db, live.session_id, "caucus_ended", now(), pid, room=caucus.label, summary=data.summary
        )
        await host.switch_segment(live, sorted(caucus.members))
    elif kind == "share":
        if data.evidence_id is not None and data.evidence_id not in live.evidence_names:
            raise SignalError("bad_message", "evidence_id", ref=message.id)
        room.share(pid, data.evidence_id)
        await recordings.timeline(
            host.db, live.session_id, "evidence_shown", now(), pid, evidence_id=data.evidence_id
        )
    elif kind == "end":
        await end_session(host, live, pid, data.outcome, data.note)
        return
    await host.push_state(live)


async def _admit(host: RoomHost, live: LiveRoom, pids: list[int]) -> None:
    """Let them in: the pages hear it first (their standby connections start sending at once), the
    record follows. If the record cannot be written, they go back to the lobby and the pages hear
    that too: nobody stays in the room that the record does not show let in."""
    at = now()
    await host.push_state(live)
    try:
        for pid in pids:
            await recordings.admitted(host.db, live.session_id, pid, at)
    except Exception:
        live.room.back_to_lobby(pids)
        await host.push_state(live)
        raise


async def relay(host: RoomHost, live: LiveRoom, pid: int, data: Any) -> None:
    """Pass an offer, answer or candidate to one peer, only between people who may see each other
    now or prepare to (a guest waiting in the lobby: ``Room.may_prepare``). Reads the room and sends,
    nothing else: called without the room's lock, so a negotiation never waits behind a write."""
    if not live.room.may_signal(pid, data.to):
        member = live.room.members.get(pid)
        if member is None or member.state is not MemberState.admitted and not live.room.standby_of(pid):
            raise SignalError("not_admitted")
        raise SignalError("forbidden_target")
    payload: dict[str, Any] = {"from": pid}
    if data.description is not None:
        payload["description"] = data.description.model_dump()
    if data.candidate is not None:
        payload["candidate"] = data.candidate.model_dump(exclude_none=True)
    await host.send_kind(live, data.to, "signal", payload)


async def _chat(host: RoomHost, live: LiveRoom, pid: int, text: str) -> None:
    room = live.room
    member = room.require_admitted(pid)
    label = room.room_of(pid)
    at = now()
    async with host.db.write() as s:
        row = await service.save_chat(s, live.session_id, pid, text, label, at)
    await host.to_room(
        live,
        "chat",
        {"id": row.id, "from": pid, "name": member.name, "text": text, "at": at.isoformat(), "room": label},
        room_label=label,
    )


async def _answer_hub_offer(
    host: RoomHost, live: LiveRoom, pid: int, peer: Recorder, sdp: str, ref: str | int | None
) -> None:
    """Answered off the room's lock: aiortc gathers its ICE candidates while answering, waiting
    up to 5 s for each STUN/TURN server that does not reply, and the room must not wait too."""
    try:
        answer = await peer.answer(sdp)
    except Exception:
        if live.peers.get(pid) is not peer:
            return  # closed meanwhile, on purpose: nothing to report
        logger.exception("recording peer failed", extra={"session_id": live.session_id, "participant": pid})
        async with live.lock:
            if live.peers.get(pid) is peer:
                await host.close_peer(live, pid)
        await host.send(live, pid, signalling.error_text("hub_peer_failed", ref))
        return
    if live.peers.get(pid) is peer:  # not closed meanwhile (recording stopped, member left)
        await host.send(live, pid, signalling.envelope("hub_answer", {"sdp": answer}, ref))


async def _farewell(port: Port, text: str, code: int, reason: bytes) -> None:
    """Say why, then close; a connection already going away is no error (it is leaving anyway)."""
    with contextlib.suppress(Exception):
        await port.send_str(text)
    with contextlib.suppress(Exception):
        await port.close(code=code, message=reason)


async def _note(host: RoomHost, live: LiveRoom, pid: int, text: str) -> None:
    member = live.room.require_admitted(pid)
    if not member.is_mediator:
        raise RoomError("not_allowed")
    at = now()
    async with host.db.write() as s:
        row = await service.save_note(
            s, live.session_id, live.mediator_user_id, text, live.room.room_of(pid), at
        )
    await host.send_kind(live, pid, "note", {"id": row.id, "text": text, "at": at.isoformat()})


async def end_session(host: RoomHost, live: LiveRoom, pid: int, outcome: str, note: str) -> None:
    """The mediator ends the session: the record kept, the referral told, recordings closed.
    Written first: if the database refuses, the room goes on as it was (it used to be ended in
    memory, recordings closed, while the database still said live)."""
    caucus = live.room.caucus
    live.room.end(pid)  # the mediator's to do; no one joins from here on
    outbox = Outbox()  # published once the peers are closed, not when the transaction commits
    try:
        async with host.db.write() as s:
            session = await s.get(MediationSession, live.session_id)
            mediator = await s.get(Participant, pid)
            assert session is not None and mediator is not None
            actor = _actor_of(session, mediator)
            await service.end(s, actor, session, outcome=outcome, note=note, now=now(), outbox=outbox)
    except BaseException:
        live.room.ended, live.room.caucus = False, caucus
        raise
    for other in list(live.peers):
        await host.close_peer(live, other)
    await outbox.send(host.events)
    await host.close_room(live, reason="ended")
    host.spawn(
        recordings.after_session(host.db, host.config, live.session_id), f"mediation-{live.session_id}-after"
    )


def _actor_of(session: MediationSession, mediator: Participant) -> Any:
    from hub.audit import Actor

    return Actor(user_id=mediator.user_id, agency_id=session.agency_id)
