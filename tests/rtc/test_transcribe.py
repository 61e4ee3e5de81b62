"""Transcription of one speaker's track: the real PocketSphinx engine (with the English model its
wheel ships) on speech that espeak-ng makes here, the null engine, the engine factory's refusals,
and transcription away from the event loop.

espeak-ng's default male voice is hard for PocketSphinx; its female variant ``f5`` is recognised
well, and these three phrases came back word for word at every rate tried (120-160 words/minute,
voices f2, f3, f5), so the test checks their key words only.
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import io
import multiprocessing
import os
import pickle
import shutil
import subprocess
import time
import wave
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import av
import pytest

from rtc.transcribe import (
    ENGINE_NAMES,
    NullEngine,
    PocketsphinxEngine,
    TranscriptionEngine,
    TranscriptPiece,
    engine_for,
    transcribe_off_loop,
)

RATE = 16000
VOICE = ("-v", "en-us+f5", "-s", "140")
PHRASES = (
    ("my name is john", {"name", "john"}),
    ("the agreement is signed", {"agreement", "signed"}),
    ("we have reached an agreement", {"reached", "agreement"}),
)
LEAD, GAP = 1.0, 2.0  # seconds of silence before the first phrase and between phrases
SLACK = 0.1  # seconds: VAD and frame rounding at a phrase's edges

needs_espeak = pytest.mark.skipif(
    shutil.which("espeak-ng") is None,
    reason="espeak-ng is not installed (scripts/system-deps.sh test installs it; CI must not skip this)",
)


@dataclass(frozen=True)
class Speech:
    path: Path
    windows: list[tuple[float, float]]  # where each phrase's audio lies in the file, seconds
    duration: float


def speak(text: str) -> bytes:
    """espeak-ng's voice (22,050 Hz) as the recorder writes it: 16 kHz mono 16-bit."""
    made = subprocess.run(["espeak-ng", *VOICE, "--stdout", text], capture_output=True, check=True).stdout
    pcm = []
    resampler = av.AudioResampler(format="s16", layout="mono", rate=RATE)
    with av.open(io.BytesIO(made), mode="r", format="wav") as container:
        for frame in [*container.decode(audio=0), None]:
            pcm += [bytes(out.planes[0])[: out.samples * 2] for out in resampler.resample(frame)]
    return b"".join(pcm)


def silence(seconds: float) -> bytes:
    return bytes(int(seconds * RATE) * 2)


def write_wav(path: Path, pcm: bytes, *, rate: int = RATE, channels: int = 1) -> Path:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm)
    return path


@pytest.fixture(scope="module")
def speech(tmp_path_factory: pytest.TempPathFactory) -> Speech:
    pcm, windows = silence(LEAD), []
    for text, _ in PHRASES:
        spoken = speak(text)
        start = len(pcm) / 2 / RATE
        windows.append((start, start + len(spoken) / 2 / RATE))
        pcm += spoken + silence(GAP)
    path = write_wav(tmp_path_factory.mktemp("speech") / "speaker.wav", pcm)
    return Speech(path, windows, len(pcm) / 2 / RATE)


@pytest.fixture(scope="module")
def engine() -> TranscriptionEngine:
    return engine_for("pocketsphinx", None)


def bundled_model() -> Path:
    return Path(importlib.import_module("pocketsphinx").get_model_path()) / "en-us"


def assert_heard(pieces: list[TranscriptPiece], speech: Speech) -> None:
    assert len(pieces) == len(PHRASES), pieces
    for piece, (text, key_words), (start, end) in zip(pieces, PHRASES, speech.windows, strict=True):
        assert key_words <= set(piece.text.split()), f"{text!r} was heard as {piece.text!r}"
        assert start - SLACK <= piece.start < piece.end <= end + SLACK, (piece, start, end)
        assert 0 <= piece.start and piece.end <= speech.duration


@needs_espeak
def test_the_real_engine_hears_each_phrase_with_its_time(speech: Speech, engine: TranscriptionEngine) -> None:
    assert engine.name == "pocketsphinx" and engine.available()
    assert_heard(engine.transcribe(speech.path), speech)


