"""Deadline arithmetic, pure: the caller passes the policy (with the statutory calendar) and ``now``.

Periods in days follow the Civil Procedure Law (art. 85): the first day is not counted, and a
period whose last day is a rest day (a holiday, or a weekend that is not a working day) ends on the
first working day after it (``hub.workdays``).

- acceptance: ``accept_hours`` after sending (default 24 h; hours are not moved);
- mediation: ``mediation_days`` after acceptance (30), extendable with a reason up to
  ``mediation_max_days`` (60) from acceptance; counted in working days where a rule says so
  (medical disputes: 30 working days, appraisal time not counted), with paused spans left out;
- judicial confirmation: apply within 30 days of the agreement taking effect (People's Mediation
  Law art. 33): fixed by law, not by a policy;
- the court's acceptance: it decides within 3 days of receiving an application whether to accept it,
  and its decision from accepting the application, 10 more with the president's
  approval (the Supreme People's Court's 2011 provisions on judicial confirmation, art. 7);
- enforcement: apply within two years of the last day set for performance (Civil Procedure Law);
- follow-up: a visit ``followup_days`` after each term's due date.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from hub.workdays import BUILTIN, Pause, StatutoryCalendar

CONFIRMATION_DAYS = 30
COURT_ACCEPTANCE_DAYS = 3
COURT_DECISION_DAYS = 15
COURT_EXTENSION_DAYS = 10
ENFORCEMENT_YEARS = 2


@dataclass(frozen=True)
class Policy:
    accept_hours: int = 24
    mediation_days: int = 30
    mediation_max_days: int = 60
    confirmation_days: int = CONFIRMATION_DAYS  # shown only: the law fixes it (see confirmation_deadline)
    followup_days: int = 3
    soon_hours: int = 24
    # Mediation counted in working days (medical disputes), not calendar days.
    mediation_in_workdays: bool = False
    calendar: StatutoryCalendar = field(default=BUILTIN, compare=False, repr=False)
    zone: str = "Asia/Shanghai"

    def __post_init__(self) -> None:
        if self.accept_hours <= 0 or self.mediation_days <= 0:
            raise ValueError("deadlines must be positive")
        if self.mediation_max_days < self.mediation_days:
            raise ValueError("the longest mediation cannot be shorter than the normal one")


DEFAULT = Policy()

# Mediation periods the law sets for a kind of dispute, whatever the body's own policy says:
# labour disputes 15 days (Labour Dispute Mediation and Arbitration Law art. 14: then either party
# may go to arbitration), medical disputes 30 working days, appraisal time not counted (Regulations
# on the Prevention and Handling of Medical Disputes art. 33). (days, longest, in working days)
STATUTORY_MEDIATION: dict[str, tuple[int, int, bool]] = {"labour": (15, 15, False), "medical": (30, 30, True)}


def for_category(policy: Policy, category: str | None) -> Policy:
    """The policy for a case of ``category``: the law's mediation period where it sets one."""
    rule = STATUTORY_MEDIATION.get(category or "")
    if rule is None:
        return policy
    days, longest, in_workdays = rule
    return replace(policy, mediation_days=days, mediation_max_days=longest, mediation_in_workdays=in_workdays)


class ExtensionRefused(ValueError):
    pass


def acceptance_due(sent_at: datetime, policy: Policy = DEFAULT) -> datetime:
    return sent_at + timedelta(hours=policy.accept_hours)


def _counts(day: date, policy: Policy, pauses: tuple[Pause, ...]) -> bool:
    """Whether ``day`` counts in a mediation period: not paused, and a working day where the
    period is counted in working days."""
    if any(p.covers(day) for p in pauses):
        return False
    return policy.calendar.is_workday(day) if policy.mediation_in_workdays else True


def _last_day(start: date, days: int, policy: Policy, pauses: tuple[Pause, ...]) -> date:
    """The ``days``-th counted day after ``start``; a calendar-day period ending on a rest day runs
    to the next working day (art. 85)."""
    if policy.mediation_in_workdays:
        return policy.calendar.add_workdays(start, days, pauses)
    day, counted = start, 0
    while counted < days:
        day += timedelta(days=1)
        counted += _counts(day, policy, pauses)
    return policy.calendar.first_workday_from(day)


