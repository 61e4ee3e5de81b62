"""The demo's video mediation: an upcoming session to try, and a finished one whose recordings,
speaking segments and minutes were made by the hub's own recorder, voice detection and drafting."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import select

from hub.db import Database
from hub.demo import run_demo
from hub.migrate import upgrade_async
from hub.orm import utcnow
from rtc.demo_session import CAUCUS, MAIN_1, MAIN_2
from rtc.models import MediationMinutes, MediationSession, Participant, Recording, SpeechSegment

pytestmark = pytest.mark.slow


async def test_the_demo_holds_a_finished_session_with_its_record_and_an_upcoming_one(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}"
    await upgrade_async(url)
    db = Database(url)
    try:
        await run_demo(db, utcnow(), tmp_path)
        async with db.read() as s:
            sessions = (await s.scalars(select(MediationSession))).all()
            ended = next(x for x in sessions if x.status == "ended")
            assert any(x.status == "scheduled" for x in sessions)
            people = {
                p.id: p
                for p in (
                    await s.scalars(select(Participant).where(Participant.session_id == ended.id))
                ).all()
            }
            recordings = (await s.scalars(select(Recording).where(Recording.session_id == ended.id))).all()
            speech = (
                await s.scalars(select(SpeechSegment).where(SpeechSegment.session_id == ended.id))
            ).all()
            minutes = await s.scalar(select(MediationMinutes).where(MediationMinutes.session_id == ended.id))
    finally:
        await db.dispose()
    for row in recordings:
        path = tmp_path / row.path
        assert hashlib.sha256(path.read_bytes()).hexdigest() == row.sha256
    assert {r.room for r in recordings} == {"main", "caucus-1"}
    # Speaking time in the main room, as detected, against the script the audio was made from.
    role_key = {p.id: ("m" if p.role == "mediator" else None) for p in people.values()}
    parties = sorted((p for p in people.values() if p.role == "party"), key=lambda p: p.id)
    role_key.update({parties[0].id: "a", parties[1].id: "b"})
    for pid, key in role_key.items():
        truth = sum(t.seconds for t in MAIN_1 + MAIN_2 if t.who == key)
        found = sum(
            (x.end_at - x.start_at).total_seconds()
            for x in speech
            if x.participant_id == pid and x.room == "main"
        )
        assert abs(found - truth) < 1.5, (key, found, truth)
    caucus_truth = sum(t.seconds for t in CAUCUS if t.who == "a")
    caucus_found = sum(
        (x.end_at - x.start_at).total_seconds()
        for x in speech
        if x.participant_id == parties[0].id and x.room == "caucus-1"
    )
    assert abs(caucus_found - caucus_truth) < 1.0
    assert minutes is not None and minutes.status == "draft"
    text = str(minutes.content)
    assert parties[0].display_name in text and "背对背" in text
