"""The hub's receive-only WebRTC peer for one participant: their audio, one Ogg Opus file per room
segment, never decoded live.

A browser opens a send-only connection to the hub besides its mesh; ``RecordingPeer.answer`` takes
its complete (non-trickle: aiortc does not trickle) offer and returns a complete answer: audio
``recvonly`` with Opus first, video ``inactive`` unless ``record_video`` (then ``recvonly``, VP8 only,
kept as sent in WebM: ``rtc.record_video``). The audio's RTP packets
are taken before aiortc's jitter buffer and decoder (``rtc.record_packets.tap``), put in order,
laid out on the wall clock and written as they are to ``{name_prefix}-{n:02d}-{segment}.ogg``
(``rtc.record_ogg``); who spoke when comes from the level each packet carries (RFC 6464,
``rtc.record_levels``). A sender that sends no levels gets its speech found in the file when it
closes (decoded then, in a thread: ``rtc.vad.segments_from_file``). ``switch_segment`` closes the
file (``on_segment_closed`` gets its ``SegmentRecord``) and opens the next at the same instant, so a
participant's files tile time.

Wall clock: sample ``k`` of a file (48 kHz) was sent at ``started_at + k / 48000`` by the hub's
clock: the hub hears it the network's delay later, and it was spoken a few tens of ms before it was
sent (capture and encoding). ``rtc.record_packets.PacketAligner`` keeps that true within ~0.1 s when
packets stop (network drop, DTX, a stopped sender): silence packets fill the gap. The first file
starts with the first audio packet, later ones at the switch.

Renegotiation: ``answer`` may be called again. An offer from the same browser connection is applied
to the same aiortc connection (aiortc allows renegotiation) - except an ICE restart, which aiortc
does not implement (it keeps the first ICE credentials): that raises ``IceRestartUnsupported``. The
browser should instead open a new RTCPeerConnection to the hub and send its offer to ``answer``
again: a new DTLS fingerprint tells us so, and the peer swaps in a new aiortc connection while the
current file goes on (silence fills the gap).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiortc import RTCConfiguration, RTCIceServer, RTCPeerConnection, RTCSessionDescription
from aiortc.exceptions import InvalidStateError, OperationError

from rtc.offers import (
    IceRestartUnsupported,
    OfferRefused,
    PeerClosed,
    audio_codecs,
    inspect_offer,
    payload_types,
    vp8_codecs,
)
from rtc.record_levels import LevelDetector
from rtc.record_ogg import OPUS_RATE, OggOpusWriter, opus_samples
from rtc.record_packets import PacketAligner, PacketOrder, Placed, Received, tap
from rtc.record_video import VideoRecording
from rtc.vad import SpeechSegment, segments_from_file

logger = logging.getLogger(__name__)

IDLE_SECONDS = 1.0  # no packet for this long: pad the file with silence up to IDLE_SECONDS ago
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


@dataclass(frozen=True)
class SegmentRecord:
    """One closed recording: a participant's audio in one room segment."""

    segment: str  # "main", "caucus-1", ...
    index: int  # the n of the file name
    path: Path
    started_at: datetime  # UTC wall clock of sample 0
    ended_at: datetime  # UTC wall clock when the file was closed
    duration_seconds: float  # of the audio in the file (= ended_at - started_at within ~10 ms)
    sha256: str  # hex, of the whole file
    size: int  # bytes
    speech: tuple[SpeechSegment, ...]  # seconds from started_at

    def speech_at(self) -> list[tuple[datetime, datetime]]:
        """The speech segments as UTC datetimes."""
        return [
            (self.started_at + timedelta(seconds=s.start), self.started_at + timedelta(seconds=s.end))
            for s in self.speech
        ]


@dataclass
class _OpenFile:
    label: str
    index: int
    writer: OggOpusWriter
    started_at: datetime
    detector: LevelDetector = field(default_factory=LevelDetector)
    speech: list[SpeechSegment] = field(default_factory=list)