def _period(start: datetime, days: int, policy: Policy, pauses: Iterable[Pause] = ()) -> datetime:
    """``days`` after ``start`` by the policy's calendar, paused spans not counted, at the same
    local time of day."""
    zone = ZoneInfo(policy.zone)
    local = start.astimezone(zone)
    last = _last_day(local.date(), days, policy, tuple(pauses))
    return datetime.combine(last, local.timetz()).astimezone(start.tzinfo)


def mediation_due(accepted_at: datetime, policy: Policy = DEFAULT, pauses: Iterable[Pause] = ()) -> datetime:
    return _period(accepted_at, policy.mediation_days, policy, pauses)


def extended_mediation_due(
    accepted_at: datetime,
    current_due: datetime,
    days: int,
    policy: Policy = DEFAULT,
    pauses: Iterable[Pause] = (),
) -> datetime:
    """Push the mediation deadline by ``days``; never past the maximum from acceptance (paused
    time counts in neither)."""
    if days <= 0:
        raise ExtensionRefused("an extension must add at least one day")
    paused = tuple(pauses)
    limit = _period(accepted_at, policy.mediation_max_days, policy, paused)
    new_due = _period(current_due, days, policy, paused)
    if new_due > limit:
        raise ExtensionRefused(f"mediation may last at most {policy.mediation_max_days} days")
    return new_due


def paused_due(
    accepted_at: datetime,
    current_due: datetime,
    pause: Pause,
    earlier: Iterable[Pause] = (),
    policy: Policy = DEFAULT,
) -> datetime:
    """The mediation deadline once ``pause`` is recorded (a medical appraisal: 医疗损害鉴定). The
    days of the pause that the current deadline counted (after acceptance, up to its last day,
    not paused already; working days only where the period is in working days) are counted again
    after it, skipping every pause. An extension already granted is kept: the deadline moves, it
    is not computed afresh."""
    zone = ZoneInfo(policy.zone)
    local = current_due.astimezone(zone)
    accepted, last = accepted_at.astimezone(zone).date(), local.date()
    before = tuple(earlier)
    lost, day = 0, max(pause.first, accepted + timedelta(days=1))
    while day <= min(pause.last, last):
        lost += _counts(day, policy, before)
        day += timedelta(days=1)
    if lost == 0:
        return current_due
    new_last = _last_day(last, lost, policy, (*before, pause))
    return datetime.combine(new_last, local.timetz()).astimezone(current_due.tzinfo)


def confirmation_deadline(effective: date, policy: Policy = DEFAULT) -> date:
    """Last day on which the parties may apply to the court for judicial confirmation: 30 days
    from the day the agreement took effect (fixed by law), moved past a holiday."""
    return policy.calendar.period_end(effective, CONFIRMATION_DAYS)


def court_acceptance_due(received: date, calendar: StatutoryCalendar = BUILTIN) -> date:
    """Last day for the court to decide whether to accept an application it received (3 days)."""
    return calendar.period_end(received, COURT_ACCEPTANCE_DAYS)


def court_decision_due(accepted: date, extended: bool, calendar: StatutoryCalendar = BUILTIN) -> date:
    """Last day for the court's decision on an application it accepted (15 days, +10 if extended)."""
    return calendar.period_end(accepted, COURT_DECISION_DAYS + (COURT_EXTENSION_DAYS if extended else 0))


def enforcement_deadline(last_performance_day: date, calendar: StatutoryCalendar = BUILTIN) -> date:
    """Last day to apply for enforcement of a confirmed agreement that was not performed: two years
    from the last day set for performance (29 February counts to 28 February)."""
    year = last_performance_day.year + ENFORCEMENT_YEARS
    try:
        plain = last_performance_day.replace(year=year)
    except ValueError:
        plain = date(year, 2, 28)
    return calendar.first_workday_from(plain)


def days_left(deadline: date, today: date) -> int:
    """Whole days from today to the deadline: 0 on the day itself, negative once it passed."""
    return (deadline - today).days


def followup_date(term_due: date, policy: Policy = DEFAULT) -> date:
    return policy.calendar.period_end(term_due, policy.followup_days)


def is_overdue(due: datetime | None, now: datetime) -> bool:
    return due is not None and now > due


def is_due_soon(
    due: datetime | None, now: datetime, policy: Policy = DEFAULT, *, window: timedelta | None = None
) -> bool:
    """Not past, and within ``window`` (by default the policy's ``soon_hours``)."""
    window = timedelta(hours=policy.soon_hours) if window is None else window
    return due is not None and now <= due <= now + window
