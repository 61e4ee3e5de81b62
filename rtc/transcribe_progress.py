"""How far the after-session transcription of a session has got, read from its timeline.

The after-session work (``rtc.aftercare``) writes timeline rows as it goes, each in the same
transaction as what it reports:

- ``transcription_started``: the engine and what it has to do (``recordings``, ``seconds`` of audio);
- ``recording_transcribed`` (the recording's speaker as participant): one recording done, with its
  ``seconds`` and the number of ``pieces`` of text written;
- ``recording_not_transcribed``: one recording given up (``reason``: ``failed``, ``missing``);
- ``transcription_unavailable``: the engine could not run at all (``reason``: its refusal).

Every row of a run also carries the running totals (``done``, ``recordings``, ``seconds_done``,
``seconds``), so the newest row alone says where the run is. ``summarise`` turns the rows into a
``TranscriptionProgress`` for a page to show; ``progress`` reads them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from rtc.models import SessionEvent

STARTED = "transcription_started"
DONE = "recording_transcribed"
GIVEN_UP = "recording_not_transcribed"
UNAVAILABLE = "transcription_unavailable"
KINDS = (STARTED, DONE, GIVEN_UP, UNAVAILABLE)


@dataclass(frozen=True)
class Step:
    """One timeline row of the transcription, as read back."""

    kind: str
    at: datetime
    data: dict[str, Any]


@dataclass(frozen=True)
class TranscriptionProgress:
    engine: str
    state: Literal["running", "finished", "unavailable"]
    started_at: datetime
    updated_at: datetime
    recordings: int = 0  # to transcribe in this run
    done: int = 0  # transcribed or given up
    failed: int = 0  # given up
    seconds: float = 0.0  # of audio in this run
    seconds_done: float = 0.0
    reason: str = ""  # why the engine could not run

    def __post_init__(self) -> None:
        if not 0 <= self.failed <= self.done <= self.recordings:
            raise ValueError(f"progress needs 0 <= failed <= done <= recordings, got {self}")

    @property
    def fraction(self) -> float:
        """Share of the work done, by seconds of audio (by recordings when they have no length)."""
        if self.state != "running":
            return 1.0 if self.state == "finished" else 0.0
        if self.seconds > 0:
            return min(1.0, self.seconds_done / self.seconds)
        return self.done / self.recordings if self.recordings else 1.0


def summarise(steps: Iterable[Step]) -> TranscriptionProgress | None:
    """Where the latest run stands (earlier runs are history); None when none ever ran."""
    run: list[Step] = []
    for step in steps:
        if step.kind in (STARTED, UNAVAILABLE):
            run = [step]
        elif step.kind in (DONE, GIVEN_UP) and run and run[0].kind == STARTED:
            run.append(step)
    if not run:
        return None
    first, last = run[0], run[-1]
    engine = str(first.data.get("engine", ""))
    if first.kind == UNAVAILABLE:
        return TranscriptionProgress(
            engine, "unavailable", first.at, first.at, reason=str(first.data.get("reason", ""))
        )
    recordings = int(first.data.get("recordings", 0))
    done = min(len(run) - 1, recordings)
    return TranscriptionProgress(
        engine,
        "finished" if done >= recordings else "running",
        first.at,
        last.at,
        recordings=recordings,
        done=done,
        failed=min(sum(1 for step in run if step.kind == GIVEN_UP), done),
        seconds=float(first.data.get("seconds", 0.0)),
        seconds_done=float(last.data.get("seconds_done", 0.0)),
    )


async def progress(s: AsyncSession, session_id: int) -> TranscriptionProgress | None:
    rows = await s.scalars(
        select(SessionEvent)
        .where(SessionEvent.session_id == session_id, SessionEvent.kind.in_(KINDS))
        .order_by(SessionEvent.id)
    )
    return summarise(Step(row.kind, row.at, dict(row.data or {})) for row in rows)
