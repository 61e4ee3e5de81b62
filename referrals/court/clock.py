"""The court's clocks on an application for judicial confirmation, pure.

- Received, not yet accepted: the court decides within 3 days whether to accept it
  (``deadlines.court_acceptance_due``).
- Accepted: it decides within 15 days, 10 more with the president's recorded approval
  (``deadlines.court_decision_due``). A correction asked for does not stop the clock here: the hub
  warns early rather than late.
- Decided: no clock.

``WARN_DAYS`` before the last day the clock turns to a warning; past it, to overdue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from hub.workdays import BUILTIN, StatutoryCalendar
from referrals import deadlines

WARN_DAYS = 3


@dataclass(frozen=True)
class CourtClock:
    kind: str  # "acceptance" or "decision"
    deadline: date
    days_left: int
    extended: bool = False

    @property
    def status(self) -> str:
        """``expired`` past the last day, ``soon`` within ``WARN_DAYS`` of it, else ``ok``."""
        if self.days_left < 0:
            return "expired"
        return "soon" if self.days_left <= WARN_DAYS else "ok"

    @property
    def warning(self) -> bool:
        return self.status != "ok"


def court_clock(
    *,
    received: date,
    accepted: date | None,
    extended: bool,
    decided: bool,
    today: date,
    calendar: StatutoryCalendar = BUILTIN,
) -> CourtClock | None:
    """The clock running on an application: received on ``received``, accepted on ``accepted``."""
    if decided:
        return None
    if accepted is None:
        due = deadlines.court_acceptance_due(received, calendar)
        return CourtClock("acceptance", due, deadlines.days_left(due, today))
    due = deadlines.court_decision_due(accepted, extended, calendar)
    return CourtClock("decision", due, deadlines.days_left(due, today), extended)
