"""What runs after a session ends: transcribe its recordings (when an engine is configured) and
draft its minutes. Started by the room host in the background (``recordings.after_session``), and
safe to run again: a recording already transcribed by the engine is skipped, a recording
transcribed anew replaces its rows, and drafting again an unchanged record changes nothing.

Transcription runs away from the event loop (``rtc.transcribe.transcribe_off_loop``: another
process per file, or the executor given). Each recording's rows are written in a short
transaction of their own, so an hour of audio never holds the database; with them goes a timeline
row that says how far the run has got (``rtc.transcribe_progress`` reads them back for a page).
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import Executor
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub import audit
from hub.config import Config
from hub.db import Database
from hub.orm import utcnow
from rtc import transcribe_progress as progress
from rtc.minutes import service as minutes_service
from rtc.models import MediationSession, Recording, SessionEvent, TranscriptSegment

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
        # Off the loop: the whisper engine puts its model together on first use (150 MB to copy).
        engine = await asyncio.to_thread(
            engines.engine_for,
            name,
            getattr(config, "transcribe_model", None),
            cache_dir=config.data_dir / "models",
        )
    except ValueError as refusal:
        logger.exception("transcription engine unusable", extra={"session_id": session_id, "engine": name})
        async with db.write() as s:
            _step(s, session_id, progress.UNAVAILABLE, None, {"engine": name, "reason": str(refusal)})
        return 0
    todo = await _not_transcribed(db, session_id, name)
    if not todo:
        return 0
    run: dict[str, Any] = {
        "engine": name,
        "recordings": len(todo),
        "seconds": round(sum(r.duration_seconds for r in todo), 1),
        "done": 0,
        "seconds_done": 0.0,
    }
    async with db.write() as s:
        _step(s, session_id, progress.STARTED, None, run)
    written = 0
    root = config.data_dir.resolve()
    for row in todo:
        run["done"] += 1
        run["seconds_done"] = round(run["seconds_done"] + row.duration_seconds, 1)
        path = (config.data_dir / row.path).resolve()
        if not path.is_relative_to(root) or not path.is_file():
            logger.warning("recording file missing", extra={"session_id": session_id, "recording": row.id})
            async with db.write() as s:
                _step(s, session_id, progress.GIVEN_UP, row, run | {"reason": "missing"})
            continue
        try:
            pieces = await engines.transcribe_off_loop(engine, path, executor)
        except Exception:  # one unreadable track must not stop the others, nor the minutes
            logger.exception("transcription failed", extra={"session_id": session_id, "recording": row.id})
            async with db.write() as s:
                _step(s, session_id, progress.GIVEN_UP, row, run | {"reason": "failed"})
            continue
        texts = [(piece, piece.text.strip()) for piece in pieces if piece.text.strip()]
        async with db.write() as s:
            await s.execute(
                delete(TranscriptSegment).where(
                    TranscriptSegment.recording_id == row.id, TranscriptSegment.engine == name
                )
            )
            for piece, text in texts:
                s.add(
                    TranscriptSegment(
                        session_id=session_id,
                        recording_id=row.id,
                        participant_id=row.participant_id,
                        room=row.room,
                        start_at=row.started_at + timedelta(seconds=piece.start),
                        end_at=row.started_at + timedelta(seconds=piece.end),
                        text=text,
                        engine=name,
                    )
                )
            _step(s, session_id, progress.DONE, row, run | {"pieces": len(texts)})
        written += len(texts)
    return written


async def _not_transcribed(db: Database, session_id: int, engine: str) -> list[Recording]:
    """The session's audio recordings that the engine has not transcribed: none of its text, and
    no row saying it was done (a track with nothing said in it gives no text)."""
    async with db.read() as s:
        rows = await s.scalars(
            select(Recording)
            .where(Recording.session_id == session_id, Recording.kind == "audio")
            .order_by(Recording.id)
        )
        with_text = await s.scalars(
            select(TranscriptSegment.recording_id).where(
                TranscriptSegment.session_id == session_id, TranscriptSegment.engine == engine
            )
        )
        steps = await s.scalars(
            select(SessionEvent.data).where(
                SessionEvent.session_id == session_id, SessionEvent.kind == progress.DONE
            )
        )
        done = set(with_text.all()) | {
            step.get("recording_id") for step in steps.all() if step and step.get("engine") == engine
        }
        return [row for row in rows.all() if row.id not in done]


def _step(
    s: AsyncSession, session_id: int, kind: str, recording: Recording | None, data: dict[str, Any]
) -> None:
    """A timeline row saying how far transcription has got (see ``rtc.transcribe_progress``); the
    recording's speaker is its participant."""
    if recording is not None:
        data = data | {
            "recording_id": recording.id,
            "recording_seconds": round(recording.duration_seconds, 1),
        }
    s.add(
        SessionEvent(
            session_id=session_id,
            participant_id=recording.participant_id if recording is not None else None,
            at=utcnow(),
            kind=kind,
            data=data,
        )
    )


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
