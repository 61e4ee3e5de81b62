"""The week grid of the meeting calendar: Monday to Sunday in the viewer's zone, weeks that cross a
month and a year, meetings cut at midnight, side-by-side lanes, placement the stylesheet can draw."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from meetings.week import (
    MAX_LANES,
    Slot,
    first_week_of,
    month_of,
    parse_week,
    place,
    shift,
    window,
)

SHANGHAI = "Asia/Shanghai"
TODAY = date(2026, 11, 26)  # a Thursday


@dataclass(frozen=True)
class Item:
    start: datetime
    end: datetime
    name: str = ""


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def shanghai(*args: int) -> datetime:
    """A Shanghai wall-clock time as its UTC instant (UTC+8, no daylight saving since 1991)."""
    return datetime(*args, tzinfo=UTC) - timedelta(hours=8)


@pytest.mark.parametrize(
    ("text", "monday"),
    [
        ("2026-11-30", date(2026, 11, 30)),  # a Monday
        ("2026-12-03", date(2026, 11, 30)),  # a Thursday: its Monday, in the month before
        ("2027-01-03", date(2026, 12, 28)),  # a Sunday: its Monday, in the year before
        ("2026-W49", date(2026, 11, 30)),
        ("2026-w53", date(2026, 12, 28)),  # 2026 has 53 ISO weeks (1 January 2026 is a Thursday)
        ("2027-W01", date(2027, 1, 4)),
        ("2025-W53", date(2026, 11, 23)),  # 2025 has 52: not a week, so this week
        ("2026-02-30", date(2026, 11, 23)),
        ("1066-10-14", date(2026, 11, 23)),
        ("x", date(2026, 11, 23)),
        ("", date(2026, 11, 23)),
        (None, date(2026, 11, 23)),
    ],
)
def test_a_week_is_read_from_a_day_or_an_iso_week_or_this_week_is_taken(
    text: str | None, monday: date
) -> None:
    assert parse_week(text, TODAY) == monday


@pytest.mark.parametrize(
    ("monday", "weeks", "expected"),
    [
        (date(2026, 11, 23), 1, date(2026, 11, 30)),  # into a week across November and December
        (date(2026, 11, 30), 1, date(2026, 12, 7)),
        (date(2026, 12, 28), 1, date(2027, 1, 4)),  # out of the week across the new year
        (date(2027, 1, 4), -1, date(2026, 12, 28)),
        (date(2026, 3, 2), -1, date(2026, 2, 23)),
        (date(2024, 2, 26), 1, date(2024, 3, 4)),  # past 29 February
    ],
)
def test_shifting_weeks_crosses_months_and_years(monday: date, weeks: int, expected: date) -> None:
    assert shift(monday, weeks) == expected


@pytest.mark.parametrize(
    ("monday", "month"),
    [
        (date(2026, 11, 30), date(2026, 12, 1)),  # Mon 30 Nov - Sun 6 Dec: four days in December
        (date(2026, 12, 28), date(2026, 12, 1)),  # Mon 28 Dec - Sun 3 Jan: four days in December
        (date(2027, 1, 25), date(2027, 1, 1)),  # Mon 25 Jan - Sun 31 Jan
        (date(2027, 3, 29), date(2027, 4, 1)),  # Mon 29 Mar - Sun 4 Apr: Thursday 1 April
    ],
)
def test_the_month_of_a_week_is_the_month_of_its_thursday(monday: date, month: date) -> None:
    assert month_of(monday) == month


@pytest.mark.parametrize(
    ("first", "week"),
    [
        (date(2026, 11, 1), date(2026, 11, 23)),  # this month: this week
        (date(2026, 12, 1), date(2026, 11, 30)),  # another month: the week of its first day
        (date(2027, 1, 1), date(2026, 12, 28)),
    ],
)
def test_switching_from_a_month_opens_this_week_or_the_months_first(first: date, week: date) -> None:
    assert first_week_of(first, TODAY) == week


@pytest.mark.parametrize(
    ("monday", "zone", "low", "hours"),
    [
        (date(2026, 11, 30), SHANGHAI, utc(2026, 11, 29, 16), 168),
        (date(2026, 12, 28), SHANGHAI, utc(2026, 12, 27, 16), 168),
        (date(2026, 3, 23), "Europe/Berlin", utc(2026, 3, 22, 23), 167),  # clocks go forward on 29 March
        (date(2026, 10, 19), "Europe/Berlin", utc(2026, 10, 18, 22), 169),  # and back on 25 October
    ],
)
def test_the_window_runs_from_local_midnight_to_local_midnight(
    monday: date, zone: str, low: datetime, hours: int
) -> None:
    start, end = window(monday, zone)
    assert start == low and end - start == timedelta(hours=hours)


def test_a_week_across_two_months_places_meetings_on_their_local_days() -> None:
    # Monday 23:30 UTC is Tuesday 07:30 in Shanghai: the first Tuesday of December.
    early = Item(utc(2026, 11, 30, 23, 30), utc(2026, 12, 1, 1, 30), "early")
    afternoon = Item(shanghai(2026, 11, 30, 15), shanghai(2026, 11, 30, 17), "afternoon")
    week = place(date(2026, 11, 30), [early, afternoon], SHANGHAI, TODAY)
    assert [d.day for d in week.days][0::6] == [date(2026, 11, 30), date(2026, 12, 6)]
    assert [p.item for p in week.days[0].items] == [afternoon]
    tuesday = week.days[1].items
    assert [p.item for p in tuesday] == [early] and tuesday[0].start == datetime(2026, 12, 1, 7, 30)
    # The grid grows from the working day (08-18) to take in 07:30.
    assert (week.first_hour, week.last_hour) == (7, 18)
    assert week.slot(tuesday[0]) == Slot(row=1, row_end=4, top=2, cut=2)
    assert week.iso == (2026, 49) and not any(d.today for d in week.days)


def test_a_week_across_the_new_year_cuts_a_late_meeting_at_midnight() -> None:
    late = Item(shanghai(2026, 12, 31, 22), shanghai(2027, 1, 1, 1, 30), "new year's eve")
    week = place(date(2026, 12, 28), [late], SHANGHAI, date(2027, 1, 1))
    thursday, friday = week.days[3], week.days[4]
    assert thursday.day == date(2026, 12, 31) and friday.day == date(2027, 1, 1) and friday.today
    (before,), (after,) = thursday.items, friday.items
    assert (before.start, before.end) == (datetime(2026, 12, 31, 22), datetime(2027, 1, 1))
    assert before.continues_after and not before.continues_before and before.end_minute == 1440
    assert (after.start, after.end) == (datetime(2027, 1, 1), datetime(2027, 1, 1, 1, 30))
    assert after.continues_before and not after.continues_after
    assert (week.first_hour, week.last_hour) == (0, 24)
    assert week.slot(before) == Slot(row=23, row_end=25, top=0, cut=0)
    assert week.slot(after) == Slot(row=1, row_end=3, top=0, cut=2)
    assert week.iso == (2026, 53)


def test_meetings_outside_the_week_are_left_out() -> None:
    before = Item(shanghai(2026, 12, 27, 9), shanghai(2026, 12, 27, 10))  # the Sunday before
    after = Item(shanghai(2027, 1, 4, 9), shanghai(2027, 1, 4, 10))  # the Monday after
    week = place(date(2026, 12, 28), [before, after], SHANGHAI)
    assert all(d.items == [] for d in week.days)
    assert (week.first_hour, week.last_hour) == (8, 18)


def test_overlapping_meetings_go_side_by_side_and_the_next_one_takes_the_whole_width() -> None:
    a = Item(shanghai(2026, 12, 1, 9), shanghai(2026, 12, 1, 11), "a")
    b = Item(shanghai(2026, 12, 1, 10), shanghai(2026, 12, 1, 12), "b")
    c = Item(shanghai(2026, 12, 1, 11), shanghai(2026, 12, 1, 12), "c")  # a is over: c takes its lane
    d = Item(shanghai(2026, 12, 1, 14), shanghai(2026, 12, 1, 15), "d")
    week = place(date(2026, 11, 30), [d, c, b, a], SHANGHAI)
    lanes = {p.item.name: (p.lane, p.lanes) for p in week.days[1].items}
    assert lanes == {"a": (1, 2), "b": (2, 2), "c": (1, 2), "d": (1, 1)}


def test_more_meetings_at_once_than_lanes_share_the_last_lane() -> None:
    same = [Item(shanghai(2026, 12, 1, 9), shanghai(2026, 12, 1, 10), str(n)) for n in range(6)]
    parts = place(date(2026, 11, 30), same, SHANGHAI).days[1].items
    assert sorted(p.lane for p in parts) == [1, 2, 3, 4, 4, 4] and {p.lanes for p in parts} == {MAX_LANES}


def test_a_meeting_of_no_length_still_gets_a_quarter_hour() -> None:
    point = Item(shanghai(2026, 12, 1, 9, 5), shanghai(2026, 12, 1, 9, 5))
    (part,) = place(date(2026, 11, 30), [point], SHANGHAI).days[1].items
    assert (part.start, part.end) == (datetime(2026, 12, 1, 9, 5), datetime(2026, 12, 1, 9, 20))


def test_the_hour_lost_in_spring_keeps_the_wall_clock() -> None:
    # 01:30 to 03:30 Berlin on 29 March 2026 lasts one hour: 02:00 does not exist that night.
    night = Item(utc(2026, 3, 29, 0, 30), utc(2026, 3, 29, 1, 30))
    week = place(date(2026, 3, 23), [night], "Europe/Berlin")
    (part,) = week.days[6].items
    assert (part.start, part.end) == (datetime(2026, 3, 29, 1, 30), datetime(2026, 3, 29, 3, 30))


def test_only_a_monday_starts_a_week() -> None:
    with pytest.raises(ValueError, match="not a Monday"):
        place(date(2026, 12, 1), [], SHANGHAI)


starts = st.datetimes(
    min_value=datetime(2026, 12, 20), max_value=datetime(2027, 1, 10), timezones=st.just(UTC)
)


@given(st.lists(st.tuples(starts, st.integers(0, 60 * 30)), max_size=12))
def test_every_part_fits_the_grid_and_overlapping_parts_never_share_a_lane(
    spans: list[tuple[datetime, int]],
) -> None:
    items = [Item(start, start + timedelta(minutes=minutes)) for start, minutes in spans]
    week = place(date(2026, 12, 28), items, SHANGHAI)
    rows = week.last_hour - week.first_hour
    low, high = window(week.monday, SHANGHAI)
    for item in items:  # an item touching the week has a part on each local day it touches
        touches = item.start < high and max(item.end, item.start + timedelta(minutes=15)) > low
        assert touches == any(p.item is item for d in week.days for p in d.items)
    for day in week.days:
        for part in day.items:
            slot = week.slot(part)
            assert part.start.date() == day.day
            assert 1 <= slot.row < slot.row_end <= rows + 1 and 0 <= slot.top < 4 and 0 <= slot.cut < 4
            assert (slot.row_end - slot.row) * 4 - slot.top - slot.cut >= 1
            assert 1 <= part.lane <= part.lanes <= MAX_LANES
        for a in day.items:
            for b in day.items:
                overlap = a is not b and a.start < b.end and b.start < a.end
                if overlap and a.lanes < MAX_LANES:
                    assert a.lane != b.lane
