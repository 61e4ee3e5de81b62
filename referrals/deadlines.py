"""Deadline arithmetic, pure: the caller passes the policy and ``now``.

- acceptance: ``accept_hours`` after sending (default 24 h);
- mediation: ``mediation_days`` after acceptance (30), extendable with a reason up to
  ``mediation_max_days`` (60) from acceptance;
- judicial confirmation: apply within ``confirmation_days`` (30) of the agreement taking effect,
  counted in calendar days, the effective date being day 0 (People's Mediation Law art. 33);
- follow-up: a visit ``followup_days`` after each term's due date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta


@dataclass(frozen=True)
class Policy:
    accept_hours: int = 24
    mediation_days: int = 30
    mediation_max_days: int = 60
    confirmation_days: int = 30
    followup_days: int = 3
    soon_hours: int = 24

    def __post_init__(self) -> None:
        if self.accept_hours <= 0 or self.mediation_days <= 0 or self.confirmation_days <= 0:
            raise ValueError("deadlines must be positive")
        if self.mediation_max_days < self.mediation_days:
            raise ValueError("the longest mediation cannot be shorter than the normal one")


DEFAULT = Policy()


class ExtensionRefused(ValueError):
    pass


def acceptance_due(sent_at: datetime, policy: Policy = DEFAULT) -> datetime:
    return sent_at + timedelta(hours=policy.accept_hours)


def mediation_due(accepted_at: datetime, policy: Policy = DEFAULT) -> datetime:
    return accepted_at + timedelta(days=policy.mediation_days)


def extended_mediation_due(
    accepted_at: datetime, current_due: datetime, days: int, policy: Policy = DEFAULT
) -> datetime:
    """Push the mediation deadline by ``days``; never past the maximum from acceptance."""
    if days <= 0:
        raise ExtensionRefused("an extension must add at least one day")
    limit = accepted_at + timedelta(days=policy.mediation_max_days)
    new_due = current_due + timedelta(days=days)
    if new_due > limit:
        raise ExtensionRefused(f"mediation may last at most {policy.mediation_max_days} days")
    return new_due


def confirmation_deadline(effective: date, policy: Policy = DEFAULT) -> date:
    """Last day on which the parties may apply to the court for judicial confirmation."""
    return effective + timedelta(days=policy.confirmation_days)


def days_left(deadline: date, today: date) -> int:
    """Whole days from today to the deadline: 0 on the day itself, negative once it passed."""
    return (deadline - today).days


def followup_date(term_due: date, policy: Policy = DEFAULT) -> date:
    return term_due + timedelta(days=policy.followup_days)


def is_overdue(due: datetime | None, now: datetime) -> bool:
    return due is not None and now > due


def is_due_soon(due: datetime | None, now: datetime, policy: Policy = DEFAULT) -> bool:
    return due is not None and now <= due <= now + timedelta(hours=policy.soon_hours)
