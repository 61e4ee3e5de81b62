"""Routing rules, pure: which body should receive a case, and why.

Rules are tried by priority (lower first; fallback rules last); the first whose every condition
holds wins. An empty condition matches anything. The decision lists each condition that was
checked and the case's value, so the liaison sees why. The target is an agency, or the mediation
room stationed in the sending police station.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

TARGET_AGENCY = "agency"
TARGET_STATIONED_ROOM = "stationed_room_of_sender"


@dataclass(frozen=True)
class CaseFacts:
    category: str
    area_path: tuple[int, ...]  # the case's area and every area above it
    amount: Decimal | None
    party_count: int
    flags: frozenset[str]


@dataclass(frozen=True)
class RuleSpec:
    id: int
    name: str
    priority: int
    target_kind: str
    target_agency_id: int | None = None
    categories: tuple[str, ...] = ()
    area_ids: tuple[int, ...] = ()
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    parties_min: int | None = None
    parties_max: int | None = None
    flags_all: tuple[str, ...] = ()
    is_fallback: bool = False
    active: bool = True

    def __post_init__(self) -> None:
        if self.target_kind not in (TARGET_AGENCY, TARGET_STATIONED_ROOM):
            raise ValueError(f"unknown target kind {self.target_kind}")
        if self.target_kind == TARGET_AGENCY and self.target_agency_id is None:
            raise ValueError("a rule targeting an agency must name it")
        if self.amount_min is not None and self.amount_max is not None and self.amount_min > self.amount_max:
            raise ValueError("amount range is empty")
        if (
            self.parties_min is not None
            and self.parties_max is not None
            and self.parties_min > self.parties_max
        ):
            raise ValueError("party count range is empty")


@dataclass(frozen=True)
class Condition:
    name: str  # category, area, amount, parties, flags
    expected: Any
    actual: Any
    holds: bool


@dataclass(frozen=True)
class Decision:
    rule: RuleSpec
    target_agency_id: int
    conditions: tuple[Condition, ...] = field(default=())

    def explanation(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule.id,
            "rule_name": self.rule.name,
            "fallback": self.rule.is_fallback,
            "conditions": [
                {"name": c.name, "expected": _plain(c.expected), "actual": _plain(c.actual)}
                for c in self.conditions
            ],
        }


class NoRoute(Exception):
    """No rule matched and no fallback could name a target."""


def conditions(rule: RuleSpec, facts: CaseFacts) -> list[Condition]:
    checks: list[Condition] = []
    if rule.categories:
        checks.append(
            Condition("category", rule.categories, facts.category, facts.category in rule.categories)
        )
    if rule.area_ids:
        holds = any(area in rule.area_ids for area in facts.area_path)
        checks.append(Condition("area", rule.area_ids, facts.area_path[:1], holds))
    if rule.amount_min is not None or rule.amount_max is not None:
        amount = facts.amount
        holds = (
            amount is not None
            and (rule.amount_min is None or amount >= rule.amount_min)
            and (rule.amount_max is None or amount <= rule.amount_max)
        )
        checks.append(Condition("amount", (rule.amount_min, rule.amount_max), amount, holds))
    if rule.parties_min is not None or rule.parties_max is not None:
        n = facts.party_count
        holds = (rule.parties_min is None or n >= rule.parties_min) and (
            rule.parties_max is None or n <= rule.parties_max
        )
        checks.append(Condition("parties", (rule.parties_min, rule.parties_max), n, holds))
    if rule.flags_all:
        holds = set(rule.flags_all) <= facts.flags
        checks.append(Condition("flags", rule.flags_all, sorted(facts.flags), holds))
    return checks


def ordered(rules: Iterable[RuleSpec]) -> list[RuleSpec]:
    return sorted((r for r in rules if r.active), key=lambda r: (r.is_fallback, r.priority, r.id))


def decide(facts: CaseFacts, rules: Sequence[RuleSpec], stationed_room_of_sender: int | None) -> Decision:
    for rule in ordered(rules):
        checks = conditions(rule, facts)
        if not all(c.holds for c in checks):
            continue
        target = rule.target_agency_id if rule.target_kind == TARGET_AGENCY else stationed_room_of_sender
        if target is None:
            continue  # e.g. "the stationed room" for a sender without one: try the next rule
        return Decision(rule, target, tuple(checks))
    raise NoRoute("no routing rule matched and there is no usable fallback")


@dataclass(frozen=True)
class Change:
    case_id: int
    before: int | None
    after: int | None
    rule_before: str
    rule_after: str


def dry_run(
    cases: Iterable[tuple[int, CaseFacts, int | None]],
    current: Sequence[RuleSpec],
    proposed: Sequence[RuleSpec],
) -> list[Change]:
    """What a change of rules would do: the cases whose target would differ."""
    changes = []
    for case_id, facts, room in cases:
        before = _try(facts, current, room)
        after = _try(facts, proposed, room)
        if (before.target_agency_id if before else None) != (after.target_agency_id if after else None):
            changes.append(
                Change(
                    case_id,
                    before.target_agency_id if before else None,
                    after.target_agency_id if after else None,
                    before.rule.name if before else "",
                    after.rule.name if after else "",
                )
            )
    return changes


def _try(facts: CaseFacts, rules: Sequence[RuleSpec], room: int | None) -> Decision | None:
    try:
        return decide(facts, rules, room)
    except NoRoute:
        return None


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value
