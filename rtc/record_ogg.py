"""Ogg Opus files written from the packets as they arrive (RFC 7845), never decoded live.

``OggOpusWriter`` appends Opus packets with their length in 48 kHz samples. At most once per
``refresh_seconds`` (1 s) the packets held since the last refresh go to disk as one Ogg page (a
page holds at most 255 lacing values: more make more pages), so a killed process leaves every page
up to the last refresh; ``repair_ogg`` drops a torn last page. Each page's granule position counts
the samples decoded up to its last packet, with no pre-skip: sample ``k`` of the decoded file is
sample ``k`` of the timeline the caller laid out (``rtc.record_packets.PacketAligner``). Gaps are
filled by the caller with ``SILENCE`` packets (a 20 ms CELT frame that decodes to silence), since
Ogg Opus has no way to say "nothing here for a while".

Decoding happens later, from the file: ``read_audio`` decodes with PyAV (libopus, as aiortc) and
resamples to what the transcription engines and the offline voice detector read (16 kHz mono).
"""

from __future__ import annotations

import logging
import os
import struct
import time
import zlib
from collections.abc import Callable
from pathlib import Path

import av

from rtc.recorder import SAMPLE_RATE, PcmAudio, RecordingFile, read_pcm, sha256_file

logger = logging.getLogger(__name__)

OPUS_RATE = 48000  # Opus's granule clock, whatever the input's rate
SILENCE = b"\xf8\xff\xfe"  # TOC: CELT-only fullband 20 ms mono, one frame; the frame: silence
SILENCE_SAMPLES = 960
REFRESH_SECONDS = 1.0
VENDOR = b"gongtiao recorder (packets as received)"
_MAX_SEGMENTS = 255
_BOS, _EOS, _CONTINUED = 0x02, 0x04, 0x01
_PAGE = struct.Struct("<4sBBqIIIB")  # capture, version, flags, granule, serial, sequence, crc, segments
# Opus frame sizes in 48 kHz samples by TOC configuration (RFC 6716, 3.1)
_FRAME_SAMPLES = (
    [480, 960, 1920, 2880] * 3  # SILK NB, MB, WB: 10, 20, 40, 60 ms
    + [480, 960] * 2  # hybrid SWB, FB: 10, 20 ms
    + [120, 240, 480, 960] * 4  # CELT NB, WB, SWB, FB: 2.5, 5, 10, 20 ms
)
# Ogg's CRC is CRC-32 with polynomial 0x04C11DB7, MSB first, no reflection, initial value 0 and no
# final xor. zlib's crc32 is the same polynomial reflected: on bit-reversed bytes, with the register
# started at 0 (zlib xors the start value), it gives the bit-reversed Ogg CRC. In C, 20x Python's loop.
_REVERSED_BYTES = bytes(int(f"{b:08b}"[::-1], 2) for b in range(256))


class OggFormatError(ValueError):
    """The file is not an Ogg Opus file this module wrote or can repair."""


def ogg_crc(data: bytes) -> int:
    """The CRC an Ogg page carries, of ``data`` (the page with its CRC field zeroed)."""
    register = zlib.crc32(data.translate(_REVERSED_BYTES), 0xFFFFFFFF) ^ 0xFFFFFFFF
    return int(f"{register:032b}"[::-1], 2)


def opus_samples(packet: bytes) -> int:
    """The packet's length in 48 kHz samples from its TOC byte (RFC 6716, 3.1); 0 if malformed."""
    if not packet:
        return 0
    toc = packet[0]
    per_frame = _FRAME_SAMPLES[toc >> 3]
    code = toc & 0x03
    if code == 0:
        frames = 1
    elif code in (1, 2):
        frames = 2
    elif len(packet) < 2:
        return 0
    else:
        frames = packet[1] & 0x3F
    total = per_frame * frames
    return total if total <= 5760 else 0  # at most 120 ms


def _page(flags: int, granule: int, serial: int, sequence: int, lacing: bytes, body: bytes) -> bytes:
    head = _PAGE.pack(b"OggS", 0, flags, granule, serial, sequence, 0, len(lacing)) + lacing
    crc = ogg_crc(head + body)
    return head[:22] + struct.pack("<I", crc) + head[26:] + body


