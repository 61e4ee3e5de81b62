"""How many three-party audio sessions the hub's recording peer sustains, beside bare aiortc.

A session is three participants, each an aiortc client sending Opus audio (a speech-like signal,
encoded once and replayed as packets in real time, so the sender spends nothing on encoding, each
packet with its RFC 6464 audio level as a browser sends it) to its own receive-only peer on the
hub side. Three receivers, each a subprocess pinned to the server CPUs (the sender runs on the
last CPU):

- ``recorder``: one ``rtc.peer.RecordingPeer`` per participant: packets taken before aiortc's
  decoder, put in order and on the wall clock, written to Ogg Opus; speech from the levels.
- ``receive``: bare aiortc with the recorder's tap: packets received (ICE, DTLS, SRTP) and
  discarded, never decoded. The recorder's floor: what any receiving peer costs.
- ``decode``: bare aiortc: the audio track received, decoded by aiortc and discarded. What the
  recorder cost at the least before issue #16, when it decoded every packet (it then also
  resampled, aligned PCM, ran webrtcvad and wrote WAV: 2.29 % of a core per stream).

The sender's CPU is reported per level too: a level the sender cannot feed is not the receiver's;
the receiver's CPU per packet it took (``µs/packet``) holds still when a busy host starves the sender.

Every receiver, floors and recorder alike, runs on the event loop the recording worker runs on
(``hub.event_loop``: uvloop where installed), so the floors stay fair; ``BENCH_RECORDING_LOOP=asyncio``
puts all of them on asyncio's own loop instead (the recorder before it moved to uvloop). The sender
runs on uvloop too, whatever the receivers run on: it is not what is measured, and on asyncio's loop
its one core filled at 44 sessions (83 %), before the recorder's did.

Sessions go 1, 2, 4, 6, 8, 12, 16, ... (at most ``--connections``) until a level is not sustained:
every stream must keep real time (floor: >= 97 % of its frames in the window; recorder: < 1 % of
its audio padded or cut by the aligner), the event loop must be late by at most 100 ms for 99 % of
a 50 ms timer's rounds, and the receiver must stay under 90 % of its CPUs.

    python -m bench recording            (or: python -m bench.recording serve|send ... for one side)
"""

from __future__ import annotations

import argparse
import asyncio
import fractions
import json
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from contextlib import ExitStack
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import av
from aiohttp import ClientSession, web
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from bench.support import RESULTS_DIR, ROOT, Options, cpu_split, free_port, log, spawn, wait_ready
from hub.event_loop import run as run_on_hub_loop

DEFAULT_DURATION = 10.0
DEFAULT_WARMUP = 3.0
DEFAULT_CONNECTIONS = 64  # here: the most sessions tried
PARTIES = 3
LADDER = (1, 2, 4, 8, 12, 16, 20, 24, 28, 32, 36, 40, 44, 48, 52, 56, 60, 64, 72, 80)
TARGETS = ("decode", "receive", "recorder")
FLOORS = ("decode", "receive")
MAX_STALL = 0.1  # 99th percentile; single longer stalls come from other processes on a shared host
MAX_CPU_SHARE = 0.9


# --- the receiving side (a subprocess) -----------------------------------------------------------


