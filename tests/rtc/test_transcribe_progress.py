"""How far transcription has got, as a page would show it, read from the timeline rows that the
after-session work writes (what it writes is tested with the whisper engine, in
test_transcribe_whisper.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from rtc.transcribe_progress import (
    DONE,
    GIVEN_UP,
    STARTED,
    UNAVAILABLE,
    Step,
    TranscriptionProgress,
    summarise,
)

T0 = datetime(2026, 12, 6, 8, 0, tzinfo=UTC)


def step(minute: int, kind: str, **data: Any) -> Step:
    return Step(kind, T0 + timedelta(minutes=minute), {"engine": "whisper", **data})


START = step(0, STARTED, recordings=3, seconds=600.0, done=0, seconds_done=0.0)


def test_nothing_to_show_when_transcription_never_ran() -> None:
    assert summarise([]) is None
    assert summarise([step(0, DONE, done=1, seconds_done=1.0)]) is None  # a row without its run


def test_a_run_under_way_counts_its_recordings_and_weighs_them_by_length() -> None:
    now = summarise([START, step(2, DONE, done=1, seconds_done=450.0)])
    assert now == TranscriptionProgress(
        "whisper", "running", START.at, T0 + timedelta(minutes=2), 3, 1, 0, 600.0, 450.0
    )
    assert now is not None and now.fraction == 0.75
    assert summarise([START]) == TranscriptionProgress(
        "whisper", "running", START.at, START.at, 3, 0, 0, 600.0
    )


def test_a_run_is_finished_when_every_recording_is_done_or_given_up() -> None:
    rows = [
        START,
        step(1, DONE, done=1, seconds_done=100.0),
        step(1, GIVEN_UP, done=2, seconds_done=300.0, reason="missing"),
        step(3, DONE, done=3, seconds_done=600.0),
    ]
    done = summarise(rows)
    assert done is not None and (done.state, done.done, done.failed, done.fraction) == ("finished", 3, 1, 1.0)
    assert done.updated_at == T0 + timedelta(minutes=3)


def test_the_latest_run_is_the_one_shown() -> None:
    again = step(10, STARTED, recordings=1, seconds=0.0, done=0, seconds_done=0.0)
    now = summarise([START, step(1, DONE, done=1, seconds_done=100.0), again])
    assert now is not None and (now.state, now.recordings, now.done, now.fraction) == ("running", 1, 0, 0.0)
    assert now.started_at == again.at
    refused = summarise([START, step(11, UNAVAILABLE, reason="the whisper engine needs ...")])
    assert refused is not None and (refused.state, refused.fraction) == ("unavailable", 0.0)
    assert refused.reason.startswith("the whisper engine needs")


@pytest.mark.parametrize(
    ("recordings", "done", "failed"),
    [(1, 2, 0), (2, 1, 2), (1, 0, -1)],
)
def test_progress_that_cannot_be_is_refused(recordings: int, done: int, failed: int) -> None:
    with pytest.raises(ValueError, match="failed <= done <= recordings"):
        TranscriptionProgress("whisper", "running", T0, T0, recordings, done, failed)