def _lacing(length: int) -> bytes:
    return b"\xff" * (length // 255) + bytes([length % 255])


def opus_head(channels: int) -> bytes:
    # version 1, channels, pre-skip 0 (the timeline starts at sample 0), input rate, gain 0, family 0
    return b"OpusHead" + struct.pack("<BBHIhB", 1, channels, 0, OPUS_RATE, 0, 0)


def opus_tags() -> bytes:
    return b"OpusTags" + struct.pack("<I", len(VENDOR)) + VENDOR + struct.pack("<I", 0)


class OggOpusWriter:
    """Append-only writer of one Ogg Opus file (refuses to overwrite an existing one)."""

    def __init__(
        self,
        path: Path,
        *,
        channels: int = 1,
        refresh_seconds: float = REFRESH_SECONDS,
        fsync: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.path = Path(path)
        self._refresh_seconds = refresh_seconds
        self._fsync = fsync
        self._clock = clock
        self._serial = zlib.crc32(self.path.name.encode()) & 0x7FFFFFFF
        self._sequence = 0
        self._granule = 0  # samples of every packet written or held
        self._held: list[tuple[bytes, int]] = []  # (packet, granule after it), not yet on disk
        self._file = open(self.path, "xb")  # open until close()
        self._emit(_BOS, 0, [(opus_head(channels), 0)])
        self._emit(0, 0, [(opus_tags(), 0)])
        self._file.flush()
        self._refreshed_at = clock()
        self._closed = False

    @property
    def frames(self) -> int:
        """Samples (48 kHz) written so far, held ones included."""
        return self._granule

    @property
    def duration_seconds(self) -> float:
        return self._granule / OPUS_RATE

    def write(self, packet: bytes, samples: int) -> None:
        """Append one Opus packet that decodes to ``samples`` samples at 48 kHz."""
        if self._closed:
            raise ValueError(f"{self.path.name} is closed")
        if not packet or len(packet) > 255 * 254:
            raise ValueError(f"an Opus packet of {len(packet)} bytes cannot be stored")
        self._granule += samples
        self._held.append((packet, self._granule))
        if self._clock() - self._refreshed_at >= self._refresh_seconds:
            self.refresh()

    def pad(self, samples: int) -> int:
        """Silence for about ``samples`` (whole 20 ms packets, rounded); the samples added."""
        count = max(0, round(samples / SILENCE_SAMPLES))
        for _ in range(count):
            self.write(SILENCE, SILENCE_SAMPLES)
        return count * SILENCE_SAMPLES

    def refresh(self, *, last: bool = False) -> None:
        """The held packets to disk as pages, flushed (``last``: the final page says end of stream)."""
        held, self._held = self._held, []
        at = 0
        while at < len(held) or last:
            page, count = [], 0
            while at < len(held) and count + len(held[at][0]) // 255 + 1 <= _MAX_SEGMENTS:
                count += len(held[at][0]) // 255 + 1  # its lacing values
                page.append(held[at])
                at += 1
            end = at == len(held) and last
            self._emit(_EOS if end else 0, page[-1][1] if page else self._granule, page)
            if end:
                break
        self._file.flush()
        if self._fsync:
            os.fsync(self._file.fileno())
        self._refreshed_at = self._clock()

    def _emit(self, flags: int, granule: int, packets: list[tuple[bytes, int]]) -> None:
        lacing = b"".join(_lacing(len(p)) for p, _ in packets)
        body = b"".join(p for p, _ in packets)
        self._file.write(_page(flags, granule, self._serial, self._sequence, lacing, body))
        self._sequence += 1

    def close(self) -> RecordingFile:
        """Last page, fsync, close, hash. Blocking (reads the file back): run it in a thread."""
        if not self._closed:
            self.refresh(last=True)
            os.fsync(self._file.fileno())
            self._file.close()
            self._closed = True
        return RecordingFile(
            path=self.path,
            frames=self._granule,
            duration_seconds=self.duration_seconds,
            sha256=sha256_file(self.path),
            size=self.path.stat().st_size,
        )


def pages(data: bytes) -> tuple[list[tuple[int, int, int]], int]:
    """([(offset, flags, granule)] of every whole page with a right CRC, in order; bytes they span).

    Stops at the first torn or damaged page: what a killed process left after its last refresh.
    """
    found: list[tuple[int, int, int]] = []
    pos = 0
    while pos + _PAGE.size <= len(data):
        capture, version, flags, granule, _serial, _seq, crc, count = _PAGE.unpack_from(data, pos)
        if capture != b"OggS" or version != 0 or pos + _PAGE.size + count > len(data):
            break
        length = _PAGE.size + count + sum(data[pos + _PAGE.size : pos + _PAGE.size + count])
        if pos + length > len(data):
            break
        page = data[pos : pos + 22] + b"\0\0\0\0" + data[pos + 26 : pos + length]
        if ogg_crc(page) != crc:
            break
        found.append((pos, flags, granule))
        pos += length
    return found, pos


def is_ogg(path: Path) -> bool:
    with open(path, "rb") as f:
        return f.read(4) == b"OggS"


def repair_ogg(path: Path) -> RecordingFile:
    """Cut a crashed recording after its last whole page; returns the file (its time kept)."""
    path = Path(path)
    before = path.stat()
    found, end = pages(path.read_bytes())
    if len(found) < 2:
        raise OggFormatError(f"{path.name}: no Ogg Opus headers")
    if end < before.st_size:
        with open(path, "r+b") as f:
            f.truncate(end)
            f.flush()
            os.fsync(f.fileno())
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    granule = max(0, found[-1][2]) if len(found) > 2 else 0
    logger.info("repaired %s: %d samples", path.name, granule)
    return RecordingFile(
        path=path,
        frames=granule,
        duration_seconds=granule / OPUS_RATE,
        sha256=sha256_file(path),
        size=path.stat().st_size,
    )


def read_audio(path: Path, rate: int = SAMPLE_RATE) -> PcmAudio:
    """A recording's samples as mono 16-bit PCM: WAV as it is, anything else decoded (PyAV) and
    resampled to ``rate``. Blocking: run it off the event loop."""
    path = Path(path)
    if not is_ogg(path):
        return read_pcm(path)
    resampler = av.AudioResampler(format="s16", layout="mono", rate=rate)
    chunks: list[bytes] = []
    try:
        with av.open(str(path)) as container:
            for frame in container.decode(audio=0):
                chunks += [bytes(out.planes[0])[: out.samples * 2] for out in resampler.resample(frame)]
    except av.EOFError:
        pass  # headers and no audio (a crash within the first second): nothing to decode
    except av.FFmpegError as exc:
        raise OggFormatError(f"{path.name}: {exc}") from exc
    chunks += [bytes(out.planes[0])[: out.samples * 2] for out in resampler.resample(None)]
    return PcmAudio(sample_rate=rate, channels=1, sample_width=2, data=b"".join(chunks))