def _check_name(value: str, what: str) -> str:
    if not _NAME.fullmatch(value):
        raise ValueError(f"{what} must be 1-64 of A-Z a-z 0-9 _ . - (not starting with . _ -): {value!r}")
    return value


def _utc_at(monotonic_time: float) -> datetime:
    """When the audio the hub heard at ``monotonic_time`` was sent, in UTC."""
    return datetime.now(UTC) - timedelta(seconds=time.monotonic() - monotonic_time)


class RecordingPeer:
    """The hub's receive-only peer for ONE participant; records their audio per room segment.

    ``on_segment_closed`` is awaited under the peer's segment lock, so records arrive in order; it
    must not await this peer's ``switch_segment`` or ``close``. Its exceptions are logged, not raised.
    """

    def __init__(
        self,
        *,
        directory: Path,
        name_prefix: str,
        segment: str,
        on_segment_closed: Callable[[SegmentRecord], Awaitable[None]] | None,
        ice_servers: list[RTCIceServer] | None = None,
        record_video: bool = False,
    ) -> None:
        self._directory = Path(directory)
        self._prefix = _check_name(name_prefix, "name_prefix")
        self._label = _check_name(segment, "segment")
        self._on_segment_closed = on_segment_closed
        # None means no STUN/TURN at all (aiortc's default would ask Google's STUN server).
        self._ice_servers = list(ice_servers or [])
        self._record_video = record_video
        self._pc: RTCPeerConnection | None = None
        self._remote: tuple[str, str] | None = None  # (ICE ufrag, DTLS fingerprint) of the offerer
        self._idle_task: asyncio.Task[None] | None = None
        self._opus: frozenset[int] = frozenset()  # payload types of Opus in the current answer
        self._order: PacketOrder | None = None  # of the current RTP source
        self._last_arrival = 0.0
        self._videos: list[VideoRecording] = []  # one per browser connection
        self._aligner = PacketAligner()
        self._file: _OpenFile | None = None
        self._last_index = 0
        self._first_index = 0  # of the file that started with the first packet
        self._first_audio = asyncio.Event()
        self._negotiating = asyncio.Lock()
        self._segmenting = asyncio.Lock()
        self._closed = False
        self.records: list[SegmentRecord] = []  # every closed file, in order

    @property
    def connection_state(self) -> str:
        """aiortc's ``connectionState`` ("new" before the first offer, "closed" after ``close``)."""
        if self._pc is None:
            return "closed" if self._closed else "new"
        return str(self._pc.connectionState)

    @property
    def segment(self) -> str:
        return self._label

    @property
    def current_path(self) -> Path | None:
        """The file being written, if audio has started."""
        return self._file.writer.path if self._file else None

    @property
    def aligner(self) -> PacketAligner:
        return self._aligner

    async def wait_first_audio(self) -> None:
        """Return once the first audio frame arrived (wrap it in ``asyncio.timeout`` to bound it)."""
        await self._first_audio.wait()

    async def answer(self, offer_sdp: str, *, fresh: bool = False) -> str:
        """The complete answer SDP to a complete offer; see the module's notes on renegotiation.
        ``fresh``: the offer is a new connection whatever its fingerprint says (Janus offers every
        subscription with the one certificate it has); the recording goes on, as for a new browser
        connection."""
        async with self._negotiating:
            if self._closed:
                raise PeerClosed("the recording peer is closed")
            ufrag, fingerprint = inspect_offer(offer_sdp)
            if self._pc is not None and self._remote is not None:
                if fresh or fingerprint != self._remote[1]:
                    logger.info("%s: a new browser connection; the recording goes on", self._prefix)
                    await self._drop_connection()
                elif ufrag != self._remote[0]:
                    raise IceRestartUnsupported("ICE restart is not supported: open a new connection")
            fresh = self._pc is None
            pc = self._pc = self._pc or self._new_connection()
            try:
                await pc.setRemoteDescription(RTCSessionDescription(sdp=offer_sdp, type="offer"))
                seen: set[str] = set()
                for transceiver in pc.getTransceivers():
                    if transceiver.kind in seen or (transceiver.kind == "video" and not self._record_video):
                        transceiver.direction = "inactive"
                    seen.add(transceiver.kind)  # only the first audio and video tracks are recorded
                await pc.setLocalDescription(await pc.createAnswer())
            except (ValueError, OperationError, InvalidStateError) as exc:
                if fresh:
                    await self._drop_connection()
                raise OfferRefused(str(exc)) from exc
            self._remote = (ufrag, fingerprint)
            self._opus = payload_types(pc.localDescription.sdp, "audio", "audio/opus")
            if self._videos:
                self._videos[-1].negotiated(payload_types(pc.localDescription.sdp, "video", "video/vp8"))
            return str(pc.localDescription.sdp)

    def _new_connection(self) -> RTCPeerConnection:
        pc = RTCPeerConnection(RTCConfiguration(iceServers=self._ice_servers))
        # Made before the offer is applied, so the offer's audio takes it and its codec order.
        audio = pc.addTransceiver("audio", direction="recvonly")
        audio.setCodecPreferences(audio_codecs())
        tap(audio.receiver, self._on_packet)  # the packets, before aiortc's decoder
        if self._record_video:  # one file per browser connection, named after the segment it started in
            video = pc.addTransceiver("video", direction="recvonly")
            video.setCodecPreferences(vp8_codecs())
            path = self._next_path(self._label, ".webm")
            self._videos.append(VideoRecording(video.receiver, path, self._prefix))
        if self._order is not None:  # a new connection is a new RTP source
            self._place(self._order.flush())
            self._order = None
        if self._idle_task is None:
            self._idle_task = asyncio.create_task(self._idle_loop(), name=f"record-idle-{self._prefix}")

        @pc.on("connectionstatechange")
        def on_state() -> None:
            logger.info("%s: hub connection %s", self._prefix, pc.connectionState)

        return pc

    @property
    def video_frames(self) -> int:
        """Video frames written so far, over every connection of this peer."""
        return sum(video.frames for video in self._videos)

    def _on_packet(self, packet: Any, arrival: float) -> None:
        """One RTP packet of the recorded audio (called by aiortc's transport, on the loop)."""
        if self._closed or packet.payload_type not in self._opus or not packet.payload:
            return
        samples = opus_samples(packet.payload)
        if not samples:
            return
        level = packet.extensions.audio_level
        received = Received(packet.payload, samples, 0, arrival, level[1] if level else None)
        self._last_arrival = arrival
        if self._order is None or self._order.ssrc != packet.ssrc:
            flushed = self._order.flush() if self._order else []
            self._order = PacketOrder(packet.ssrc, packet.sequence_number, packet.timestamp)
            self._place(flushed)
            self._append(self._aligner.new_source())
        self._place(self._order.push(packet.sequence_number, packet.timestamp, received))

    def _place(self, packets: list[Received]) -> None:
        for packet in packets:
            if self._file is None:
                self._open(packet.arrival - packet.samples / OPUS_RATE)
                self._first_audio.set()
            self._append(self._aligner.push(packet))

    async def _idle_loop(self) -> None:
        """Silence for a sender that stopped: the file keeps up with the wall clock."""
        while True:
            await asyncio.sleep(IDLE_SECONDS / 2)
            now = time.monotonic()
            if self._file is not None and now - self._last_arrival >= IDLE_SECONDS:
                if self._order is not None:
                    self._place(self._order.flush())
                self._append(self._aligner.pad_to(now - IDLE_SECONDS))

    def _append(self, placed: list[Placed]) -> None:
        if not placed or self._file is None:
            return
        writer, detector, speech = self._file.writer, self._file.detector, self._file.speech
        if not writer.frames and self._file.index == self._first_index:  # where the first packet went
            self._file.started_at = _utc_at(self._aligner.t0)
        for p in placed:
            writer.write(p.payload, p.samples)
            speech.extend(detector.feed(p.at / OPUS_RATE, (p.at + p.samples) / OPUS_RATE, p.level))

    def _next_path(self, label: str, suffix: str = ".ogg") -> Path:
        """The next free ``{prefix}-{n:02d}-{label}``: numbers go on after files already there."""
        if self._last_index == 0:
            self._directory.mkdir(parents=True, exist_ok=True)
            pattern = re.compile(re.escape(self._prefix) + r"-(\d+)-")
            taken = (pattern.match(p.name) for p in self._directory.glob(f"{self._prefix}-*"))
            self._last_index = max((int(m.group(1)) for m in taken if m), default=0)
        self._last_index += 1
        return self._directory / f"{self._prefix}-{self._last_index:02d}-{label}{suffix}"

    def _open(self, t0: float, started_at: datetime | None = None) -> None:
        path = self._next_path(self._label)
        self._file = _OpenFile(self._label, self._last_index, OggOpusWriter(path), started_at or _utc_at(t0))
        if started_at is None:
            self._first_index = self._last_index
        self._aligner.start(t0, movable=started_at is None)

    async def switch_segment(self, segment: str) -> SegmentRecord | None:
        """Close the current file (its record, also given to ``on_segment_closed``) and open the next.

        No-op (None) when the segment is unchanged; before the first audio it only relabels.
        """
        _check_name(segment, "segment")
        async with self._segmenting:
            if self._closed:
                raise PeerClosed("the recording peer is closed")
            if segment == self._label:
                return None
            self._label = segment
            if self._file is None:
                return None
            if self._order is not None:
                self._place(self._order.flush())
            split = self._aligner.split_at(time.monotonic())
            stamp = _utc_at(split)  # one instant: this file's end is the next one's start
            self._append(self._aligner.pad_to(split))
            done = self._file
            self._open(split, stamp)
            return await self._finish(done, stamp)

    async def _finish(self, done: _OpenFile, ended_at: datetime) -> SegmentRecord:
        done.speech.extend(done.detector.finish())
        file = await asyncio.to_thread(done.writer.close)
        if not done.detector.levels_seen and file.frames:  # the sender sent no levels: from the file
            done.speech[:] = await asyncio.to_thread(segments_from_file, file.path)
        record = SegmentRecord(
            segment=done.label,
            index=done.index,
            path=file.path,
            started_at=done.started_at,
            ended_at=ended_at,
            duration_seconds=file.duration_seconds,
            sha256=file.sha256,
            size=file.size,
            speech=tuple(done.speech),
        )
        self.records.append(record)
        if self._on_segment_closed is not None:
            try:
                await self._on_segment_closed(record)
            except Exception:  # the file is safe on disk; the room must go on
                logger.exception("%s: on_segment_closed failed for %s", self._prefix, file.path.name)
        return record

    async def close(self) -> SegmentRecord | None:
        """Close the file (its record is returned and given to the callback) and the connection."""
        async with self._segmenting:
            if self._closed:
                return None
            self._closed = True
            now = time.monotonic()
            await self._stop_idle()
            if self._order is not None:
                self._place(self._order.flush())
            record = None
            if self._file is not None:
                self._append(self._aligner.pad_to(now))
                done, self._file = self._file, None
                record = await self._finish(done, _utc_at(now))
        async with self._negotiating:
            await self._drop_connection()
        return record

    async def _stop_idle(self) -> None:
        task, self._idle_task = self._idle_task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _drop_connection(self) -> None:
        if self._videos:
            await self._videos[-1].close()  # an earlier connection's is closed already
        pc, self._pc, self._remote = self._pc, None, None
        if pc is not None:
            await pc.close()