class Receiver:
    def __init__(self, target: str, directory: Path) -> None:
        self.target = target
        self.directory = directory
        self.pcs: list[RTCPeerConnection] = []
        self.peers: list[Any] = []  # RecordingPeer, imported lazily
        self.frames: list[int] = []
        self.tasks: set[asyncio.Task[None]] = set()
        self.mark: tuple[float, float, list[int], int, int] | None = None
        self.lateness: list[float] = []

    def count(self, index: int) -> Any:
        def on_packet(_packet: Any, _arrival: float) -> None:
            self.frames[index] += 1

        return on_packet

    async def answer(self, sdp: str) -> str:
        if self.target == "recorder":
            from rtc.peer import RecordingPeer

            peer = RecordingPeer(
                directory=self.directory,
                name_prefix=f"s{len(self.peers)}",
                segment="main",
                on_segment_closed=None,
            )
            self.peers.append(peer)
            return str(await peer.answer(sdp))
        pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self.pcs.append(pc)
        index = len(self.frames)
        self.frames.append(0)

        if self.target == "receive":
            from rtc.record_packets import tap

            tap(pc.addTransceiver("audio", direction="recvonly").receiver, self.count(index))

        @pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            if self.target == "decode":
                task = asyncio.create_task(self.discard(track, index))
                self.tasks.add(task)

        await pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="offer"))
        await pc.setLocalDescription(await pc.createAnswer())
        return str(pc.localDescription.sdp)

    async def discard(self, track: MediaStreamTrack, index: int) -> None:
        try:
            while True:
                await track.recv()
                self.frames[index] += 1
        except MediaStreamError:
            pass

    def _altered(self) -> int:
        return sum(p.aligner.padded + p.aligner.cut for p in self.peers)

    def _packets(self) -> int:
        """Packets taken so far: counted by the floors; the recorder's from its files (20 ms each)."""
        if self.target in FLOORS:
            return sum(self.frames)
        return sum((p.aligner.written - p.aligner.padded + p.aligner.cut) // 960 for p in self.peers)

    def start_window(self) -> None:
        self.lateness = []
        now, cpu = time.monotonic(), time.process_time()
        self.mark = (now, cpu, list(self.frames), self._altered(), self._packets())

    def stats(self) -> dict[str, Any]:
        assert self.mark is not None, "POST /mark first"
        wall, cpu, frames, altered, packets = self.mark
        seconds = time.monotonic() - wall
        out: dict[str, Any] = {
            "seconds": seconds,
            "cpu_seconds": time.process_time() - cpu,
            "packets": self._packets() - packets,
            "max_stall": max(self.lateness, default=0.0),
            "p99_stall": sorted(self.lateness)[int(len(self.lateness) * 0.99)] if self.lateness else 0.0,
            "streams": len(self.frames) or len(self.peers),
        }
        if self.target in FLOORS:
            expected = seconds * 50
            out["worst_frame_share"] = min(
                (now - then) / expected for now, then in zip(self.frames, frames, strict=True)
            )
        else:
            out["altered_share"] = (self._altered() - altered) / (seconds * 48000 * max(len(self.peers), 1))
        return out

    async def watch_loop(self) -> None:
        """How late the event loop is for a 50 ms timer (a late loop delays every stream)."""
        while True:
            before = time.monotonic()
            await asyncio.sleep(0.05)
            self.lateness.append(time.monotonic() - before - 0.05)


async def serve(target: str, port: int, directory: Path) -> None:
    receiver = Receiver(target, directory)

    async def offer(request: web.Request) -> web.Response:
        body = await request.json()
        return web.json_response({"sdp": await receiver.answer(body["sdp"])})

    async def mark(_request: web.Request) -> web.Response:
        receiver.start_window()
        return web.json_response({})

    async def stats(_request: web.Request) -> web.Response:
        return web.json_response(receiver.stats())

    async def ready(_request: web.Request) -> web.Response:
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/offer", offer)
    app.router.add_post("/mark", mark)
    app.router.add_get("/stats", stats)
    app.router.add_get("/healthz", ready)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    watcher = asyncio.create_task(receiver.watch_loop())
    try:
        await asyncio.Event().wait()  # until the parent terminates us
    finally:
        watcher.cancel()
        await runner.cleanup()


# --- the sending side (a subprocess) -------------------------------------------------------------


LEVELS: dict[bytes, int] = {}  # packet -> its RFC 6464 level, for the sender's extension


def with_levels() -> None:
    """aiortc sends a level only with audio it encodes: give replayed packets theirs."""
    from aiortc.rtcrtpsender import RTCRtpSender

    plain = RTCRtpSender._next_encoded_frame

    async def next_frame(self: Any, codec: Any) -> Any:
        frame = await plain(self, codec)
        if frame is not None and frame.audio_level is None and frame.payloads:
            frame.audio_level = LEVELS.get(frame.payloads[0])
        return frame

    RTCRtpSender._next_encoded_frame = next_frame  # type: ignore[method-assign]


def opus_packets(seconds: float = 4.0) -> list[bytes]:
    """A speech-like pattern, encoded once to 20 ms Opus packets (48 kHz), with their levels."""
    sys.path.insert(0, str(ROOT))
    from aiortc.rtp import compute_audio_level_dbov

    from tests.rtc.audio import pattern_pcm, spans_from

    pcm = pattern_pcm(spans_from([(0.3, 1.5), (2.0, 3.4)], seconds), seed=7)
    source = av.AudioFrame(format="s16", layout="mono", samples=len(pcm) // 2)
    source.planes[0].update(pcm)
    source.sample_rate = 16000
    encoder = av.CodecContext.create("libopus", "w")
    encoder.sample_rate, encoder.layout, encoder.format = 48000, "stereo", "s16"
    encoder.time_base = fractions.Fraction(1, 48000)
    encoder.bit_rate = 32000
    resampler = av.AudioResampler(format="s16", layout="stereo", rate=48000, frame_size=960)
    packets: list[bytes] = []
    for frame in [*resampler.resample(source), *resampler.resample(None)]:
        level = compute_audio_level_dbov(frame)  # aiortc's own, as it sends with audio it encodes
        for made in encoder.encode(frame):
            packets.append(bytes(made))
            LEVELS[packets[-1]] = level  # dBov, as RTCEncodedFrame holds it (aiortc negates it)
    return packets


class OpusLoop(MediaStreamTrack):
    """Replays encoded packets in real time (aiortc sends packets as they are, without encoding)."""

    kind = "audio"

    def __init__(self, packets: list[bytes], offset: int) -> None:
        super().__init__()
        self._packets, self._offset, self._sent = packets, offset, 0
        self._start: float | None = None

    async def recv(self) -> av.Packet:
        if self._start is None:
            self._start = time.monotonic()
        await asyncio.sleep(max(0.0, self._start + self._sent * 0.02 - time.monotonic()))
        packet = av.Packet(self._packets[(self._offset + self._sent) % len(self._packets)])
        packet.pts, packet.time_base = self._sent * 960, fractions.Fraction(1, 48000)
        self._sent += 1
        return packet


async def send(url: str, sessions: int, warmup: float, duration: float) -> dict[str, Any]:
    packets = opus_packets()
    with_levels()
    clients: list[RTCPeerConnection] = []
    async with ClientSession() as http:

        async def one(n: int) -> None:
            pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
            clients.append(pc)
            pc.addTransceiver(OpusLoop(packets, offset=n * 17), direction="sendonly")
            await pc.setLocalDescription(await pc.createOffer())
            async with http.post(f"{url}/offer", json={"sdp": pc.localDescription.sdp}) as response:
                answer = (await response.json())["sdp"]
            await pc.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))

        try:
            await asyncio.gather(*(one(n) for n in range(sessions * PARTIES)))
            deadline = time.monotonic() + 20
            while any(pc.connectionState != "connected" for pc in clients):
                if time.monotonic() > deadline:
                    raise RuntimeError("not every client connected within 20 s")
                await asyncio.sleep(0.1)
            await asyncio.sleep(warmup)
            cpu = time.process_time()
            async with http.post(f"{url}/mark") as response:
                response.raise_for_status()
            await asyncio.sleep(duration)
            async with http.get(f"{url}/stats") as response:
                stats: dict[str, Any] = await response.json()
            stats["sender_cpu_seconds"] = time.process_time() - cpu
            return stats
        finally:
            await asyncio.gather(*(pc.close() for pc in clients), return_exceptions=True)


