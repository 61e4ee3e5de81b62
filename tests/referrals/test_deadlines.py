from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.workdays import BUILTIN, Pause
from referrals import deadlines
from referrals.deadlines import DEFAULT, ExtensionRefused, Policy

T0 = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("policy", "expected"),
    [(DEFAULT, T0 + timedelta(hours=24)), (Policy(accept_hours=4), T0 + timedelta(hours=4))],
)
def test_acceptance_is_due_hours_after_sending(policy: Policy, expected: datetime) -> None:
    assert deadlines.acceptance_due(T0, policy) == expected


@pytest.mark.parametrize(
    ("effective", "last_day"),
    [
        (date(2026, 1, 31), date(2026, 3, 2)),  # across a short February
        (date(2024, 2, 15), date(2024, 3, 18)),  # leap year: day 30 is Saturday 16 March, runs to Monday
        (date(2026, 12, 15), date(2027, 1, 14)),  # across the year end
        (date(2026, 9, 1), date(2026, 10, 8)),  # day 30 is 1 October: after the National Day holiday
        (date(2026, 1, 17), date(2026, 2, 24)),  # day 30 inside the Spring Festival holiday
        (date(2026, 1, 15), date(2026, 2, 14)),  # day 30 is a Saturday worked for the Spring Festival
    ],
)
def test_the_judicial_confirmation_window_is_thirty_days_to_a_working_day(
    effective: date, last_day: date
) -> None:
    assert deadlines.confirmation_deadline(effective) == last_day


def test_no_policy_changes_the_statutory_thirty_days() -> None:
    assert deadlines.confirmation_deadline(date(2026, 11, 2), Policy(confirmation_days=90)) == date(
        2026, 12, 2
    )


def test_the_courts_decision_is_due_fifteen_days_after_acceptance_or_ten_more() -> None:
    assert deadlines.court_decision_due(date(2026, 11, 2), extended=False) == date(2026, 11, 17)
    assert deadlines.court_decision_due(date(2026, 11, 2), extended=True) == date(2026, 11, 27)
    # Day 15 is Saturday 3 October, in the National Day holiday: the 8th.
    assert deadlines.court_decision_due(date(2026, 9, 18), extended=False) == date(2026, 10, 8)


def test_enforcement_may_be_applied_for_within_two_years() -> None:
    assert deadlines.enforcement_deadline(date(2024, 12, 3)) == date(2026, 12, 3)
    assert deadlines.enforcement_deadline(date(2024, 10, 1)) == date(2026, 10, 8)  # National Day
    assert deadlines.enforcement_deadline(date(2024, 2, 29)).month == 2  # no 29 February in 2026


def test_labour_disputes_are_mediated_within_fifteen_days_without_extension() -> None:
    labour = deadlines.for_category(DEFAULT, "labour")
    accepted = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai
    due = deadlines.mediation_due(accepted, labour)
    assert due == datetime(2026, 11, 17, 2, 0, tzinfo=UTC)
    with pytest.raises(ExtensionRefused):
        deadlines.extended_mediation_due(accepted, due, 1, labour)
    assert deadlines.for_category(DEFAULT, "neighbour") == DEFAULT


def test_medical_disputes_count_thirty_working_days_without_the_appraisal() -> None:
    medical = deadlines.for_category(DEFAULT, "medical")
    accepted = datetime(2026, 9, 21, 2, 0, tzinfo=UTC)  # Monday 21 September, 10:00 in Shanghai
    due = deadlines.mediation_due(accepted, medical)
    # 30 working days, across the Mid-autumn and National Day holidays and two working weekend days.
    local_due = due.astimezone(ZoneInfo("Asia/Shanghai"))
    assert local_due.date() == BUILTIN.add_workdays(date(2026, 9, 21), 30) and local_due.hour == 10
    assert local_due.date() > date(2026, 9, 21) + timedelta(days=30 + 9)
    appraisal = Pause(date(2026, 10, 12), date(2026, 10, 16))
    paused = deadlines.mediation_due(accepted, medical, [appraisal]).astimezone(ZoneInfo("Asia/Shanghai"))
    assert BUILTIN.workdays_between(local_due.date() + timedelta(days=1), paused.date()) == 5


@pytest.mark.parametrize(
    ("today", "left"), [(date(2026, 3, 1), 1), (date(2026, 3, 2), 0), (date(2026, 3, 5), -3)]
)
def test_days_left_counts_down_to_zero_on_the_day(today: date, left: int) -> None:
    assert deadlines.days_left(date(2026, 3, 2), today) == left


def test_mediation_extends_to_sixty_days_at_most() -> None:
    due = deadlines.mediation_due(T0)
    assert due == T0 + timedelta(days=30)
    longer = deadlines.extended_mediation_due(T0, due, 30)
    assert longer == T0 + timedelta(days=60)
    with pytest.raises(ExtensionRefused):
        deadlines.extended_mediation_due(T0, longer, 1)
    with pytest.raises(ExtensionRefused):
        deadlines.extended_mediation_due(T0, due, 0)


def test_a_policy_refuses_nonsense() -> None:
    with pytest.raises(ValueError):
        Policy(mediation_days=40, mediation_max_days=30)
    with pytest.raises(ValueError):
        Policy(accept_hours=0)


@given(
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1), timezones=st.just(UTC)),
    st.integers(1, 30),
    st.integers(1, 30),
)
def test_extensions_never_pass_the_maximum(accepted: datetime, first: int, second: int) -> None:
    due = deadlines.mediation_due(accepted)
    # The longest mediation, itself a period that ends on a working day.
    limit = deadlines.mediation_due(accepted, Policy(mediation_days=60, mediation_max_days=60))
    for days in (first, second):
        try:
            due = deadlines.extended_mediation_due(accepted, due, days)
        except ExtensionRefused:
            break
        assert due <= limit


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 1, 1)))
def test_the_window_closes_thirty_days_after_taking_effect_on_a_working_day(effective: date) -> None:
    last = deadlines.confirmation_deadline(effective)
    assert 30 <= deadlines.days_left(last, effective) <= 30 + 12  # the longest holiday moves it
    assert BUILTIN.is_workday(last)
    assert deadlines.days_left(last, last + timedelta(days=1)) == -1


@given(st.datetimes(timezones=st.just(UTC)), st.integers(-100, 100))
def test_overdue_and_due_soon_never_hold_together(now: datetime, hours: int) -> None:
    try:
        due = now + timedelta(hours=hours)
    except OverflowError:
        return
    assert not (deadlines.is_overdue(due, now) and deadlines.is_due_soon(due, now))


def test_a_case_taken_in_on_new_years_morning_belongs_to_the_new_year() -> None:
    from referrals.cases.intake import case_number

    early = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)  # 07:30 on 1 January 2027 in Shanghai
    assert case_number(early, 123) == "QC2027-000123"
    assert case_number(early, 123, "UTC") == "QC2026-000123"
