"""Time zones of meetings: IANA names, wall-clock (local) times and UTC instants. Pure.

A meeting is planned in the zone its organiser thinks in (default ``Asia/Shanghai``) and stored in
UTC. Local times are *naive* datetimes read on the wall clock of that zone; instants are *aware*
datetimes. A local time that does not exist (skipped by a daylight-saving change) or exists twice
is read as RFC 5545 says: with the UTC offset in force before the change (``fold=0``, the default of
a datetime typed in; ``to_local`` keeps ``fold=1`` on the second pass of a repeated hour so that
converting back gives the same instant).
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from meetings.errors import UnknownTimeZone

DEFAULT_ZONE = "Asia/Shanghai"

# Names zoneinfo accepts that are not zones a person can choose (they depend on the machine).
_NOT_ZONES = frozenset({"localtime", "posixrules", "Factory"})


@lru_cache(maxsize=1)
def known_zones() -> frozenset[str]:
    """Every IANA zone name this machine (or the tzdata package) knows."""
    return frozenset(available_timezones()) - _NOT_ZONES


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    """The zone named ``name``; ``UnknownTimeZone`` for anything else (paths, blanks, typos)."""
    if not isinstance(name, str) or name not in known_zones():
        raise UnknownTimeZone(zone=str(name)[:64])
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):  # pragma: no cover - listed but unreadable
        raise UnknownTimeZone(zone=name) from None


def to_utc(local: datetime, zone_name: str) -> datetime:
    """The instant of a wall-clock time in a zone (an aware time is only converted)."""
    if local.tzinfo is not None:
        return local.astimezone(UTC)
    return local.replace(tzinfo=zone(zone_name)).astimezone(UTC)


def to_local(instant: datetime, zone_name: str) -> datetime:
    """The wall-clock time (naive) of an instant in a zone. A naive ``instant`` is read as UTC."""
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    return instant.astimezone(zone(zone_name)).replace(tzinfo=None)


def in_zone(instant: datetime, zone_name: str) -> datetime:
    """The same instant, aware, expressed in the zone (what calendars write with a TZID)."""
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    return instant.astimezone(zone(zone_name))
