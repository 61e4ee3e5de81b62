"""CPU per packet of the recorder's own work, old and new, with no network and no clock: what
``bench/recording.py`` measures end to end, taken apart where a busy host cannot disturb it
(process time of one process, no real-time pacing, no other process needed).

The same 20 ms Opus packets (a speech-like pattern, each with its RFC 6464 level) go through:

- ``receive``: what any receiving peer does per packet: SRTP unprotect (pylibsrtp, as aiortc)
  and RTP parsing with its header extensions. The floor under both recorders.
- ``record``: the recorder now: ``RecordingPeer``'s packet handler (order, wall-clock place, Ogg
  page once a second of audio, speech from the level). No decoding.
- ``decode``: the recorder before issue #16: libopus decode (aiortc's decoder, 48 kHz stereo),
  resample to 16 kHz mono, ``WallClockAligner``, ``WavWriter``, webrtcvad (``SpeechDetector``).

A stream is 50 packets a second; a three-party session is three streams. Sessions per core =
1 / (3 x 50 x (receive + recorder) seconds per packet): the recorder's work beside the floor,
without the event loop's and the DTLS transport's own per-datagram overhead (which
``bench/recording.py`` includes).

    python -m bench.recording_packets [--packets 6000]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bench.recording import LEVELS, opus_packets

PACKET_RATE = 50
PARTIES = 3
PAYLOAD_TYPE = 111


def per_packet(work: Callable[[int], None], count: int) -> float:
    """Process seconds per call of ``work(n)`` for n in 0..count-1 (best of three rounds)."""
    best = float("inf")
    for _ in range(3):
        started = time.process_time()
        for n in range(count):
            work(n)
        best = min(best, (time.process_time() - started) / count)
    return best


def rtp_packets(payloads: list[bytes], count: int) -> list[bytes]:
    from aiortc.rtcrtpparameters import RTCRtpHeaderExtensionParameters, RTCRtpParameters
    from aiortc.rtp import HeaderExtensionsMap, RtpPacket

    extensions = HeaderExtensionsMap()
    extensions.configure(
        RTCRtpParameters(
            headerExtensions=[
                RTCRtpHeaderExtensionParameters(id=1, uri="urn:ietf:params:rtp-hdrext:ssrc-audio-level")
            ]
        )
    )
    out = []
    for n in range(count):
        payload = payloads[n % len(payloads)]
        packet = RtpPacket(payload_type=PAYLOAD_TYPE, sequence_number=n % 65536, timestamp=n * 960, ssrc=1234)
        packet.payload = payload
        packet.extensions.audio_level = (False, -LEVELS[payload])
        out.append(packet.serialize(extensions))
    return out


def bench_receive(wire: list[bytes]) -> float:
    from aiortc.rtcrtpparameters import RTCRtpHeaderExtensionParameters, RTCRtpParameters
    from aiortc.rtp import HeaderExtensionsMap, RtpPacket
    from pylibsrtp import Policy, Session

    key = os.urandom(30)
    sender = Session(policy=Policy(key=key, ssrc_type=Policy.SSRC_ANY_OUTBOUND))
    protected = [sender.protect(data) for data in wire]
    extensions = HeaderExtensionsMap()
    extensions.configure(
        RTCRtpParameters(
            headerExtensions=[
                RTCRtpHeaderExtensionParameters(id=1, uri="urn:ietf:params:rtp-hdrext:ssrc-audio-level")
            ]
        )
    )
    receiver = Session(policy=Policy(key=key, ssrc_type=Policy.SSRC_ANY_INBOUND))

    def work(n: int) -> None:
        nonlocal receiver
        if n == 0:  # a fresh session a round: no replay refusals
            receiver = Session(policy=Policy(key=key, ssrc_type=Policy.SSRC_ANY_INBOUND))
        RtpPacket.parse(receiver.unprotect(protected[n]), extensions)

    return per_packet(work, len(protected))


def bench_record(wire: list[bytes], directory: Path) -> float:
    from aiortc.rtcrtpparameters import RTCRtpHeaderExtensionParameters, RTCRtpParameters
    from aiortc.rtp import HeaderExtensionsMap, RtpPacket

    from rtc.peer import RecordingPeer

    extensions = HeaderExtensionsMap()
    extensions.configure(
        RTCRtpParameters(
            headerExtensions=[
                RTCRtpHeaderExtensionParameters(id=1, uri="urn:ietf:params:rtp-hdrext:ssrc-audio-level")
            ]
        )
    )
    packets = [RtpPacket.parse(data, extensions) for data in wire]
    peers: list[Any] = []

    def work(n: int) -> None:
        if n == 0:
            peer = RecordingPeer(
                directory=directory, name_prefix=f"b{len(peers)}", segment="main", on_segment_closed=None
            )
            peer._opus = frozenset({PAYLOAD_TYPE})
            peers.append(peer)
        peer = peers[-1]
        peer._on_packet(packets[n], 100.0 + n * 0.02)
        if n % PACKET_RATE == 0 and peer._file is not None:
            peer._file.writer.refresh()  # once a second of audio, as live

    seconds = per_packet(work, len(packets))
    for peer in peers:
        if peer._file is not None:
            peer._file.writer.close()
    return seconds


def bench_decode(payloads: list[bytes], count: int, directory: Path) -> float:
    import av
    from aiortc.codecs import get_decoder
    from aiortc.jitterbuffer import JitterFrame
    from aiortc.rtcrtpparameters import RTCRtpCodecParameters

    from rtc.recorder import SAMPLE_RATE, WallClockAligner, WavWriter
    from rtc.vad import SpeechDetector

    codec = RTCRtpCodecParameters(
        mimeType="audio/opus", clockRate=48000, channels=2, payloadType=PAYLOAD_TYPE
    )
    state: dict[str, Any] = {}

    def work(n: int) -> None:
        if n == 0:
            state.update(
                decoder=get_decoder(codec),
                resampler=av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE),
                aligner=WallClockAligner(),
                writer=WavWriter(directory / f"d{time.monotonic_ns()}.wav"),
                detector=SpeechDetector(),
            )
            state["aligner"].start(100.0)
        frames = state["decoder"].decode(JitterFrame(payloads[n % len(payloads)], n * 960))
        for frame in frames:
            pcm = b"".join(bytes(o.planes[0])[: o.samples * 2] for o in state["resampler"].resample(frame))
            data = state["aligner"].push(pcm, (n + 1) * 0.02, 100.0 + (n + 1) * 0.02)
            state["writer"].write(data)
            state["detector"].feed(data)

    seconds = per_packet(work, count)
    state["writer"].close()
    return seconds


def run(count: int) -> str:
    payloads = opus_packets()
    wire = rtp_packets(payloads, count)
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="gongtiao-bench-packets-") as tmp:
        receive = bench_receive(wire)
        record = bench_record(wire, Path(tmp))
        decode = bench_decode(payloads, count, Path(tmp))
    load_after = os.getloadavg()
    lines = [f"{'path':<24} {'us/packet':>9} {'core/stream':>11} {'sessions/core':>13}"]
    for name, seconds in (
        ("receive (floor)", receive),
        ("receive + record (now)", receive + record),
        ("receive + decode (old)", receive + decode),
    ):
        share = seconds * PACKET_RATE
        lines.append(f"{name:<24} {seconds * 1e6:>9.1f} {share:>11.3%} {1 / (PARTIES * share):>13.0f}")
    lines.append(f"record / decode: {record / decode:.2f}x; {count} packets, best of 3 rounds")
    lines.append(f"load average {load_before[0]:.2f} before, {load_after[0]:.2f} after")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.recording_packets")
    parser.add_argument("--packets", type=int, default=6000)
    args = parser.parse_args(argv)
    print(run(args.packets))


if __name__ == "__main__":
    main()
