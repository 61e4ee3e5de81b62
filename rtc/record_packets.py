"""Opus packets taken from aiortc before its decoder, put in order and laid out on the wall clock.

The seam: ``tap(receiver, on_packet)`` replaces ``_handle_rtp_packet`` on ONE ``RTCRtpReceiver``
instance (the recorder's audio receiver), not on the class. aiortc's DTLS transport calls that
method once per decrypted RTP packet routed to the receiver (its signature has been
``(packet, arrival_time_ms)`` since aiortc 0.9); everything before it (ICE, DTLS, SRTP, the routing
by SSRC and MID, RTCP sender reports and BYE) stays aiortc's own. Subclassing the receiver would
need RTCPeerConnection to build ours (it builds its own, privately), and hooking the track is too
late (frames are decoded). What the replacement gives up: aiortc's jitter buffer and decoder
(the point: ``RTCRtpReceiver``'s decoder thread starts, idles and stops), and its receiver reports
for this stream (their statistics are private): the browser gets no loss report from the recorder,
which changes nothing it does for audio. Other receivers in the process are untouched.

``PacketOrder`` undoes small reorderings (it holds ``REORDER`` packets) and unwraps the 32-bit RTP
sequence numbers and timestamps; ``PacketAligner`` places each packet in the file by its RTP time,
as ``rtc.recorder.WallClockAligner`` places decoded frames, with silence packets for gaps and a
packet dropped where it would overlap what is written.
"""

from __future__ import annotations

import heapq
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rtc.record_ogg import OPUS_RATE, SILENCE, SILENCE_SAMPLES

logger = logging.getLogger(__name__)

REORDER = 2  # packets held back to put a late one in its place (40 ms at 20 ms a packet)


# Received and Placed are made once a packet each: plain slotted classes (a frozen dataclass's
# __init__ costs twice as much), not changed once made except for ``rtp_time`` by PacketOrder.


@dataclass(slots=True)
class Received:
    """One Opus packet as it came: unwrapped RTP time (48 kHz, from the source's first packet)."""

    payload: bytes
    samples: int  # its length at 48 kHz
    rtp_time: int
    arrival: float  # monotonic seconds
    level: int | None  # RFC 6464: 0 (loud) .. 127 (silent), None when the sender sent none


@dataclass(slots=True)
class Placed:
    """A packet in the file: from sample ``at`` (48 kHz) for ``samples``."""

    payload: bytes
    samples: int
    at: int
    level: int | None


def tap(receiver: Any, on_packet: Callable[[Any, float], None]) -> None:
    """Send every RTP packet ``receiver`` gets to ``on_packet(packet, monotonic arrival)`` instead
    of aiortc's jitter buffer and decoder (see the module's notes)."""

    async def handle(packet: Any, arrival_time_ms: int) -> None:
        on_packet(packet, time.monotonic())

    receiver._handle_rtp_packet = handle


def _signed(delta: int, bits: int) -> int:
    half = 1 << (bits - 1)
    return (delta + half) % (1 << bits) - half


class PacketOrder:
    """One source's packets in sequence order, duplicates and hopeless latecomers dropped."""

    def __init__(self, ssrc: int, seq: int, timestamp: int) -> None:
        self.ssrc = ssrc
        self._seq = (seq, 0)  # (last raw, unwrapped)
        self._ts = (timestamp, 0)
        self._released = -1  # unwrapped sequence number of the last packet let go
        self._held: list[tuple[int, int, Received]] = []  # heap of (seq, arrival order, packet)
        self._count = 0

    def push(self, seq: int, timestamp: int, received: Received) -> list[Received]:
        """``received`` with its raw RTP fields (its ``rtp_time`` is set here); the packets now due,
        in order."""
        last_seq, last_ext = self._seq
        ext_seq = last_ext + _signed(seq - last_seq, 16)
        ext_ts = self._ts[1] + _signed(timestamp - self._ts[0], 32)
        if ext_seq > last_ext:  # the newest yet: neither a duplicate nor late (the usual case)
            self._seq, self._ts = (seq, ext_seq), (timestamp, ext_ts)
        elif ext_seq <= self._released or any(s == ext_seq for s, _, _ in self._held):
            return []  # a duplicate, or too late to go in its place
        self._count += 1
        received.rtp_time = ext_ts
        heapq.heappush(self._held, (ext_seq, self._count, received))
        if len(self._held) <= REORDER:
            return []
        return [self._pop()]

    def flush(self) -> list[Received]:
        return [self._pop() for _ in range(len(self._held))]

    def _pop(self) -> Received:
        ext_seq, _, packet = heapq.heappop(self._held)
        self._released = ext_seq
        return packet


