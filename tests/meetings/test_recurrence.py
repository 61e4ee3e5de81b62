"""Repeat rules of meeting series: expanded on the local wall clock, refused clearly when unusable."""

import time
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.errors import HubError
from meetings.errors import InvalidRule, TooManyOccurrences
from meetings.recurrence import (
    MAX_OCCURRENCES,
    Booking,
    Cancelled,
    Interval,
    Moved,
    Recurrence,
    expand,
    find_conflicts,
)
from meetings.rules import WEEKDAYS, parse_rule
from meetings.timezones import to_utc

SH = ZoneInfo("Asia/Shanghai")
YEAR_2026 = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))


def series(rule: str, start: datetime, hours: float = 2, zone: str = "Asia/Shanghai", **kw) -> Recurrence:
    return Recurrence.of(rule, start, start + timedelta(hours=hours), zone, **kw)


def local_starts(recurrence: Recurrence, window=YEAR_2026) -> list[str]:
    return [o.local_start.strftime("%Y-%m-%d %H:%M %a") for o in expand(recurrence, *window)]


# --- expansion ------------------------------------------------------------------------------------


def test_a_first_tuesday_series_stays_on_tuesday_0730_shanghai_which_is_monday_2330_utc() -> None:
    monthly = series("FREQ=MONTHLY;BYDAY=1TU", datetime(2026, 1, 6, 7, 30))
    found = expand(monthly, *YEAR_2026)
    assert len(found) == 12
    for occurrence in found:
        local = occurrence.local_start
        assert local.strftime("%a %H:%M") == "Tue 07:30"
        assert local.day <= 7
        assert occurrence.start.tzinfo is UTC
        assert occurrence.start.strftime("%a %H:%M") == "Mon 23:30"
        assert occurrence.end - occurrence.start == timedelta(hours=2)
    assert [o.local_start.date().isoformat() for o in found[:3]] == ["2026-01-06", "2026-02-03", "2026-03-03"]


@pytest.mark.parametrize(
    ("rule", "start", "expected"),
    [
        (
            "FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=10",  # quarterly on the 10th
            datetime(2026, 1, 10, 9, 0),
            ["2026-01-10 09:00 Sat", "2026-04-10 09:00 Fri", "2026-07-10 09:00 Fri", "2026-10-10 09:00 Sat"],
        ),
        (
            "FREQ=MONTHLY;BYDAY=-1FR;COUNT=3",  # last Friday, three times
            datetime(2026, 1, 30, 15, 0),
            ["2026-01-30 15:00 Fri", "2026-02-27 15:00 Fri", "2026-03-27 15:00 Fri"],
        ),
        (
            "FREQ=WEEKLY;UNTIL=20260127",  # a date-only UNTIL includes that whole local day
            datetime(2026, 1, 6, 7, 30),
            ["2026-01-06 07:30 Tue", "2026-01-13 07:30 Tue", "2026-01-20 07:30 Tue", "2026-01-27 07:30 Tue"],
        ),
        (
            "FREQ=WEEKLY;UNTIL=20260119T233000Z",  # UTC UNTIL equal to a start includes it
            datetime(2026, 1, 6, 7, 30),
            ["2026-01-06 07:30 Tue", "2026-01-13 07:30 Tue", "2026-01-20 07:30 Tue"],
        ),
        (
            "RRULE:freq=weekly;byday=mo,we;count=4",  # prefix and lower case accepted
            datetime(2026, 12, 21, 14, 0),
            ["2026-12-21 14:00 Mon", "2026-12-23 14:00 Wed", "2026-12-28 14:00 Mon", "2026-12-30 14:00 Wed"],
        ),
    ],
)
def test_rules_expand_to_the_expected_local_starts(rule: str, start: datetime, expected: list[str]) -> None:
    assert local_starts(series(rule, start)) == expected


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("FREQ=MONTHLY;BYDAY=1TU", "FREQ=MONTHLY;BYDAY=1TU"),
        ("rrule:bymonthday=10;interval=3;freq=monthly", "FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=10"),
        ("FREQ=MONTHLY;BYDAY=+1TU;INTERVAL=1", "FREQ=MONTHLY;BYDAY=1TU"),
        ("FREQ=WEEKLY;UNTIL=20261231", "FREQ=WEEKLY;UNTIL=20261231T155959Z"),
        ("FREQ=WEEKLY;UNTIL=20261231T090000", "FREQ=WEEKLY;UNTIL=20261231T010000Z"),
    ],
)
def test_rules_are_written_back_in_one_canonical_form_with_until_in_utc(text: str, canonical: str) -> None:
    assert parse_rule(text).text == canonical


