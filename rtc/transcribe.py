"""Transcription of recorded tracks: the plug-in interface, the null engine and the offline engines.

Each participant's audio is recorded to a WAV file of its own (16 kHz, mono, 16-bit), so every piece
of text an engine returns belongs to exactly one speaker: no diarisation, no guessing. Engines are
blocking and slow (seconds per minute of audio), so the hub calls them through
``transcribe_off_loop``, which runs them in another process.

- ``none`` (default): transcribes nothing.
- ``pocketsphinx``: CMU PocketSphinx. Its PyPI wheel ships a US English model, used when no model
  directory is given; an operator may point it at another PocketSphinx model (e.g. Mandarin).
  Tested on speech made by espeak-ng.
- ``vosk``: Kaldi models through Vosk, from a model directory the operator installs (e.g.
  vosk-model-small-cn-0.22 for Mandarin). Not tested in CI: no Vosk model is available here (see
  docs/transcription.md).
- ``whisper``: Whisper (multilingual base) through faster-whisper, in Simplified Chinese; its model
  comes in two wheels of the ``whisper`` extra and is put together under the data dir on first use
  (``rtc.transcribe_whisper``). Tested on natural synthetic Mandarin.
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import json
import logging
import multiprocessing
import os
import re
import threading
import wave
from concurrent.futures import Executor
from pathlib import Path
from typing import Any, Protocol

from rtc import transcribe_whisper
from rtc.transcript_audio import SAMPLE_RATE, TranscriptPiece, model_dir, read_track

logger = logging.getLogger(__name__)

__all__ = ["SAMPLE_RATE", "TranscriptPiece", "engine_for", "transcribe_off_loop"]

ENGINE_NAMES = ("none", "pocketsphinx", "vosk", "whisper")
_PACKAGES = {"pocketsphinx": "pocketsphinx==5.1.1", "vosk": "vosk==0.3.45"}
# PocketSphinx's voice activity detector, 0 (loose) to 3: at its default (1) a microphone's noise
# floor after speech keeps an utterance open for seconds, which are then decoded for nothing (4x the
# work on a track that is mostly silence); 2 ends it with the speech.
_VAD_MODE = 2
# A worker started for a file gives way to the live rooms, whose recording peers decode in real time.
_WORKER_NICENESS = 10


class TranscriptionEngine(Protocol):
    name: str

    def available(self) -> bool:
        """Whether the engine can run here (package importable, model present)."""
        ...

    def transcribe(self, wav_path: Path) -> list[TranscriptPiece]:
        """Blocking: the pieces of speech in one speaker's track, in order."""
        ...


class NullEngine:
    """The default: the hub records and segments speech, and nobody's words are written down."""

    name = "none"

    def available(self) -> bool:
        return True

    def transcribe(self, wav_path: Path) -> list[TranscriptPiece]:
        return []

    def __reduce__(self) -> tuple[Any, tuple[str, None]]:
        return (engine_for, ("none", None))


class PocketsphinxEngine:
    """PocketSphinx, one utterance per stretch of speech found by its voice activity detector.

    The decoder (about 40 MB with the bundled model) is loaded on first use and shared; it is not
    thread-safe, so files are decoded one at a time. PocketSphinx holds the GIL while it decodes:
    run it in another process (``transcribe_off_loop`` does), never in a thread of the hub.
    """

    name = "pocketsphinx"

    def __init__(self, model_path: Path | None = None) -> None:
        self.model_path = model_path
        self._lock = threading.Lock()
        self._decoder: Any = None

    def available(self) -> bool:
        try:
            _require_package(self.name)
            if self.model_path is not None:
                _pocketsphinx_files(self.model_path)
        except ValueError:
            return False
        return True

    def transcribe(self, wav_path: Path) -> list[TranscriptPiece]:
        ps = importlib.import_module("pocketsphinx")
        pieces: list[TranscriptPiece] = []
        with self._lock:
            decoder = self._load(ps)
            # Noise and cepstral-mean estimates adapt as utterances go by; a new file is a new
            # speaker and microphone, and must not depend on which file came before.
            decoder.reinit_feat()
            frame_rate = float(decoder.config["frate"])
            with read_track(wav_path, int(decoder.config["samprate"])) as track:
                segmenter = ps.Segmenter(sample_rate=track.getframerate(), vad_mode=_VAD_MODE)
                for speech in segmenter.segment(_PcmReader(track)):
                    decoder.start_utt()
                    decoder.process_raw(speech.pcm, full_utt=True)
                    decoder.end_utt()
                    words = [s for s in decoder.seg() if _is_word(s.word)]
                    if not words:
                        continue
                    text = _join(_ALTERNATE.sub("", s.word) for s in words)
                    start = speech.start_time + words[0].start_frame / frame_rate
                    # end_frame is inclusive
                    end = speech.start_time + (words[-1].end_frame + 1) / frame_rate
                    pieces.append(TranscriptPiece(round(start, 2), round(end, 2), text))
        return pieces

    def _load(self, ps: Any) -> Any:
        if self._decoder is None:
            files = {} if self.model_path is None else _pocketsphinx_files(self.model_path)
            self._decoder = ps.Decoder(loglevel="ERROR", **files)
            logger.info("pocketsphinx model loaded", extra={"model": str(self.model_path or "bundled en-us")})
        return self._decoder

    def __reduce__(self) -> tuple[Any, tuple[str, Path | None]]:
        # A worker process gets its own engine (and decoder) by name, not a copy of this one.
        return (engine_for, (self.name, self.model_path))


