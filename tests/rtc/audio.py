"""Test audio: a speech-like signal with a known pattern of speech and silence, and a track that
plays PCM in real time through aiortc.

webrtcvad does not call a pure sine speech, so the "speech" comes from rtc/synth.py: a small
source-filter vowel synthesiser (a glottal pulse train through three formant resonators, the vowel
changing every syllable). Silence is low-level white noise (about -70 dBFS), as a real microphone
gives. No system packages needed.
"""

from __future__ import annotations

import asyncio
import fractions
import time
from datetime import datetime

import av
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from hub.orm import utcnow
from rtc.synth import (  # noqa: F401 - the generator lives in the package (the demo uses it too)
    FRAME_SAMPLES,
    RATE,
    Span,
    noise,
    pattern_pcm,
    spans_from,
    speech,
)


class PcmTrack(MediaStreamTrack):
    """Plays 16 kHz mono PCM in real time as 20 ms AudioFrames, then silence until stopped.

    ``pauses`` are (at, seconds) of sender time during which no frame is produced at all (the
    network or the sender stops); with ``keep_clock`` the RTP time jumps over the pause as a real
    sender's does, without it the RTP time goes on where it stopped (a sender that froze its clock).
    """

    kind = "audio"

    def __init__(
        self, pcm: bytes, *, pauses: tuple[tuple[float, float], ...] = (), keep_clock: bool = True
    ) -> None:
        super().__init__()
        self._pcm = pcm
        self._pauses = sorted(pauses)
        self._keep_clock = keep_clock
        self._index = 0  # frames produced (wall clock position)
        self._pts = 0
        self._start: float | None = None
        self.started_at: datetime | None = None  # UTC when frame 0 was produced

    async def recv(self) -> av.AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        if self._start is None:
            self._start = time.monotonic()
            self.started_at = utcnow()  # the hub's clock (the suite's instant), as the recorder reads it
        at = self._index * FRAME_SAMPLES / RATE
        for pause_at, length in self._pauses:
            if at <= pause_at < at + FRAME_SAMPLES / RATE:
                skipped = round(length * RATE / FRAME_SAMPLES)
                self._index += skipped
                if self._keep_clock:
                    self._pts += skipped * FRAME_SAMPLES
        await asyncio.sleep(max(0.0, self._start + self._index * FRAME_SAMPLES / RATE - time.monotonic()))
        offset = self._index * FRAME_SAMPLES * 2
        chunk = self._pcm[offset : offset + FRAME_SAMPLES * 2]
        chunk += bytes(FRAME_SAMPLES * 2 - len(chunk))
        frame = av.AudioFrame(format="s16", layout="mono", samples=FRAME_SAMPLES)
        frame.planes[0].update(chunk)
        frame.sample_rate = RATE
        frame.time_base = fractions.Fraction(1, RATE)
        frame.pts = self._pts
        self._index += 1
        self._pts += FRAME_SAMPLES
        return frame


def opus_packets(pcm: bytes) -> list[bytes]:
    """16 kHz mono PCM encoded by libopus as a browser sends it: 20 ms packets at 48 kHz."""
    source = av.AudioFrame(format="s16", layout="mono", samples=len(pcm) // 2)
    source.planes[0].update(pcm)
    source.sample_rate = RATE
    encoder = av.CodecContext.create("libopus", "w")
    encoder.sample_rate, encoder.layout, encoder.format = 48000, "mono", "s16"
    encoder.time_base = fractions.Fraction(1, 48000)
    resampler = av.AudioResampler(format="s16", layout="mono", rate=48000, frame_size=960)
    made: list[bytes] = []
    for frame in [*resampler.resample(source), *resampler.resample(None), None]:
        made += [bytes(p) for p in encoder.encode(frame)]
    return made
