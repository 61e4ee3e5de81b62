"""What the bureau enters for the assessment (use cases taking a session): the stations' monthly
incident counts (警情数, one by one or imported as CSV), the subsidy's difficulty levels and
amounts, and a settled case's level chosen by hand. Every change writes its audit row.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub import audit
from hub.errors import Forbidden, NotFound, ValidationFailed
from hub.i18n import N_
from hub.models import Agency, AgencyKind
from hub.permissions import Scope
from referrals.assessment import subsidy
from referrals.models import Case, CaseDifficulty, IncidentCount, SubsidyLevel
from referrals.visibility import get_visible_case

MAX_COUNT = 1_000_000
MAX_ROWS = 5000
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


@dataclass(frozen=True)
class IncidentInput:
    agency_id: int
    month: date  # any day of the month
    count: int


def parse_month(text: str) -> date:
    match = _MONTH.match(text.strip().replace("/", "-").replace(".", "-"))
    if match is None or not 1 <= int(match.group(2)) <= 12:
        raise ValidationFailed(N_("Write the month as 2026-11."))
    return date(int(match.group(1)), int(match.group(2)), 1)


def parse_incidents_csv(text: str, stations: Mapping[str, int]) -> list[IncidentInput]:
    """``station,month,count`` lines (a header line is skipped); the station by its code or its
    name. Every line must parse: nothing is half-imported."""
    found: dict[tuple[int, date], IncidentInput] = {}
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    for number, row in enumerate(rows, start=1):
        cells = [c.strip() for c in row]
        if not any(cells):
            continue
        if number == 1 and len(cells) >= 3 and not cells[2].isdigit():
            continue  # the header
        if len(cells) < 3 or cells[0] not in stations or not cells[2].isdigit():
            raise ValidationFailed(
                N_(
                    "Line %(line)s: write a station's code or name, a month and a count, "
                    "e.g. PS01,2026-11,350."
                ),
                line=number,
            )
        item = IncidentInput(stations[cells[0]], parse_month(cells[1]), int(cells[2]))
        found[(item.agency_id, item.month)] = item
    if len(found) > MAX_ROWS:
        raise ValidationFailed(N_("Import at most %(rows)s lines at once."), rows=MAX_ROWS)
    return list(found.values())


async def station_keys(s: AsyncSession, scope: Scope) -> dict[str, int]:
    """The stations in scope by code and by name."""
    query = select(Agency.id, Agency.code, Agency.name).where(Agency.kind == AgencyKind.police_station)
    if scope.agency_ids is not None:
        query = query.where(Agency.id.in_(list(scope.agency_ids)))
    keys: dict[str, int] = {}
    for agency_id, code, name in (await s.execute(query)).all():
        keys[code] = keys[name] = agency_id
    return keys


async def set_incidents(
    s: AsyncSession, actor: audit.Actor, scope: Scope, items: Sequence[IncidentInput], now: datetime
) -> int:
    """Set (or replace) the counts; each station must be a police station in the scope."""
    stations = set((await station_keys(s, scope)).values())
    for item in items:
        if item.agency_id not in stations:
            raise Forbidden(N_("Incident counts are entered for the police stations you oversee."))
        if not 0 <= item.count <= MAX_COUNT:
            raise ValidationFailed(N_("A count from 0 to %(max)s."), max=MAX_COUNT)
    for item in items:
        month = item.month.replace(day=1)
        row = await s.get(IncidentCount, (item.agency_id, month))
        if row is None:
            s.add(
                IncidentCount(
                    agency_id=item.agency_id,
                    month=month,
                    count=item.count,
                    updated_at=now,
                    updated_by_id=actor.user_id,
                )
            )
        else:
            row.count, row.updated_at, row.updated_by_id = item.count, now, actor.user_id
    await s.flush()
    await audit.record(
        s,
        actor,
        "assessment.incidents_set",
        "incident_counts",
        None,
        {"rows": len(items), "months": sorted({i.month.replace(day=1).isoformat() for i in items})},
    )
    return len(items)


async def incident_rows(s: AsyncSession, scope: Scope, since: date) -> list[tuple[str, date, int]]:
    query = (
        select(Agency.name, IncidentCount.month, IncidentCount.count)
        .join(Agency, Agency.id == IncidentCount.agency_id)
        .where(IncidentCount.month >= since)
        .order_by(IncidentCount.month.desc(), Agency.code)
    )
    if scope.agency_ids is not None:
        query = query.where(IncidentCount.agency_id.in_(list(scope.agency_ids)))
    return [(name, month, count) for name, month, count in (await s.execute(query)).all()]


async def set_levels(
    s: AsyncSession, actor: audit.Actor, levels: Sequence[subsidy.Level], now: datetime
) -> None:
    """Replace the difficulty table (at least one level, codes unique)."""
    codes = [level.code for level in levels]
    if not levels or len(set(codes)) != len(codes):
        raise ValidationFailed(N_("Give at least one level, each with its own code."))
    await s.execute(delete(SubsidyLevel))
    for position, level in enumerate(levels, start=1):
        s.add(
            SubsidyLevel(
                code=level.code,
                name=level.name,
                amount=level.amount,
                position=position,
                updated_at=now,
                updated_by_id=actor.user_id,
            )
        )
    await s.flush()
    await audit.record(
        s,
        actor,
        "assessment.subsidy_levels_set",
        "subsidy_levels",
        None,
        {level.code: str(level.amount) for level in levels},
    )


async def set_difficulty(
    s: AsyncSession,
    actor: audit.Actor,
    scope: Scope,
    case_id: int,
    level: str | None,
    reason: str,
    now: datetime,
    known: Sequence[str],
) -> None:
    """Set a case's level by hand (``None``: back to the rule's)."""
    case: Case = await get_visible_case(s, scope, case_id)
    if level is not None and level not in known:
        raise ValidationFailed(N_("Choose one of the subsidy levels."))
    row = await s.get(CaseDifficulty, case.id)
    if level is None:
        if row is None:
            raise NotFound()
        await s.delete(row)
    elif row is None:
        s.add(
            CaseDifficulty(
                case_id=case.id, level=level, reason=reason[:200], set_by_id=actor.user_id, set_at=now
            )
        )
    else:
        row.level, row.reason, row.set_by_id, row.set_at = level, reason[:200], actor.user_id, now
    await s.flush()
    await audit.record(
        s, actor, "assessment.difficulty_set", "case", case.id, {"level": level, "reason": reason[:200]}
    )


def level_amount(text: str) -> Decimal:
    try:
        amount = Decimal(text.strip())
    except ArithmeticError as error:
        raise ValidationFailed(N_("Write an amount in yuan, e.g. 200.")) from error
    if not amount.is_finite() or amount < 0 or amount > 100000:
        raise ValidationFailed(N_("Write an amount in yuan, e.g. 200."))
    return amount.quantize(Decimal("0.01"))
