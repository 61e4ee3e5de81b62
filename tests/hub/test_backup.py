"""`gongtiao backup` and `gongtiao restore`: the whole hub in one archive, checked against its manifest
before anything is restored, never over a live database without --force; on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
import sqlite3
import subprocess
import sys
import tarfile
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import asyncpg
import pytest
from sqlalchemy import inspect, text

from hub import backup
from hub.backup_archive import MANIFEST, ArchiveDamaged
from hub.backup_retention import archive_name, archive_time, to_keep
from hub.cli import build_parser
from hub.config import Config
from hub.db import Database
from tests.support.env import clean_env

SECRET = "backup-test-secret-0123456789"
NOW = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
# What an evidence store and a recorder leave in the data directory, and a few awkward cases.
FILES = {
    "evidence/5e/5e0c9d6e4f1b5a3c2d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c": os.urandom(300_000),
    "recordings/2/p4-01-main.wav": b"RIFF" + os.urandom(500_000),
    "recordings/2/p5-02-caucus-1.wav": b"",
    "documents/调解协议书 第1号.pdf": b"%PDF-1.7 " + os.urandom(2_000),
}


def populate(data_dir: Path) -> None:
    for name, content in FILES.items():
        path = data_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    (data_dir / "secret_key").write_text("never-in-an-archive-0123456789")


def tree(data_dir: Path) -> dict[str, str]:
    """SHA-256 of every file under data_dir except restore leftovers (top-level dot entries)."""
    found = {}
    for path in sorted(data_dir.rglob("*")):
        relative = path.relative_to(data_dir).as_posix()
        if path.is_file() and not relative.startswith("."):
            found[relative] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def settings(database_url: str, data_dir: Path) -> dict[str, str]:
    return {
        "GONGTIAO_DATABASE_URL": database_url,
        "GONGTIAO_DATA_DIR": str(data_dir),
        "GONGTIAO_SECRET_KEY": SECRET,
        "GONGTIAO_LOG_FORMAT": "text",
    }


def gongtiao(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hub", *args],
        env=clean_env(**env),
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


async def row_counts(database_url: str) -> dict[str, int]:
    db = Database(database_url)
    try:
        async with db.engine.connect() as conn:
            names = await conn.run_sync(lambda c: inspect(c).get_table_names())
            return {n: (await conn.execute(text(f'SELECT count(*) FROM "{n}"'))).scalar_one() for n in names}
    finally:
        await db.dispose()


async def _pg(server_url: str, sql: str) -> None:
    conn = await asyncpg.connect(server_url.replace("postgresql+asyncpg://", "postgresql://", 1))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture
def fresh(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[dict[str, str]]:
    """A place nothing was ever restored to: a new database (file or PostgreSQL database) and no data
    directory yet."""
    data_dir = tmp_path / "restored" / "data"
    if backend == "sqlite":
        yield settings(f"sqlite+aiosqlite:///{tmp_path / 'restored' / 'gongtiao.db'}", data_dir)
        return
    server = request.getfixturevalue("pg_server")
    name = f"gt_restore_{uuid.uuid4().hex[:10]}"
    asyncio.run(_pg(server, f'CREATE DATABASE "{name}"'))
    try:
        yield settings(server.rsplit("/", 1)[0] + "/" + name, data_dir)
    finally:
        asyncio.run(_pg(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.mark.pg
@pytest.mark.slow
async def test_a_backup_comes_back_whole_and_never_over_a_live_target_without_force(
    config: Config, fresh: dict[str, str], tmp_path: Path
) -> None:
    populate(config.data_dir)
    source = settings(config.database_url, config.data_dir)
    made = gongtiao(source, "backup", str(tmp_path / "backups") + "/")
    assert made.returncode == 0, made.stderr
    (archive,) = (tmp_path / "backups").glob("gongtiao-*.tar")
    assert archive.stat().st_mode & 0o077 == 0  # personal data: for the operator's eyes only

    restored = gongtiao(fresh, "restore", str(archive))
    assert restored.returncode == 0, restored.stderr
    target_dir = Path(fresh["GONGTIAO_DATA_DIR"])
    assert tree(target_dir) == {k: v for k, v in tree(config.data_dir).items() if k != "secret_key"}
    assert len(tree(target_dir)) == len(FILES)  # evidence and recordings, byte for byte
    assert not (target_dir / "secret_key").exists()
    assert "intact" in gongtiao(fresh, "audit", "verify").stdout
    counts = await row_counts(fresh["GONGTIAO_DATABASE_URL"])
    assert counts == await row_counts(config.database_url) and counts["audit_events"] > 0

    # Now the target is live: a second restore is refused and changes nothing ...
    before = tree(target_dir)
    refused = gongtiao(fresh, "restore", str(archive))
    assert refused.returncode == 1 and "--force" in refused.stderr
    assert "tables" in refused.stderr and "evidence exists" in refused.stderr
    assert tree(target_dir) == before

    # ... unless forced: what was there is moved aside, not deleted, and the archive's state is back.
    stray = target_dir / "recordings" / "9" / "p1-01-main.wav"
    stray.parent.mkdir()
    stray.write_bytes(b"recorded after the backup")
    forced = gongtiao(fresh, "restore", "--force", str(archive))
    assert forced.returncode == 0, forced.stderr
    assert tree(target_dir) == before
    (aside,) = target_dir.glob(".replaced-*")
    assert (aside / "recordings" / "9" / "p1-01-main.wav").read_bytes() == b"recorded after the backup"
    assert "intact" in gongtiao(fresh, "audit", "verify").stdout


@pytest.mark.slow
def test_a_damaged_archive_is_refused_before_anything_is_touched(
    config: Config, fresh: dict[str, str], tmp_path: Path
) -> None:
    populate(config.data_dir)
    archive = backup.create(config, tmp_path / "a.tar", NOW).path
    name = "data/recordings/2/p4-01-main.wav"
    with tarfile.open(archive) as tar:
        offset = tar.getmember(name).offset_data + 1000
    flip_byte(archive, offset)

    refused = gongtiao(fresh, "restore", "--force", str(archive))
    assert refused.returncode == 1
    assert "damaged" in refused.stderr and name in refused.stderr
    assert not (tmp_path / "restored").exists()  # no database file, no data directory


def flip_byte(path: Path, offset: int) -> None:
    with open(path, "r+b") as f:
        f.seek(offset)
        byte = f.read(1)
        f.seek(offset)
        f.write(bytes([byte[0] ^ 0x01]))


def cut(path: Path, size: int) -> None:
    with open(path, "r+b") as f:
        f.truncate(size)


def rewrite(path: Path, change: Callable[[list[tuple[tarfile.TarInfo, bytes]]], None]) -> None:
    """Rebuild the archive with its members (and manifest) changed by ``change``."""
    with tarfile.open(path) as tar:
        members = [(m, tar.extractfile(m).read()) for m in tar.getmembers()]
    change(members)
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as tar:
        for info, data in members:
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def member(name: str, data: bytes) -> tuple[tarfile.TarInfo, bytes]:
    return tarfile.TarInfo(name), data


def _end_of_members(path: Path) -> int:
    with tarfile.open(path) as tar:
        manifest = tar.getmember(MANIFEST)
    return manifest.offset_data + -(-manifest.size // 512) * 512


def _data_offset(path: Path, name: str) -> int:
    with tarfile.open(path) as tar:
        return tar.getmember(name).offset_data


def _header_offset(path: Path, name: str) -> int:
    with tarfile.open(path) as tar:
        return tar.getmember(name).offset


EVIDENCE = "data/" + next(iter(FILES))
DAMAGE: dict[str, tuple[Callable[[Path], None], str]] = {
    "a flipped byte in a file": (lambda p: flip_byte(p, _data_offset(p, EVIDENCE) + 7), "does not match"),
    "a flipped byte in the database": (
        lambda p: flip_byte(p, _data_offset(p, "database.sqlite3") + 5000),
        "database.sqlite3",
    ),
    "a flipped byte in a header": (lambda p: flip_byte(p, _header_offset(p, EVIDENCE) + 3), "end properly"),
    "cut in the middle of a file": (lambda p: cut(p, _data_offset(p, EVIDENCE) + 100), "read to its end"),
    "cut before the manifest": (lambda p: cut(p, _header_offset(p, MANIFEST)), "end properly"),
    "cut after the manifest": (lambda p: cut(p, _end_of_members(p) + 512), "end properly"),
    "a member missing": (lambda p: rewrite(p, lambda ms: ms.pop(1)), "missing: data/"),
    "an extra member": (
        lambda p: rewrite(p, lambda ms: ms.insert(1, member("data/extra.txt", b"x"))),
        "not in the manifest: data/extra.txt",
    ),
    "a member twice": (lambda p: rewrite(p, lambda ms: ms.insert(1, ms[1])), "twice"),
    "a name that climbs out": (
        lambda p: rewrite(p, lambda ms: ms.insert(1, member("data/../../etc/cron.d/x", b"x"))),
        "unexpected member",
    ),
    "the manifest not last": (lambda p: rewrite(p, lambda ms: ms.insert(0, ms.pop())), "must come last"),
    "no manifest": (lambda p: rewrite(p, lambda ms: ms.pop()), f"no {MANIFEST}"),
    "a manifest that is not one": (
        lambda p: rewrite(p, lambda ms: ms.append((ms.pop()[0], b"{}"))),
        "not readable",
    ),
}


@pytest.mark.parametrize("damage", DAMAGE.keys())
def test_every_kind_of_damage_is_found_and_nothing_is_restored(
    damage: str, config: Config, tmp_path: Path
) -> None:
    populate(config.data_dir)
    archive = backup.create(config, tmp_path / "a.tar", NOW).path
    backup.verify(archive)  # sound before the damage
    spoil, message = DAMAGE[damage]
    spoil(archive)
    with pytest.raises(ArchiveDamaged, match=message):
        backup.verify(archive)
    target = config.with_overrides(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}", data_dir=tmp_path / "fresh"
    )
    with pytest.raises(ArchiveDamaged):
        backup.restore(target, archive, force=True, now=NOW)
    assert not (tmp_path / "fresh.db").exists() and not (tmp_path / "fresh").exists()


def test_the_archive_leaves_out_the_database_file_the_secret_key_and_the_backups(
    config: Config, tmp_path: Path
) -> None:
    data = tmp_path / "var"
    populate(data)
    database = data / "gongtiao.db"  # the default: the SQLite database inside the data directory
    database.write_bytes((tmp_path / "gongtiao.db").read_bytes())
    (data / ".restore-abc").mkdir()
    (data / ".restore-abc" / "x").write_bytes(b"half a restore")
    (data / ".replaced-20261201T000000Z-x").mkdir()
    (data / ".replaced-20261201T000000Z-x" / "y").write_bytes(b"moved aside by a restore")
    (data / "evidence" / "link").symlink_to(data / "secret_key")
    (data / "backups").mkdir()
    (data / "backups" / "gongtiao-20261201T000000Z.tar").write_bytes(b"an older archive")
    local = config.with_overrides(database_url=f"sqlite+aiosqlite:///{database}", data_dir=data)
    hub_connection = sqlite3.connect(database)  # the hub, running, its last write still in the WAL
    hub_connection.execute("PRAGMA journal_mode=WAL")
    hub_connection.execute("CREATE TABLE written_just_now (x)")
    hub_connection.execute("INSERT INTO written_just_now VALUES (42)")
    hub_connection.commit()
    assert (data / "gongtiao.db-wal").exists() and (data / "gongtiao.db-shm").exists()
    try:
        archive = backup.create(local, data / "backups" / "new.tar", NOW).path
    finally:
        hub_connection.close()

    manifest = backup.verify(archive)
    assert set(manifest.members) == {"database.sqlite3", *(f"data/{name}" for name in FILES)}
    with tarfile.open(archive) as tar:
        (tmp_path / "copy.db").write_bytes(tar.extractfile("database.sqlite3").read())
    copy = sqlite3.connect(tmp_path / "copy.db")
    try:
        assert copy.execute("SELECT x FROM written_just_now").fetchall() == [(42,)]
        assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)  # one self-contained file
    finally:
        copy.close()


def test_a_backup_never_overwrites_an_archive(config: Config, tmp_path: Path) -> None:
    (tmp_path / "a.tar").write_bytes(b"an archive")
    with pytest.raises(backup.BackupError, match="exists"):
        backup.create(config, tmp_path / "a.tar", NOW)
    assert (tmp_path / "a.tar").read_bytes() == b"an archive"


SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


@pytest.mark.parametrize(
    ("stamps", "daily", "weekly", "kept"),
    [
        (
            [
                "2026-12-07T03:00:00+08:00",
                "2026-12-06T03:00:00+08:00",
                "2026-12-05T03:00:00+08:00",
                "2026-12-04T03:00:00+08:00",
                "2026-11-29T03:00:00+08:00",
                "2026-11-22T03:00:00+08:00",
            ],
            2,
            2,
            # Monday 7 Dec starts a week: the week before ends Sunday 6 Dec.
            ["2026-12-07T03:00:00+08:00", "2026-12-06T03:00:00+08:00"],
        ),
        (
            [
                "2026-12-07T03:00:00+08:00",
                "2026-12-06T03:00:00+08:00",
                "2026-11-29T03:00:00+08:00",
                "2026-11-22T03:00:00+08:00",
            ],
            1,
            3,
            ["2026-12-07T03:00:00+08:00", "2026-12-06T03:00:00+08:00", "2026-11-29T03:00:00+08:00"],
        ),
        # Days without a backup do not count: the last two archives survive a long gap.
        (["2026-12-07T03:00:00+08:00", "2026-10-01T03:00:00+08:00"], 2, 0, None),
        # Two in one Shanghai day (one before, one after midnight UTC): the newer one stays.
        (["2026-12-07T07:00:00+08:00", "2026-12-07T09:00:00+08:00"], 1, 1, ["2026-12-07T09:00:00+08:00"]),
        # The newest is always kept.
        (["2026-12-07T03:00:00+08:00", "2026-12-06T03:00:00+08:00"], 0, 0, ["2026-12-07T03:00:00+08:00"]),
    ],
)
def test_retention_keeps_the_newest_of_each_day_and_week(
    stamps: list[str], daily: int, weekly: int, kept: list[str] | None
) -> None:
    times = [at(s) for s in stamps]
    expected = set(times) if kept is None else {at(s) for s in kept}
    assert to_keep(times, daily=daily, weekly=weekly, zone=SHANGHAI) == expected


def test_backup_into_a_directory_prunes_only_its_own_archives(
    config: Config, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    now = datetime.now(UTC)  # the suite's clock: the new archive is named after it
    for days in range(1, 60):
        (folder / archive_name(now - timedelta(days=days))).write_bytes(b"an old archive")
    (folder / "notes.txt").write_text("not an archive")
    (folder / "gongtiao-by-hand.tar").write_bytes(b"named by hand")
    stamps = [archive_time(p.name) for p in folder.iterdir()]

    args = build_parser().parse_args(["backup", f"{folder}/", "--keep-daily", "3", "--keep-weekly", "4"])
    assert backup.command(config, args) == 0

    left = {p.name for p in folder.iterdir()}
    assert {"notes.txt", "gongtiao-by-hand.tar"} <= left
    kept = {archive_time(name) for name in left} - {None}
    (new,) = kept - set(stamps)
    expected = to_keep([s for s in stamps if s] + [new], daily=3, weekly=4, zone=config.zone)
    assert kept == expected and new in kept
    assert 5 <= len(kept) <= 6  # 3 days and 4 weeks share the newest, perhaps one more
    assert capsys.readouterr().out.count("pruned ") == 59 - (len(kept) - 1)


def test_keeping_needs_a_directory(
    config: Config, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = build_parser().parse_args(["backup", str(tmp_path / "a.tar"), "--keep-daily", "3"])
    assert backup.command(config, args) == 2
    assert "directory" in capsys.readouterr().err
    assert not (tmp_path / "a.tar").exists()


def test_archives_are_not_written_among_the_files_they_archive(config: Config) -> None:
    with pytest.raises(backup.BackupError, match="outside"):
        backup.create(config, config.data_dir / "a.tar", NOW)
    assert not config.data_dir.exists()
