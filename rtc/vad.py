"""Who spoke when, from the audio itself: voice activity on one participant's 16 kHz mono track.

Live, the recorder takes speech from the packets' levels (``rtc.record_levels``) and decodes
nothing; this detector runs later, on a decoded file: a sender that sent no levels, a recording
a crash left (``rtc.recovery``), the demo's WAV files.

webrtcvad classifies 30 ms frames; single frames flicker (a plosive, a cough, the gap between two
syllables), so decisions are smoothed:

- onset: a segment starts once ``ONSET_VOICED`` (4) of the last ``ONSET_WINDOW`` (5) frames are
  voiced (~120 ms of voiced frames); its start is the first voiced frame of that window, so the
  boundary is not delayed by the smoothing.
- hangover: it ends after ``HANGOVER_FRAMES`` (10, i.e. 300 ms) unvoiced frames in a row; its end
  is the end of the last voiced frame. Pauses shorter than that (between words) stay inside one
  segment; a pause between sentences (>= 0.3 s) splits it.
- webrtcvad's own hangover: it goes on saying "voiced" for up to 2-3 frames after speech stops
  (60-90 ms at 30 ms frames). Of the segment's last ``OVERHANG_FRAMES`` (3) voiced frames, those
  quieter than a hundredth of the segment's mean energy (-20 dB) are taken off its end. That
  overhang also lets a 60 ms click reach the onset, so a segment shorter than
  ``MIN_SEGMENT_FRAMES`` (4, 120 ms) after the trim is dropped.
- digital silence (all-zero frames: the padding for a gap in the packets) is not shown to
  webrtcvad: it adapts its noise floor to what it sees, and after zeros it calls faint noise speech.
- aggressiveness 2 (of 0-3, a parameter): on the tests' synthetic voice over -70 dBFS noise, 1
  called the noise speech in its first frames and 3 broke vowels apart more often than 2. A noisy
  room may want 3; real recordings should confirm the choice.

Segments are in seconds from the first sample fed. The detector is exact and deterministic: the
same PCM fed in any chunking gives the same segments.
"""

from __future__ import annotations

import array
import logging
import operator
import sys
from collections import deque
from dataclasses import dataclass
from pathlib import Path

import webrtcvad  # type: ignore[import-untyped]

from rtc.record_ogg import read_audio
from rtc.recorder import SAMPLE_RATE, SAMPLE_WIDTH

logger = logging.getLogger(__name__)

FRAME_MS = 30
FRAME_SAMPLES = SAMPLE_RATE * FRAME_MS // 1000
FRAME_BYTES = FRAME_SAMPLES * SAMPLE_WIDTH
AGGRESSIVENESS = 2
ONSET_WINDOW = 5
ONSET_VOICED = 4
HANGOVER_FRAMES = 10
OVERHANG_FRAMES = 3
OVERHANG_ENERGY = 0.01
MIN_SEGMENT_FRAMES = 4
_SILENT_FRAME = bytes(FRAME_BYTES)


@dataclass(frozen=True)
class SpeechSegment:
    """Speech from ``start`` to ``end``, in seconds from the start of the stream."""

    start: float
    end: float

    def __post_init__(self) -> None:
        if not 0 <= self.start <= self.end:
            raise ValueError(f"bad speech segment {self.start!r}..{self.end!r}")

    @property
    def duration(self) -> float:
        return self.end - self.start


