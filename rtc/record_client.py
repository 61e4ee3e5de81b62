"""The web process's side of the recording worker (``rtc.record_worker``): the worker process is
started on first use, and ``RemoteRecordingPeer`` is a recording peer that lives there, with the
interface the room host uses of ``rtc.peer.RecordingPeer`` (``answer``, ``switch_segment``,
``close``). The web process only passes SDP and segment labels; packets, files and crypto stay in
the worker, so a busy room never slows a page.

If the worker dies, every peer it held fails (``WorkerLost``) and ``on_lost`` is called: the host
forgets those peers, so a browser's next offer starts a new worker and a new file. The files the
dead worker left are on disk, readable up to their last page; ``rtc.recovery`` takes them in at
the next start, as after a crash.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import os
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from aiortc import RTCIceServer

import rtc
from hub.orm import utcnow
from rtc.offers import IceRestartUnsupported, OfferRefused, PeerClosed, RecordingPeerError
from rtc.peer import SegmentRecord
from rtc.record_worker import record_from_json

logger = logging.getLogger(__name__)

_ERRORS: dict[str, type[RecordingPeerError]] = {
    "OfferRefused": OfferRefused,
    "IceRestartUnsupported": IceRestartUnsupported,
    "PeerClosed": PeerClosed,
}
_SOURCE_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(rtc.__file__)))  # the worker imports rtc
STOP_SECONDS = 10.0  # the worker closes its files when its stdin closes; then it is killed


class WorkerLost(RecordingPeerError):
    """The recording worker process stopped."""


class RecordWorker:
    """One worker process, started on first use and again after it died."""

    def __init__(self, *, on_lost: Callable[[], None] | None = None) -> None:
        self._process: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None
        self._starting = asyncio.Lock()
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self._first_audio: dict[str, asyncio.Event] = {}
        self._ids = itertools.count(1)
        self._on_lost = on_lost
        self._stopping = False
        self.clock_offset = timedelta(0)  # this process's clock minus the worker's

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process and self._process.returncode is None else None

    async def request(self, op: str, **fields: Any) -> Any:
        process = await self._started()
        assert process.stdin is not None
        ident = next(self._ids)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[ident] = future
        try:
            process.stdin.write(json.dumps({"id": ident, "op": op, **fields}).encode() + b"\n")
            await process.stdin.drain()
        except (ConnectionError, RuntimeError) as exc:
            self._pending.pop(ident, None)
            raise WorkerLost("the recording worker is gone") from exc
        return await future

    def first_audio(self, key: str) -> asyncio.Event:
        return self._first_audio.setdefault(key, asyncio.Event())

    async def _started(self) -> asyncio.subprocess.Process:
        async with self._starting:
            if self._process is None or self._process.returncode is not None:
                paths = [_SOURCE_ROOT, os.environ.get("PYTHONPATH", "")]
                env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in paths if p)}
                self._process = await asyncio.create_subprocess_exec(
                    sys.executable,
                    "-m",
                    "rtc.record_worker",
                    stdin=asyncio.subprocess.PIPE,
                    stdout=asyncio.subprocess.PIPE,
                    env=env,
                    limit=1 << 22,
                )
                self._reader = asyncio.create_task(self._read(self._process), name="record-worker-reader")
                logger.info("recording worker started (pid %d)", self._process.pid)
            return self._process

    async def _read(self, process: asyncio.subprocess.Process) -> None:
        assert process.stdout is not None
        timed = False
        try:
            while line := await process.stdout.readline():
                message = json.loads(line)
                if not timed and "now" in message:  # once a worker: the files it writes must tile
                    self.clock_offset = utcnow() - datetime.fromisoformat(message["now"])
                    timed = True
                if "event" in message:
                    if message["event"] == "first_audio":
                        self.first_audio(str(message["peer"])).set()
                    continue
                future = self._pending.pop(message.get("id"), None)
                if future is None or future.done():
                    continue
                if message.get("ok"):
                    future.set_result(message.get("result"))
                else:
                    error = _ERRORS.get(message.get("error", ""), RecordingPeerError)
                    future.set_exception(error(message.get("message", "")))
        finally:
            pending, self._pending = self._pending, {}
            for future in pending.values():
                if not future.done():
                    future.set_exception(WorkerLost("the recording worker stopped"))
            if process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
            await process.wait()
            if self._process is process and not self._stopping:
                logger.error("the recording worker stopped (exit %s)", process.returncode)
                if self._on_lost is not None:
                    self._on_lost()

    async def stop(self) -> None:
        """Close the worker's stdin (it closes every file) and wait for it; kill it if it hangs."""
        process, reader = self._process, self._reader
        if process is None or reader is None:
            return
        self._stopping = True
        try:
            if process.stdin is not None and process.returncode is None:
                process.stdin.close()
            try:
                await asyncio.wait_for(asyncio.shield(reader), STOP_SECONDS)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                await reader
        finally:
            self._process, self._reader, self._stopping = None, None, False


