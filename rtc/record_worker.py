"""The recording worker: a process of its own that holds the recording peers, so that a busy room's
packets, files and crypto never take the web process's event loop (``python -m rtc.record_worker``).

The web process (``rtc.record_client``) starts it and talks to it over its stdin and stdout, one
JSON object a line. Requests carry an ``id`` and an ``op``; each gets one answer with the same id:

- ``{"op": "open", "peer": key, "directory", "name_prefix", "segment", "ice_servers", "record_video"}``
- ``{"op": "answer", "peer": key, "sdp": offer, "fresh": bool}`` -> the answer SDP
- ``{"op": "switch", "peer": key, "segment": label}`` -> the closed file's record, or null
- ``{"op": "close", "peer": key}`` -> the last file's record, or null (the peer is forgotten)

An answer is ``{"id", "ok": true, "result"}`` or ``{"id", "ok": false, "error": name, "message"}``,
``error`` naming the ``rtc.offers`` exception (``OfferRefused``, ``IceRestartUnsupported``,
``PeerClosed``; anything else is ``RecordingPeerError``). Besides answers the worker sends one
event, ``{"event": "first_audio", "peer": key}``. Every message carries the worker's ``now``.
When its stdin closes (the web process went away) it closes every peer, so every file ends
cleanly, and exits. It runs on uvloop where installed (``hub.event_loop``), as ``gongtiao serve``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiortc import RTCIceServer

from hub.event_loop import run
from rtc.offers import RecordingPeerError
from rtc.peer import RecordingPeer, SegmentRecord
from rtc.vad import SpeechSegment

logger = logging.getLogger(__name__)

ERRORS = ("OfferRefused", "IceRestartUnsupported", "PeerClosed")


def record_to_json(record: SegmentRecord | None) -> dict[str, Any] | None:
    if record is None:
        return None
    return {
        "segment": record.segment,
        "index": record.index,
        "path": str(record.path),
        "started_at": record.started_at.isoformat(),
        "ended_at": record.ended_at.isoformat(),
        "duration_seconds": record.duration_seconds,
        "sha256": record.sha256,
        "size": record.size,
        "speech": [[s.start, s.end] for s in record.speech],
    }


def record_from_json(data: dict[str, Any] | None, shift: timedelta = timedelta(0)) -> SegmentRecord | None:
    """The record, its times moved by ``shift`` (the reader's clock minus the worker's)."""
    if data is None:
        return None
    return SegmentRecord(
        segment=data["segment"],
        index=data["index"],
        path=Path(data["path"]),
        started_at=datetime.fromisoformat(data["started_at"]) + shift,
        ended_at=datetime.fromisoformat(data["ended_at"]) + shift,
        duration_seconds=data["duration_seconds"],
        sha256=data["sha256"],
        size=data["size"],
        speech=tuple(SpeechSegment(start, end) for start, end in data["speech"]),
    )


class Worker:
    """The peers this worker holds, by the web process's key."""

    def __init__(self, writer: asyncio.StreamWriter) -> None:
        self._writer = writer
        self._peers: dict[str, RecordingPeer] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def send(self, message: dict[str, Any]) -> None:
        # Every message carries this process's clock: the web process moves the records' times
        # onto its own clock (the same, on one host; not so under a test's travelled clock).
        message["now"] = datetime.now(UTC).isoformat()
        self._writer.write(json.dumps(message).encode() + b"\n")

    def start(self, message: dict[str, Any]) -> None:
        task = asyncio.create_task(self.handle(message))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def handle(self, message: dict[str, Any]) -> None:
        try:
            result = await self._do(message)
        except RecordingPeerError as exc:
            name = type(exc).__name__
            self.send({"id": message.get("id"), "ok": False, "error": name, "message": str(exc)})
        except Exception as exc:
            logger.exception("recording worker: %s failed", message.get("op"))
            error = {"error": "RecordingPeerError", "message": f"{type(exc).__name__}: {exc}"}
            self.send({"id": message.get("id"), "ok": False, **error})
        else:
            self.send({"id": message.get("id"), "ok": True, "result": result})

    async def _do(self, message: dict[str, Any]) -> Any:
        op, key = message["op"], str(message.get("peer"))
        if op == "open":
            peer = RecordingPeer(
                directory=Path(message["directory"]),
                name_prefix=message["name_prefix"],
                segment=message["segment"],
                on_segment_closed=None,
                ice_servers=[RTCIceServer(**server) for server in message["ice_servers"]],
                record_video=bool(message["record_video"]),
            )
            self._peers[key] = peer
            self.start_watch(key, peer)
            return None
        if op == "close":
            closing = self._peers.pop(key, None)
            return record_to_json(await closing.close()) if closing else None
        held = self._peers.get(key)
        if held is None:
            raise RecordingPeerError(f"no recording peer {key!r} in this worker")
        if op == "answer":
            return await held.answer(message["sdp"], fresh=bool(message.get("fresh")))
        if op == "switch":
            return record_to_json(await held.switch_segment(message["segment"]))
        raise RecordingPeerError(f"unknown operation {op!r}")

    def start_watch(self, key: str, peer: RecordingPeer) -> None:
        async def watch() -> None:
            await peer.wait_first_audio()
            self.send({"event": "first_audio", "peer": key})

        task = asyncio.create_task(watch())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self) -> None:
        peers, self._peers = list(self._peers.values()), {}
        await asyncio.gather(*(peer.close() for peer in peers), return_exceptions=True)
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


async def serve() -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=1 << 22)  # an offer with many candidates is a long line
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    # Answers go to a copy of stdout; stdout itself becomes stderr, so a stray print cannot
    # corrupt the stream of answers.
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "wb", buffering=0)
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    transport, protocol = await loop.connect_write_pipe(asyncio.streams.FlowControlMixin, answers)
    writer = asyncio.StreamWriter(transport, protocol, None, loop)
    worker = Worker(writer)
    try:
        while line := await reader.readline():
            try:
                message = json.loads(line)
            except ValueError:
                logger.error("recording worker: an unreadable request")
                continue
            worker.start(message)
    finally:
        await worker.close()
        logger.info("recording worker: stdin closed, every file closed")


def main() -> None:
    logging.basicConfig(
        level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    run(serve())  # uvloop, as `gongtiao serve` (docs/benchmarks.md, the recorder on uvloop)


if __name__ == "__main__":
    main()