class SpeechDetector:
    """Feed PCM (16 kHz mono s16le, any length); get the segments that closed, as they close."""

    def __init__(
        self,
        *,
        aggressiveness: int = AGGRESSIVENESS,
        onset_window: int = ONSET_WINDOW,
        onset_voiced: int = ONSET_VOICED,
        hangover_frames: int = HANGOVER_FRAMES,
    ) -> None:
        if not 1 <= onset_voiced <= onset_window or hangover_frames < 1:
            raise ValueError("need 1 <= onset_voiced <= onset_window and hangover_frames >= 1")
        self._vad = webrtcvad.Vad(aggressiveness)
        self._onset_window = onset_window
        self._onset_voiced = onset_voiced
        self._hangover = hangover_frames
        self._pending = b""
        self._index = 0  # frames classified so far
        self._window: deque[tuple[int, bool]] = deque(maxlen=onset_window)
        self._start: int | None = None  # first frame of the open segment
        self._last_voiced = -1
        # Energies of the latest voiced frames (index, mean square) and the open segment's sum.
        self._recent: deque[tuple[int, float]] = deque(maxlen=OVERHANG_FRAMES + onset_window)
        self._energy_sum = 0.0
        self._energy_count = 0
        self._segments: list[SpeechSegment] = []

    @property
    def segments(self) -> list[SpeechSegment]:
        """Every segment closed so far (a copy)."""
        return list(self._segments)

    @property
    def position(self) -> float:
        """Seconds of audio classified so far."""
        return self._index * FRAME_MS / 1000

    @property
    def speaking(self) -> bool:
        return self._start is not None

    def feed(self, pcm: bytes) -> list[SpeechSegment]:
        """Classify whole 30 ms frames of ``pcm`` (a tail waits for the next call); the segments closed."""
        data = self._pending + pcm if self._pending else pcm
        closed: list[SpeechSegment] = []
        whole = len(data) - len(data) % FRAME_BYTES
        view = memoryview(data)
        for offset in range(0, whole, FRAME_BYTES):
            frame = view[offset : offset + FRAME_BYTES]
            voiced = frame != _SILENT_FRAME and self._vad.is_speech(frame, SAMPLE_RATE)
            segment = self._frame(voiced, _energy(frame) if voiced else 0.0)
            if segment is not None:
                closed.append(segment)
        self._pending = bytes(view[whole:])
        return closed

    def finish(self) -> list[SpeechSegment]:
        """End of stream: close the open segment, if any (a tail shorter than a frame is ignored)."""
        self._pending = b""
        if self._start is None:
            return []
        closed = self._close()
        return [closed] if closed else []

    def _frame(self, voiced: bool, energy: float) -> SpeechSegment | None:
        index = self._index
        self._index += 1
        if voiced:
            self._last_voiced = index
            self._recent.append((index, energy))
        if self._start is None:
            self._window.append((index, voiced))
            if sum(v for _, v in self._window) >= self._onset_voiced:
                self._start = next(i for i, v in self._window if v)
                self._window.clear()
                onset = [e for i, e in self._recent if i >= self._start]
                self._energy_sum, self._energy_count = sum(onset), len(onset)
            return None
        if voiced:
            self._energy_sum += energy
            self._energy_count += 1
        if index - self._last_voiced >= self._hangover:
            return self._close()
        return None

    def _close(self) -> SpeechSegment | None:
        assert self._start is not None
        end = self._last_voiced
        floor = OVERHANG_ENERGY * self._energy_sum / max(self._energy_count, 1)
        tail = [(i, e) for i, e in self._recent if i > self._last_voiced - OVERHANG_FRAMES]
        while tail and end > self._start and tail[-1][0] == end and tail[-1][1] < floor:
            tail.pop()
            end -= 1
        start, self._start = self._start, None
        if end + 1 - start < MIN_SEGMENT_FRAMES:
            return None  # a click or a cough
        segment = SpeechSegment(_seconds(start), _seconds(end + 1))
        self._segments.append(segment)
        return segment


def _energy(frame: memoryview) -> float:
    samples = array.array("h")
    samples.frombytes(frame)
    if sys.byteorder == "big":
        samples.byteswap()
    return sum(map(operator.mul, samples, samples)) / len(samples)


def _seconds(frames: int) -> float:
    return round(frames * FRAME_MS / 1000, 3)


def segments_from_file(path: Path, *, aggressiveness: int = AGGRESSIVENESS) -> list[SpeechSegment]:
    """The segments of a recorded file (WAV, or Ogg Opus decoded to 16 kHz), offline. Blocking.

    The live recorder finds speech from the packets' levels (``rtc.record_levels``); this is for
    files whose sender sent no levels, and for what a crash left (``rtc.recovery``)."""
    audio = read_audio(path)
    if (audio.sample_rate, audio.channels, audio.sample_width) != (SAMPLE_RATE, 1, SAMPLE_WIDTH):
        raise ValueError(
            f"{Path(path).name}: need {SAMPLE_RATE} Hz mono 16-bit, got {audio.sample_rate} Hz, "
            f"{audio.channels} channel(s), {audio.sample_width * 8}-bit"
        )
    detector = SpeechDetector(aggressiveness=aggressiveness)
    segments = detector.feed(audio.data)
    return segments + detector.finish()


segments_from_wav = segments_from_file  # the name callers of WAV-only days use