def test_a_moved_occurrence_is_at_its_new_time_and_keeps_its_recurrence_id() -> None:
    march = datetime(2026, 3, 3, 7, 30, tzinfo=SH)
    moved = Moved(march, datetime(2026, 3, 4, 14, 0, tzinfo=SH), datetime(2026, 3, 4, 16, 0, tzinfo=SH))
    monthly = series("FREQ=MONTHLY;BYDAY=1TU", datetime(2026, 1, 6, 7, 30), changes=[moved])
    found = expand(monthly, *YEAR_2026)
    assert len(found) == 12
    (march_meeting,) = [o for o in found if o.moved]
    assert march_meeting.recurrence_id == march.astimezone(UTC)
    assert march_meeting.start == datetime(2026, 3, 4, 6, 0, tzinfo=UTC)
    assert march_meeting.local_end.hour == 16
    assert march.astimezone(UTC) not in [o.start for o in found]


def test_a_cancelled_occurrence_is_absent_or_flagged_when_asked() -> None:
    april = datetime(2026, 4, 7, 7, 30, tzinfo=SH)
    monthly = series("FREQ=MONTHLY;BYDAY=1TU", datetime(2026, 1, 6, 7, 30), changes=[Cancelled(april)])
    assert len(expand(monthly, *YEAR_2026)) == 11
    assert april.astimezone(UTC) not in [o.start for o in expand(monthly, *YEAR_2026)]
    flagged = [o for o in expand(monthly, *YEAR_2026, include_cancelled=True) if o.cancelled]
    assert [o.recurrence_id for o in flagged] == [april.astimezone(UTC)]


def test_a_meeting_moved_across_the_window_edge_follows_its_new_time() -> None:
    jan = datetime(2026, 1, 6, 7, 30, tzinfo=SH)
    to_feb = Moved(jan, datetime(2026, 2, 10, 9, 0, tzinfo=SH), datetime(2026, 2, 10, 10, 0, tzinfo=SH))
    monthly = series("FREQ=MONTHLY;BYDAY=1TU;COUNT=3", datetime(2026, 1, 6, 7, 30), changes=[to_feb])
    january = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC))
    february = (datetime(2026, 2, 1, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC))
    assert expand(monthly, *january) == []
    assert [o.local_start.day for o in expand(monthly, *february)] == [3, 10]
    assert [o.moved for o in expand(monthly)] == [False, True, False]


def test_the_last_change_of_an_occurrence_wins() -> None:
    jan = datetime(2026, 1, 6, 7, 30, tzinfo=SH)
    moved = Moved(jan, jan + timedelta(days=1), jan + timedelta(days=1, hours=1))
    monthly = series(
        "FREQ=MONTHLY;BYDAY=1TU;COUNT=2", jan.replace(tzinfo=None), changes=[moved, Cancelled(jan)]
    )
    assert [o.local_start.month for o in expand(monthly)] == [2]


def test_a_never_ending_rule_expands_within_a_window() -> None:
    weekly = series("FREQ=WEEKLY", datetime(2026, 1, 5, 9, 0))
    assert len(expand(weekly, datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC))) == 4


# --- daylight saving ------------------------------------------------------------------------------


def test_in_a_daylight_saving_zone_the_wall_clock_is_kept_and_the_utc_hour_moves() -> None:
    berlin = series("FREQ=WEEKLY;BYDAY=MO;COUNT=4", datetime(2026, 3, 16, 9, 0), zone="Europe/Berlin")
    found = expand(berlin)
    assert [o.local_start.strftime("%m-%d %H:%M") for o in found] == [
        "03-16 09:00",
        "03-23 09:00",
        "03-30 09:00",
        "04-06 09:00",
    ]
    assert [o.start.hour for o in found] == [8, 8, 7, 7]  # CET until 29 March, then CEST
    autumn = series("FREQ=WEEKLY;COUNT=2", datetime(2026, 10, 19, 9, 0), zone="Europe/Berlin")
    assert [o.start.hour for o in expand(autumn)] == [7, 8]


