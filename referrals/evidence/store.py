"""Content-addressed file store for evidence: ``<root>/<sha[:2]>/<sha>``, one copy per content.

An upload is written to a temporary file in the store's own directory (so the final rename is
atomic: a reader sees the whole file or none), hashed (SHA-256) and counted as it is written,
flushed to disk (fsync), then renamed to its hash. The same content uploaded twice is kept once.
Leaving ``BlobStore.incoming()`` without ``keep()`` (refused, too large, client gone) removes the
temporary file. Disk work runs in worker threads, in chunks, never on the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import re
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from hub.errors import PayloadTooLarge
from hub.i18n import N_
from referrals.evidence.sniff import HEAD_BYTES

FLUSH_BYTES = 1024 * 1024  # gather this much before a worker thread writes it
TEMP_PREFIX = ".upload-"
TEMP_SUFFIX = ".part"
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
TOO_LARGE = N_("Evidence files may be at most %(mib)s MB (%(limit)s bytes).")


def too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(TOO_LARGE, limit=limit, mib=round(limit / 1024 / 1024, 1))


@dataclass(frozen=True)
class Blob:
    sha256: str
    size: int
    path: Path
    new: bool  # False when the same content was already stored


class Incoming:
    """One file being received: written to a temporary file while hashed and counted."""

    def __init__(self, store: BlobStore, limit: int) -> None:
        self.store = store
        self.limit = limit
        self.size = 0
        self.head = b""
        self.path: Path | None = None
        self._file: BinaryIO | None = None
        self._hash = hashlib.sha256()
        self._pending: list[bytes] = []
        self._pending_size = 0
        self.sha256 = ""

    async def open(self) -> None:
        self.path, self._file = await asyncio.to_thread(self.store.temp_file)

    async def write(self, chunk: bytes) -> None:
        """Add bytes; refuses (413) the first byte beyond the limit."""
        if self.size + len(chunk) > self.limit:
            raise too_large(self.limit)
        self.size += len(chunk)
        if len(self.head) < HEAD_BYTES:
            self.head += chunk[: HEAD_BYTES - len(self.head)]
        self._pending.append(chunk)
        self._pending_size += len(chunk)
        if self._pending_size >= FLUSH_BYTES:
            await self._flush()

    async def _flush(self) -> None:
        data = b"".join(self._pending)
        self._pending, self._pending_size = [], 0
        if data:
            await asyncio.to_thread(self._write_sync, data)

    def _write_sync(self, data: bytes) -> None:
        assert self._file is not None
        self._hash.update(data)
        self._file.write(data)

    async def finish(self) -> None:
        """Everything received: write the rest, flush it to disk, close. The hash is known after."""
        await self._flush()
        await asyncio.to_thread(self._close_sync)
        self.sha256 = self._hash.hexdigest()

    def _close_sync(self) -> None:
        if self._file is not None:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
            self._file = None

    async def keep(self) -> Blob:
        """Move the finished file to its content address (or drop it when that content is stored)."""
        if not self.sha256:
            await self.finish()
        assert self.path is not None
        temp, self.path = self.path, None
        target, new = await asyncio.to_thread(self.store.place, temp, self.sha256)
        return Blob(self.sha256, self.size, target, new)

    def discard(self) -> None:
        """Close and remove the temporary file (a quick metadata operation, safe on cancellation)."""
        if self._file is not None:
            with contextlib.suppress(OSError):
                self._file.close()
            self._file = None
        if self.path is not None:
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()
            self.path = None


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path_of(self, sha256: str) -> Path:
        if not _SHA256.match(sha256):
            raise ValueError("not a SHA-256 hex digest")
        return self.root / sha256[:2] / sha256

    def temp_file(self) -> tuple[Path, BinaryIO]:
        self.root.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX, dir=self.root)
        return Path(name), os.fdopen(fd, "wb")

    def place(self, temp: Path, sha256: str) -> tuple[Path, bool]:
        target = self.path_of(sha256)
        if target.is_file():
            temp.unlink()
            return target, False
        target.parent.mkdir(exist_ok=True)
        os.replace(temp, target)  # atomic on one file system; a racing twin wrote the same bytes
        _fsync_dir(target.parent)
        return target, True

    @contextlib.asynccontextmanager
    async def incoming(self, limit: int) -> AsyncIterator[Incoming]:
        """Receive one file; unless ``keep()`` was called, nothing is left behind."""
        upload = Incoming(self, limit)
        try:
            await upload.open()
            yield upload
        finally:
            upload.discard()

    async def put(self, data: bytes) -> Blob:
        """Store bytes already in memory (demo data, tests)."""
        async with self.incoming(len(data)) as upload:
            await upload.write(data)
            return await upload.keep()

    async def exists(self, sha256: str) -> bool:
        return await asyncio.to_thread(self.path_of(sha256).is_file)

    def leftovers(self) -> list[Path]:
        """Temporary files of uploads that never finished (there should be none)."""
        if not self.root.is_dir():
            return []
        return sorted(self.root.glob(f"{TEMP_PREFIX}*{TEMP_SUFFIX}"))


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):  # not every platform can open a directory
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
