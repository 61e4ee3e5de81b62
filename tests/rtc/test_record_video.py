"""Recorded video is the VP8 the sender sent, kept in WebM: RTP packets through the recorder's tap,
read back by libavformat and libvpx (PyAV); no encoder anywhere on the recorder's path."""

from __future__ import annotations

import fractions
import types
from pathlib import Path

import av
import pytest
from aiortc.rtp import RtpPacket

from rtc import offers, peer, record_video, record_webm
from rtc.record_video import VIDEO_RATE, VideoRecording

VP8 = 96
MTU = 60  # small, so that frames take several packets


def vp8_frames(count: int, size: tuple[int, int] = (320, 240)) -> list[tuple[bytes, bool]]:
    """``count`` frames as a sender's libvpx makes them (the first a keyframe, the rest not)."""
    encoder = av.CodecContext.create("libvpx", "w")
    encoder.width, encoder.height = size
    encoder.pix_fmt, encoder.time_base = "yuv420p", fractions.Fraction(1, 30)
    encoder.options = {"deadline": "realtime", "cpu-used": "8"}
    frames = []
    for n in range(count):
        image = av.VideoFrame(*size, "yuv420p")
        for plane, value in zip(image.planes, (16 + 7 * n, 128, 128), strict=True):
            plane.update(bytes([value]) * plane.buffer_size)
        image.pts = n
        frames += [(bytes(p), p.is_keyframe) for p in encoder.encode(image)]
    frames += [(bytes(p), p.is_keyframe) for p in encoder.encode(None)]
    return frames


def packetize(frames: list[tuple[bytes, bool]], ssrc: int = 7) -> list[list[RtpPacket]]:
    """Each frame's RTP packets (RFC 7741: a one-byte descriptor, S set on the first), 30 a second."""
    out, seq = [], 65530  # the sequence numbers wrap on the way
    for n, (data, _) in enumerate(frames):
        chunks = [data[i : i + MTU] for i in range(0, len(data), MTU)]
        packets = []
        for i, chunk in enumerate(chunks):
            packets.append(
                RtpPacket(
                    payload_type=VP8,
                    marker=int(i == len(chunks) - 1),
                    sequence_number=seq % 65536,
                    timestamp=n * VIDEO_RATE // 30,
                    ssrc=ssrc,
                    payload=(b"\x10" if i == 0 else b"\x00") + chunk,
                )
            )
            seq += 1
        out.append(packets)
    return out


class Receiver:
    """What the recorder uses of aiortc's RTCRtpReceiver: the tapped handler, and PLI."""

    def __init__(self) -> None:
        self.pli: list[int] = []

    async def _handle_rtp_packet(self, packet: RtpPacket, arrival_time_ms: int) -> None:
        raise AssertionError("aiortc's own handler must not be called")

    async def _send_rtcp_pli(self, media_ssrc: int) -> None:
        self.pli.append(media_ssrc)


async def record(tmp_path: Path, packets: list[RtpPacket]) -> tuple[Path, Receiver]:
    receiver = Receiver()
    recording = VideoRecording(receiver, tmp_path / "p1-01-main.webm", "p1")
    recording.negotiated(frozenset({VP8}))
    for packet in packets:
        await receiver._handle_rtp_packet(packet, 0)
    await recording.close()
    return recording.path, receiver


async def test_the_frames_go_into_webm_as_sent_and_a_keyframe_is_asked_for(tmp_path: Path) -> None:
    frames = vp8_frames(12)
    packets = [p for frame in packetize(frames) for p in frame]
    assert len(packets) > len(frames)  # some frames take several packets
    packets[1], packets[2] = packets[2], packets[1]  # a small reordering is undone
    path, receiver = await record(tmp_path, packets)
    assert receiver.pli == [7]  # the file must start with a keyframe: asked for at once
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert "webm" in container.format.name
        assert (stream.codec_context.name, stream.width, stream.height) == ("vp8", 320, 240)
        assert [bytes(p) for p in container.demux(stream) if p.size] == [data for data, _ in frames]
    with av.open(str(path)) as container:
        times = [frame.time for frame in container.decode(video=0)]
    assert times == pytest.approx([n / 30 for n in range(12)], abs=0.001)


async def test_a_lost_packet_stops_the_file_until_the_next_keyframe(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(record_video, "KEYFRAME_ASK_SECONDS", 0.0)
    (key, _), (d1, _), (d2, _), (d3, _), (d4, _), (d5, _) = vp8_frames(6)
    (new_key, _) = vp8_frames(1)[0]  # a keyframe, as a sender makes when asked
    # A delta frame before any keyframe; then the fourth frame loses its first packet.
    sent = [(d1, False), (key, True), (d2, False), (d3, False), (d4, False), (new_key, True), (d5, False)]
    by_frame = packetize(sent)
    by_frame[3] = by_frame[3][1:]
    path, receiver = await record(tmp_path, [p for frame in by_frame for p in frame])
    with av.open(str(path)) as container:
        kept = [bytes(p) for p in container.demux(video=0) if p.size]
    assert kept == [key, d2, new_key, d5]
    assert len(receiver.pli) >= 2  # at the start, and after the loss


def test_nothing_on_the_recording_path_can_encode() -> None:
    for module in (offers, peer, record_video, record_webm):
        assert not any(isinstance(v, types.ModuleType) and v.__name__ == "av" for v in vars(module).values())
        assert "CodecContext" not in Path(str(module.__file__)).read_text()
