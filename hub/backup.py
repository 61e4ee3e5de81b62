"""The whole hub in one archive, and back: ``gongtiao backup PATH`` and ``gongtiao restore PATH [--force]``.

An archive is a plain tar (evidence and recordings hardly compress; the PostgreSQL dump already is;
the format and its checks are in hub/backup_archive.py):

    database.sqlite3 | database.pgdump   a consistent snapshot of the database (hub/backup_db.py)
    data/...                              every file of the data directory, except the SQLite
                                          database and its -wal/-shm, the secret key (``secret_key``),
                                          the backups themselves and restore leftovers
    MANIFEST.json                         written last: format, backend, time, and the SHA-256 and
                                          size of every other member

The database is copied first, then the files: a file the snapshot refers to was already in place
when the snapshot was taken (evidence is stored before its row commits), so it is in the archive.

Restore reads the whole archive and checks it against its manifest (any hash or size mismatch, a
missing, extra, duplicate or unsafe member, a missing manifest, a truncated tar) before it touches
anything. It never replaces a live target (a database with tables, or data directories that the
archive would bring) without ``--force``; with it, the data directories it replaces are moved
aside into ``DATA_DIR/.replaced-<time>/``, not deleted. Blocking work: for the command line only.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import stat
import sys
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from hub import backup_db
from hub.backup_archive import (
    DATA,
    MANIFEST,
    ArchiveDamaged,
    BackupError,
    Manifest,
    Member,
    add_bytes,
    add_file,
    extract,
    verify,
)
from hub.backup_db import SIDE_FILES, DatabaseToolError
from hub.backup_retention import archive_name, prune
from hub.config import Config

__all__ = ["ArchiveDamaged", "BackupError", "TargetInUse", "command", "create", "restore", "verify"]

logger = logging.getLogger(__name__)

SECRET_KEY_FILE = "secret_key"  # where `make run` keeps its key; production keeps it in /etc/gongtiao
STAGING_PREFIX = ".restore-"
REPLACED_PREFIX = ".replaced-"
_OURS = (STAGING_PREFIX, REPLACED_PREFIX, ".gongtiao-backup-")


class TargetInUse(BackupError):
    """The restore target holds a database or data, and ``--force`` was not given."""


@dataclass(frozen=True)
class BackupReport:
    path: Path
    files: int
    bytes: int


@dataclass(frozen=True)
class RestoreReport:
    created_at: str
    files: int
    replaced: Path | None


# --- writing ---------------------------------------------------------------------------------


def create(config: Config, target: Path, now: datetime) -> BackupReport:
    """Write one archive to ``target`` (a new file): the database first, then the data directory."""
    target = target.parent.resolve() / target.name
    if target.exists():
        raise BackupError(f"{target} exists already: choose a new name")
    excluded = _excluded(config, target.parent)
    target.parent.mkdir(parents=True, exist_ok=True)
    backend = backup_db.backend_of(config.database_url)
    members: dict[str, Member] = {}
    with tempfile.TemporaryDirectory(prefix=".gongtiao-backup-", dir=target.parent) as tmp:
        snapshot = Path(tmp) / backup_db.member_name(backend)
        backup_db.snapshot(config.database_url, snapshot)
        partial = Path(tmp) / "archive.tar"
        with os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as raw:
            with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
                members[snapshot.name] = add_file(tar, snapshot.name, snapshot)
                for relative, path in data_files(config.data_dir, excluded):
                    try:
                        members[DATA + relative] = add_file(tar, DATA + relative, path)
                    except FileNotFoundError:
                        logger.warning("skipped %s: it went away during the backup", path)
                manifest = Manifest(backend, now.astimezone(UTC).isoformat(), members)
                add_bytes(tar, MANIFEST, manifest.to_json(), now)
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(partial, target)
    _fsync_dir(target.parent)
    files = sum(1 for name in members if name.startswith(DATA))
    return BackupReport(target, files, target.stat().st_size)


def data_files(data_dir: Path, excluded: list[Path]) -> Iterator[tuple[str, Path]]:
    """The regular files to archive, as (path relative to data_dir, path), in a stable order."""
    if not data_dir.is_dir():
        return
    root = data_dir.resolve()
    for folder, dirs, names in os.walk(root):
        here = Path(folder)
        dirs[:] = sorted(d for d in dirs if _wanted(root, here / d, excluded) and not (here / d).is_symlink())
        for name in sorted(names):
            path = here / name
            if not _wanted(root, path, excluded):
                continue
            if not stat.S_ISREG(path.lstat().st_mode):
                logger.warning("skipped %s: not a regular file (a link?)", path)
                continue
            yield path.relative_to(root).as_posix(), path


def _wanted(root: Path, path: Path, excluded: list[Path]) -> bool:
    if path.parent == root and (path.name == SECRET_KEY_FILE or path.name.startswith(_OURS)):
        return False
    return not any(path == e or e in path.parents for e in excluded)


def _excluded(config: Config, out_dir: Path) -> list[Path]:
    """What is not archived: the SQLite database and its side files, and the folder the archives go
    to when it lies inside the data directory (else each archive would hold all the ones before)."""
    data_dir, out_dir = config.data_dir.resolve(), out_dir.resolve()
    if out_dir == data_dir:
        raise BackupError(f"write archives outside {data_dir}, or into a folder of their own inside it")
    paths = [out_dir] if data_dir in out_dir.parents else []
    if backup_db.backend_of(config.database_url) == "sqlite":
        database = backup_db.sqlite_path(config.database_url)
        paths += [database, *(database.with_name(database.name + side) for side in SIDE_FILES)]
    return paths


# --- restoring -------------------------------------------------------------------------------


def restore(config: Config, archive: Path, *, force: bool, now: datetime) -> RestoreReport:
    manifest = verify(archive)  # before anything is touched
    backend = backup_db.backend_of(config.database_url)
    if manifest.backend != backend:
        raise BackupError(
            f"the archive holds a {manifest.backend} database and the target is {backend}: "
            "restore into the same kind of database"
        )
    data_dir = config.data_dir
    present = sorted(name for name in manifest.data_tops if (data_dir / name).exists())
    tables = backup_db.table_count(config.database_url)
    if (tables or present) and not force:
        held = [f"the database has {tables} tables"] if tables else []
        held += [f"{data_dir / name} exists" for name in present]
        raise TargetInUse(
            "; ".join(held) + ". Restore into a fresh database and data directory, or stop the hub and "
            "pass --force to replace them (replaced data directories are moved aside, not deleted)"
        )
    data_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=data_dir))
    try:
        files = extract(archive, manifest, staging)
        backup_db.load(config.database_url, staging / manifest.database)
        replaced = _swap_in(data_dir, staging / "data", present, now)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return RestoreReport(manifest.created_at, files, replaced)


def _swap_in(data_dir: Path, incoming: Path, present: list[str], now: datetime) -> Path | None:
    replaced = None
    if present:
        stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        replaced = Path(tempfile.mkdtemp(prefix=f"{REPLACED_PREFIX}{stamp}-", dir=data_dir))
        for name in present:
            os.replace(data_dir / name, replaced / name)
    if incoming.is_dir():
        for entry in sorted(incoming.iterdir()):
            os.replace(entry, data_dir / entry.name)
    _fsync_dir(data_dir)
    return replaced


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# --- the command line ------------------------------------------------------------------------


def command(config: Config, args: argparse.Namespace) -> int:
    """``gongtiao backup`` and ``gongtiao restore`` (see hub/cli.py for their arguments)."""
    now = datetime.now(UTC)
    try:
        if args.command == "backup":
            return _backup(config, args, now)
        report = restore(config, Path(args.path), force=args.force, now=now)
    except ArchiveDamaged as exc:
        print(f"restore refused, the archive is damaged / 备份文件已损坏, 拒绝恢复: {exc}", file=sys.stderr)
        return 1
    except TargetInUse as exc:
        print(f"restore refused / 拒绝覆盖正在使用的数据: {exc}", file=sys.stderr)
        return 1
    except (BackupError, DatabaseToolError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"error: {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"restored the backup of {report.created_at}: database and {report.files} files / 已恢复")
    if report.replaced is not None:
        print(f"what it replaced was moved to {report.replaced}; delete it once all is well")
    print("next: gongtiao db upgrade, then gongtiao audit verify")
    return 0


def _backup(config: Config, args: argparse.Namespace, now: datetime) -> int:
    path = Path(args.path)
    into_directory = args.path.endswith(("/", os.sep)) or path.is_dir()
    keeping = args.keep_daily is not None or args.keep_weekly is not None
    if keeping and not into_directory:
        print("error: --keep-daily/--keep-weekly need a directory (PATH ending in /)", file=sys.stderr)
        return 2
    if any(n is not None and n < 1 for n in (args.keep_daily, args.keep_weekly)):
        print("error: --keep-daily and --keep-weekly take a number of at least 1", file=sys.stderr)
        return 2
    target = path / archive_name(now) if into_directory else path
    report = create(config, target, now)
    print(f"backup written: {report.path} ({report.files} files, {report.bytes} bytes) / 备份已写入")
    if keeping:
        daily, weekly = args.keep_daily or 0, args.keep_weekly or 0
        for old in prune(report.path.parent, daily=daily, weekly=weekly, zone=config.zone):
            print(f"pruned {old.name}")
    return 0
