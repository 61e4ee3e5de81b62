"""What runs after a session ends: transcribe its recordings (when an engine is configured) and
draft its minutes. Started by the room host in the background (``recordings.after_session``), and
safe to run again: a recording already transcribed by the engine is skipped, a recording
transcribed anew replaces its rows, and drafting again an unchanged record changes nothing.

Transcription runs away from the event loop (``rtc.transcribe.transcribe_off_loop``: another
process per file, or the executor given). Each recording's rows are written in a short
transaction of their own, so an hour of audio never holds the database.
"""

from __future__ import annotations

import logging
from concurrent.futures import Executor
from datetime import timedelta

from sqlalchemy import delete, select

from hub import audit
from hub.config import Config
from hub.db import Database
from hub.orm import utcnow
from rtc.minutes import service as minutes_service
from rtc.models import MediationSession, Recording, TranscriptSegment

logger = logging.getLogger(__name__)


async def run(db: Database, config: Config, session_id: int, *, executor: Executor | None = None) -> None:
    await transcribe(db, config, session_id, executor=executor)
    await draft_minutes(db, config, session_id)


async def transcribe(
    db: Database, config: Config, session_id: int, *, executor: Executor | None = None
) -> int:
    """Transcribe the session's audio recordings not yet transcribed by the configured engine.
    Returns how many transcript rows were written."""
    name = getattr(config, "transcribe_engine", "none")
    if name == "none":
        return 0
    # Imported here: the engines' module is only needed when an operator configured one.
    from rtc import transcribe as engines

    try:
        engine = engines.engine_for(name, getattr(config, "transcribe_model", None))
    except ValueError:
        logger.exception("transcription engine unusable", extra={"session_id": session_id, "engine": name})
        return 0
    async with db.read() as s:
        rows = list(
            (
                await s.scalars(
                    select(Recording)
                    .where(Recording.session_id == session_id, Recording.kind == "audio")
                    .order_by(Recording.id)
                )
            ).all()
        )
        done = set(
            (
                await s.scalars(
                    select(TranscriptSegment.recording_id).where(
                        TranscriptSegment.session_id == session_id, TranscriptSegment.engine == name
                    )
                )
            ).all()
        )
    written = 0
    root = config.data_dir.resolve()
    for row in rows:
        if row.id in done:
            continue
        path = (config.data_dir / row.path).resolve()
        if not path.is_relative_to(root) or not path.is_file():
            logger.warning("recording file missing", extra={"session_id": session_id, "recording": row.id})
            continue
        try:
            pieces = await engines.transcribe_off_loop(engine, path, executor)
        except Exception:  # one unreadable track must not stop the others, nor the minutes
            logger.exception("transcription failed", extra={"session_id": session_id, "recording": row.id})
            continue
        async with db.write() as s:
            await s.execute(
                delete(TranscriptSegment).where(
                    TranscriptSegment.recording_id == row.id, TranscriptSegment.engine == name
                )
            )
            for piece in pieces:
                if not piece.text.strip():
                    continue
                s.add(
                    TranscriptSegment(
                        session_id=session_id,
                        recording_id=row.id,
                        participant_id=row.participant_id,
                        room=row.room,
                        start_at=row.started_at + timedelta(seconds=piece.start),
                        end_at=row.started_at + timedelta(seconds=piece.end),
                        text=piece.text.strip(),
                        engine=name,
                    )
                )
                written += 1
    return written


async def draft_minutes(db: Database, config: Config, session_id: int) -> None:
    """Draft the minutes of an ended session; minutes already circulated or confirmed stay as
    they are (the mediator redrafts them on purpose, from the minutes page)."""
    async with db.write() as s:
        session = await s.get(MediationSession, session_id)
        if session is None or session.status != "ended":
            return
        existing = await minutes_service.get(s, session_id)
        if existing is not None and existing.status != "draft":
            return
        actor = audit.Actor(user_id=None, agency_id=session.agency_id)
        await minutes_service.draft(s, actor, session, now=utcnow(), zone=config.time_zone)
