"""Recorded video: the VP8 frames a browser sends, kept as they are in WebM, never decoded.

``VideoRecording`` taps ONE connection's video receiver as the audio's is tapped
(``rtc.record_packets.tap``: aiortc's jitter buffer and decoder never see a packet), assembles
each VP8 frame from its RTP packets (``Vp8Assembler``, pure; RFC 7741) and appends it to one WebM
file per browser connection (``rtc.record_webm.WebmVp8Writer``), named after the segment it
started in and not split. A file starts with a keyframe: the recorder asks the sender for one
(RTCP PLI, through aiortc's receiver) when the first packet comes, and again, at most once a
second, after a frame was lost (frames up to the next keyframe are not written: they would decode
to a smeared picture). A frame's time in the file is its RTP time (90 kHz) from the first frame
written; a new RTP source (SSRC) goes on from the last frame by the wall clock.

What tapping gives up for video: aiortc's NACKs and RTX (the recorder asks for a keyframe instead
of a retransmission) and its REMB and receiver reports for this stream.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiortc.codecs.vpx import VpxPayloadDescriptor

from rtc.record_packets import tap
from rtc.record_webm import WebmVp8Writer

logger = logging.getLogger(__name__)

VIDEO_RATE = 90000  # RTP clock of every video codec
KEYFRAME_ASK_SECONDS = 1.0  # at most one PLI a second
PENDING = 8  # incomplete frames held for a late packet before the oldest is given up


@dataclass(frozen=True)
class Vp8Frame:
    data: bytes
    rtp_time: int  # unwrapped, 90 kHz
    keyframe: bool


def _signed(delta: int, bits: int) -> int:
    half = 1 << (bits - 1)
    return (delta + half) % (1 << bits) - half


class Vp8Assembler:
    """One RTP source's VP8 packets to whole frames, in order; ``lost`` counts the gaps.

    A frame is its packets of one RTP timestamp, from the one that starts partition 0 to the one
    with the marker bit, no sequence number missing. A frame still incomplete when a later one
    completes (or when ``PENDING`` later ones wait) is given up, and so are whole frames whose
    packets never came (a hole in the sequence numbers between two frames): each gap adds one to
    ``lost``, and the frames after it until a keyframe are the caller's to drop. Pure.
    """

    def __init__(self, seq: int, timestamp: int) -> None:
        self._seq = (seq, 0)  # (last raw, unwrapped)
        self._ts = (timestamp, 0)
        self._pending: dict[int, dict[int, tuple[bool, bool, bytes]]] = {}  # ts -> seq -> parts
        self._done: tuple[int, int] | None = None  # (timestamp, last seq) of the last frame given out
        self.lost = 0

    def push(self, seq: int, timestamp: int, marker: bool, payload: bytes) -> Vp8Frame | None:
        """One RTP packet's fields; the frame it completes, if any (``ValueError``: a bad payload)."""
        ext_seq = self._seq[1] + _signed(seq - self._seq[0], 16)
        ext_ts = self._ts[1] + _signed(timestamp - self._ts[0], 32)
        if ext_seq > self._seq[1]:
            self._seq, self._ts = (seq, ext_seq), (timestamp, ext_ts)
        if self._done is not None and (ext_ts <= self._done[0] or ext_seq <= self._done[1]):
            return None  # a duplicate, or a latecomer of a frame given out or up
        descriptor, data = VpxPayloadDescriptor.parse(payload)
        start = bool(descriptor.partition_start) and descriptor.partition_id == 0
        parts = self._pending.setdefault(ext_ts, {})
        parts[ext_seq] = (start, marker, data)
        span = _span(parts)
        if span is None:
            if len(self._pending) > PENDING:
                self._pending.pop(min(self._pending))
                self.lost += 1
            return None
        first, last = span
        del self._pending[ext_ts]
        if self._pending and min(self._pending) < ext_ts:  # an earlier frame never completed
            self.lost += 1
            self._pending = {ts: p for ts, p in self._pending.items() if ts > ext_ts}
        elif self._done is not None and first != self._done[1] + 1:  # whole frames never came
            self.lost += 1
        self._done = (ext_ts, last)
        data = b"".join(parts[s][2] for s in range(first, last + 1))
        return Vp8Frame(data, ext_ts, bool(data) and not data[0] & 1)


