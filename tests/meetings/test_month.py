"""The month grid of the meeting calendar: whole weeks from Monday, meetings on their local day."""

from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest

from meetings.month import grid_range, parse_month, shift, weeks, window


@dataclass(frozen=True)
class Item:
    start: datetime


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12", date(2026, 12, 1)),
        ("2027-01", date(2027, 1, 1)),
        ("2026-13", date(2026, 11, 1)),
        ("x", date(2026, 11, 1)),
        (None, date(2026, 11, 1)),
    ],
)
def test_a_month_is_read_or_this_month_is_taken(text: str | None, expected: date) -> None:
    assert parse_month(text, date(2026, 11, 28)) == expected


@pytest.mark.parametrize(
    ("first", "months", "expected"),
    [
        (date(2026, 12, 1), 1, date(2027, 1, 1)),
        (date(2026, 1, 1), -1, date(2025, 12, 1)),
        (date(2026, 6, 1), 0, date(2026, 6, 1)),
    ],
)
def test_shifting_months_crosses_years(first: date, months: int, expected: date) -> None:
    assert shift(first, months) == expected


def test_december_2026_is_five_weeks_from_monday_30_november() -> None:
    assert grid_range(date(2026, 12, 1)) == (date(2026, 11, 30), date(2027, 1, 4))
    # Shanghai midnights in UTC.
    assert window(date(2026, 12, 1), "Asia/Shanghai")[0] == datetime(2026, 11, 29, 16, 0, tzinfo=UTC)


def test_a_meeting_lands_on_its_local_day() -> None:
    # Monday 23:30 UTC is Tuesday 07:30 in Shanghai.
    early = Item(datetime(2026, 11, 30, 23, 30, tzinfo=UTC))
    grid = weeks(date(2026, 12, 1), [early], "Asia/Shanghai")
    assert len(grid) == 5 and all(len(week) == 7 for week in grid)
    tuesday = grid[0][1]
    assert tuesday.day == date(2026, 12, 1) and tuesday.items == [early] and tuesday.in_month
    assert not grid[0][0].in_month and grid[0][0].items == []
