"""A recording cut off by a crash (header never updated) is repaired and registered at start-up."""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from hub.config import Config
from hub.db import Database
from rtc.models import Recording, SpeechSegment
from rtc.record_ogg import OggOpusWriter, opus_samples
from rtc.recorder import wav_header
from rtc.recovery import recover
from tests.referrals.helpers import Person
from tests.rtc.audio import Span, opus_packets, pattern_pcm
from tests.rtc.helpers import case_in_mediation, schedule


async def test_a_file_left_by_a_crash_is_repaired_and_registered_once(
    client, db: Database, config: Config
) -> None:
    case = await case_in_mediation(db)
    mediator = await Person.login(client, case.mediator_username)
    session = await schedule(mediator, case.case_id)
    pid = session["participants"][1]["id"]
    folder = config.data_dir / "recordings" / str(session["id"])
    folder.mkdir(parents=True)
    path = folder / f"p{pid}-01-main.wav"
    pcm = pattern_pcm([Span(0, 1.0, False), Span(1.0, 2.5, True), Span(2.5, 3.0, False)])
    path.write_bytes(wav_header(0) + pcm)  # the header still says "no data": the process died

    assert await recover(db, config.data_dir) == 1
    assert await recover(db, config.data_dir) == 0  # only once
    async with db.read() as s:
        row = await s.scalar(select(Recording).where(Recording.session_id == session["id"]))
        assert row is not None and row.recovered and row.room == "main" and row.participant_id == pid
        speech = (await s.scalars(select(SpeechSegment).where(SpeechSegment.recording_id == row.id))).all()
    assert abs(row.duration_seconds - 3.0) < 0.05
    assert row.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert len(speech) == 1
    start = (speech[0].start_at - row.started_at).total_seconds()
    end = (speech[0].end_at - row.started_at).total_seconds()
    assert abs(start - 1.0) < 0.2 and abs(end - 2.5) < 0.2


async def test_an_ogg_file_left_by_a_crash_is_cut_after_its_last_page_and_registered(
    client, db: Database, config: Config
) -> None:
    case = await case_in_mediation(db)
    mediator = await Person.login(client, case.mediator_username)
    session = await schedule(mediator, case.case_id)
    pid = session["participants"][1]["id"]
    folder = config.data_dir / "recordings" / str(session["id"])
    folder.mkdir(parents=True)
    path = folder / f"p{pid}-01-main.ogg"
    pcm = pattern_pcm([Span(0, 1.0, False), Span(1.0, 2.5, True), Span(2.5, 3.0, False)])
    now = [0.0]
    writer = OggOpusWriter(folder / "whole.ogg", clock=lambda: now[0])  # a page a second
    for n, packet in enumerate(opus_packets(pcm)):
        now[0] = n * 0.02
        writer.write(packet, opus_samples(packet))
    whole = writer.close().path.read_bytes()
    path.write_bytes(whole[:-5])  # the process died in the middle of its last page
    (folder / "whole.ogg").unlink()

    assert await recover(db, config.data_dir) == 1
    async with db.read() as s:
        row = await s.scalar(select(Recording).where(Recording.session_id == session["id"]))
        assert row is not None and row.recovered and row.path.endswith(".ogg")
        speech = (await s.scalars(select(SpeechSegment).where(SpeechSegment.recording_id == row.id))).all()
    assert 2.0 <= row.duration_seconds <= 3.02 and row.size == len(path.read_bytes()) < len(whole)
    assert len(speech) == 1  # found in the decoded file
    assert abs((speech[0].start_at - row.started_at).total_seconds() - 1.0) < 0.2