_keys = itertools.count(1)


class RemoteRecordingPeer:
    """A ``RecordingPeer`` held by the recording worker. ``on_segment_closed`` runs here, in the
    web process, in order, as for the in-process peer."""

    def __init__(
        self,
        worker: RecordWorker,
        *,
        directory: Path,
        name_prefix: str,
        segment: str,
        on_segment_closed: Callable[[SegmentRecord], Awaitable[None]] | None,
        ice_servers: list[RTCIceServer] | None = None,
        record_video: bool = False,
    ) -> None:
        self._worker = worker
        self._key = f"{os.getpid()}-{next(_keys)}"
        self._label = segment
        self._on_segment_closed = on_segment_closed
        self._open_fields = {
            "directory": str(directory),
            "name_prefix": name_prefix,
            "segment": segment,
            "ice_servers": [
                {"urls": s.urls, "username": s.username, "credential": s.credential}
                for s in ice_servers or []
            ],
            "record_video": record_video,
        }
        self._opened = False
        self._lock = asyncio.Lock()
        self._closed = False
        self.records: list[SegmentRecord] = []

    @property
    def segment(self) -> str:
        return self._label

    async def wait_first_audio(self) -> None:
        await self._worker.first_audio(self._key).wait()

    async def _open(self) -> None:
        if not self._opened:
            fields = {**self._open_fields, "segment": self._label}
            await self._worker.request("open", peer=self._key, **fields)
            self._opened = True

    async def answer(self, offer_sdp: str, *, fresh: bool = False) -> str:
        async with self._lock:
            if self._closed:
                raise PeerClosed("the recording peer is closed")
            await self._open()
        return str(await self._worker.request("answer", peer=self._key, sdp=offer_sdp, fresh=fresh))

    async def switch_segment(self, segment: str) -> SegmentRecord | None:
        async with self._lock:
            if self._closed:
                raise PeerClosed("the recording peer is closed")
            self._label = segment
            if not self._opened:
                return None
            closed = await self._worker.request("switch", peer=self._key, segment=segment)
            record = record_from_json(closed, self._worker.clock_offset)
            return await self._closed_file(record)

    async def close(self) -> SegmentRecord | None:
        async with self._lock:
            if self._closed:
                return None
            self._closed = True
            if not self._opened:
                return None
            try:
                record = record_from_json(
                    await self._worker.request("close", peer=self._key), self._worker.clock_offset
                )
            except WorkerLost:
                return None  # its files are taken in by recovery
            return await self._closed_file(record)

    async def _closed_file(self, record: SegmentRecord | None) -> SegmentRecord | None:
        if record is None:
            return None
        self.records.append(record)
        if self._on_segment_closed is not None:
            try:
                await self._on_segment_closed(record)
            except Exception:  # the file is safe on disk; the room must go on
                logger.exception("on_segment_closed failed for %s", record.path.name)
        return record