def test_a_local_time_skipped_by_the_clock_change_uses_the_offset_before_the_gap() -> None:
    daily = series("FREQ=DAILY;COUNT=3", datetime(2026, 3, 28, 2, 30), hours=1, zone="Europe/Berlin")
    starts = [o.start for o in expand(daily)]
    # 29 March 02:30 does not exist in Berlin; RFC 5545 reads it with +01:00, i.e. 01:30 UTC.
    assert starts == [
        datetime(2026, 3, 28, 1, 30, tzinfo=UTC),
        datetime(2026, 3, 29, 1, 30, tzinfo=UTC),
        datetime(2026, 3, 30, 0, 30, tzinfo=UTC),
    ]


# --- refusals -------------------------------------------------------------------------------------

START = datetime(2026, 1, 6, 7, 30)


def _never_ending_without_window() -> None:
    expand(series("FREQ=MONTHLY;BYDAY=1TU", START))


def _secondly_flood() -> None:
    expand(
        series("FREQ=SECONDLY", START),
        START.replace(tzinfo=SH),
        START.replace(tzinfo=SH) + timedelta(hours=1),
    )


def _daily_for_ten_years() -> None:
    expand(series("FREQ=DAILY", START), *(datetime(2026, 1, 1, tzinfo=UTC), datetime(2036, 1, 1, tzinfo=UTC)))


def _bounded(*args, **kw):
    return lambda: series(*args, **kw)


REFUSALS = [
    ("garbage", _bounded("garbage", START), "rrule_invalid"),
    ("empty", _bounded("", START), "rrule_invalid"),
    ("unknown frequency", _bounded("FREQ=FORTNIGHTLY", START), "rrule_invalid"),
    ("no frequency", _bounded("BYDAY=1TU", START), "rrule_invalid"),
    ("unknown part", _bounded("FREQ=DAILY;X-FOO=1", START), "rrule_invalid"),
    ("repeated part", _bounded("FREQ=DAILY;FREQ=WEEKLY", START), "rrule_invalid"),
    ("ninth Tuesday", _bounded("FREQ=MONTHLY;BYDAY=9TU", START), "rrule_invalid"),
    ("interval 0", _bounded("FREQ=MONTHLY;INTERVAL=0", START), "rrule_invalid"),
    ("count 0", _bounded("FREQ=MONTHLY;COUNT=0", START), "rrule_invalid"),
    ("month day 0", _bounded("FREQ=MONTHLY;BYMONTHDAY=0", START), "rrule_invalid"),
    ("month 13", _bounded("FREQ=YEARLY;BYMONTH=13", START), "rrule_invalid"),
    ("count and until", _bounded("FREQ=DAILY;COUNT=2;UNTIL=20270101", START), "rrule_invalid"),
    ("impossible until", _bounded("FREQ=DAILY;UNTIL=20261340", START), "rrule_invalid"),
    ("ordinal in weekly", _bounded("FREQ=WEEKLY;BYDAY=1MO", START), "rrule_invalid"),
    ("month day in weekly", _bounded("FREQ=WEEKLY;BYMONTHDAY=1", START), "rrule_invalid"),
    ("setpos alone", _bounded("FREQ=MONTHLY;BYSETPOS=1", START), "rrule_invalid"),
    ("smuggled DTSTART", _bounded("FREQ=DAILY\nDTSTART:20200101T000000", START), "rrule_invalid"),
    ("never ending, no window", _never_ending_without_window, "rrule_unbounded"),
    ("FREQ=SECONDLY flood", _secondly_flood, "rrule_too_many"),
    ("daily for ten years", _daily_for_ten_years, "rrule_too_many"),
    ("unknown zone", _bounded("FREQ=DAILY;COUNT=2", START, zone="Mars/Olympus_Mons"), "unknown_time_zone"),
    ("path as zone", _bounded("FREQ=DAILY;COUNT=2", START, zone="../../etc/passwd"), "unknown_time_zone"),
    ("machine zone", _bounded("FREQ=DAILY;COUNT=2", START, zone="localtime"), "unknown_time_zone"),
    ("end before start", _bounded("FREQ=DAILY;COUNT=2", START, hours=-1), "end_before_start"),
    ("end at start", _bounded("FREQ=DAILY;COUNT=2", START, hours=0), "end_before_start"),
    (
        "start off the rule",
        _bounded("FREQ=MONTHLY;BYDAY=1TU", START + timedelta(days=1)),
        "rrule_start_mismatch",
    ),
    ("impossible day", _bounded("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", START), "rrule_empty"),
    (
        "unknown occurrence",
        _bounded("FREQ=MONTHLY;BYDAY=1TU", START, changes=[Cancelled(datetime(2026, 2, 4, tzinfo=SH))]),
        "occurrence_unknown",
    ),
    (
        "moved to end before start",
        lambda: Moved(START.replace(tzinfo=SH), START.replace(tzinfo=SH), START.replace(tzinfo=SH)),
        "end_before_start",
    ),
]


