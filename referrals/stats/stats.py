"""Statistics over cases and their referrals, pure: plain rows in, counts out (no I/O, no clock).

The unit is the case taken in during the period. Each case counts once in every breakdown:
- by category (the case's category);
- by agency: the body that handles it (the receiving agency of its latest referral), or the agency
  that took it in while it has not been referred;
- by area: the town or street (乡镇/街道) the case's area lies in (``area_group`` maps an area to it).

Figures of one group:
- received: cases taken in; referred: cases with at least one referral;
- accepted: some referral of the case was accepted;
- resolved: some referral reached an agreement (resolved, and after: confirmation, closing);
- failed: the latest referral ended in failure (and no other one reached an agreement);
- confirmed: some referral was judicially confirmed;
- resolution rate: resolved / (resolved + failed), None while nothing was decided;
- average days to resolve: from sending the resolving referral to its decision;
- deadline breaches, per referral: accepted after its acceptance deadline (late acceptance), not
  accepted at all in time (expired), decided after its mediation deadline (late decision).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

AGREED = frozenset(
    {
        "resolved",
        "confirmation_applied",
        "confirmation_accepted",
        "correction_requested",
        "confirmed",
        "confirmation_refused",
        "closed",
    }
)
OPEN_WITH_MEDIATOR = frozenset({"accepted", "in_mediation"})
FIGURES = (
    "received",
    "referred",
    "accepted",
    "resolved",
    "failed",
    "confirmed",
    "resolution_rate",
    "avg_days_to_resolve",
    "late_acceptance",
    "expired",
    "late_decision",
    "breaches",
)
K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class ReferralRow:
    id: int
    to_agency_id: int
    state: str
    sent_at: datetime
    accept_due: datetime
    accepted_at: datetime | None = None
    mediation_due: datetime | None = None
    decided_at: datetime | None = None
    mediator_id: int | None = None
    # Every state the referral was ever in (from its events); its current state is added.
    reached: frozenset[str] = frozenset()

    @property
    def states(self) -> frozenset[str]:
        return self.reached | {self.state}


@dataclass(frozen=True)
class CaseRow:
    id: int
    created_at: datetime
    category: str
    area_id: int | None
    agency_id: int  # the agency that took the case in
    referrals: tuple[ReferralRow, ...] = ()  # in the order they were sent


@dataclass(frozen=True)
class Outcome:
    """What happened to one case, as the figures count it."""

    referred: bool
    accepted: bool
    resolved: bool
    failed: bool
    confirmed: bool
    days_to_resolve: float | None
    resolved_at: datetime | None
    late_acceptance: int
    expired: int
    late_decision: int
    handler_id: int


def outcome(case: CaseRow) -> Outcome:
    refs = case.referrals
    resolving = next((r for r in refs if r.states & AGREED), None)
    days = None
    if resolving is not None and resolving.decided_at is not None:
        days = (resolving.decided_at - resolving.sent_at).total_seconds() / 86400
    return Outcome(
        referred=bool(refs),
        accepted=any(r.accepted_at is not None or "accepted" in r.states for r in refs),
        resolved=resolving is not None,
        failed=resolving is None and bool(refs) and refs[-1].state == "failed",
        confirmed=any("confirmed" in r.states for r in refs),
        days_to_resolve=days,
        resolved_at=resolving.decided_at if resolving is not None else None,
        late_acceptance=sum(1 for r in refs if r.accepted_at is not None and r.accepted_at > r.accept_due),
        expired=sum(1 for r in refs if "expired" in r.states),
        late_decision=sum(
            1
            for r in refs
            if r.decided_at is not None and r.mediation_due is not None and r.decided_at > r.mediation_due
        ),
        handler_id=refs[-1].to_agency_id if refs else case.agency_id,
    )


@dataclass
class Figures:
    received: int = 0
    referred: int = 0
    accepted: int = 0
    resolved: int = 0
    failed: int = 0
    confirmed: int = 0
    late_acceptance: int = 0
    expired: int = 0
    late_decision: int = 0
    days_total: float = 0.0
    days_counted: int = 0

    def add(self, o: Outcome) -> None:
        self.received += 1
        self.referred += o.referred
        self.accepted += o.accepted
        self.resolved += o.resolved
        self.failed += o.failed
        self.confirmed += o.confirmed
        self.late_acceptance += o.late_acceptance
        self.expired += o.expired
        self.late_decision += o.late_decision
        if o.days_to_resolve is not None:
            self.days_total += o.days_to_resolve
            self.days_counted += 1

    @property
    def resolution_rate(self) -> float | None:
        decided = self.resolved + self.failed
        return round(self.resolved / decided, 4) if decided else None

    @property
    def avg_days_to_resolve(self) -> float | None:
        return round(self.days_total / self.days_counted, 1) if self.days_counted else None

    @property
    def breaches(self) -> int:
        return self.late_acceptance + self.expired + self.late_decision

    def as_dict(self) -> dict[str, int | float | None]:
        return {name: getattr(self, name) for name in FIGURES}


@dataclass(frozen=True)
class Day:
    day: date
    received: int
    resolved: int


@dataclass
class Stats:
    start: date
    end: date
    total: Figures = field(default_factory=Figures)
    by_category: dict[str, Figures] = field(default_factory=dict)
    by_agency: dict[int, Figures] = field(default_factory=dict)
    by_area: dict[int | None, Figures] = field(default_factory=dict)
    daily: list[Day] = field(default_factory=list)


def local_day(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date()


def period_bounds(start: date, end: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The instants (aware) that open ``start`` and close ``end`` in the zone: [first, last)."""
    first = datetime.combine(start, datetime.min.time(), zone)
    last = datetime.combine(end + timedelta(days=1), datetime.min.time(), zone)
    return first, last