# --- the driver ----------------------------------------------------------------------------------


def kept_up(target: str, stats: dict[str, Any]) -> bool:
    """Every stream kept real time (whatever the event loop's lateness said)."""
    if target in FLOORS:
        return bool(stats["worst_frame_share"] >= 0.97)
    return bool(stats["altered_share"] <= 0.01)


def sustained(target: str, stats: dict[str, Any], server_cpus: int) -> tuple[bool, str]:
    cpu_share = stats["cpu_seconds"] / stats["seconds"] / server_cpus
    if cpu_share > MAX_CPU_SHARE:
        return False, f"receiver CPU {cpu_share:.0%} of its {server_cpus} CPU(s)"
    if stats["p99_stall"] > MAX_STALL:
        return False, f"event loop late by {stats['p99_stall'] * 1000:.0f} ms at the 99th percentile"
    if target in FLOORS and stats["worst_frame_share"] < 0.97:
        return False, f"a stream got {stats['worst_frame_share']:.0%} of its packets or frames"
    if target == "recorder" and stats["altered_share"] > 0.01:
        return False, f"{stats['altered_share']:.1%} of the audio padded or cut"
    return True, "ok"


def run_level(target: str, sessions: int, options: Options, tmp: Path) -> dict[str, Any]:
    server_cpus, load_cpus = cpu_split(options.pin)
    port = free_port()
    directory = tmp / f"{target}-{sessions}"
    directory.mkdir()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    py = [sys.executable, "-m", "bench.recording"]
    with ExitStack() as stack:
        server = spawn(
            f"{target} receiver",
            [*py, "serve", "--target", target, "--port", str(port), "--dir", str(directory)],
            env=env,
            cwd=ROOT,
            log_path=tmp / f"{target}-{sessions}-server.log",
            stack=stack,
            cpus=server_cpus,
        )
        wait_ready(server, f"http://127.0.0.1:{port}/healthz")
        out = tmp / f"{target}-{sessions}.json"
        sender = spawn(
            "sender",
            [*py, "send", "--url", f"http://127.0.0.1:{port}", "--sessions", str(sessions), "--out", str(out)]
            + ["--warmup", str(options.warmup), "--duration", str(options.duration)],
            env=env,
            cwd=ROOT,
            log_path=tmp / f"{target}-{sessions}-sender.log",
            stack=stack,
            cpus=load_cpus,
        )
        code = sender.process.wait(timeout=options.warmup + options.duration + 120)
        if code != 0:
            raise RuntimeError(f"the sender failed ({code}):\n{sender.log_tail()}")
        stats: dict[str, Any] = json.loads(out.read_text())
    ok, why = sustained(target, stats, len(server_cpus) if server_cpus else os.cpu_count() or 1)
    per_session = stats["cpu_seconds"] / stats["seconds"] / sessions
    return {
        "target": target,
        "sessions": sessions,
        "ok": ok,
        "why": why,
        "kept_up": kept_up(target, stats),
        "cpu_per_session": per_session,
        **stats,
    }


