"""The assessment's figures (考核), pure: plain rows in, figures per group out (no I/O, no clock).

Built on ``referrals.stats.stats``: a case's outcome (referred, accepted, resolved, failed,
confirmed, deadline breaches) is ``stats.outcome``; this module adds what a bureau assesses on top.

Three breakdowns, each case counted once in each:
- station: the agency that took the case in (``Case.created_agency_id``);
- town: the town or street (乡镇/街道) the case's area lies in;
- body: the receiving body handling it (the latest referral's target); unreferred cases have none.

Figures of one group:
- taken_in: cases taken in; referred: cases with at least one referral;
- incidents: the station's incident count (警情数) for the period's months; a town's is the sum of
  its stations'; referral_rate = referred / incidents (None without a count);
- hours_to_accept: mean hours from sending to acceptance, over the accepted referrals;
- success_rate: resolved / (resolved + failed) (stats' resolution rate);
- followup_rate: resolved cases with at least one visit done / resolved cases;
- performance_rate (履行率): visited cases whose latest visit found the agreement performed /
  visited cases with an outcome;
- confirmation_rate: judicially confirmed / resolved;
- overdue: deadline breaches (accepted late, expired, decided late) plus open referrals past their
  mediation deadline at ``now``.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TypeVar

from referrals.stats import stats

DIMENSIONS = ("station", "town", "body")
OPEN = frozenset({"sent", "accepted", "in_mediation"})
RATES = ("referral_rate", "success_rate", "followup_rate", "performance_rate", "confirmation_rate")
FIGURES = (
    "taken_in",
    "referred",
    "incidents",
    "referral_rate",
    "hours_to_accept",
    "resolved",
    "failed",
    "success_rate",
    "followed_up",
    "followup_rate",
    "performed",
    "performance_rate",
    "confirmed",
    "confirmation_rate",
    "overdue",
)
K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class Visit:
    """A follow-up visit of the case's agreement: when it was done and what it found."""

    done_at: datetime | None
    outcome: str = ""  # performed, partly, not_performed


@dataclass(frozen=True)
class AssessRow:
    case: stats.CaseRow
    visits: tuple[Visit, ...] = ()


@dataclass(frozen=True)
class Facts:
    """What one case adds to its groups."""

    referred: bool
    resolved: bool
    failed: bool
    confirmed: bool
    accept_hours: tuple[float, ...]
    followed_up: bool
    performed: bool | None  # None: no visit with an outcome
    overdue: int
    body_id: int | None


def facts(row: AssessRow, now: datetime) -> Facts:
    o = stats.outcome(row.case)
    refs = row.case.referrals
    hours = tuple(
        (r.accepted_at - r.sent_at).total_seconds() / 3600 for r in refs if r.accepted_at is not None
    )
    late_open = sum(
        1 for r in refs if r.state in OPEN and r.mediation_due is not None and r.mediation_due < now
    )
    done = sorted((v for v in row.visits if v.done_at is not None), key=lambda v: v.done_at or now)
    judged = [v for v in done if v.outcome]
    return Facts(
        referred=o.referred,
        resolved=o.resolved,
        failed=o.failed,
        confirmed=o.confirmed,
        accept_hours=hours,
        followed_up=o.resolved and bool(done),
        performed=(judged[-1].outcome == "performed") if o.resolved and judged else None,
        overdue=o.late_acceptance + o.expired + o.late_decision + late_open,
        body_id=refs[-1].to_agency_id if refs else None,
    )


def _rate(part: int, whole: int | None) -> float | None:
    return round(part / whole, 4) if whole else None


@dataclass
class Group:
    taken_in: int = 0
    referred: int = 0
    incidents: int | None = None
    resolved: int = 0
    failed: int = 0
    confirmed: int = 0
    followed_up: int = 0
    visited: int = 0
    performed: int = 0
    overdue: int = 0
    accept_hours_total: float = 0.0
    accepted: int = 0

    def add(self, f: Facts) -> None:
        self.taken_in += 1
        self.referred += f.referred
        self.resolved += f.resolved
        self.failed += f.failed
        self.confirmed += f.confirmed
        self.followed_up += f.followed_up
        if f.performed is not None:
            self.visited += 1
            self.performed += f.performed
        self.overdue += f.overdue
        self.accept_hours_total += sum(f.accept_hours)
        self.accepted += len(f.accept_hours)

    @property
    def referral_rate(self) -> float | None:
        return _rate(self.referred, self.incidents)

    @property
    def hours_to_accept(self) -> float | None:
        return round(self.accept_hours_total / self.accepted, 1) if self.accepted else None

    @property
    def success_rate(self) -> float | None:
        return _rate(self.resolved, self.resolved + self.failed)

    @property
    def followup_rate(self) -> float | None:
        return _rate(self.followed_up, self.resolved)

    @property
    def performance_rate(self) -> float | None:
        return _rate(self.performed, self.visited)

    @property
    def confirmation_rate(self) -> float | None:
        return _rate(self.confirmed, self.resolved)

    def as_dict(self) -> dict[str, int | float | None]:
        return {name: getattr(self, name) for name in FIGURES}


