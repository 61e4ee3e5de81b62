"""Which archives a backup directory keeps: the newest of each of the last N days and of the last M
ISO weeks that have one (days and weeks in the hub's time zone), plus always the newest of all.

Days or weeks without an archive do not count, so a week of failed backups never lets the pruning
eat into the archives that are left. Only files named like ``archive_name`` are ever considered.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ARCHIVE_PATTERN = re.compile(r"gongtiao-(\d{8}T\d{6}Z)\.tar")
_STAMP = "%Y%m%dT%H%M%SZ"


def archive_name(now: datetime) -> str:
    return f"gongtiao-{now.astimezone(UTC).strftime(_STAMP)}.tar"


def archive_time(name: str) -> datetime | None:
    match = ARCHIVE_PATTERN.fullmatch(name)
    if match is None:
        return None
    return datetime.strptime(match.group(1), _STAMP).replace(tzinfo=UTC)


def to_keep(stamps: Sequence[datetime], *, daily: int, weekly: int, zone: ZoneInfo) -> set[datetime]:
    """The archive times to keep out of ``stamps``."""
    newest_first = sorted(set(stamps), reverse=True)
    keep: set[datetime] = set(newest_first[:1])

    def day(t: datetime) -> Hashable:
        return t.astimezone(zone).date()

    def week(t: datetime) -> Hashable:
        iso = t.astimezone(zone).isocalendar()
        return (iso.year, iso.week)

    rules: tuple[tuple[int, Callable[[datetime], Hashable]], ...] = ((daily, day), (weekly, week))
    for count, period in rules:
        periods: set[Hashable] = set()
        for stamp in newest_first:
            key = period(stamp)
            if key in periods:
                continue
            if len(periods) >= count:
                break
            periods.add(key)
            keep.add(stamp)
    return keep


def prune(directory: Path, *, daily: int, weekly: int, zone: ZoneInfo) -> list[Path]:
    """Delete the archives in ``directory`` that ``to_keep`` does not keep; returns what went."""
    archives: dict[datetime, Path] = {}
    for path in directory.iterdir():
        stamp = archive_time(path.name)
        if stamp is not None and path.is_file() and not path.is_symlink():
            archives[stamp] = path
    keep = to_keep(list(archives), daily=daily, weekly=weekly, zone=zone)
    removed = [archives[stamp] for stamp in sorted(archives) if stamp not in keep]
    for path in removed:
        path.unlink()
    return removed
