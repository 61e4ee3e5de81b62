"""A plain RFC 5545 content-line writer: escaping, parameter quoting, folding, CRLF. Pure.

``icalendar`` writes correct files but builds a tree of objects per property and walks it again to
write: 1,000 meetings took it about a second (issue #16). This writes the same lines straight
from strings:

- TEXT values escape ``\\``, ``;``, ``,`` and line breaks (RFC 5545 3.3.11); other control
  characters, which TEXT may not hold, become spaces.
- Parameter values are double-quoted when they hold ``:``, ``;`` or ``,`` (3.2); a double quote
  cannot be quoted at all, so it is written full-width (``ical.display_name`` does it for names).
- Lines longer than 75 octets are folded (3.1) with CRLF and one space, never inside a UTF-8
  character; every line ends with CRLF.

The VTIMEZONE blocks still come from ``icalendar`` (``Timezone.from_tzid``), built once per zone
and range of years and kept: they hold the daylight-saving rules, which are easy to get wrong.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

import icalendar

CRLF = b"\r\n"
LINE_OCTETS = 75
_TEXT_SPECIALS = re.compile(r"[\\;,\n\r\x00-\x08\x0b-\x1f\x7f]")
_PARAM_QUOTE = re.compile(r"[:;,]")
_PARAM_BAD = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_NAME = re.compile(r"[A-Z0-9-]+")


def _text_special(match: re.Match[str]) -> str:
    char = match.group()
    if char in "\\;,":
        return "\\" + char
    if char == "\n":
        return "\\n"
    return " "


def escape_text(value: str) -> str:
    """A TEXT value (SUMMARY, DESCRIPTION, LOCATION...). CRLF and CR count as one line break."""
    if "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    return _TEXT_SPECIALS.sub(_text_special, value)


def param_value(value: str) -> str:
    """A parameter value, quoted when it must be. Double quotes and control characters, which no
    parameter value may hold, become a full-width quote and spaces."""
    value = _PARAM_BAD.sub(" ", value.replace('"', "＂"))
    return f'"{value}"' if _PARAM_QUOTE.search(value) else value


def fold(line: str) -> bytes:
    """One content line as octets: folded to 75 octets a line (the first; 74 plus the space for
    each continuation), never inside a UTF-8 sequence, ending with CRLF."""
    data = line.encode("utf-8")
    if len(data) <= LINE_OCTETS:
        return data + CRLF
    parts = []
    start, limit = 0, LINE_OCTETS
    while len(data) - start > limit:
        end = start + limit
        while data[end] & 0xC0 == 0x80:  # a continuation byte: step back to the character's start
            end -= 1
        parts.append(data[start:end])
        start, limit = end, LINE_OCTETS - 1
    parts.append(data[start:])
    return b"\r\n ".join(parts) + CRLF


def line(name: str, value: str, params: Mapping[str, str] | None = None) -> bytes:
    """``NAME;PARAM=value:value``, folded. ``value`` is written as given: escape TEXT first."""
    if params:
        head = name + "".join(f";{key}={param_value(v)}" for key, v in params.items())
        return fold(f"{head}:{value}")
    return fold(f"{name}:{value}")


def text(name: str, value: str, params: Mapping[str, str] | None = None) -> bytes:
    return line(name, escape_text(value), params)


def utc_stamp(moment: datetime) -> str:
    """A DATE-TIME in UTC (``20261128T080000Z``); a naive time is read as UTC."""
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return f"{moment:%Y%m%dT%H%M%S}Z"


def local_stamp(moment: datetime) -> str:
    """A DATE-TIME on the wall clock of its zone (written after ``TZID=``)."""
    return f"{moment:%Y%m%dT%H%M%S}"


def duration(value: timedelta) -> str:
    """A positive DURATION (``PT1H``, ``P1DT2H``, ``P2W``)."""
    if value <= timedelta(0):
        raise ValueError("a duration here is positive")
    days, seconds = value.days, value.seconds
    if not seconds and days % 7 == 0:
        return f"P{days // 7}W"
    out = f"P{days}D" if days else "P"
    if seconds:
        hours, rest = divmod(seconds, 3600)
        minutes, secs = divmod(rest, 60)
        out += "T" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
        out += f"{secs}S" if secs else ""
    return out


def component(name: str, lines: Iterable[bytes]) -> bytes:
    if not _NAME.fullmatch(name):
        raise ValueError(f"not a component name: {name!r}")
    return b"".join((b"BEGIN:", name.encode(), CRLF, *lines, b"END:", name.encode(), CRLF))


def year_range(first: date, last: date) -> tuple[date, date]:
    """The whole years around a range: VTIMEZONEs are kept per zone and range of years, so that
    calendars written on different days share them."""
    return date(first.year, 1, 1), date(last.year, 12, 31)


@lru_cache(maxsize=256)
def vtimezone(zone: str, first: date, last: date) -> bytes:
    """The VTIMEZONE of an IANA zone from ``first`` to ``last``, written by icalendar (once)."""
    block = icalendar.Timezone.from_tzid(zone, first_date=first, last_date=last).to_ical()
    return bytes(block)
