"""Editing routing rules and deadline policies, with a dry run over recent cases.

A rule change is first shown as its effect: which of the last 90 days' cases would now go
elsewhere. Saving keeps at least one active fallback rule, so every case always has a route.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub import audit
from hub.errors import NotFound, ValidationFailed
from hub.i18n import N_
from hub.models import Area
from referrals.models import Case, DeadlinePolicy, RoutingRule
from referrals.routing import rules
from referrals.routing.proposal import case_facts, path_in, rule_spec, stationed_rooms

DRY_RUN_DAYS = 90


@dataclass(frozen=True)
class RuleInput:
    name: str
    priority: int
    target_kind: str
    target_agency_id: int | None
    categories: tuple[str, ...] = ()
    area_ids: tuple[int, ...] = ()
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    parties_min: int | None = None
    parties_max: int | None = None
    flags_all: tuple[str, ...] = ()
    is_fallback: bool = False
    active: bool = True

    def spec(self, rule_id: int) -> rules.RuleSpec:
        try:
            return rules.RuleSpec(
                id=rule_id,
                name=self.name,
                priority=self.priority,
                target_kind=self.target_kind,
                target_agency_id=self.target_agency_id,
                categories=self.categories,
                area_ids=self.area_ids,
                amount_min=self.amount_min,
                amount_max=self.amount_max,
                parties_min=self.parties_min,
                parties_max=self.parties_max,
                flags_all=self.flags_all,
                is_fallback=self.is_fallback,
                active=self.active,
            )
        except ValueError as exc:
            raise ValidationFailed(N_("The rule is inconsistent: %(problem)s"), problem=str(exc)) from None


async def all_rules(s: AsyncSession) -> Sequence[RoutingRule]:
    return (
        await s.scalars(
            select(RoutingRule).order_by(RoutingRule.is_fallback, RoutingRule.priority, RoutingRule.id)
        )
    ).all()


async def get_rule(s: AsyncSession, rule_id: int) -> RoutingRule:
    row = await s.get(RoutingRule, rule_id)
    if row is None:
        raise NotFound()
    return row


def proposed_set(
    current: Sequence[rules.RuleSpec], rule_id: int | None, change: RuleInput
) -> list[rules.RuleSpec]:
    """The rule set as it would be after saving ``change`` (a new rule when rule_id is None)."""
    new = change.spec(rule_id if rule_id is not None else -1)
    kept = [r for r in current if r.id != rule_id]
    return [*kept, new]


def _has_fallback(specs: Sequence[rules.RuleSpec]) -> bool:
    return any(r.active and r.is_fallback and r.target_kind == rules.TARGET_AGENCY for r in specs)


async def dry_run(
    s: AsyncSession, rule_id: int | None, change: RuleInput, now: datetime
) -> list[tuple[Case, rules.Change]]:
    current = [rule_spec(r) for r in await all_rules(s)]
    proposed = proposed_set(current, rule_id, change)
    since = now - timedelta(days=DRY_RUN_DAYS)
    cases = (await s.scalars(select(Case).where(Case.created_at >= since).order_by(Case.id))).all()
    # Read once for all the cases (a busy quarter is thousands of them), not per case.
    parents = dict((await s.execute(select(Area.id, Area.parent_id))).all())
    rooms = await stationed_rooms(s, [c.created_agency_id for c in cases])
    inputs = [
        (c.id, case_facts(c, path_in(parents, c.area_id)), rooms.get(c.created_agency_id)) for c in cases
    ]
    by_id = {c.id: c for c in cases}
    return [(by_id[ch.case_id], ch) for ch in rules.dry_run(inputs, current, proposed)]


async def save(
    s: AsyncSession, actor: audit.Actor, rule_id: int | None, change: RuleInput, now: datetime
) -> RoutingRule:
    current = [rule_spec(r) for r in await all_rules(s)]
    if not _has_fallback(proposed_set(current, rule_id, change)):
        raise ValidationFailed(N_("Keep at least one active fallback rule that names an agency."))
    row = RoutingRule() if rule_id is None else await get_rule(s, rule_id)
    for key, value in vars(change).items():
        setattr(row, key, list(value) if isinstance(value, tuple) else value)
    row.updated_at, row.updated_by_id = now, actor.user_id
    if rule_id is None:
        s.add(row)
    await s.flush()
    await audit.record(
        s,
        actor,
        "rule.saved",
        "routing_rule",
        row.id,
        {"name": row.name, "priority": row.priority, "active": row.active},
    )
    return row


def copy_with(change: RuleInput, **fields: object) -> RuleInput:
    return replace(change, **fields)  # type: ignore[arg-type]


async def policies(s: AsyncSession) -> dict[str, DeadlinePolicy]:
    return {p.agency_kind: p for p in (await s.scalars(select(DeadlinePolicy))).all()}


async def save_policy(
    s: AsyncSession, actor: audit.Actor, kind: str, values: dict[str, int]
) -> DeadlinePolicy:
    from referrals.deadlines import Policy

    try:
        Policy(**values)  # type: ignore[arg-type]  # the form gives only the integer fields
    except (TypeError, ValueError) as exc:
        raise ValidationFailed(N_("The deadlines are inconsistent: %(problem)s"), problem=str(exc)) from None
    row = await s.get(DeadlinePolicy, kind)
    if row is None:
        row = DeadlinePolicy(agency_kind=kind)
        s.add(row)
    for key, value in values.items():
        setattr(row, key, value)
    await s.flush()
    await audit.record(s, actor, "deadline_policy.saved", "deadline_policy", kind, values)
    return row
