"""Who spoke when, from the audio level each packet carries (RFC 6464), with no decoding.

Browsers put the level of the audio in every packet they send, in the header extension
``urn:ietf:params:rtp-hdrext:ssrc-audio-level``: 0 to 127, meaning 0 to -127 dBov (the RMS of the
packet's audio against a full-scale square wave; 127 is digital silence). aiortc negotiates it for
audio and parses it (``packet.extensions.audio_level`` = (voice flag, level)); the voice flag is
left alone (aiortc and some browsers always send it false).

Decisions are smoothed with hysteresis, as a person hears them:

- onset: a segment starts once ``ONSET_LOUD`` (3) of the last ``ONSET_WINDOW`` (5) packets are at
  or above ``ON_DBOV`` (-50 dBov); it starts where the first loud packet of that window starts.
- hangover: once speaking, a packet counts as voice down to ``OFF_DBOV`` (-60 dBov, 10 dB lower:
  the fall of a syllable stays inside); the segment ends after ``HANGOVER_SECONDS`` (0.3 s) of
  packets below that, at the end of the last packet above it. Pauses between words stay inside; a
  pause between sentences splits, as the webrtcvad detector this replaced did.
- a segment shorter than ``MIN_SECONDS`` (0.12 s) is a click or a cough: dropped.

Gaps (padded silence) count as silence. The thresholds suit browsers' processed microphones
(noise suppression puts a quiet room below -60 dBov; speech sits between -15 and -45 dBov) and the
tests' synthetic voice (-22 to -55 dBov over -70 dBov noise). Pure: positions in, segments out.
"""

from __future__ import annotations

from collections import deque

from rtc.vad import SpeechSegment

ON_DBOV = -50
OFF_DBOV = -60
ONSET_WINDOW = 5
ONSET_LOUD = 3
HANGOVER_SECONDS = 0.3
MIN_SECONDS = 0.12
SILENT = 127  # the level of digital silence


class LevelDetector:
    """Feed (start, end, level) of each placed packet, in seconds from the file's start; get the
    segments that closed, as they close. ``level`` is the RFC 6464 value (0 loud .. 127 silent)."""

    def __init__(
        self,
        *,
        on_dbov: int = ON_DBOV,
        off_dbov: int = OFF_DBOV,
        onset_window: int = ONSET_WINDOW,
        onset_loud: int = ONSET_LOUD,
        hangover_seconds: float = HANGOVER_SECONDS,
    ) -> None:
        if not off_dbov <= on_dbov <= 0 or not 1 <= onset_loud <= onset_window or hangover_seconds <= 0:
            raise ValueError("need off_dbov <= on_dbov <= 0, 1 <= onset_loud <= onset_window, hangover > 0")
        self._on = -on_dbov  # as levels: smaller is louder
        self._off = -off_dbov
        self._hangover = hangover_seconds
        self._window: deque[tuple[float, bool]] = deque(maxlen=onset_window)  # (start, loud)
        self._onset_loud = onset_loud
        self._start: float | None = None  # of the open segment
        self._last_voice_end = 0.0
        self.levels_seen = 0  # packets that carried a level
        self.segments: list[SpeechSegment] = []

    @property
    def speaking(self) -> bool:
        return self._start is not None

    def feed(self, start: float, end: float, level: int | None) -> list[SpeechSegment]:
        """One packet (or a stretch of silence: ``level`` 127 or None) from ``start`` to ``end``."""
        if level is None:
            level = SILENT
        else:
            self.levels_seen += 1
        if self._start is None:
            loud = level <= self._on
            self._window.append((start, loud))
            if loud and sum(x for _, x in self._window) >= self._onset_loud:  # only a loud one can start
                self._start = next(at for at, loud in self._window if loud)
                self._window.clear()
                self._last_voice_end = end
            return []
        if level <= self._off:
            self._last_voice_end = end
            return []
        if end - self._last_voice_end >= self._hangover:
            closed = self._close()
            return [closed] if closed else []
        return []

    def finish(self) -> list[SpeechSegment]:
        """End of stream: close the open segment, if any."""
        self._window.clear()
        if self._start is None:
            return []
        closed = self._close()
        return [closed] if closed else []

    def _close(self) -> SpeechSegment | None:
        assert self._start is not None
        start, self._start = self._start, None
        if self._last_voice_end - start < MIN_SECONDS:
            return None
        segment = SpeechSegment(round(start, 3), round(self._last_voice_end, 3))
        self.segments.append(segment)
        return segment
