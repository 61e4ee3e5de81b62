"""Early-warning checks, pure: facts about recent cases in, findings out (no I/O, no clock).

- repeat disputes at one address within N days (default 30);
- repeat disputes between the same parties (a shared ID number, or the same two names) within
  N days;
- hotspots: an area (grid cell or larger) with at least K cases within a window (default 3 in 7
  days), found once when the area turns hot (not again while it stays hot);
- stuck cases: a referral in an open state with no move for more than X days (default 14);
- missed reports: an agency that must report and has not, once the deadline of the day (a working
  day or a sensitive one), the week or the month passed (``schedule`` says when each is due);
- overdue special reports (专报): a major dispute (a group dispute, or a risk of a civil dispute
  turning criminal) with no special report within the time limit from the event.

Each finding carries a ``key`` naming its cause, so raising it again and again is harmless, and the
agencies it concerns: those of the case it names (the one that took it in and the one handling it),
so the supervisors above either side see it, and nobody hears of a case they may not see.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

OPEN_STATES = frozenset({"sent", "accepted", "in_mediation"})


@dataclass(frozen=True)
class CheckSettings:
    repeat_days: int = 30
    hotspot_min_cases: int = 3
    hotspot_days: int = 7
    stuck_days: int = 14

    def __post_init__(self) -> None:
        if min(self.repeat_days, self.hotspot_days, self.stuck_days) < 1 or self.hotspot_min_cases < 2:
            raise ValueError(f"unusable warning settings: {self}")

    @property
    def lookback_days(self) -> int:
        """How far back the cases must be loaded for every check to see its whole window."""
        return max(self.repeat_days, 2 * self.hotspot_days)


@dataclass(frozen=True)
class PartyFacts:
    name: str
    id_number: str = ""


@dataclass(frozen=True)
class CaseFacts:
    id: int
    number: str
    created_at: datetime
    agency_id: int  # took the case in
    address: str = ""
    area_id: int | None = None
    parties: tuple[PartyFacts, ...] = ()
    handler_id: int | None = None  # receiving agency of the latest referral

    @property
    def agency_ids(self) -> tuple[int, ...]:
        return tuple(dict.fromkeys(a for a in (self.agency_id, self.handler_id) if a is not None))


@dataclass(frozen=True)
class ReferralFacts:
    id: int
    case_id: int
    number: str
    state: str
    to_agency_id: int
    from_agency_id: int
    last_move_at: datetime


@dataclass(frozen=True)
class Finding:
    kind: str
    key: str
    agency_ids: tuple[int, ...]
    case_id: int | None = None
    area_id: int | None = None
    params: Mapping[str, Any] = field(default_factory=dict)


def normalise_address(address: str) -> str:
    """Compare addresses loosely: full-width to half-width, no spaces or punctuation, lower case.

    An address without a house number (no digit at all, e.g. "青川区某街道某号" or "不详") does
    not name a place and gives "", which never matches.
    """
    text = unicodedata.normalize("NFKC", address).lower()
    text = re.sub(r"[\s,，.。、;；:：()（）\-—#]+", "", text)
    return text if re.search(r"\d", text) else ""


def _recent(cases: Iterable[CaseFacts], now: datetime, days: int) -> list[CaseFacts]:
    since = now - timedelta(days=days)
    return sorted((c for c in cases if since <= c.created_at <= now), key=lambda c: (c.created_at, c.id))


def repeat_address(cases: Sequence[CaseFacts], now: datetime, days: int = 30) -> list[Finding]:
    """A case at an address where another dispute was taken in during the ``days`` before it."""
    found = []
    seen: dict[str, list[CaseFacts]] = {}
    for case in _recent(cases, now, 2 * days):
        place = normalise_address(case.address)
        if not place:
            continue
        earlier = [c for c in seen.get(place, []) if case.created_at - c.created_at <= timedelta(days=days)]
        seen.setdefault(place, []).append(case)
        if earlier and case.created_at >= now - timedelta(days=days):
            found.append(
                Finding(
                    "repeat_address",
                    f"repeat_address:case:{case.id}",
                    case.agency_ids,
                    case.id,
                    case.area_id,
                    {
                        "number": case.number,
                        "address": case.address,
                        "count": len(earlier) + 1,
                        "days": days,
                        "previous": ", ".join(c.number for c in earlier),
                    },
                )
            )
    return found


def _identities(case: CaseFacts) -> tuple[set[str], set[str]]:
    ids = {p.id_number.strip().upper() for p in case.parties if p.id_number.strip()}
    names = {unicodedata.normalize("NFKC", p.name).replace(" ", "") for p in case.parties if p.name.strip()}
    return ids, names


def same_parties(a: CaseFacts, b: CaseFacts) -> bool:
    """A shared ID number, or at least two names in common (the same pair of people)."""
    ids_a, names_a = _identities(a)
    ids_b, names_b = _identities(b)
    return bool(ids_a & ids_b) or len(names_a & names_b) >= 2


def repeat_parties(cases: Sequence[CaseFacts], now: datetime, days: int = 30) -> list[Finding]:
    """A case between parties who already had a dispute taken in during the ``days`` before it.

    Earlier cases are found through indexes on ID numbers and on pairs of names, so the check
    stays linear: comparing every case with every earlier one took minutes at 100,000 cases.
    """
    found = []
    window = timedelta(days=days)
    ordered = _recent(cases, now, 2 * days)
    by_id: dict[str, list[int]] = {}
    by_pair: dict[frozenset[str], list[int]] = {}
    for i, case in enumerate(ordered):
        ids, names = _identities(case)
        pairs = [frozenset(p) for p in itertools.combinations(sorted(names), 2)]
        if case.created_at >= now - window:
            candidates = {j for key in ids for j in by_id.get(key, ())}
            candidates |= {j for pair in pairs for j in by_pair.get(pair, ())}
            earlier = [
                ordered[j]
                for j in sorted(candidates)
                if case.created_at - ordered[j].created_at <= window and same_parties(case, ordered[j])
            ]
            if earlier:
                found.append(
                    Finding(
                        "repeat_parties",
                        f"repeat_parties:case:{case.id}",
                        case.agency_ids,
                        case.id,
                        case.area_id,
                        {
                            "number": case.number,
                            "count": len(earlier) + 1,
                            "days": days,
                            "previous": ", ".join(c.number for c in earlier),
                        },
                    )
                )
        for key in ids:
            by_id.setdefault(key, []).append(i)
        for pair in pairs:
            by_pair.setdefault(pair, []).append(i)
    return found


def hotspots(
    cases: Sequence[CaseFacts],
    now: datetime,
    min_cases: int = 3,
    days: int = 7,
    area_names: Mapping[int, str] | None = None,
) -> list[Finding]:
    """An area turning hot: the case that brings it to ``min_cases`` within ``days``.

    The finding is keyed on that case, so a hotspot that stays hot is reported once; it is reported
    again only after it cooled below ``min_cases`` and heated up once more.
    """
    window = timedelta(days=days)
    by_area: dict[int, list[CaseFacts]] = {}
    for case in _recent(cases, now, 2 * days):
        if case.area_id is not None:
            by_area.setdefault(case.area_id, []).append(case)
    found = []
    for area_id, area_cases in by_area.items():
        was_hot = False
        for i, case in enumerate(area_cases):
            cluster = [c for c in area_cases[: i + 1] if case.created_at - c.created_at < window]
            hot = len(cluster) >= min_cases
            if hot and not was_hot and case.created_at >= now - window:
                found.append(
                    Finding(
                        "hotspot",
                        f"hotspot:area:{area_id}:case:{case.id}",
                        case.agency_ids,
                        case.id,
                        area_id,
                        {
                            "area": (area_names or {}).get(area_id, str(area_id)),
                            "count": len(cluster),
                            "days": days,
                            "number": case.number,
                        },
                    )
                )
            was_hot = hot
    return found


def stuck(referrals: Iterable[ReferralFacts], now: datetime, days: int = 14) -> list[Finding]:
    """An open referral that has not moved for more than ``days``; once per resting place."""
    found = []
    for r in referrals:
        idle = now - r.last_move_at
        if r.state in OPEN_STATES and idle > timedelta(days=days):
            found.append(
                Finding(
                    "stuck_case",
                    f"stuck_case:referral:{r.id}:{r.state}:{r.last_move_at:%Y%m%d%H%M}",
                    (r.to_agency_id,),
                    r.case_id,
                    None,
                    {"number": r.number, "days": idle.days, "state": r.state},
                )
            )
    return found


MISSED_KINDS = {
    "daily": "missed_report",
    "weekly": "missed_weekly_report",
    "monthly": "missed_monthly_report",
}


def missed_reports(
    agencies: Mapping[int, str], reported: Iterable[int], day: date, past_due: bool, cycle: str = "daily"
) -> list[Finding]:
    """Agencies (id -> name) that must report and have not reported for ``day`` (or the week or
    month starting then, by ``cycle``), once it is due."""
    if not past_due:
        return []
    done = set(reported)
    kind = MISSED_KINDS[cycle]
    return [
        Finding(
            kind,
            f"{kind}:agency:{agency_id}:{day.isoformat()}",
            (agency_id,),
            params={"agency": name, "day": day.isoformat()},
        )
        for agency_id, name in sorted(agencies.items())
        if agency_id not in done
    ]


@dataclass(frozen=True)
class MajorDispute:
    """A case that calls for a special report: when it happened, whether one was filed."""

    case_id: int
    number: str
    agency_id: int
    event_at: datetime
    reported: bool
    handler_id: int | None = None


def special_overdue(cases: Iterable[MajorDispute], now: datetime, hours: int) -> list[Finding]:
    """Major disputes with no special report ``hours`` after the event."""
    return [
        Finding(
            "special_report_overdue",
            f"special_report_overdue:case:{c.case_id}",
            tuple(dict.fromkeys(a for a in (c.agency_id, c.handler_id) if a is not None)),
            c.case_id,
            params={"number": c.number, "hours": hours},
        )
        for c in cases
        if not c.reported and now >= c.event_at + timedelta(hours=hours)
    ]
