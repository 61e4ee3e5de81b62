"""When follow-up visits fall due, and what a visit's outcome means: pure, table-driven."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from referrals import deadlines
from referrals.agreements import followups
from referrals.agreements.followups import TermDue, Visit

EFFECTIVE = date(2026, 11, 28)
D = date


@pytest.mark.parametrize(
    ("terms", "policy", "expected"),
    [
        pytest.param(
            # Three days after is Sunday 13 December: the visit is on the next working day.
            [TermDue(1, D(2026, 12, 10))],
            deadlines.DEFAULT,
            [Visit(1, D(2026, 12, 14))],
            id="one dated term",
        ),
        pytest.param(
            [TermDue(1, D(2026, 12, 20)), TermDue(2, D(2026, 12, 5))],
            deadlines.DEFAULT,
            [Visit(2, D(2026, 12, 8)), Visit(1, D(2026, 12, 23))],
            id="one visit per dated term, earliest first",
        ),
        pytest.param(
            [TermDue(1, D(2026, 12, 5)), TermDue(2, None)],
            deadlines.DEFAULT,
            [Visit(1, D(2026, 12, 8))],
            id="a term without a date adds no visit when another has one",
        ),
        pytest.param(
            [TermDue(1, None), TermDue(2, None)],
            deadlines.DEFAULT,
            [Visit(None, D(2026, 12, 7))],  # 7 days is Saturday the 5th: Monday
            id="no dated term: one visit 7 days after the effective date",
        ),
        pytest.param([], deadlines.DEFAULT, [Visit(None, D(2026, 12, 7))], id="no terms at all"),
        pytest.param(
            [TermDue(1, D(2026, 12, 5)), TermDue(2, D(2026, 12, 5))],
            deadlines.DEFAULT,
            [Visit(1, D(2026, 12, 8))],
            id="two terms due the same day share one visit",
        ),
        pytest.param(
            [TermDue(1, D(2026, 12, 31))],
            deadlines.Policy(followup_days=10),
            [Visit(1, D(2027, 1, 11))],  # the 10th is a Sunday
            id="the agency's own follow-up days, across the year",
        ),
        pytest.param(
            [TermDue(1, D(2026, 11, 20))],
            deadlines.DEFAULT,
            [Visit(1, D(2026, 11, 23))],
            id="a term due before the effective date still gets its visit",
        ),
    ],
)
def test_visits_are_scheduled(terms: list[TermDue], policy: deadlines.Policy, expected: list[Visit]) -> None:
    assert followups.schedule(terms, EFFECTIVE, policy) == expected


@pytest.mark.parametrize(
    ("outcome", "warns"),
    [("performed", False), ("partly", True), ("not_performed", True)],
)
def test_partly_or_not_performed_raises_a_warning(outcome: str, warns: bool) -> None:
    assert followups.raises_warning(outcome) is warns


def test_an_unknown_outcome_is_refused() -> None:
    with pytest.raises(ValueError):
        followups.raises_warning("maybe")


@pytest.mark.parametrize(
    ("done", "pending"), [([], 0), ([True, True], 0), ([True, False], 1), ([False, False, False], 3)]
)
def test_pending_counts_the_visits_not_made(done: list[bool], pending: int) -> None:
    assert followups.pending(done) == pending


@pytest.mark.parametrize(
    ("due", "done", "today", "overdue"),
    [
        (D(2026, 11, 28), False, D(2026, 11, 28), False),
        (D(2026, 11, 27), False, D(2026, 11, 28), True),
        (D(2026, 11, 27), True, D(2026, 11, 28), False),
    ],
)
def test_a_visit_is_overdue_the_day_after_its_due_date(
    due: date, done: bool, today: date, overdue: bool
) -> None:
    assert followups.is_overdue(due, done, today) is overdue


@given(
    st.lists(
        st.builds(TermDue, st.integers(1, 50), st.one_of(st.none(), st.dates(D(2020, 1, 1), D(2035, 1, 1)))),
        max_size=12,
    )
)
def test_there_is_always_a_visit_and_never_two_on_one_day(terms: list[TermDue]) -> None:
    visits = followups.schedule(terms, EFFECTIVE)
    assert visits
    days = [v.due for v in visits]
    assert days == sorted(set(days))
    assert all(v.term_id in {t.term_id for t in terms} | {None} for v in visits)