@dataclass
class Assessment:
    start: date
    end: date
    total: Group = field(default_factory=Group)
    by_station: dict[int | None, Group] = field(default_factory=dict)
    by_town: dict[int | None, Group] = field(default_factory=dict)
    by_body: dict[int | None, Group] = field(default_factory=dict)

    def groups(self, dimension: str) -> Mapping[int | None, Group]:
        if dimension == "station":
            return self.by_station
        return self.by_town if dimension == "town" else self.by_body


def months(start: date, end: date) -> list[date]:
    """The first days of the months the period touches."""
    found, month = [], start.replace(day=1)
    while month <= end:
        found.append(month)
        month = (
            month.replace(year=month.year + 1, month=1)
            if month.month == 12
            else month.replace(month=month.month + 1)
        )
    return found


def assess(
    rows: Iterable[AssessRow],
    start: date,
    end: date,
    *,
    now: datetime,
    zone: stats.ZoneInfo,
    town_of_area: Mapping[int, int],
    incidents: Mapping[int, int] | None = None,
    station_town: Mapping[int, int | None] | None = None,
    stations: frozenset[int] | None = None,
) -> Assessment:
    """The figures of the cases taken in from ``start`` to ``end`` (local days, both included).

    ``incidents`` maps a station to its incident count over the period's months; ``station_town``
    maps a station to its town, so a town's incident count sums its stations'. With ``stations``,
    only those agencies (the police stations) have a row in the station breakdown; cases another
    agency took in (a village committee's, a grid worker's) count in the total, towns and bodies.
    """
    if end < start:
        raise ValueError("the period ends before it starts")
    result = Assessment(start, end)
    for row in rows:
        day = stats.local_day(row.case.created_at, zone)
        if not start <= day <= end:
            continue
        f = facts(row, now)
        result.total.add(f)
        if stations is None or row.case.agency_id in stations:
            _group(result.by_station, row.case.agency_id).add(f)
        area = row.case.area_id
        _group(result.by_town, town_of_area.get(area, area) if area is not None else None).add(f)
        if f.body_id is not None:
            _group(result.by_body, f.body_id).add(f)
    counts = incidents or {}
    for station, group in result.by_station.items():
        group.incidents = counts.get(station) if station is not None else None
    towns: dict[int | None, int] = {}
    for station, count in counts.items():
        town = (station_town or {}).get(station)
        towns[town] = towns.get(town, 0) + count
    for town, group in result.by_town.items():
        group.incidents = towns.get(town)
    result.total.incidents = sum(counts.values()) if counts else None
    return result


def _group(groups: dict[K, Group], key: K) -> Group:
    if key not in groups:
        groups[key] = Group()
    return groups[key]


def ranking(groups: Mapping[K, Group], by: str) -> list[tuple[int, K, Group]]:
    """Groups ranked by one figure, best first (fewest for ``overdue`` and ``hours_to_accept``);
    groups without the figure come last; ties share a rank (1, 2, 2, 4)."""
    if by not in FIGURES:
        raise ValueError(f"no such figure: {by}")
    lower_is_better = by in ("overdue", "hours_to_accept")

    def value(g: Group) -> float | None:
        v = getattr(g, by)
        return None if v is None else float(v)

    def order(item: tuple[K, Group]) -> tuple[bool, float, int]:
        v = value(item[1])
        return (v is None, (v if lower_is_better else -v) if v is not None else 0.0, -item[1].taken_in)

    ordered = sorted(groups.items(), key=order)
    ranked: list[tuple[int, K, Group]] = []
    for i, (key, group) in enumerate(ordered):
        if ranked and value(group) == value(ranked[-1][2]):
            ranked.append((ranked[-1][0], key, group))
        else:
            ranked.append((i + 1, key, group))
    return ranked
