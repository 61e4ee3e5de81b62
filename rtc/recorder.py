"""WAV files that survive the process: 16 kHz mono 16-bit PCM, readable after ``kill -9``.

``WavWriter`` appends PCM and, at most once per ``refresh_seconds`` (1 s), flushes Python's buffer
and rewrites the two sizes in the 44-byte header, so a killed process leaves a valid WAV holding
everything written up to the last refresh (later bytes may be on disk too, uncounted: ``repair_wav``
counts them from the file's length, ``read_pcm`` reads them). The page cache survives a killed
process, so no ``fsync`` is needed for that; ``fsync=True`` also survives a power cut, at a cost
measured here of 0.8-3.4 ms per refresh (median; up to 12 ms) against 0.005 ms without, which would
block the event loop: off by default. ``close()`` fsyncs once and hashes the file (run it in a thread).

``WallClockAligner`` decides where each decoded frame goes in the file, padding silence for gaps, so
that sample positions follow the wall clock.
"""

from __future__ import annotations

import hashlib
import logging
import os
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

SAMPLE_RATE = 16000
SAMPLE_WIDTH = 2  # bytes, signed 16-bit little-endian
CHANNELS = 1
REFRESH_SECONDS = 1.0
_RIFF_SIZE_AT = 4
_DATA_SIZE_AT = 40
_UNKNOWN_SIZE = 0xFFFFFFFF


@dataclass(frozen=True)
class RecordingFile:
    """A finished WAV file: where it is, how long, and what it hashes to (the whole file)."""

    path: Path
    frames: int  # samples per channel
    duration_seconds: float
    sha256: str  # hex digest of the file's bytes, header included
    size: int  # bytes on disk


@dataclass(frozen=True)
class PcmAudio:
    """PCM read back from a WAV file."""

    sample_rate: int
    channels: int
    sample_width: int
    data: bytes

    @property
    def frames(self) -> int:
        return len(self.data) // (self.channels * self.sample_width)

    @property
    def duration_seconds(self) -> float:
        return self.frames / self.sample_rate


class WavFormatError(ValueError):
    """The file is not a PCM WAV file this module can read."""


def _u32(value: int) -> bytes:
    return struct.pack("<I", min(value, _UNKNOWN_SIZE))


def wav_header(data_bytes: int, sample_rate: int = SAMPLE_RATE, channels: int = CHANNELS) -> bytes:
    """The canonical 44-byte PCM header for ``data_bytes`` of samples."""
    align = channels * SAMPLE_WIDTH
    fmt = struct.pack("<HHIIHH", 1, channels, sample_rate, sample_rate * align, align, SAMPLE_WIDTH * 8)
    return b"RIFF" + _u32(36 + data_bytes) + b"WAVEfmt " + _u32(16) + fmt + b"data" + _u32(data_bytes)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


