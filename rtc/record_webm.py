"""WebM files of VP8 frames as they were sent, never decoded or re-encoded.

``WebmVp8Writer`` writes the Matroska subset WebM needs for one video track: the EBML header, a
Segment of unknown size (a live stream's: readers take it to the end of the file), its Info and
Tracks, then Clusters of SimpleBlocks, one VP8 frame a block, times in milliseconds. The track's
width and height come from the first frame, which must be a keyframe (``vp8_keyframe_size``).
Frames are held in memory and written as one Cluster at most once per ``refresh_seconds`` (1 s)
and before each keyframe, so a killed process leaves a readable file up to the last refresh and
every Cluster a player can seek to starts clean. ``close`` writes the last Cluster and fills in the
Info's Duration, reserved at the start.

No PyAV here: its muxer opens an encoder for any stream it did not copy from another file's, and
no encoder is wanted. PyAV reads the files back (the tests, and whoever plays them).
"""

from __future__ import annotations

import os
import struct
import time
from collections.abc import Callable
from pathlib import Path

from rtc.recorder import RecordingFile, sha256_file

REFRESH_SECONDS = 1.0
MAX_CLUSTER_MS = 30_000  # a block's time is an int16 from its cluster's (at most 32.767 s)
APP = "gongtiao recorder (VP8 as received)"

# Element IDs (Matroska / WebM), with their length-marker bits as they are written.
_EBML, _DOC_TYPE = 0x1A45DFA3, 0x4282
_SEGMENT, _INFO, _TIMESTAMP_SCALE, _DURATION = 0x18538067, 0x1549A966, 0x2AD7B1, 0x4489
_MUXING_APP, _WRITING_APP = 0x4D80, 0x5741
_TRACKS, _TRACK_ENTRY, _TRACK_NUMBER, _TRACK_UID, _TRACK_TYPE = 0x1654AE6B, 0xAE, 0xD7, 0x73C5, 0x83
_CODEC_ID, _FLAG_LACING, _VIDEO, _PIXEL_WIDTH, _PIXEL_HEIGHT = 0x86, 0x9C, 0xE0, 0xB0, 0xBA
_CLUSTER, _CLUSTER_TIMESTAMP, _SIMPLE_BLOCK = 0x1F43B675, 0xE7, 0xA3
_UNKNOWN_SIZE = b"\x01\xff\xff\xff\xff\xff\xff\xff"
_VP8_START_CODE = b"\x9d\x01\x2a"


def vp8_keyframe_size(frame: bytes) -> tuple[int, int] | None:
    """(width, height) when ``frame`` is a VP8 keyframe (RFC 6386, 9.1), else None."""
    if len(frame) < 10 or frame[0] & 1 or frame[3:6] != _VP8_START_CODE:
        return None
    width, height = struct.unpack_from("<HH", frame, 6)
    return width & 0x3FFF, height & 0x3FFF