class VoskEngine:
    """Vosk (Kaldi) with an operator-installed model; Vosk finds utterance ends itself.

    Not tested in CI (no Vosk model can be had there); checked by hand with vosk 0.3.45.
    One model is shared by all calls (Vosk allows that); each file gets its own recogniser.
    """

    name = "vosk"

    def __init__(self, model_path: Path) -> None:
        self.model_path = model_path
        self._lock = threading.Lock()
        self._model: Any = None

    def available(self) -> bool:
        try:
            _require_package(self.name)
            _vosk_model_dir(self.model_path)
        except ValueError:
            return False
        return True

    def transcribe(self, wav_path: Path) -> list[TranscriptPiece]:
        vosk = importlib.import_module("vosk")
        with self._lock:
            if self._model is None:
                vosk.SetLogLevel(-1)
                self._model = vosk.Model(str(self.model_path))
        pieces: list[TranscriptPiece] = []
        with read_track(wav_path, SAMPLE_RATE) as track:
            recogniser = vosk.KaldiRecognizer(self._model, track.getframerate())
            recogniser.SetWords(True)
            while chunk := track.readframes(4000):
                if recogniser.AcceptWaveform(chunk):
                    pieces += _vosk_piece(recogniser.Result())
            pieces += _vosk_piece(recogniser.FinalResult())
        return pieces

    def __reduce__(self) -> tuple[Any, tuple[str, Path]]:
        return (engine_for, (self.name, self.model_path))


# Per process, not per app: a worker process receives engines through engine_for (see __reduce__),
# and must load a model once, not once per file.
_engines: dict[tuple[str, Path | None], TranscriptionEngine] = {}
_engines_lock = threading.Lock()


def engine_for(name: str, model_path: Path | None, *, cache_dir: Path | None = None) -> TranscriptionEngine:
    """The engine called ``name`` (one per name and model in a process, so a model loads once).

    ``cache_dir`` is where an engine may put together a model it ships in parts (whisper, when no
    model directory is given): blocking on first use, so call this off the event loop.

    Raises ValueError naming the problem: an unknown name, a package that is not installed, a model
    directory that is missing or does not look like one the engine reads.
    """
    if name not in ENGINE_NAMES:
        raise ValueError(f"unknown transcription engine {name!r}; choose one of: {', '.join(ENGINE_NAMES)}")
    if name == "whisper":
        with _engines_lock:
            whisper = transcribe_whisper.engine(model_path, cache_dir)
            return _engines.setdefault((name, whisper.model_path.resolve()), whisper)
    key = (name, model_path.resolve() if model_path is not None else None)
    with _engines_lock:
        if key in _engines:
            return _engines[key]
        engine: TranscriptionEngine
        if name == "none":
            engine = NullEngine()
        elif name == "pocketsphinx":
            _require_package(name)
            if model_path is not None:
                _pocketsphinx_files(model_path)
            engine = PocketsphinxEngine(model_path)
        else:
            _require_package(name)
            if model_path is None:
                raise ValueError("the vosk engine needs a model directory (GONGTIAO_TRANSCRIBE_MODEL)")
            _vosk_model_dir(model_path)
            engine = VoskEngine(model_path)
        _engines[key] = engine
        return engine


