from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

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
        (date(2024, 2, 15), date(2024, 3, 16)),  # leap year
        (date(2026, 12, 15), date(2027, 1, 14)),  # across the year end
    ],
)
def test_the_judicial_confirmation_window_is_thirty_calendar_days(effective: date, last_day: date) -> None:
    assert deadlines.confirmation_deadline(effective) == last_day


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
    limit = accepted + timedelta(days=DEFAULT.mediation_max_days)
    for days in (first, second):
        try:
            due = deadlines.extended_mediation_due(accepted, due, days)
        except ExtensionRefused:
            break
        assert due <= limit


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 1, 1)))
def test_the_window_closes_exactly_thirty_days_after_taking_effect(effective: date) -> None:
    last = deadlines.confirmation_deadline(effective)
    assert deadlines.days_left(last, effective) == 30
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
