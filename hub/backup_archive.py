"""The archive format of ``gongtiao backup``: a plain tar whose last member, ``MANIFEST.json``, holds
the SHA-256 and size of every other member; writing members while hashing them, and reading an archive
back with every check (``verify``) before anything is restored from it.

Members: ``database.sqlite3`` or ``database.pgdump`` (hub/backup_db.py), ``data/<path>`` for the data
directory's files, then ``MANIFEST.json``. The hashes find damage (a flipped bit, a truncated copy),
not forgery: whoever can change an archive can change its manifest too, so keep archives where only
the operators can write.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import stat
import tarfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, cast

from hub import backup_db

FORMAT = "gongtiao-backup"
VERSION = 1
MANIFEST = "MANIFEST.json"
DATA = "data/"
MAX_MANIFEST_BYTES = 64 * 1024 * 1024
CHUNK = 1024 * 1024
_SHA256 = re.compile(r"[0-9a-f]{64}")


class BackupError(Exception):
    """An archive cannot be written or restored; the message says why."""


class ArchiveDamaged(BackupError):
    """The archive does not match its manifest, or cannot be read to its end."""


@dataclass(frozen=True)
class Member:
    sha256: str
    size: int

    def __post_init__(self) -> None:
        if not _SHA256.fullmatch(self.sha256) or self.size < 0:
            raise ValueError(f"not a member digest: {self.sha256!r}, {self.size}")


@dataclass(frozen=True)
class Manifest:
    backend: str
    created_at: str
    members: dict[str, Member]

    def __post_init__(self) -> None:
        if self.backend not in ("sqlite", "postgresql"):
            raise ValueError(f"unknown database backend {self.backend!r}")
        if self.database not in self.members:
            raise ValueError(f"the manifest lists no {self.database}")
        for name in self.members:
            check_member_name(name)

    @property
    def database(self) -> str:
        return backup_db.member_name(self.backend)

    @property
    def data_tops(self) -> set[str]:
        """The top-level names in the data directory that the archive brings (evidence, recordings...)."""
        return {name[len(DATA) :].split("/", 1)[0] for name in self.members if name.startswith(DATA)}

    def to_json(self) -> bytes:
        members = {name: {"sha256": m.sha256, "size": m.size} for name, m in sorted(self.members.items())}
        document = {
            "format": FORMAT,
            "version": VERSION,
            "backend": self.backend,
            "created_at": self.created_at,
            "members": members,
        }
        return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")

    @classmethod
    def from_json(cls, raw: bytes) -> Manifest:
        try:
            document = json.loads(raw.decode("utf-8"))
            if document.get("format") != FORMAT or document.get("version") != VERSION:
                raise ValueError(f"not a {FORMAT} version {VERSION} manifest")
            members = {
                str(name): Member(str(m["sha256"]), int(m["size"])) for name, m in document["members"].items()
            }
            return cls(str(document["backend"]), str(document["created_at"]), members)
        except (ValueError, KeyError, TypeError, AttributeError, ArchiveDamaged) as exc:
            raise ArchiveDamaged(f"{MANIFEST} is not readable: {exc}") from exc


def check_member_name(name: str) -> None:
    """Only the database, the manifest and safe relative paths under data/ may be in an archive."""
    if name in (MANIFEST, backup_db.SQLITE_MEMBER, backup_db.POSTGRES_MEMBER):
        return
    parts = name[len(DATA) :].split("/") if name.startswith(DATA) else []
    if not parts or any(p in ("", ".", "..") or "\x00" in p or "\\" in p for p in parts):
        raise ArchiveDamaged(f"unexpected member {name!r}")


# --- writing ---------------------------------------------------------------------------------


def add_file(tar: tarfile.TarFile, name: str, path: Path) -> Member:
    with open(path, "rb") as source:
        st = os.fstat(source.fileno())
        info = tarfile.TarInfo(name)
        info.size = st.st_size  # a file still growing (a recording) is archived up to this size
        info.mtime = int(st.st_mtime)
        info.mode = stat.S_IMODE(st.st_mode) & 0o777
        reader = _Hashing(source)
        tar.addfile(info, cast(IO[bytes], reader))
    return Member(reader.hexdigest(), info.size)


def add_bytes(tar: tarfile.TarFile, name: str, data: bytes, now: datetime) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(now.timestamp())
    info.mode = 0o600
    tar.addfile(info, cast(IO[bytes], _Hashing(io.BytesIO(data))))


class _Hashing:
    """A reader that hashes what passes through it."""

    def __init__(self, source: IO[bytes]) -> None:
        self._source = source
        self._hash = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self._source.read(size)
        self._hash.update(data)
        return data

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


# --- reading ---------------------------------------------------------------------------------


def verify(archive: Path) -> Manifest:
    """Read the whole archive and check it against its manifest; raises ``ArchiveDamaged``."""
    found: dict[str, Member] = {}
    manifest: bytes | None = None
    try:
        with tarfile.open(archive, "r:") as tar:
            for info in tar:
                stream = _open_entry(tar, info, found, manifest is not None)
                if info.name == MANIFEST:
                    if info.size > MAX_MANIFEST_BYTES:
                        raise ArchiveDamaged(f"{MANIFEST} is implausibly large ({info.size} bytes)")
                    manifest = stream.read()
                else:
                    found[info.name] = digest(stream, None)
            end = tar.offset
    except (tarfile.TarError, EOFError) as exc:
        raise ArchiveDamaged(f"the archive cannot be read to its end: {exc}") from exc
    except OSError as exc:
        raise BackupError(f"cannot read {archive}: {exc.strerror or exc}") from exc
    _check_end(archive, end)
    if manifest is None:
        raise ArchiveDamaged(f"the archive has no {MANIFEST}: it is incomplete")
    expected = Manifest.from_json(manifest)
    _compare(expected.members, found)
    return expected


def _open_entry(
    tar: tarfile.TarFile, info: tarfile.TarInfo, seen: dict[str, Member], manifest_seen: bool
) -> IO[bytes]:
    check_member_name(info.name)
    if manifest_seen:
        raise ArchiveDamaged(f"{info.name!r} follows {MANIFEST}, which must come last")
    if info.name in seen:
        raise ArchiveDamaged(f"{info.name!r} is in the archive twice")
    stream = tar.extractfile(info) if info.isreg() else None
    if stream is None:
        raise ArchiveDamaged(f"{info.name!r} is not a regular file")
    return stream


def digest(stream: IO[bytes], sink: IO[bytes] | None) -> Member:
    """SHA-256 and size of what ``stream`` holds, copied to ``sink`` on the way if given."""
    hasher = hashlib.sha256()
    size = 0
    while chunk := stream.read(CHUNK):
        hasher.update(chunk)
        size += len(chunk)
        if sink is not None:
            sink.write(chunk)
    return Member(hasher.hexdigest(), size)


def _check_end(archive: Path, end: int) -> None:
    """A tar ends with at least two zero blocks after its last member, and only zeros after them;
    anything else means a truncated archive, or a damaged header that made the reader stop early."""
    zeros = 0
    with open(archive, "rb") as raw:
        raw.seek(end)
        while chunk := raw.read(CHUNK):
            if chunk.count(0) != len(chunk):
                zeros = -1
                break
            zeros += len(chunk)
    if zeros < 1024:
        raise ArchiveDamaged(f"the archive does not end properly after byte {end}: truncated or damaged")


def _compare(expected: dict[str, Member], found: dict[str, Member]) -> None:
    problems = [f"missing: {n}" for n in sorted(expected.keys() - found.keys())]
    problems += [f"not in the manifest: {n}" for n in sorted(found.keys() - expected.keys())]
    problems += [
        f"does not match its SHA-256 or size: {n}"
        for n in sorted(expected.keys() & found.keys())
        if expected[n] != found[n]
    ]
    if problems:
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        raise ArchiveDamaged("; ".join(problems[:5]) + more)


def extract(archive: Path, manifest: Manifest, staging: Path) -> int:
    """Every member into ``staging``, checked again on the way (the archive may have changed since
    ``verify``). Returns the number of data files."""
    changed = ArchiveDamaged("the archive changed since it was checked")
    written: set[str] = set()
    try:
        with tarfile.open(archive, "r:") as tar:
            for info in tar:
                if info.name == MANIFEST:
                    continue
                check_member_name(info.name)
                stream = tar.extractfile(info) if info.isreg() else None
                if stream is None or info.name not in manifest.members or info.name in written:
                    raise changed
                dest = staging.joinpath(*info.name.split("/"))
                dest.parent.mkdir(parents=True, exist_ok=True)
                with open(dest, "xb") as sink:
                    got = digest(stream, sink)
                if got != manifest.members[info.name]:
                    raise changed
                os.chmod(dest, (info.mode & 0o777) | 0o600)
                os.utime(dest, (info.mtime, info.mtime))
                written.add(info.name)
    except (tarfile.TarError, EOFError) as exc:
        raise ArchiveDamaged(f"the archive changed since it was checked: {exc}") from exc
    if written != manifest.members.keys():
        raise changed
    return sum(1 for name in written if name.startswith(DATA))