def table(levels: list[dict[str, Any]]) -> str:
    head = (
        f"{'target':<9} {'sessions':>8} {'streams':>7} {'CPU':>6} {'CPU/stream':>10} {'sender/stream':>13} "
        f"{'µs/packet':>9} {'late p99/max':>13} {'load':>5}"
    )
    lines = [head + "  verdict"]
    for r in levels:
        cores = r["cpu_seconds"] / r["seconds"]
        sender = r["sender_cpu_seconds"] / r["seconds"] / r["streams"]
        lines.append(
            f"{r['target']:<9} {r['sessions']:>8} {r['streams']:>7} {cores:>6.1%} "
            f"{r['cpu_per_session'] / PARTIES:>10.2%} {sender:>13.2%} "
            f"{r['cpu_seconds'] / max(r.get('packets', 0), 1) * 1e6:>9.1f} "
            f"{r['p99_stall'] * 1000:>5.0f}/{r['max_stall'] * 1000:>4.0f} ms {r['load_average']:>5.1f}  "
            + ("sustained" if r["ok"] else "NOT: " + r["why"])
        )
    return "\n".join(lines)


def marginal(levels: list[dict[str, Any]], target: str) -> float | None:
    """Least-squares slope of the receiver's cores against sessions, over the levels where every
    stream kept real time (a loaded host makes the loop late long before the CPU runs out)."""
    points = [
        (r["sessions"], r["cpu_seconds"] / r["seconds"])
        for r in levels
        if r["target"] == target and r["kept_up"]
    ]
    if len(points) < 2:
        return None
    mean_x = sum(x for x, _ in points) / len(points)
    mean_y = sum(y for _, y in points) / len(points)
    spread = sum((x - mean_x) ** 2 for x, _ in points)
    return sum((x - mean_x) * (y - mean_y) for x, y in points) / spread if spread else None


