"""The proposed receiving body of a case and why: the case's facts and the active rules, read from
the database and handed to the pure ``routing.rules``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.cache import cached
from hub.directory import agency_facts, area_parents
from hub.models import AgencyKind
from referrals.errors import NoRouteFound
from referrals.models import Case, RoutingRule
from referrals.routing import rules


def rule_spec(row: RoutingRule) -> rules.RuleSpec:
    return rules.RuleSpec(
        id=row.id,
        name=row.name,
        priority=row.priority,
        target_kind=row.target_kind,
        target_agency_id=row.target_agency_id,
        categories=tuple(row.categories),
        area_ids=tuple(row.area_ids),
        amount_min=row.amount_min,
        amount_max=row.amount_max,
        parties_min=row.parties_min,
        parties_max=row.parties_max,
        flags_all=tuple(row.flags_all),
        is_fallback=row.is_fallback,
        active=row.active,
    )


async def area_path(s: AsyncSession, area_id: int | None) -> tuple[int, ...]:
    """The area and every area above it, nearest first."""
    return path_in(await area_parents(s), area_id)


def path_in(parents: Mapping[int, int | None], area_id: int | None) -> tuple[int, ...]:
    """``area_path`` from a map of area -> parent already read (for many cases at once)."""
    path: list[int] = []
    while area_id is not None and area_id not in path:
        path.append(area_id)
        area_id = parents.get(area_id)
    return tuple(path)


def case_facts(case: Case, path: tuple[int, ...], party_count: int | None = None) -> rules.CaseFacts:
    return rules.CaseFacts(
        category=case.category,
        area_path=path,
        amount=case.amount,
        party_count=case.party_count if party_count is None else party_count,
        flags=frozenset(case.flags),
    )


async def facts_of(s: AsyncSession, case: Case, party_count: int | None = None) -> rules.CaseFacts:
    return case_facts(case, await area_path(s, case.area_id), party_count)


async def stationed_room_of(s: AsyncSession, agency_id: int) -> int | None:
    return (await stationed_rooms(s, [agency_id])).get(agency_id)


async def stationed_rooms(s: AsyncSession, agency_ids: Iterable[int]) -> dict[int, int]:
    """Police station -> its active stationed mediation room (the lowest id, if it has several)."""
    wanted = set(agency_ids)
    rooms: dict[int, int] = {}
    for agency in sorted((await agency_facts(s)).values(), key=lambda a: a.id, reverse=True):
        if agency.host_agency_id in wanted and agency.kind == AgencyKind.stationed_room and agency.active:
            rooms[agency.host_agency_id] = agency.id
    return rooms


async def active_rules(s: AsyncSession) -> list[rules.RuleSpec]:
    """The district's active rules (kept in the directory cache: a change drops it everywhere)."""

    async def load() -> tuple[rules.RuleSpec, ...]:
        rows = await s.scalars(select(RoutingRule).where(RoutingRule.active.is_(True)))
        return tuple(rule_spec(r) for r in rows.all())

    return list(await cached(s, "routing_rules", load))


async def propose(
    s: AsyncSession, case: Case, sender_agency_id: int, *, party_count: int | None = None
) -> rules.Decision:
    """``party_count`` when the caller counted them (so the parties need not be loaded)."""
    try:
        return rules.decide(
            await facts_of(s, case, party_count),
            await active_rules(s),
            await stationed_room_of(s, sender_agency_id),
        )
    except rules.NoRoute:
        raise NoRouteFound() from None