async def transcribe_off_loop(
    engine: TranscriptionEngine, wav_path: Path, executor: Executor | None = None
) -> list[TranscriptPiece]:
    """Run ``engine.transcribe`` away from the event loop.

    With an executor, in it (a long-lived ``ProcessPoolExecutor`` keeps the model loaded between
    files; a thread pool only suits engines that release the GIL, which PocketSphinx does not).
    Without one, in a process started for this file, at a lower priority than the hub's, and
    killed if the caller is cancelled, so a hub that shuts down does not wait for an hour of audio.
    """
    if isinstance(engine, NullEngine):
        return []
    loop = asyncio.get_running_loop()
    if executor is not None:
        return await loop.run_in_executor(executor, engine.transcribe, wav_path)
    # spawn, not fork: the hub has threads (the loop's executor, aiosqlite) that fork would copy mid-state
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    worker = context.Process(target=_transcribe_in_child, args=(engine, wav_path, sender), daemon=True)
    readable: asyncio.Future[None] = loop.create_future()
    loop.add_reader(receiver.fileno(), _settle, readable)
    starting = asyncio.ensure_future(asyncio.to_thread(worker.start))
    try:
        await asyncio.shield(starting)
        sender.close()
        await readable
        try:
            ok, outcome = receiver.recv()
        except EOFError:
            await asyncio.to_thread(worker.join)
            raise RuntimeError(f"the transcription worker died (exit code {worker.exitcode})") from None
    except asyncio.CancelledError:
        await starting  # a start under way finishes first, so that there is a worker to kill
        worker.kill()
        raise
    finally:
        loop.remove_reader(receiver.fileno())
        receiver.close()
        sender.close()
        if worker.pid is not None:
            await asyncio.to_thread(worker.join)
    if not ok:
        raise outcome
    return list(outcome)


def _settle(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


def _transcribe_in_child(engine: TranscriptionEngine, wav_path: Path, sender: Any) -> None:
    os.nice(_WORKER_NICENESS)
    try:
        outcome: tuple[bool, Any] = (True, engine.transcribe(wav_path))
    except Exception as error:  # handed to the parent, which raises it
        outcome = (False, error)
    sender.send(outcome)
    sender.close()


def _require_package(name: str) -> None:
    if importlib.util.find_spec(name) is None:
        raise ValueError(
            f"the {name} transcription engine needs the Python package {name!r}: "
            f"pip install {_PACKAGES[name]}"
        )


def _pocketsphinx_files(path: Path) -> dict[str, str]:
    """Acoustic model (the folder with ``mdef``), dictionary (``*.dict``/``*.dic``), language model.

    Matches the layout of CMU Sphinx model archives, e.g. ``cmusphinx-zh-cn-5.2``:
    ``zh_cn.cd_cont_5000/``, ``zh_cn.dic``, ``zh_cn.lm.bin``. Phonetic language models
    (``*-phone.lm.bin``, also shipped with the English model) are not word models and are skipped.
    """
    model_dir(path)
    acoustic = [d for d in (path, *sorted(p for p in path.iterdir() if p.is_dir())) if (d / "mdef").is_file()]
    dictionaries = sorted(p for p in path.iterdir() if p.is_file() and p.suffix in (".dict", ".dic"))
    models = sorted(
        p
        for p in path.iterdir()
        if p.is_file() and p.name.endswith((".lm", ".lm.bin", ".lm.DMP")) and "-phone." not in p.name
    )
    found = {"hmm": acoustic, "dict": dictionaries, "lm": models}
    what = {
        "hmm": "acoustic model folder (with mdef)",
        "dict": "dictionary (*.dict)",
        "lm": "language model (*.lm.bin)",
    }
    for key, paths in found.items():
        if len(paths) != 1:
            names = ", ".join(p.name for p in paths) or "none"
            raise ValueError(f"{str(path)!r} needs exactly one {what[key]} for pocketsphinx; found: {names}")
    return {key: str(paths[0]) for key, paths in found.items()}


def _vosk_model_dir(path: Path) -> Path:
    model_dir(path)
    if not (path / "am" / "final.mdl").is_file() or not (path / "conf").is_dir():
        raise ValueError(f"{str(path)!r} does not look like a Vosk model (no am/final.mdl and conf/)")
    return path


class _PcmReader:
    """A file-like view of the WAV's samples only (PocketSphinx's segmenter reads bytes)."""

    def __init__(self, track: wave.Wave_read) -> None:
        self._track = track

    def read(self, size: int) -> bytes:
        return self._track.readframes(size // 2)


_ALTERNATE = re.compile(r"\(\d+\)$")  # "the(2)": the dictionary's second pronunciation
# Chinese and Japanese are written without spaces between words (Korean is not)
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]")


def _is_word(token: str) -> bool:
    # <s>, </s>, <sil>, [NOISE], ++BREATH++: silences and fillers, not words
    return bool(token) and token[0] not in "<[+"


def _join(words: Any) -> str:
    """Words joined with spaces, except between Chinese characters (models split them into words)."""
    text = ""
    for word in words:
        if text and not (_CJK.match(text[-1]) and _CJK.match(word[0])):
            text += " "
        text += word
    return text


def _vosk_piece(result_json: str) -> list[TranscriptPiece]:
    words = [w for w in json.loads(result_json).get("result", []) if w.get("word") and _is_word(w["word"])]
    if not words:
        return []
    text = _join(w["word"] for w in words)
    return [TranscriptPiece(round(float(words[0]["start"]), 2), round(float(words[-1]["end"]), 2), text)]
