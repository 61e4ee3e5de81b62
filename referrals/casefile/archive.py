"""The case file as an archive (ZIP): the bound PDF, every evidence file as stored, the chain of
custody as CSV, and a SHA-256 list of everything in it. Written to an anonymous temporary file in a
worker thread (evidence may be large), then streamed."""

from __future__ import annotations

import asyncio
import hashlib
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

CHUNK = 1024 * 1024
# Already compressed: stored as they are.
STORED_TYPES = ("image/", "audio/", "video/", "application/pdf", "application/zip")


@dataclass(frozen=True)
class Member:
    """A file of the archive: its name inside, and its bytes or the path of its content."""

    name: str
    data: bytes | None = None
    path: Path | None = None
    media_type: str = ""

    @property
    def compression(self) -> int:
        stored = self.media_type.startswith(STORED_TYPES)
        return zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED


def _sha256_of(member: Member) -> str:
    if member.data is not None:
        return hashlib.sha256(member.data).hexdigest()
    assert member.path is not None
    digest = hashlib.sha256()
    with member.path.open("rb") as source:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def write_sync(members: list[Member], folder: str) -> BinaryIO:
    """The archive in an unnamed temporary file, rewound; ``SHA256SUMS`` lists every member."""
    out = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the caller, who closes it
    sums: list[str] = []
    with zipfile.ZipFile(out, "w") as archive:
        for member in members:
            name = f"{folder}/{member.name}"
            if member.data is not None:
                archive.writestr(name, member.data, compress_type=member.compression)
            else:
                assert member.path is not None
                archive.write(member.path, name, compress_type=member.compression)
            sums.append(f"{_sha256_of(member)}  {member.name}")
        archive.writestr(f"{folder}/SHA256SUMS", "\n".join(sums) + "\n", compress_type=zipfile.ZIP_DEFLATED)
    out.seek(0)
    return out


async def write(members: list[Member], folder: str) -> BinaryIO:
    return await asyncio.to_thread(write_sync, members, folder)