def _span(parts: dict[int, tuple[bool, bool, bytes]]) -> tuple[int, int] | None:
    """(first, last) sequence numbers of a whole frame's packets, or None while it is not whole."""
    first = next((s for s, (start, _, _) in parts.items() if start), None)
    last = next((s for s, (_, marker, _) in parts.items() if marker), None)
    if first is None or last is None or last < first or last - first + 1 != len(parts):
        return None
    return first, last


class VideoRecording:
    """One browser connection's video, tapped from ``receiver``, written to ``path`` (created with
    the first keyframe). Call ``negotiated`` with VP8's payload types after each answer."""

    def __init__(self, receiver: Any, path: Path, name: str) -> None:
        self.path = path
        self._receiver = receiver
        self._name = name
        self._vp8: frozenset[int] = frozenset()
        self._ssrc: int | None = None
        self._assembler: Vp8Assembler | None = None
        self._writer: WebmVp8Writer | None = None
        self._need_key = True
        self._new_source = True
        self._asked_at = float("-inf")
        self._origin = (0, 0)  # (rtp_time, ms in the file) of the current source's first frame
        self._last = (0, 0.0)  # (ms, monotonic arrival) of the last frame written
        self._asking: set[asyncio.Task[None]] = set()
        self._closed = False
        tap(receiver, self._on_packet)

    @property
    def frames(self) -> int:
        """Frames written so far."""
        return self._writer.frames if self._writer else 0

    def negotiated(self, payload_types: frozenset[int]) -> None:
        self._vp8 = payload_types

    def _on_packet(self, packet: Any, arrival: float) -> None:
        if self._closed or packet.payload_type not in self._vp8 or not packet.payload:
            return
        if packet.ssrc != self._ssrc:
            self._ssrc, self._need_key, self._new_source = packet.ssrc, True, True
            self._assembler = Vp8Assembler(packet.sequence_number, packet.timestamp)
        assert self._assembler is not None
        lost = self._assembler.lost
        try:
            frame = self._assembler.push(
                packet.sequence_number, packet.timestamp, bool(packet.marker), packet.payload
            )
        except ValueError:  # a malformed payload descriptor
            return
        if self._assembler.lost > lost:
            self._need_key = True
        if frame is not None and (frame.keyframe or not self._need_key):
            self._write(frame, arrival)
        if self._need_key:
            self._ask_keyframe(packet.ssrc, arrival)

    def _write(self, frame: Vp8Frame, arrival: float) -> None:
        if self._writer is None:
            self._writer = WebmVp8Writer(self.path)
            self._origin = (frame.rtp_time, 0)
        elif self._new_source:  # goes on from the last frame by the wall clock
            self._origin = (frame.rtp_time, self._last[0] + max(1, round((arrival - self._last[1]) * 1000)))
        self._new_source = False
        ms = self._origin[1] + (frame.rtp_time - self._origin[0]) * 1000 // VIDEO_RATE
        try:
            self._writer.write(frame.data, ms, keyframe=frame.keyframe)
        except ValueError:
            return  # a keyframe without a readable size: wait for the next
        self._need_key = False
        self._last = (ms, arrival)

    def _ask_keyframe(self, ssrc: int, now: float) -> None:
        if now - self._asked_at < KEYFRAME_ASK_SECONDS:
            return
        self._asked_at = now
        task = asyncio.create_task(self._receiver._send_rtcp_pli(ssrc), name=f"pli-{self._name}")
        self._asking.add(task)
        task.add_done_callback(self._asking.discard)

    async def close(self) -> None:
        """Stop taking packets, write the last Cluster and close the file (if one was started)."""
        if self._closed:
            return
        self._closed = True
        await asyncio.gather(*self._asking, return_exceptions=True)  # a PLI on its way: let it go
        if self._writer is not None:
            await asyncio.to_thread(self._writer.close)
            logger.info("%s: %d video frames in %s", self._name, self._writer.frames, self.path.name)