def compute(
    cases: Iterable[CaseRow],
    start: date,
    end: date,
    zone: ZoneInfo,
    area_group: Mapping[int, int] | None = None,
) -> Stats:
    """Figures of the cases taken in from ``start`` to ``end`` (local days, both included)."""
    if end < start:
        raise ValueError("the period ends before it starts")
    groups = area_group or {}
    result = Stats(start, end)
    received: dict[date, int] = {}
    resolved: dict[date, int] = {}
    for case in cases:
        day = local_day(case.created_at, zone)
        if not start <= day <= end:
            continue
        o = outcome(case)
        result.total.add(o)
        _group(result.by_category, case.category).add(o)
        _group(result.by_agency, o.handler_id).add(o)
        area = groups.get(case.area_id, case.area_id) if case.area_id is not None else None
        _group(result.by_area, area).add(o)
        received[day] = received.get(day, 0) + 1
        if o.resolved_at is not None:
            done = local_day(o.resolved_at, zone)
            if start <= done <= end:
                resolved[done] = resolved.get(done, 0) + 1
    result.daily = [
        Day(d, received.get(d, 0), resolved.get(d, 0))
        for d in (start + timedelta(days=i) for i in range((end - start).days + 1))
    ]
    return result


def _group(groups: dict[K, Figures], key: K) -> Figures:
    if key not in groups:
        groups[key] = Figures()
    return groups[key]


def mediator_load(referrals: Iterable[tuple[int | None, str]]) -> dict[int, int]:
    """Open referrals (accepted or in mediation) per assigned mediator."""
    load: dict[int, int] = {}
    for mediator_id, state in referrals:
        if mediator_id is not None and state in OPEN_WITH_MEDIATOR:
            load[mediator_id] = load.get(mediator_id, 0) + 1
    return load


def town_of(area_id: int, parents: Mapping[int, int | None], levels: Mapping[int, str]) -> int:
    """The town or street an area lies in (itself for a town, and for the district)."""
    current: int | None = area_id
    seen: set[int] = set()
    while current is not None and current not in seen:
        if levels.get(current) in ("town", "district"):
            return current
        seen.add(current)
        current = parents.get(current)
    return area_id


def table(
    result: Stats,
    names: Callable[[str, Hashable], str],
) -> list[tuple[str, str, Figures]]:
    """Rows for a table or an export: (dimension, group name, figures), the total first.

    ``names(dimension, key)`` gives the readable name of a group (a category label, an agency's or
    an area's name); rows within a dimension are sorted by received, most first, then by name.
    """
    rows: list[tuple[str, str, Figures]] = [("total", names("total", None), result.total)]
    dimensions: tuple[tuple[str, Mapping[Any, Figures]], ...] = (
        ("category", result.by_category),
        ("agency", result.by_agency),
        ("area", result.by_area),
    )
    for dimension, groups in dimensions:
        named = [(names(dimension, key), figures) for key, figures in groups.items()]
        named.sort(key=lambda item: (-item[1].received, item[0]))
        rows += [(dimension, name, figures) for name, figures in named]
    return rows