@pytest.mark.parametrize(("case", "attempt", "code"), REFUSALS, ids=[r[0] for r in REFUSALS])
def test_unusable_series_are_refused_with_a_named_code(case, attempt, code: str) -> None:
    with pytest.raises(HubError) as refused:
        attempt()
    assert refused.value.code == code
    assert refused.value.status == 422


def test_the_refusal_names_the_part_that_cannot_be_read_and_the_first_day_the_rule_gives() -> None:
    with pytest.raises(InvalidRule, match="BYDAY=9TU"):
        parse_rule("FREQ=MONTHLY;BYDAY=9TU")
    with pytest.raises(HubError, match="2026-01-07 07:30.*2026-02-03 07:30"):
        series("FREQ=MONTHLY;BYDAY=1TU", datetime(2026, 1, 7, 7, 30))


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=SECONDLY;BYMONTH=2;BYMONTHDAY=30",
        "FREQ=DAILY;BYSETPOS=2;BYHOUR=7",
        "FREQ=MONTHLY;BYMONTHDAY=31;BYMONTH=4",
    ],
)
def test_a_rule_that_can_never_match_is_refused_quickly(rule: str) -> None:
    # CPU time, not wall time: the bound is about the work done, whatever else the machine runs.
    began = time.process_time()
    with pytest.raises(HubError) as refused:
        series(rule, START)
    assert refused.value.code == "rrule_empty"
    assert time.process_time() - began < 3  # dateutil alone walks to the year 9999 (6 s and more)


def test_a_window_may_hold_exactly_the_limit_and_not_one_more() -> None:
    daily = series("FREQ=DAILY", START)
    first = daily.first_start
    assert len(expand(daily, first, first + timedelta(days=MAX_OCCURRENCES))) == MAX_OCCURRENCES
    with pytest.raises(TooManyOccurrences):
        expand(daily, first, first + timedelta(days=MAX_OCCURRENCES, seconds=1))


# --- properties -----------------------------------------------------------------------------------

ZONES = st.sampled_from(["Asia/Shanghai", "Europe/Berlin", "America/New_York", "Australia/Sydney", "UTC"])


@settings(max_examples=60, deadline=None)
@given(
    nth=st.integers(1, 4),
    weekday=st.integers(0, 6),
    hour=st.integers(6, 21),  # away from the small hours when clocks change
    minute=st.sampled_from([0, 15, 30, 45]),
    zone=ZONES,
    year=st.integers(2020, 2040),
)
def test_the_nth_weekday_of_every_month_keeps_its_weekday_and_wall_clock(
    nth, weekday, hour, minute, zone, year
):
    first = date(year, 1, 1) + timedelta(days=(weekday - date(year, 1, 1).weekday()) % 7 + 7 * (nth - 1))
    start = datetime.combine(first, datetime.min.time()).replace(hour=hour, minute=minute)
    monthly = series(f"FREQ=MONTHLY;BYDAY={nth}{WEEKDAYS[weekday]}", start, zone=zone)
    window = (to_utc(start, zone), to_utc(start.replace(year=year + 1, month=1, day=1), zone))
    found = expand(monthly, *window)
    assert [o.local_start.month for o in found] == list(range(1, 13))
    for occurrence in found:
        local = occurrence.local_start
        assert (local.weekday(), local.hour, local.minute) == (weekday, hour, minute)
        assert (local.day - 1) // 7 == nth - 1
        assert occurrence.recurrence_id == occurrence.start


CUT_RULES = [
    ("FREQ=WEEKLY", datetime(2026, 1, 1, 10, 0)),
    ("FREQ=DAILY;INTERVAL=3", datetime(2026, 1, 1, 10, 0)),
    ("FREQ=MONTHLY;BYDAY=2WE", datetime(2026, 1, 14, 10, 0)),
    ("FREQ=WEEKLY;BYDAY=MO,TH", datetime(2026, 1, 1, 10, 0)),
]


