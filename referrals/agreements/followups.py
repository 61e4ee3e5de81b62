"""Follow-up visits (回访) on an agreement's performance: when to visit and what a visit means, pure.

People's Mediation Law art. 31: the mediation committee checks that the agreement is performed.
- One visit per term that has a due date, ``policy.followup_days`` after it (``deadlines.followup_date``);
  two terms due the same day share one visit (the first of them names it).
- When no term has a date, one visit ``NO_DATE_DAYS`` (7) days after the agreement took effect.
- A visit that finds the agreement partly or not performed raises an early warning.
- The referral may be closed only once every visit is done.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from referrals import deadlines

NO_DATE_DAYS = 7


class Outcome(StrEnum):
    performed = "performed"
    partly = "partly"
    not_performed = "not_performed"


@dataclass(frozen=True)
class TermDue:
    """What scheduling needs of a term: its id and due date (if any)."""

    term_id: int | None
    due: date | None


@dataclass(frozen=True)
class Visit:
    term_id: int | None
    due: date


def schedule(
    terms: Sequence[TermDue], effective: date, policy: deadlines.Policy = deadlines.DEFAULT
) -> list[Visit]:
    """The visits to make, earliest first."""
    visits: dict[date, Visit] = {}
    for term in terms:
        if term.due is None:
            continue
        when = deadlines.followup_date(term.due, policy)
        visits.setdefault(when, Visit(term.term_id, when))
    if not visits:
        return [Visit(None, policy.calendar.period_end(effective, NO_DATE_DAYS))]
    return [visits[d] for d in sorted(visits)]


def raises_warning(outcome: str) -> bool:
    """Partly or not performed: the supervisors above should know."""
    return Outcome(outcome) is not Outcome.performed


def pending(done: Iterable[bool]) -> int:
    """How many visits are still to be made (``done`` holds one flag per visit)."""
    return sum(1 for d in done if not d)


def is_overdue(due: date, done: bool, today: date) -> bool:
    return not done and today > due
