"""The session's record as it happens: timeline rows, recordings with their speaking segments, and
what runs after the session ends (transcription, the minutes draft).

The live room calls these with short write transactions of their own, so a slow disk or a busy
database delays a line of the record, never the room's signalling.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub import audit
from hub.config import Config
from hub.db import Database
from rtc import aftercare
from rtc.models import MediationSession, Participant, Recording, SessionEvent, SpeechSegment
from rtc.vad import SpeechSegment as Found

if TYPE_CHECKING:
    from rtc.peer import SegmentRecord

logger = logging.getLogger(__name__)


def actor_for(session: MediationSession) -> audit.Actor:
    return audit.Actor(user_id=session.mediator_id, agency_id=session.agency_id)


async def timeline(
    db: Database,
    session_id: int,
    kind: str,
    at: datetime,
    participant_id: int | None = None,
    *,
    room: str = "main",
    **data: Any,
) -> None:
    async with db.write() as s:
        s.add(
            SessionEvent(
                session_id=session_id, participant_id=participant_id, at=at, kind=kind, room=room, data=data
            )
        )


async def arrived(db: Database, session_id: int, pid: int, consent: str, state: str, at: datetime) -> None:
    """A socket said hello: consent is recorded (a refusal too), and whether they wait or are back in."""
    async with db.write() as s:
        participant = await s.get(Participant, pid)
        assert participant is not None
        first = participant.joined_at is None
        if participant.consent != consent:
            participant.consent = consent
            participant.consent_at = at
            kind = "consent_given" if consent == "given" else "consent_refused"
            s.add(SessionEvent(session_id=session_id, participant_id=pid, at=at, kind=kind))
        participant.joined_at = participant.joined_at or at
        kind = "joined" if first else "rejoined"
        s.add(
            SessionEvent(
                session_id=session_id, participant_id=pid, at=at, kind=kind, data={"state": str(state)}
            )
        )


async def admitted(db: Database, session_id: int, pid: int, at: datetime) -> None:
    async with db.write() as s:
        participant = await s.get(Participant, pid)
        assert participant is not None
        participant.admitted_at = participant.admitted_at or at
        s.add(SessionEvent(session_id=session_id, participant_id=pid, at=at, kind="admitted"))


async def removed(db: Database, session_id: int, pid: int, at: datetime) -> None:
    async with db.write() as s:
        participant = await s.get(Participant, pid)
        assert participant is not None
        participant.removed_at = at
        participant.access_hash = None
        s.add(SessionEvent(session_id=session_id, participant_id=pid, at=at, kind="removed"))


def relative(path: Path, data_dir: Path) -> str:
    try:
        return str(path.resolve().relative_to(data_dir.resolve()))
    except ValueError:
        return str(path)


async def save(db: Database, data_dir: Path, session_id: int, pid: int, record: SegmentRecord) -> int:
    """Register a closed recording file and its speaking segments; returns the recording's id."""
    async with db.write() as s:
        row = Recording(
            session_id=session_id,
            participant_id=pid,
            room=record.segment,
            path=relative(record.path, data_dir),
            started_at=record.started_at,
            ended_at=record.ended_at,
            duration_seconds=record.duration_seconds,
            sha256=record.sha256,
            size=record.size,
        )
        s.add(row)
        await s.flush()
        add_speech(s, row, record.speech)
        return row.id


def add_speech(s: AsyncSession, recording: Recording, pieces: Iterable[Found]) -> None:
    """The speaking segments of a registered recording, as wall-clock rows (offsets from its start)."""
    for piece in pieces:
        s.add(
            SpeechSegment(
                session_id=recording.session_id,
                recording_id=recording.id,
                participant_id=recording.participant_id,
                room=recording.room,
                start_at=recording.started_at + timedelta(seconds=piece.start),
                end_at=recording.started_at + timedelta(seconds=piece.end),
            )
        )


async def recordings_of(db: Database, session_id: int) -> list[Recording]:
    async with db.read() as s:
        rows = await s.scalars(
            select(Recording).where(Recording.session_id == session_id).order_by(Recording.id)
        )
        return list(rows.all())


async def after_session(db: Database, config: Config, session_id: int) -> None:
    """Transcribe the recordings (when an engine is set) and draft the minutes."""
    try:
        await aftercare.run(db, config, session_id)
    except Exception:
        logger.exception("after-session work failed", extra={"session_id": session_id})
