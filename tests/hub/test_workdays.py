"""The statutory calendar: holidays, working weekends, periods that end on a rest day, working-day
periods with paused spans, and a year nobody has given yet."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.workdays import BUILTIN, Override, Pause, StatutoryCalendar


@pytest.mark.parametrize(
    ("day", "working", "name"),
    [
        (date(2026, 10, 1), False, "国庆节"),
        (date(2026, 10, 7), False, "国庆节"),
        (date(2026, 10, 10), True, None),  # a Saturday made a working day for the National Day
        (date(2026, 10, 11), False, None),  # a plain Sunday
        (date(2026, 2, 14), True, None),  # a Saturday made a working day for the Spring Festival
        (date(2026, 2, 17), False, "春节"),
        (date(2026, 12, 7), True, None),
    ],
)
def test_the_package_knows_holidays_and_working_weekends(day: date, working: bool, name: str | None) -> None:
    assert BUILTIN.is_workday(day) is working
    assert BUILTIN.holiday_name(day) == name


@pytest.mark.parametrize(
    ("effective", "deadline"),
    [
        # Day 30 is 1 October 2026: the period runs to the first working day after the holiday.
        (date(2026, 9, 1), date(2026, 10, 8)),
        # Day 30 is 16 February 2026, inside the Spring Festival: it runs to 24 February.
        (date(2026, 1, 17), date(2026, 2, 24)),
        # Day 30 is Saturday 14 February 2026, a working day by the State Council's notice: it stays.
        (date(2026, 1, 15), date(2026, 2, 14)),
        # Day 30 is an ordinary Sunday: Monday.
        (date(2026, 11, 2), date(2026, 12, 2)),
        # Day 30 is an ordinary working day: unchanged.
        (date(2026, 11, 7), date(2026, 12, 7)),
    ],
)
def test_a_period_ending_on_a_rest_day_runs_to_the_next_working_day(effective: date, deadline: date) -> None:
    assert BUILTIN.period_end(effective, 30) == deadline


def test_a_working_day_period_counts_a_weekend_that_became_a_working_day() -> None:
    # From Thursday 8 October 2026: Fri 9 and Sat 10 (a working Saturday) are the 1st and 2nd
    # working days, Sunday 11 is not counted, Monday 12 is the 3rd.
    assert BUILTIN.add_workdays(date(2026, 10, 8), 2) == date(2026, 10, 10)
    assert BUILTIN.add_workdays(date(2026, 10, 8), 3) == date(2026, 10, 12)
    # Across the whole National Day holiday: from 30 September, the first working day is 8 October.
    assert BUILTIN.add_workdays(date(2026, 9, 30), 1) == date(2026, 10, 8)


def test_paused_days_are_not_counted_in_a_working_day_period() -> None:
    start = date(2026, 11, 2)  # a Monday
    plain = BUILTIN.add_workdays(start, 30)
    appraisal = Pause(date(2026, 11, 9), date(2026, 11, 13))  # one working week for the appraisal
    assert BUILTIN.add_workdays(start, 30, [appraisal]) == BUILTIN.add_workdays(plain, 5)
    with pytest.raises(ValueError):
        Pause(date(2026, 11, 13), date(2026, 11, 9))


def test_a_year_the_package_does_not_know_raises_the_december_warning() -> None:
    calendar = StatutoryCalendar()
    unknown = max(y for y in range(2020, 2100) if calendar.knows(y)) + 1
    assert calendar.missing_year(date(unknown - 1, 12, 1)) == unknown
    assert calendar.missing_year(date(unknown - 1, 11, 30)) is None  # only in December
    given_year = StatutoryCalendar(given_years=[unknown])
    assert given_year.missing_year(date(unknown - 1, 12, 1)) is None


def test_an_administrator_adds_a_year_the_package_does_not_know() -> None:
    unknown = max(y for y in range(2020, 2100) if BUILTIN.knows(y)) + 1
    new_year = date(unknown, 1, 1)
    working_saturday = next(
        new_year + timedelta(days=n) for n in range(7) if (new_year + timedelta(n)).weekday() == 5
    )
    # With nothing given, only weekends rest.
    assert BUILTIN.is_workday(new_year) is (new_year.weekday() < 5)
    calendar = StatutoryCalendar(
        [Override(new_year, working=False, name="元旦"), Override(working_saturday, working=True)],
        given_years=[unknown],
    )
    assert calendar.is_workday(new_year) is False and calendar.holiday_name(new_year) == "元旦"
    assert calendar.is_workday(working_saturday) is True
    assert calendar.knows(unknown)


def test_an_override_corrects_a_year_the_package_knows() -> None:
    day = date(2026, 12, 7)
    assert StatutoryCalendar([Override(day, working=False, name="特别休息日")]).is_workday(day) is False


@given(st.dates(date(2005, 1, 1), date(2026, 12, 1)), st.integers(0, 60))
def test_a_period_ends_on_a_working_day_never_before_its_plain_end(start: date, days: int) -> None:
    end = BUILTIN.period_end(start, days)
    assert BUILTIN.is_workday(end)
    assert end >= start + timedelta(days=days)
    # Nothing between the plain end and the moved end is a working day.
    assert BUILTIN.workdays_between(start + timedelta(days=days), end - timedelta(days=1)) == 0


@given(st.dates(date(2005, 1, 1), date(2026, 10, 1)), st.integers(0, 40))
def test_a_working_day_period_has_exactly_that_many_working_days(start: date, days: int) -> None:
    end = BUILTIN.add_workdays(start, days)
    assert BUILTIN.workdays_between(start + timedelta(days=1), end) == days
