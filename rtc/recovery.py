"""After a crash: recordings that were being written when the process died (kill -9, power loss)
are on disk, readable up to their last second, but not in the database. At start-up each one is
repaired (Ogg Opus: cut after its last whole page; WAV, as older recordings were: header sizes
from the file's length), hashed, searched for speech (decoded, offline), and registered with
``recovered`` set. Its start is taken as the file's last write minus its length: within a second
or so, since pages (WAV: the header and data) are flushed every second.
"""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from hub.db import Database
from rtc.models import MediationSession, Participant, Recording
from rtc.record_ogg import repair_ogg
from rtc.recorder import RecordingFile, repair_wav
from rtc.recordings import add_speech, relative
from rtc.vad import SpeechSegment as Found
from rtc.vad import segments_from_file

logger = logging.getLogger(__name__)
NAME = re.compile(r"^p(?P<pid>\d+)-(?P<n>\d+)-(?P<room>main|caucus-\d+)\.(?:ogg|wav)$")


def _repair(path: Path) -> tuple[RecordingFile, list[Found], datetime]:
    """Blocking: repair, find speech, and date the file."""
    file = repair_ogg(path) if path.suffix == ".ogg" else repair_wav(path)
    speech = segments_from_file(path)
    ended = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    return file, speech, ended


async def recover(db: Database, data_dir: Path) -> int:
    """Register every recording file the database does not know; returns how many."""
    root = data_dir / "recordings"
    if not root.is_dir():
        return 0
    async with db.read() as s:
        known = set((await s.scalars(select(Recording.path))).all())
    found = 0
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and p.name.isdigit()):
        for path in sorted(folder.glob("p*.*")):
            match = NAME.match(path.name)
            if match is None or relative(path, data_dir) in known:
                continue
            try:
                found += await _register(
                    db, data_dir, int(folder.name), int(match["pid"]), match["room"], path
                )
            except Exception:
                logger.exception("could not recover a recording", extra={"path": str(path)})
    if found:
        logger.warning("recovered recordings left by a crash", extra={"count": found})
    return found


async def _register(db: Database, data_dir: Path, session_id: int, pid: int, room: str, path: Path) -> int:
    async with db.read() as s:
        participant = await s.get(Participant, pid)
        if (
            participant is None
            or participant.session_id != session_id
            or await s.get(MediationSession, session_id) is None
        ):
            return 0
    file, speech, ended = await asyncio.to_thread(_repair, path)
    started = ended - timedelta(seconds=file.duration_seconds)
    async with db.write() as s:
        row = Recording(
            session_id=session_id,
            participant_id=pid,
            room=room,
            path=relative(path, data_dir),
            started_at=started,
            ended_at=ended,
            duration_seconds=file.duration_seconds,
            sha256=file.sha256,
            size=file.size,
            recovered=True,
        )
        s.add(row)
        await s.flush()
        add_speech(s, row, speech)
    return 1
