"""Document numbers per mediation committee and year: 〔2026〕青调字第12号.

- ``format_number`` is pure: a committee's format with ``{year}``, ``{prefix}`` and ``{seq}`` (the
  sequence may carry a width, ``{seq:03d}``); ``check_format`` refuses any other field before a
  format is stored.
- ``next_sequence`` counts in ``DocumentCounter``, one row per committee, series and year: the row is
  created if missing (``INSERT ... ON CONFLICT DO NOTHING``), then incremented by one ``UPDATE ...
  RETURNING``. The update holds the row to the end of the transaction (PostgreSQL's row lock; SQLite
  serialises writers), so two documents issued at once get different numbers, and a number given in
  a transaction that rolls back is given again.
- The year is the calendar year in China when the document is issued (``year_of``): an agreement
  issued at 23:30 on 31 December in Qingchuan is numbered in that year, though it is 15:30 UTC.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from referrals.committees import DEFAULT_NUMBER_FORMAT, NUMBER_FIELDS, Organisation, check_number_format
from referrals.models import DocumentCounter

DEFAULT_FORMAT = DEFAULT_NUMBER_FORMAT
FIELDS = NUMBER_FIELDS
ZONE = ZoneInfo("Asia/Shanghai")  # the law's dates are China's, whatever zone a user reads in


class BadNumberFormat(ValueError):
    """A format with an unknown field, or without the sequence."""


def check_format(fmt: str) -> str:
    """The format if it can number documents: only the known fields, the sequence among them."""
    try:
        return check_number_format(fmt)
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise BadNumberFormat(str(exc)) from exc


def format_number(fmt: str, prefix: str, year: int, seq: int, *, checked: bool = False) -> str:
    """``format_number("〔{year}〕{prefix}第{seq}号", "青调字", 2026, 12)`` -> 〔2026〕青调字第12号."""
    if not checked:
        check_format(fmt)
    return fmt.format(year=year, prefix=prefix, seq=seq)


def year_of(issued_at: datetime) -> int:
    """The year of issue, in China."""
    return issued_at.astimezone(ZONE).year


async def next_sequence(s: AsyncSession, committee_id: int, year: int, series: str = "agreement") -> int:
    """The next number of the series for this committee and year (1 for the first)."""
    bind = s.get_bind()
    insert = pg_insert if bind.dialect.name == "postgresql" else sqlite_insert
    await s.execute(
        insert(DocumentCounter)
        .values(committee_id=committee_id, series=series, year=year, last=0)
        .on_conflict_do_nothing()
    )
    seq = await s.scalar(
        update(DocumentCounter)
        .where(
            DocumentCounter.committee_id == committee_id,
            DocumentCounter.series == series,
            DocumentCounter.year == year,
        )
        .values(last=DocumentCounter.last + 1)
        .returning(DocumentCounter.last)
    )
    assert seq is not None  # the row exists: inserted above or before
    return int(seq)


async def issue_number(
    s: AsyncSession, organisation: Organisation, now: datetime, series: str = "agreement"
) -> str:
    """The organisation's next number of the series in the year of ``now`` (in China); "" for an
    agency that has no committee (its papers carry the case number instead)."""
    if organisation.committee_id is None:
        return ""
    year = year_of(now)
    seq = await next_sequence(s, organisation.committee_id, year, series)
    return format_number(organisation.number_format, organisation.number_prefix, year, seq)
