"""Speech-like audio made from nothing: a small source-filter vowel synthesiser (a glottal pulse
train through three formant resonators, the vowel changing every syllable) and a quiet noise
floor. webrtcvad calls it speech, so the demo's recordings and the tests' patterns go through the
same voice detection as real voices. Pure Python; 10 s of speech takes about 0.3 s.
"""

from __future__ import annotations

import array
import math
import random
from dataclasses import dataclass

RATE = 16000
FRAME_SAMPLES = 320  # 20 ms
SYLLABLE = 0.22
VOWELS = ((730, 1090, 2440), (270, 2290, 3010), (300, 870, 2240), (530, 1840, 2480), (570, 840, 2410))
BANDWIDTHS = (90, 110, 170)
PEAK = 9000


@dataclass(frozen=True)
class Span:
    start: float
    end: float
    speech: bool


def speech(seconds: float, seed: int = 1) -> array.array[int]:
    """A vowel-like voiced signal (16 kHz mono s16 samples)."""
    n = int(seconds * RATE)
    coefficients = []
    for vowel in VOWELS:
        per_vowel = []
        for freq, bw in zip(vowel, BANDWIDTHS, strict=True):
            r = math.exp(-math.pi * bw / RATE)
            c1 = 2 * r * math.cos(2 * math.pi * freq / RATE)
            c2 = -r * r
            per_vowel.append((c1, c2, 1 - c1 - c2))
        coefficients.append(per_vowel)
    state = [[0.0, 0.0] for _ in range(3)]
    out = array.array("h")
    phase = 0.0
    raw: list[float] = []
    for i in range(n):
        t = i / RATE
        f0 = 130 + 25 * math.sin(2 * math.pi * 0.7 * t + seed) + 8 * math.sin(2 * math.pi * 5 * t)
        phase += f0 / RATE
        x = 0.0
        if phase >= 1.0:
            phase -= 1.0
            x = 1.0
        for (c1, c2, gain), s in zip(
            coefficients[(int(t / SYLLABLE) + seed) % len(VOWELS)], state, strict=True
        ):
            y = gain * x + c1 * s[0] + c2 * s[1]
            s[1], s[0] = s[0], y
            x = y
        envelope = 0.55 - 0.45 * math.cos(2 * math.pi * ((t % SYLLABLE) / SYLLABLE))
        raw.append(x * envelope)
    scale = PEAK / max(max(raw), -min(raw), 1e-9)
    out.extend(int(v * scale) for v in raw)
    return out


def noise(seconds: float, seed: int = 2, sigma: float = 10.0) -> array.array[int]:
    rnd = random.Random(seed)
    return array.array("h", (int(rnd.gauss(0, sigma)) for _ in range(int(seconds * RATE))))


def pattern_pcm(spans: list[Span], seed: int = 1) -> bytes:
    """The PCM of a pattern (spans back to back from 0), speech over a noise floor."""
    out = array.array("h")
    for k, span in enumerate(spans):
        length = span.end - span.start
        floor = noise(length, seed=seed * 100 + k)
        if span.speech:
            voice = speech(length, seed=seed + k)
            floor = array.array(
                "h", (max(-32768, min(32767, a + b)) for a, b in zip(voice, floor, strict=False))
            )
        out.extend(floor)
    return out.tobytes()


def spans_from(marks: list[tuple[float, float]], total: float) -> list[Span]:
    """Spans covering 0..total with speech at each (start, end) of ``marks``."""
    spans: list[Span] = []
    at = 0.0
    for start, end in marks:
        if start > at:
            spans.append(Span(at, start, False))
        spans.append(Span(start, end, True))
        at = end
    if total > at:
        spans.append(Span(at, total, False))
    return spans