class WavWriter:
    """Append-only writer of one WAV file (refuses to overwrite an existing one)."""

    def __init__(
        self,
        path: Path,
        *,
        sample_rate: int = SAMPLE_RATE,
        refresh_seconds: float = REFRESH_SECONDS,
        fsync: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.path = Path(path)
        self.sample_rate = sample_rate
        self._refresh_seconds = refresh_seconds
        self._fsync = fsync
        self._clock = clock
        self._data_bytes = 0
        self._odd = b""  # half a sample carried over between writes
        self._file = open(self.path, "xb")  # open until close()
        self._file.write(wav_header(0, sample_rate))
        self._file.flush()
        self._refreshed_at = clock()
        self._closed = False

    @property
    def frames(self) -> int:
        return self._data_bytes // SAMPLE_WIDTH

    @property
    def duration_seconds(self) -> float:
        return self.frames / self.sample_rate

    def write(self, pcm: bytes) -> None:
        """Append signed 16-bit little-endian mono samples (any length; an odd byte waits for its pair)."""
        if self._closed:
            raise ValueError(f"{self.path.name} is closed")
        if self._odd:
            pcm, self._odd = self._odd + pcm, b""
        if len(pcm) % SAMPLE_WIDTH:
            pcm, self._odd = pcm[:-1], pcm[-1:]
        if pcm:
            self._file.write(pcm)
            self._data_bytes += len(pcm)
        if self._clock() - self._refreshed_at >= self._refresh_seconds:
            self.refresh()

    def refresh(self) -> None:
        """Push the data to the OS, then make the header count it (data first: never over-count)."""
        self._file.flush()
        if self._fsync:
            os.fsync(self._file.fileno())
        self._file.seek(_RIFF_SIZE_AT)
        self._file.write(_u32(36 + self._data_bytes))
        self._file.seek(_DATA_SIZE_AT)
        self._file.write(_u32(self._data_bytes))
        self._file.seek(0, os.SEEK_END)
        self._file.flush()
        if self._fsync:
            os.fsync(self._file.fileno())
        self._refreshed_at = self._clock()

    def close(self) -> RecordingFile:
        """Final header, fsync, close, hash. Blocking (reads the file back): run it in a thread."""
        if not self._closed:
            self._odd = b""  # a lone byte is not a sample
            self.refresh()
            os.fsync(self._file.fileno())
            self._file.close()
            self._closed = True
        return RecordingFile(
            path=self.path,
            frames=self.frames,
            duration_seconds=self.duration_seconds,
            sha256=sha256_file(self.path),
            size=self.path.stat().st_size,
        )


def _chunks(head: bytes) -> tuple[tuple[int, int, int], int, int]:
    """((channels, rate, width), data offset, declared data size) from a RIFF/WAVE header."""
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        raise WavFormatError("not a RIFF/WAVE file")
    pos, fmt = 12, None
    while pos + 8 <= len(head):
        chunk_id, size = head[pos : pos + 4], struct.unpack_from("<I", head, pos + 4)[0]
        body = pos + 8
        if chunk_id == b"fmt ":
            if size < 16 or body + 16 > len(head):
                raise WavFormatError("short fmt chunk")
            tag, channels, rate, _rate_bytes, _align, bits = struct.unpack_from("<HHIIHH", head, body)
            if tag not in (1, 0xFFFE) or bits not in (8, 16, 24, 32) or channels < 1 or rate < 1:
                raise WavFormatError(f"unsupported WAV format (tag {tag}, {bits} bits)")
            fmt = (channels, rate, bits // 8)
        elif chunk_id == b"data":
            if fmt is None:
                raise WavFormatError("data chunk before fmt chunk")
            return fmt, body, size
        pos = body + size + (size & 1)
    raise WavFormatError("no data chunk in the first 64 KiB")


def _looks_like_chunk_id(raw: bytes) -> bool:
    return len(raw) == 4 and all(0x20 <= b < 0x7F for b in raw)


def _data_extent(path: Path) -> tuple[tuple[int, int, int], int, int, bool]:
    """(format, data offset, usable data bytes, whether the data runs to the end of the file),
    trusting the file's length over a stale header."""
    file_size = path.stat().st_size
    with open(path, "rb") as f:
        head = f.read(65536)
        fmt, offset, declared = _chunks(head)
        available = max(file_size - offset, 0)
        length, to_end = available, True
        if 0 < declared < available and declared != _UNKNOWN_SIZE:
            # A real chunk after the data (LIST, ...) means the header is right; otherwise it is stale.
            f.seek(offset + declared + (declared & 1))
            if _looks_like_chunk_id(f.read(4)):
                length, to_end = declared, False
    block = fmt[0] * fmt[2]
    return fmt, offset, length - length % block, to_end


def read_pcm(path: Path) -> PcmAudio:
    """The samples of a PCM WAV file, tolerant of a header left stale by a crash."""
    path = Path(path)
    (channels, rate, width), offset, length, _ = _data_extent(path)
    with open(path, "rb") as f:
        f.seek(offset)
        data = f.read(length)
    return PcmAudio(sample_rate=rate, channels=channels, sample_width=width, data=data)


def repair_wav(path: Path) -> RecordingFile:
    """Make the header of a crashed recording count every whole sample on disk; returns the file.

    The file keeps its modification time: when its last audio was written (about when it stopped).
    """
    path = Path(path)
    before = path.stat()
    (channels, rate, width), offset, length, to_end = _data_extent(path)
    with open(path, "r+b") as f:
        if to_end:
            f.truncate(offset + length)  # drops half a sample left at the end, if any
        f.seek(offset - 4)
        f.write(_u32(length))
        f.seek(_RIFF_SIZE_AT)
        f.write(_u32(offset - 8 + length))
        f.flush()
        os.fsync(f.fileno())
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    frames = length // (channels * width)
    logger.info("repaired %s: %d frames", path.name, frames)
    return RecordingFile(
        path=path,
        frames=frames,
        duration_seconds=frames / rate,
        sha256=sha256_file(path),
        size=path.stat().st_size,
    )


class WallClockAligner:
    """Where each decoded frame goes in the file, so that sample position follows the hub's clock.

    A frame's place comes from its RTP time (``pts_end``) plus an offset to the hub's monotonic
    clock, the smallest ``arrival - pts_end`` seen (the least-delayed path). Frames that come late
    in a burst after a network stall therefore keep their places; a jump in RTP time (lost packets,
    DTX, a sender that paused and kept its clock) becomes padded silence. When frames keep arriving
    later than the offset says by more than ``JUMP`` for ``HOLD`` seconds (a sender that paused and
    did *not* advance its RTP clock, or a slower sender clock), the offset moves: the held frames
    are placed with the new one, after a gap of silence. Audio placed before what is already written
    is cut (a faster sender clock). Pure: times in, bytes out.
    """

    TOLERANCE = 0.010  # closer than this to the written end: write on, no pad or cut
    JUMP = 0.100
    HOLD = 0.300

    def __init__(self, rate: int = SAMPLE_RATE) -> None:
        self._rate = rate
        self._t0 = 0.0
        self._anchor: float | None = None
        self._held: list[tuple[float, float, bytes]] = []  # (pts_end, delay, pcm)
        self.written = 0  # samples in the current file
        self.padded = 0  # samples of silence inserted, all files
        self.cut = 0  # samples dropped, all files

    def start(self, t0: float) -> None:
        """A new file whose sample 0 is at monotonic time ``t0``."""
        self._t0 = t0
        self.written = 0

    def new_source(self) -> bytes:
        """A new track (a new RTP clock): place what is held, forget the offset."""
        out = self._flush()
        self._anchor = None
        return out

    def push(self, pcm: bytes, pts_end: float | None, arrival: float) -> bytes:
        """The bytes to append for a frame of ``pcm`` whose RTP time ends at ``pts_end`` (seconds)."""
        if pts_end is None:
            return self._flush() + self._place(pcm, arrival)
        delay = arrival - pts_end
        if self._anchor is None:
            self._anchor = delay
        if delay > self._anchor + self.JUMP:
            self._held.append((pts_end, delay, pcm))
            first_end, first_delay, _ = self._held[0]
            if arrival - (first_end + first_delay) < self.HOLD:  # a burst arrives at once: wait
                return b""
            self._anchor = min(d for _, d, _ in self._held)
            return self._flush()
        out = self._flush()  # a burst is over: what was held keeps the current offset
        self._anchor = min(self._anchor, delay)
        return out + self._place(pcm, pts_end + self._anchor)

    def split_at(self, now: float) -> float:
        """Where to end this file for a switch at ``now``: at the end of what is written when that
        is recent (no frame cut in two, no pad), else at ``now``."""
        end = self._t0 + self.written / self._rate
        return end if now - end < self.JUMP else now

    def pad_to(self, now: float) -> bytes:
        """Place what is held, then silence up to monotonic time ``now``."""
        out = self._flush()
        target = round((now - self._t0) * self._rate)
        if target > self.written:
            out += bytes(2 * (target - self.written))
            self.padded += target - self.written
            self.written = target
        return out

    def _flush(self) -> bytes:
        held, self._held = self._held, []
        anchor = self._anchor or 0.0
        return b"".join(self._place(pcm, end + anchor) for end, _, pcm in held)

    def _place(self, pcm: bytes, end_time: float) -> bytes:
        n = len(pcm) // 2
        gap = round((end_time - self._t0) * self._rate) - n - self.written
        tolerance = round(self.TOLERANCE * self._rate)
        if gap > tolerance:
            pcm = bytes(2 * gap) + pcm
            self.padded += gap
        elif gap < -tolerance:
            cut = min(-gap, n)
            pcm = pcm[2 * cut :]
            self.cut += cut
        self.written += len(pcm) // 2
        return pcm