@needs_espeak
@pytest.mark.slow
def test_a_file_reads_the_same_whichever_file_came_before(
    speech: Speech, engine: TranscriptionEngine
) -> None:
    first = engine.transcribe(speech.path)
    engine.transcribe(
        write_wav(speech.path.with_name("other.wav"), speak("yes") + silence(1) + speak("i agree"))
    )
    assert engine.transcribe(speech.path) == first


def test_silence_gives_no_text(tmp_path: Path, engine: TranscriptionEngine) -> None:
    assert engine.transcribe(write_wav(tmp_path / "quiet.wav", silence(3.0))) == []


def test_a_track_in_another_format_is_refused_by_name(tmp_path: Path, engine: TranscriptionEngine) -> None:
    stereo = write_wav(tmp_path / "stereo.wav", silence(1.0) * 2, channels=2)
    with pytest.raises(ValueError, match=r"stereo\.wav' is 2 channel\(s\), 16-bit, 16000 Hz"):
        engine.transcribe(stereo)
    narrow = write_wav(tmp_path / "narrow.wav", silence(1.0), rate=8000)
    with pytest.raises(ValueError, match="8000 Hz; the model needs mono 16-bit at 16000 Hz"):
        engine.transcribe(narrow)
    (tmp_path / "junk.wav").write_bytes(b"not a wav file at all")
    with pytest.raises(ValueError, match="is not a PCM WAV file"):
        engine.transcribe(tmp_path / "junk.wav")


@needs_espeak
def test_an_operator_model_directory_is_found_by_its_files(speech: Speech) -> None:
    # The wheel's model folder has the layout of CMU Sphinx model archives: an acoustic model
    # folder, a dictionary, a word language model and a phonetic one (which must be skipped).
    model = bundled_model()
    assert {p.name for p in model.iterdir()} >= {
        "en-us",
        "cmudict-en-us.dict",
        "en-us.lm.bin",
        "en-us-phone.lm.bin",
    }
    engine = engine_for("pocketsphinx", model)
    assert isinstance(engine, PocketsphinxEngine) and engine.model_path == model and engine.available()
    assert engine is not engine_for("pocketsphinx", None)
    assert_heard(engine.transcribe(speech.path), speech)


def test_a_model_directory_that_is_not_one_is_refused_naming_what_is_missing(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="model directory '.*nowhere' does not exist"):
        engine_for("pocketsphinx", tmp_path / "nowhere")
    with pytest.raises(ValueError, match=r"exactly one acoustic model folder \(with mdef\).*found: none"):
        engine_for("pocketsphinx", tmp_path)
    (tmp_path / "am").mkdir()
    (tmp_path / "am" / "mdef").write_text("")
    for name in ("a.dict", "b.dict", "words.lm.bin"):
        (tmp_path / name).write_text("")
    with pytest.raises(ValueError, match=r"exactly one dictionary \(\*\.dict\).*found: a\.dict, b\.dict"):
        engine_for("pocketsphinx", tmp_path)
    assert not PocketsphinxEngine(tmp_path).available()


def test_an_unknown_engine_is_refused_with_the_choices() -> None:
    assert ENGINE_NAMES == ("none", "pocketsphinx", "vosk", "whisper")
    with pytest.raises(
        ValueError,
        match="unknown transcription engine 'sphinx'; choose one of: none, pocketsphinx, vosk, whisper",
    ):
        engine_for("sphinx", None)


def test_vosk_needs_its_package_and_a_model_directory(tmp_path: Path) -> None:
    if importlib.util.find_spec("vosk") is None:
        with pytest.raises(ValueError, match=r"needs the Python package 'vosk': pip install vosk==0\.3\.45"):
            engine_for("vosk", tmp_path)
        return
    with pytest.raises(ValueError, match="needs a model directory"):
        engine_for("vosk", None)
    with pytest.raises(ValueError, match="does not look like a Vosk model"):
        engine_for("vosk", tmp_path)


async def test_the_null_engine_writes_nothing_down(tmp_path: Path) -> None:
    engine = engine_for("none", None)
    assert isinstance(engine, NullEngine) and engine.available()
    track = write_wav(tmp_path / "track.wav", silence(1.0))
    assert engine.transcribe(track) == []
    assert await transcribe_off_loop(engine, track) == []


