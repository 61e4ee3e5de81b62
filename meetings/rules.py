"""Repeat rules (RFC 5545 RRULE): strict parsing into a ``Rule`` and its canonical text. Pure.

dateutil is the engine that expands rules, but it is lenient: it accepts ``BYMONTHDAY=0``,
``INTERVAL=0``, ``COUNT=-1``, a repeated ``FREQ`` or a ``DTSTART`` line inside the rule, which
calendar clients would each read differently. ``parse_rule`` therefore checks the grammar and the
RFC's restrictions itself, names the offending part, and writes the rule back in one canonical
form, with ``UNTIL`` as a UTC instant (RFC 5545 requires UTC when DTSTART carries a TZID).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from dateutil import rrule as du

from meetings.errors import InvalidRule
from meetings.timezones import DEFAULT_ZONE, to_local, to_utc, zone

FREQUENCIES = ("SECONDLY", "MINUTELY", "HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY")
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
# Canonical order of the parts (the order of RFC 5545's grammar).
PARTS = (
    "FREQ",
    "UNTIL",
    "COUNT",
    "INTERVAL",
    "BYSECOND",
    "BYMINUTE",
    "BYHOUR",
    "BYDAY",
    "BYMONTHDAY",
    "BYYEARDAY",
    "BYWEEKNO",
    "BYMONTH",
    "BYSETPOS",
    "WKST",
)
# Numeric BY parts: lowest and highest absolute value, and whether negative values (from the end)
# are allowed. BYSECOND stops at 59: dateutil does not know leap seconds.
NUMBERS = {
    "BYSECOND": (0, 59, False),
    "BYMINUTE": (0, 59, False),
    "BYHOUR": (0, 23, False),
    "BYMONTHDAY": (1, 31, True),
    "BYYEARDAY": (1, 366, True),
    "BYWEEKNO": (1, 53, True),
    "BYMONTH": (1, 12, False),
    "BYSETPOS": (1, 366, True),
}
# RFC 5545 3.3.10: parts a frequency must not carry.
NOT_WITH = {
    "BYWEEKNO": {"SECONDLY", "MINUTELY", "HOURLY", "DAILY", "WEEKLY", "MONTHLY"},
    "BYYEARDAY": {"DAILY", "WEEKLY", "MONTHLY"},
    "BYMONTHDAY": {"WEEKLY"},
}
MAX_TEXT = 300  # the length of the column that stores it
MAX_INTERVAL = 1000

_FREQ = {name: getattr(du, name) for name in FREQUENCIES}
_SAFE = re.compile(r"[A-Za-z0-9=;,+\-]*")
_NUMBER = re.compile(r"[+-]?\d{1,3}")
_DAY = re.compile(r"([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)")
_UNTIL = re.compile(r"(\d{8})(?:T(\d{6})(Z?))?")


@dataclass(frozen=True)
class Rule:
    """A checked repeat rule. ``until`` is a UTC instant; ``byday`` holds (ordinal or 0, weekday)."""

    freq: str
    interval: int = 1
    count: int | None = None
    until: datetime | None = None
    by: tuple[tuple[str, tuple[int, ...]], ...] = ()
    byday: tuple[tuple[int, str], ...] = ()
    wkst: str | None = None

    @property
    def bounded(self) -> bool:
        """Whether the rule ends by itself (COUNT or UNTIL)."""
        return self.count is not None or self.until is not None

    @property
    def text(self) -> str:
        """The canonical RRULE value, e.g. ``FREQ=MONTHLY;BYDAY=1TU``."""
        parts = [f"FREQ={self.freq}"]
        if self.until is not None:
            parts.append(f"UNTIL={self.until:%Y%m%dT%H%M%SZ}")
        if self.count is not None:
            parts.append(f"COUNT={self.count}")
        if self.interval != 1:
            parts.append(f"INTERVAL={self.interval}")
        values = dict(self.by)
        for name in PARTS:
            if name == "BYDAY" and self.byday:
                parts.append("BYDAY=" + ",".join(f"{n or ''}{day}" for n, day in self.byday))
            elif name in values:
                parts.append(f"{name}=" + ",".join(str(v) for v in values[name]))
        if self.wkst is not None:
            parts.append(f"WKST={self.wkst}")
        return ";".join(parts)

    def dateutil(
        self, start: datetime, zone_name: str = DEFAULT_ZONE, *, first_only: bool = False
    ) -> du.rrule:
        """The dateutil rule from a wall-clock ``start`` (naive): it yields naive local times.
        ``first_only`` drops COUNT and UNTIL and stops after one occurrence."""
        kwargs: dict[str, Any] = {name.lower(): values for name, values in self.by}
        if self.byday:
            kwargs["byweekday"] = [du.weekday(WEEKDAYS.index(day), n or None) for n, day in self.byday]
        if self.wkst is not None:
            kwargs["wkst"] = WEEKDAYS.index(self.wkst)
        until = None
        if self.until is not None and not first_only:
            until = to_local(self.until, zone_name)
        return du.rrule(
            _FREQ[self.freq],
            dtstart=start,
            interval=self.interval,
            count=1 if first_only else self.count,
            until=until,
            cache=False,
            **kwargs,
        )


def parse_rule(text: str, zone_name: str = DEFAULT_ZONE) -> Rule:
    """Check an RRULE value (an ``RRULE:`` prefix is allowed) and return it as a ``Rule``.

    A date-only or floating ``UNTIL`` is read in ``zone_name`` (a date includes that whole day).
    Everything RFC 5545 forbids, and anything dateutil would misread, raises ``InvalidRule``."""
    zone(zone_name)
    raw = text.strip() if isinstance(text, str) else ""
    if raw[:6].upper() == "RRULE:":
        raw = raw[6:]
    if not raw or len(raw) > MAX_TEXT or not _SAFE.fullmatch(raw):
        raise InvalidRule(part=re.sub(r"[^\x21-\x7e]", "?", raw)[:30])
    parts: dict[str, str] = {}
    for piece in raw.upper().split(";"):
        if not piece:
            continue
        name, equals, value = piece.partition("=")
        if not equals or not value or name not in PARTS or name in parts:
            raise InvalidRule(part=piece[:30])
        parts[name] = value
    freq = parts.get("FREQ", "")
    if freq not in FREQUENCIES:
        raise InvalidRule(part=f"FREQ={freq}")

    def bad(name: str) -> InvalidRule:
        return InvalidRule(part=f"{name}={parts[name]}"[:30])

    if "COUNT" in parts and "UNTIL" in parts:
        raise InvalidRule(part="COUNT+UNTIL")
    for name, freqs in NOT_WITH.items():
        if name in parts and freq in freqs:
            raise bad(name)
    if "BYSETPOS" in parts and not any(p.startswith("BY") and p != "BYSETPOS" for p in parts):
        raise bad("BYSETPOS")
    interval = _whole(parts.get("INTERVAL", "1"), 1, MAX_INTERVAL)
    if interval is None:
        raise bad("INTERVAL")
    count = None
    if "COUNT" in parts:
        count = _whole(parts["COUNT"], 1, 999_999)
        if count is None:
            raise bad("COUNT")
    until = None
    if "UNTIL" in parts:
        until = _until(parts["UNTIL"], zone_name)
        if until is None:
            raise bad("UNTIL")
    by: list[tuple[str, tuple[int, ...]]] = []
    for name, (low, high, signed) in NUMBERS.items():
        if name in parts:
            values = _numbers(parts[name], low, high, signed)
            if values is None:
                raise bad(name)
            by.append((name, values))
    byday: tuple[tuple[int, str], ...] = ()
    if "BYDAY" in parts:
        days = _days(parts["BYDAY"], freq, "BYWEEKNO" in parts)
        if days is None:
            raise bad("BYDAY")
        byday = days
    wkst = parts.get("WKST")
    if wkst is not None and wkst not in WEEKDAYS:
        raise bad("WKST")
    rule = Rule(freq, interval, count, until, tuple(by), byday, wkst)
    try:
        rule.dateutil(datetime(2000, 1, 1), zone_name)
    except (ValueError, TypeError, IndexError, KeyError):  # pragma: no cover - checked above
        raise InvalidRule(part=raw[:30]) from None
    return rule


def _whole(value: str, low: int, high: int) -> int | None:
    if not value.isascii() or not value.isdigit() or len(value) > 7:
        return None
    number = int(value)
    return number if low <= number <= high else None


def _numbers(value: str, low: int, high: int, signed: bool) -> tuple[int, ...] | None:
    found: list[int] = []
    for item in value.split(","):
        if not _NUMBER.fullmatch(item):
            return None
        number = int(item)
        if (number < 0 and not signed) or not low <= abs(number) <= high or (number == 0 and low > 0):
            return None
        found.append(number)
    return tuple(found)


def _days(value: str, freq: str, with_weekno: bool) -> tuple[tuple[int, str], ...] | None:
    """BYDAY: an ordinal (``1TU``, ``-1FR``) only under MONTHLY (up to 5) or YEARLY (up to 53),
    and not beside BYWEEKNO."""
    found: list[tuple[int, str]] = []
    for item in value.split(","):
        match = _DAY.fullmatch(item)
        if match is None:
            return None
        ordinal = int(match[1]) if match[1] else 0
        if ordinal:
            highest = {"MONTHLY": 5, "YEARLY": 53}.get(freq, 0)
            if with_weekno or not 1 <= abs(ordinal) <= highest:
                return None
        found.append((ordinal, match[2]))
    return tuple(found)


def _until(value: str, zone_name: str) -> datetime | None:
    match = _UNTIL.fullmatch(value)
    if match is None:
        return None
    try:
        day = date(int(value[0:4]), int(value[4:6]), int(value[6:8]))
        if not 1900 <= day.year <= 9000:
            return None
        if match[2] is None:
            return to_utc(datetime.combine(day, time(23, 59, 59)), zone_name)
        clock = time(int(match[2][0:2]), int(match[2][2:4]), int(match[2][4:6]))
    except ValueError:
        return None
    moment = datetime.combine(day, clock)
    return moment.replace(tzinfo=UTC) if match[3] else to_utc(moment, zone_name)