def _id(element: int) -> bytes:
    return element.to_bytes((element.bit_length() + 7) // 8, "big")


def _size(length: int) -> bytes:
    """EBML's variable-length size: the shortest of 1..8 bytes (all ones is reserved)."""
    for width in range(1, 9):
        if length < (1 << (7 * width)) - 1:
            return (length | (1 << (7 * width))).to_bytes(width, "big")
    raise ValueError(f"an element of {length} bytes is too large")


def element(element_id: int, body: bytes) -> bytes:
    return _id(element_id) + _size(len(body)) + body


def _uint(element_id: int, value: int) -> bytes:
    return element(element_id, value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big"))


def _text(element_id: int, value: str) -> bytes:
    return element(element_id, value.encode())


def header(width: int, height: int) -> tuple[bytes, int]:
    """The file up to its first Cluster, and where the Duration's 8-byte float is in it."""
    ebml = element(
        _EBML,
        _uint(0x4286, 1)  # EBMLVersion
        + _uint(0x42F7, 1)  # EBMLReadVersion
        + _uint(0x42F2, 4)  # EBMLMaxIDLength
        + _uint(0x42F3, 8)  # EBMLMaxSizeLength
        + _text(_DOC_TYPE, "webm")
        + _uint(0x4287, 2)  # DocTypeVersion
        + _uint(0x4285, 2),  # DocTypeReadVersion
    )
    duration = element(_DURATION, struct.pack(">d", 0.0))
    info_head = _uint(_TIMESTAMP_SCALE, 1_000_000) + _text(_MUXING_APP, APP) + _text(_WRITING_APP, APP)
    info = element(_INFO, info_head + duration)
    video = element(_VIDEO, _uint(_PIXEL_WIDTH, width) + _uint(_PIXEL_HEIGHT, height))
    entry = (
        _uint(_TRACK_NUMBER, 1)
        + _uint(_TRACK_UID, 1)
        + _uint(_TRACK_TYPE, 1)  # video
        + _text(_CODEC_ID, "V_VP8")
        + _uint(_FLAG_LACING, 0)
        + video
    )
    tracks = element(_TRACKS, element(_TRACK_ENTRY, entry))
    head = ebml + _id(_SEGMENT) + _UNKNOWN_SIZE
    at = len(head) + len(info) - 8  # the Duration's value ends the Info
    return head + info + tracks, at


class WebmVp8Writer:
    """Append-only writer of one WebM file of VP8 frames (refuses to overwrite an existing one)."""

    def __init__(
        self,
        path: Path,
        *,
        refresh_seconds: float = REFRESH_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.path = Path(path)
        self._refresh_seconds = refresh_seconds
        self._clock = clock
        self._file = open(self.path, "xb")  # open until close()
        self._duration_at = 0
        self._cluster_ms: int | None = None
        self._blocks: list[bytes] = []
        self._refreshed_at = clock()
        self._last_ms = -1
        self._closed = False
        self.frames = 0
        self.size: tuple[int, int] | None = None  # (width, height), from the first keyframe

    @property
    def duration_seconds(self) -> float:
        return max(self._last_ms, 0) / 1000

    def write(self, frame: bytes, ms: int, *, keyframe: bool) -> None:
        """Append one whole VP8 frame shown ``ms`` after the file's start (the first: a keyframe)."""
        if self._closed:
            raise ValueError(f"{self.path.name} is closed")
        if self.size is None:
            size = vp8_keyframe_size(frame) if keyframe else None
            if size is None:
                raise ValueError("a WebM file of VP8 starts with a keyframe")
            self.size = size
            head, at = header(*size)
            self._duration_at = at
            self._file.write(head)
        ms = max(ms, self._last_ms + 1)  # strictly after the previous frame
        if self._cluster_ms is not None and (keyframe or ms - self._cluster_ms > MAX_CLUSTER_MS):
            self.refresh()
        if self._cluster_ms is None:
            self._cluster_ms = ms
        # SimpleBlock: track 1 (a one-byte vint), int16 time from the cluster's, flags.
        block = b"\x81" + struct.pack(">hB", ms - self._cluster_ms, 0x80 if keyframe else 0) + frame
        self._blocks.append(element(_SIMPLE_BLOCK, block))
        self._last_ms = ms
        self.frames += 1
        if self._clock() - self._refreshed_at >= self._refresh_seconds:
            self.refresh()

    def refresh(self) -> None:
        """The held frames to disk as one Cluster, flushed."""
        if self._cluster_ms is not None:
            body = _uint(_CLUSTER_TIMESTAMP, self._cluster_ms) + b"".join(self._blocks)
            self._file.write(element(_CLUSTER, body))
            self._file.flush()
        self._cluster_ms, self._blocks = None, []
        self._refreshed_at = self._clock()

    def close(self) -> RecordingFile:
        """Last Cluster, the Duration, fsync, close, hash. Blocking: run it in a thread."""
        if not self._closed:
            self.refresh()
            if self.size is not None:
                self._file.seek(self._duration_at)
                self._file.write(struct.pack(">d", float(max(self._last_ms, 0))))
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
