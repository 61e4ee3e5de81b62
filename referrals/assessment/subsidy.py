"""The per-case mediator subsidy (以案定补), pure: a settled case's difficulty by rule, and the
sums per mediator per month (no I/O, no clock).

The bureau edits the levels and their amounts (``SubsidyLevel`` rows; ``DEFAULT_LEVELS`` until it
has); anyone who may settle the assessment can set a case's level by hand (``CaseDifficulty``),
which replaces the rule's. A case counts once, for the mediator of the referral that settled it,
in the local month it was settled (the referral's decision).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Level:
    code: str
    name: str
    amount: Decimal
    position: int = 0

    def __post_init__(self) -> None:
        if not self.code or self.amount < 0:
            raise ValueError(f"unusable subsidy level: {self}")


DEFAULT_LEVELS = (
    Level("simple", "简易", Decimal("100"), 1),
    Level("ordinary", "一般", Decimal("200"), 2),
    Level("hard", "疑难", Decimal("500"), 3),
    Level("major", "重大", Decimal("1000"), 4),
)
# Fields whose disputes take a specialised body and long work: hard at the least.
HARD_CATEGORIES = frozenset(
    {"labour", "land_acquisition", "medical", "environmental", "enterprise_restructuring", "education"}
)
MAJOR_AMOUNT = Decimal("100000")
HARD_AMOUNT = Decimal("20000")
ORDINARY_AMOUNT = Decimal("1000")
MAJOR_PARTIES = 10


def classify(category: str, amount: Decimal | None, group_dispute: bool, party_count: int) -> str:
    """The rule's level: a group dispute, ten parties or 100,000 yuan is major; a specialised field
    or 20,000 yuan hard; 1,000 yuan or three parties ordinary; anything else simple."""
    money = amount or Decimal(0)
    if group_dispute or party_count >= MAJOR_PARTIES or money >= MAJOR_AMOUNT:
        return "major"
    if category in HARD_CATEGORIES or money >= HARD_AMOUNT:
        return "hard"
    if money >= ORDINARY_AMOUNT or party_count >= 3:
        return "ordinary"
    return "simple"


@dataclass(frozen=True)
class SettledCase:
    case_id: int
    number: str
    mediator_id: int | None
    settled_at: datetime
    rule_level: str
    set_level: str | None = None  # a person's choice, replacing the rule's

    @property
    def level(self) -> str:
        return self.set_level or self.rule_level


@dataclass
class MediatorMonth:
    mediator_id: int | None
    month: date
    cases: dict[str, int] = field(default_factory=dict)  # level -> settled cases
    amount: Decimal = Decimal(0)

    @property
    def count(self) -> int:
        return sum(self.cases.values())


def month_of(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date().replace(day=1)


def amounts(levels: Iterable[Level]) -> dict[str, Decimal]:
    return {level.code: level.amount for level in levels}


def sums(cases: Iterable[SettledCase], levels: Mapping[str, Decimal], zone: ZoneInfo) -> list[MediatorMonth]:
    """Settled cases and the subsidy per mediator per month, by month then mediator; a case whose
    level is not in ``levels`` (a level since removed) counts with no amount."""
    found: dict[tuple[int | None, date], MediatorMonth] = {}
    for case in cases:
        month = month_of(case.settled_at, zone)
        key = (case.mediator_id, month)
        entry = found.setdefault(key, MediatorMonth(case.mediator_id, month))
        entry.cases[case.level] = entry.cases.get(case.level, 0) + 1
        entry.amount += levels.get(case.level, Decimal(0))
    return sorted(found.values(), key=lambda m: (m.month, m.mediator_id is None, m.mediator_id or 0))