def test_an_engine_is_one_per_process_and_model(engine: TranscriptionEngine) -> None:
    assert engine_for("pocketsphinx", None) is engine
    # what a worker process receives: the engine by name, so it loads its model once
    assert pickle.loads(pickle.dumps(engine)) is engine


def test_a_piece_ends_after_it_starts() -> None:
    with pytest.raises(ValueError, match="0 <= start <= end"):
        TranscriptPiece(2.0, 1.0, "backwards")


@needs_espeak
@pytest.mark.slow
async def test_transcription_off_the_loop_keeps_the_loop_ticking(
    tmp_path: Path, engine: TranscriptionEngine
) -> None:
    # One long utterance (no pauses): PocketSphinx decodes it in one call holding the GIL, so in a
    # thread of this process the loop below stalled for over 2 s (measured); in a process, ~20 ms.
    talk = write_wav(tmp_path / "talk.wav", silence(0.5) + b"".join(speak(text) for text, _ in PHRASES) * 3)
    ticks: list[float] = []

    async def tick() -> None:
        while True:
            ticks.append(time.monotonic())
            await asyncio.sleep(0.01)

    ticker = asyncio.create_task(tick())
    try:
        pieces = await transcribe_off_loop(engine, talk)
    finally:
        ticker.cancel()
    assert "agreement" in " ".join(piece.text for piece in pieces)
    assert len(ticks) > 20
    assert max(b - a for a, b in zip(ticks, ticks[1:], strict=False)) < 0.5


@needs_espeak
@pytest.mark.slow
async def test_a_process_pool_given_by_the_caller_is_used(
    speech: Speech, engine: TranscriptionEngine
) -> None:
    pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
    try:
        for _ in range(2):
            assert_heard(await transcribe_off_loop(engine, speech.path, pool), speech)
    finally:
        await asyncio.to_thread(pool.shutdown)


@pytest.mark.slow
async def test_an_error_in_the_worker_reaches_the_caller(tmp_path: Path, engine: TranscriptionEngine) -> None:
    stereo = write_wav(tmp_path / "stereo.wav", silence(1.0) * 2, channels=2)
    with pytest.raises(ValueError, match="2 channel"):
        await transcribe_off_loop(engine, stereo)


@needs_espeak
@pytest.mark.slow
async def test_cancelling_kills_the_worker(
    tmp_path: Path, speech: Speech, engine: TranscriptionEngine
) -> None:
    with wave.open(str(speech.path)) as track:
        pcm = track.readframes(track.getnframes())
    long_track = write_wav(tmp_path / "long.wav", pcm * 20)  # about four minutes
    task = asyncio.create_task(transcribe_off_loop(engine, long_track))
    await asyncio.sleep(1.0)
    started = time.monotonic()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert time.monotonic() - started < 2.0
    assert multiprocessing.active_children() == []
    early = asyncio.create_task(transcribe_off_loop(engine, long_track))
    await asyncio.sleep(0)  # while the worker is being started
    early.cancel()
    with pytest.raises(asyncio.CancelledError):
        await early
    assert multiprocessing.active_children() == []


class NicenessEngine:
    """Writes down the priority it runs at (a worker process imports it from this module)."""

    name = "niceness"

    def available(self) -> bool:
        return True

    def transcribe(self, wav_path: Path) -> list[TranscriptPiece]:
        return [TranscriptPiece(0.0, 0.0, str(os.nice(0)))]


@pytest.mark.slow
async def test_the_worker_gives_way_to_the_live_rooms(tmp_path: Path) -> None:
    (piece,) = await transcribe_off_loop(NicenessEngine(), write_wav(tmp_path / "t.wav", silence(0.1)))
    assert int(piece.text) == min(19, os.nice(0) + 10)


def test_the_config_offers_exactly_the_engines_there_are() -> None:
    from hub.config import TRANSCRIBE_ENGINES
    from rtc.transcribe import ENGINE_NAMES

    assert set(TRANSCRIBE_ENGINES) == set(ENGINE_NAMES)