class PacketAligner:
    """Where each packet goes in the file, so that sample position follows the hub's clock.

    As ``rtc.recorder.WallClockAligner`` (read its notes) but for packets that cannot be cut: a
    gap becomes whole 20 ms silence packets, and a packet that would overlap what is written by
    more than ``TOLERANCE`` (half a packet) is dropped. Positions are 48 kHz samples. Pure.

    A new source's first ``HOLD`` of packets is held before any is placed, and the offset is the
    least delay among them: packets that come in a burst at the start (a stalled loop, a sender
    catching up) would otherwise each be placed at their common arrival and all but one dropped.
    A file started with ``movable`` moves its start back to its first packet's place.
    """

    TOLERANCE = SILENCE_SAMPLES // 2
    JUMP = 0.100
    HOLD = 0.300

    def __init__(self) -> None:
        self._t0 = 0.0
        self._anchor: float | None = None
        self._held: list[tuple[float, float, Received]] = []  # (pts_end, delay, packet)
        self._starting: list[Received] = []  # a new source's first packets, before its offset
        self._movable = False
        self.written = 0  # samples in the current file
        self.padded = 0  # samples of silence inserted, all files
        self.cut = 0  # samples dropped, all files

    @property
    def t0(self) -> float:
        """Monotonic time of the current file's sample 0."""
        return self._t0

    def start(self, t0: float, *, movable: bool = False) -> None:
        """A new file whose sample 0 is at monotonic time ``t0`` (``movable``: or its first packet's)."""
        self._t0 = t0
        self._movable = movable
        self.written = 0

    def new_source(self) -> list[Placed]:
        """A new RTP source (a new clock): place what is held, forget the offset."""
        out = self._flush()
        self._anchor = None
        return out

    def push(self, packet: Received) -> list[Placed]:
        pts_end = (packet.rtp_time + packet.samples) / OPUS_RATE
        delay = packet.arrival - pts_end
        if self._anchor is None:
            self._starting.append(packet)
            if packet.arrival - self._starting[0].arrival < self.HOLD:
                return []
            return self._flush()
        if delay > self._anchor + self.JUMP:
            self._held.append((pts_end, delay, packet))
            first_end, first_delay, _ = self._held[0]
            if packet.arrival - (first_end + first_delay) < self.HOLD:  # a burst arrives at once: wait
                return []
            self._anchor = min(d for _, d, _ in self._held)
            return self._flush()
        if delay < self._anchor:
            self._anchor = delay
        if not self._held:  # the usual case: nothing held, the packet placed at once
            return self._place(packet, pts_end + self._anchor)
        out = self._flush()  # a burst is over: what was held keeps the current offset
        return out + self._place(packet, pts_end + self._anchor)

    def split_at(self, now: float) -> float:
        """Where to end this file for a switch at ``now``: at the end of what is written when that
        is recent (no pad), else at ``now``."""
        end = self._t0 + self.written / OPUS_RATE
        return end if now - end < self.JUMP else now

    def pad_to(self, now: float) -> list[Placed]:
        """Place what is held, then silence up to monotonic time ``now`` (to within half a packet)."""
        out = self._flush()
        target = round((now - self._t0) * OPUS_RATE)
        return out + self._silence(target - self.written)

    def _flush(self) -> list[Placed]:
        out = []
        if self._starting:
            starting, self._starting = self._starting, []
            ends = [(p.rtp_time + p.samples) / OPUS_RATE for p in starting]
            self._anchor = min(p.arrival - end for p, end in zip(starting, ends, strict=True))
            out = [
                x for p, end in zip(starting, ends, strict=True) for x in self._place(p, end + self._anchor)
            ]
        held, self._held = self._held, []
        anchor = self._anchor or 0.0
        return out + [p for end, _, packet in held for p in self._place(packet, end + anchor)]

    def _silence(self, samples: int) -> list[Placed]:
        out = []
        for _ in range(round(samples / SILENCE_SAMPLES) if samples > self.TOLERANCE else 0):
            out.append(Placed(SILENCE, SILENCE_SAMPLES, self.written, None))
            self.written += SILENCE_SAMPLES
            self.padded += SILENCE_SAMPLES
        return out

    def _place(self, packet: Received, end_time: float) -> list[Placed]:
        if self._movable and self.written == 0:
            self._t0 = min(self._t0, end_time - packet.samples / OPUS_RATE)
            self._movable = False
        gap = round((end_time - self._t0) * OPUS_RATE) - packet.samples - self.written
        if gap < -self.TOLERANCE:
            self.cut += packet.samples
            return []
        out = self._silence(gap) if gap > self.TOLERANCE else []
        out.append(Placed(packet.payload, packet.samples, self.written, packet.level))
        self.written += packet.samples
        return out