def compare(levels: list[dict[str, Any]], best: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The recorder against each floor: CPU per session at the largest level both sustained, per
    added session, and the sessions a core would hold at the recorder's marginal cost."""
    out: dict[str, Any] = {"most_sessions_sustained": {t: r["sessions"] for t, r in best.items()}}
    ok = {t: {r["sessions"]: r for r in levels if r["target"] == t and r["ok"]} for t in TARGETS}
    slopes = {t: marginal(levels, t) for t in TARGETS}
    out["cpu_per_added_session"] = slopes
    if slopes["recorder"]:
        out["sessions_per_core_at_marginal_cost"] = 1 / slopes["recorder"]
    for floor in FLOORS:
        common = sorted(set(ok[floor]) & set(ok["recorder"]))
        if common:
            f, r = ok[floor][common[-1]], ok["recorder"][common[-1]]
            out[f"against_{floor}"] = {
                "at_sessions": common[-1],
                "cpu_per_session": {floor: f["cpu_per_session"], "recorder": r["cpu_per_session"]},
                "ratio": r["cpu_per_session"] / f["cpu_per_session"],
            }
    return out


def run(options: Options) -> str:
    started = datetime.now(UTC)
    levels: list[dict[str, Any]] = []
    best: dict[str, dict[str, Any]] = {}
    # BENCH_RECORDING_TARGETS=receive,recorder picks targets; BENCH_RECORDING_LEVELS=8,16,32 runs
    # those levels whatever their verdict (CPU per stream on a host too busy to sustain a ladder).
    targets = [t for t in TARGETS if t in os.environ.get("BENCH_RECORDING_TARGETS", ",".join(TARGETS))]
    fixed = [int(n) for n in os.environ.get("BENCH_RECORDING_LEVELS", "").split(",") if n]
    with tempfile.TemporaryDirectory(prefix="gongtiao-bench-rec-") as tmp:
        for target in targets:
            for sessions in fixed or [n for n in LADDER if n <= options.connections]:
                load = os.getloadavg()[0]
                log(f"{target}: {sessions} session(s) of {PARTIES} (load average {load:.2f})")
                result = run_level(target, sessions, options, Path(tmp)) | {"load_average": load}
                levels.append(result)
                log(table([result]).splitlines()[1])
                if not result["ok"] and not fixed:
                    break
                if result["ok"]:
                    best[target] = result
    comparison = compare(levels, best)
    data = {
        "benchmark": "recording",
        "receiver_loop": os.environ.get("BENCH_RECORDING_LOOP", "hub.event_loop"),
        "started_at": started.isoformat(),
        "session": f"{PARTIES} aiortc clients sending Opus (replayed packets) to {PARTIES} receiving peers",
        "cpus": os.cpu_count(),
        "warmup_s": options.warmup,
        "duration_s": options.duration,
        "versions": {p: metadata.version(p) for p in ("aiortc", "av")},
        "load_average_end": os.getloadavg(),
        "levels": levels,
        **comparison,
    }
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"recording-{started.strftime('%Y%m%dT%H%M%SZ')}.json"
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    summary = [table(levels)]
    for target, r in best.items():
        summary.append(f"{target}: {r['sessions']} sessions ({r['streams']} streams) sustained")
    for floor in FLOORS:
        if f"against_{floor}" in comparison:
            c = comparison[f"against_{floor}"]
            per = c["cpu_per_session"]
            summary.append(
                f"at {c['at_sessions']} sessions: {floor} {per[floor]:.2%}, recorder {per['recorder']:.2%} "
                f"of a core per session: recorder / {floor} {c['ratio']:.2f}x"
            )
    slopes = comparison["cpu_per_added_session"]
    summary.append(
        "per added session: "
        + ", ".join(f"{t} {v:.2%}" for t, v in slopes.items() if v)
        + " of a core"
        + (
            f"; the recorder's marginal cost holds {comparison['sessions_per_core_at_marginal_cost']:.0f} "
            "sessions a core"
            if "sessions_per_core_at_marginal_cost" in comparison
            else ""
        )
    )
    summary.append(f"(load average {os.getloadavg()[0]:.2f} at the end; results: {path.relative_to(ROOT)})")
    return "\n".join(summary)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.recording")
    sub = parser.add_subparsers(dest="side", required=True)
    s = sub.add_parser("serve")
    s.add_argument("--target", choices=TARGETS, required=True)
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--dir", type=Path, required=True)
    c = sub.add_parser("send")
    c.add_argument("--url", required=True)
    c.add_argument("--sessions", type=int, required=True)
    c.add_argument("--warmup", type=float, default=DEFAULT_WARMUP)
    c.add_argument("--duration", type=float, default=DEFAULT_DURATION)
    c.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.side == "serve":
        on_asyncio = os.environ.get("BENCH_RECORDING_LOOP") == "asyncio"
        (asyncio.run if on_asyncio else run_on_hub_loop)(serve(args.target, args.port, args.dir))
    else:
        stats = run_on_hub_loop(send(args.url, args.sessions, args.warmup, args.duration))
        args.out.write_text(json.dumps(stats), encoding="utf-8")


if __name__ == "__main__":
    main()