@settings(max_examples=60, deadline=None)
@given(rule=st.sampled_from(CUT_RULES), split_days=st.integers(0, 180), zone=ZONES)
def test_a_window_cut_in_two_gives_the_same_occurrences_as_the_whole(rule, split_days, zone):
    repeating = series(*rule, zone=zone)
    low, high = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 7, 1, tzinfo=UTC)
    middle = low + timedelta(days=split_days)
    assert expand(repeating, low, middle) + expand(repeating, middle, high) == expand(repeating, low, high)


RULE_TEXT = st.text(alphabet="FREQ=DAILYWEKMONTHBYSUCTIV;,+-0123456789RZ", max_size=60)
RULE_PARTS = st.lists(
    st.sampled_from(
        [
            "FREQ=DAILY",
            "FREQ=WEEKLY",
            "FREQ=MONTHLY",
            "FREQ=YEARLY",
            "COUNT=5",
            "UNTIL=20270101",
            "INTERVAL=2",
            "BYDAY=1TU",
            "BYDAY=MO,FR",
            "BYMONTHDAY=-1",
            "BYMONTH=3,6",
            "BYSETPOS=1",
            "BYWEEKNO=20",
            "BYYEARDAY=100",
            "WKST=SU",
            "BYHOUR=9",
        ]
    ),
    max_size=5,
).map(";".join)


@settings(max_examples=300, deadline=None)
@given(text=st.one_of(RULE_TEXT, RULE_PARTS, st.text(max_size=40)))
def test_any_text_is_either_a_rule_that_reads_back_the_same_or_a_named_refusal(text: str) -> None:
    try:
        rule = parse_rule(text)
    except InvalidRule as refused:
        assert refused.code == "rrule_invalid"
        return
    assert parse_rule(rule.text) == rule
    assert parse_rule(rule.text).text == rule.text


# --- conflicts ------------------------------------------------------------------------------------

NINE = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai


def hours(start: float, end: float) -> Interval:
    return Interval(NINE + timedelta(hours=start), NINE + timedelta(hours=end))


def test_an_invited_agency_with_a_meeting_at_that_time_is_a_conflict() -> None:
    bookings = [
        Booking(agency_id=1, interval=hours(1, 2), meeting_id=10, title="派出所例会"),
        Booking(agency_id=2, interval=hours(2, 3), meeting_id=11),  # back to back: no conflict
        Booking(agency_id=3, interval=hours(0, 2), meeting_id=12),  # agency not invited
    ]
    conflicts = find_conflicts([hours(0, 2)], agency_ids=[1, 2], bookings=bookings)
    assert [(c.agency_id, c.booking.meeting_id) for c in conflicts] == [(1, 10)]
    assert find_conflicts([hours(0, 2)], [1, 2], bookings, ignore_meetings={10}) == []


def test_conflicts_are_listed_for_every_proposed_occurrence_in_order() -> None:
    bookings = [Booking(1, hours(0.5, 1)), Booking(2, hours(24, 25)), Booking(1, hours(24.5, 26))]
    proposed = [hours(24, 26), hours(0, 2)]
    found = find_conflicts(proposed, [1, 2], bookings)
    assert [(c.proposed.start.day, c.agency_id) for c in found] == [(1, 1), (2, 1), (2, 2)]


@settings(max_examples=100, deadline=None)
@given(
    proposed=st.lists(st.tuples(st.integers(0, 48), st.integers(1, 6)), max_size=6),
    booked=st.lists(st.tuples(st.integers(1, 4), st.integers(0, 48), st.integers(1, 6)), max_size=10),
    invited=st.sets(st.integers(1, 4)),
)
def test_conflicts_are_exactly_the_overlapping_pairs_of_invited_agencies(proposed, booked, invited):
    intervals = [hours(s, s + n) for s, n in proposed]
    bookings = [Booking(a, hours(s, s + n)) for a, s, n in booked]
    found = {(c.proposed, c.agency_id, c.booking) for c in find_conflicts(intervals, invited, bookings)}
    expected = {
        (p, b.agency_id, b)
        for p in intervals
        for b in bookings
        if b.agency_id in invited and p.start < b.interval.end and b.interval.start < p.end
    }
    assert found == expected
