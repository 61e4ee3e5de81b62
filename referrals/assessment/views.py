"""What the assessment's pages, downloads and API share: the period and ranking asked for, the
figures computed (``figures``) and named, the ranking tables, the ledger and the subsidy as tables.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from hub import exports
from hub.errors import Forbidden, ValidationFailed
from hub.i18n import N_, gettext
from hub.models import Agency
from hub.orm import utcnow
from hub.routing import Ctx, parse_query
from referrals.assessment import figures, ledger, service, settings, subsidy
from referrals.assessment.schemas import AssessmentOut, AssessQuery, GroupOut, MediatorMonthOut, SubsidyOut
from referrals.stats import stats

MAX_DAYS = 366
DEFAULT_RANK = {"station": "referral_rate", "town": "referral_rate", "body": "success_rate"}
DIMENSIONS = {
    "total": N_("Total"),
    "station": N_("Police station"),
    "town": N_("Town or street"),
    "body": N_("Receiving body"),
}
HEADER = (
    N_("Breakdown"),
    N_("Rank"),
    N_("Group"),
    N_("Cases taken in"),
    N_("Referred"),
    N_("Incidents"),
    N_("Referral rate (%)"),
    N_("Hours to acceptance"),
    N_("Resolved"),
    N_("Failed"),
    N_("Success rate (%)"),
    N_("Followed up"),
    N_("Follow-up rate (%)"),
    N_("Performed"),
    N_("Performance rate (%)"),
    N_("Judicially confirmed"),
    N_("Confirmation rate (%)"),
    N_("Overdue"),
)


def period(ctx: Ctx) -> tuple[date, date, str | None]:
    query = parse_query(ctx.request, AssessQuery)
    today = stats.local_day(utcnow(), ctx.config.zone)
    end = query.end or today
    start = query.start or end.replace(day=1)
    if start > end:
        raise ValidationFailed(N_("The period ends before it starts."))
    if (end - start).days >= MAX_DAYS:
        raise ValidationFailed(N_("Choose a period of at most %(days)s days."), days=MAX_DAYS)
    return start, end, query.rank


@dataclass
class Data:
    result: figures.Assessment
    places: service.Places
    rank: str | None

    def name(self, dimension: str, key: int | None) -> str:
        if dimension == "total":
            return gettext(DIMENSIONS["total"])
        if key is None:
            return gettext(N_("Not given"))
        names = self.places.area_names if dimension == "town" else self.places.agency_names
        return names.get(key) or str(key)

    def rank_by(self, dimension: str) -> str:
        return self.rank or DEFAULT_RANK[dimension]

    def ranked(self, dimension: str) -> list[tuple[int, int | None, figures.Group]]:
        return figures.ranking(self.result.groups(dimension), self.rank_by(dimension))


async def assessment(ctx: Ctx) -> Data:
    start, end, rank = period(ctx)
    first, last = stats.period_bounds(start, end, ctx.config.zone)
    scope = ctx.must.scope
    async with ctx.db.read() as s:
        rows = await service.assessment_rows(s, scope, first, last)
        places = await service.places(s)
        counts = await service.incidents(s, scope, start, end)
    result = figures.assess(
        rows,
        start,
        end,
        now=utcnow(),
        zone=ctx.config.zone,
        town_of_area=places.town_of_area,
        incidents=counts,
        station_town=places.station_town,
        stations=places.stations,
    )
    return Data(result, places, rank)


def group_out(key: int | None, name: str, group: figures.Group, rank: int | None = None) -> GroupOut:
    return GroupOut.model_validate(
        {"key": "" if key is None else str(key), "name": name, "rank": rank, **group.as_dict()}
    )


def assessment_out(data: Data) -> AssessmentOut:
    def ranked(dimension: str) -> list[GroupOut]:
        return [group_out(k, data.name(dimension, k), g, r) for r, k, g in data.ranked(dimension)]

    r = data.result
    return AssessmentOut(
        start=r.start,
        end=r.end,
        rank=data.rank or "",
        total=group_out(None, data.name("total", None), r.total),
        by_station=ranked("station"),
        by_town=ranked("town"),
        by_body=ranked("body"),
    )


def _percent(value: float | None) -> float | None:
    return round(value * 100, 1) if value is not None else None


def figure_cells(g: figures.Group) -> list[exports.Cell]:
    return [
        g.taken_in,
        g.referred,
        g.incidents,
        _percent(g.referral_rate),
        g.hours_to_accept,
        g.resolved,
        g.failed,
        _percent(g.success_rate),
        g.followed_up,
        _percent(g.followup_rate),
        g.performed,
        _percent(g.performance_rate),
        g.confirmed,
        _percent(g.confirmation_rate),
        g.overdue,
    ]


def export_table(data: Data) -> tuple[list[str], list[list[exports.Cell]]]:
    """The ranking as one table: the total, then each breakdown in its ranked order."""
    rows: list[list[exports.Cell]] = [
        [gettext(DIMENSIONS["total"]), None, data.name("total", None), *figure_cells(data.result.total)]
    ]
    for dimension in figures.DIMENSIONS:
        for rank, key, group in data.ranked(dimension):
            rows.append(
                [gettext(DIMENSIONS[dimension]), rank, data.name(dimension, key), *figure_cells(group)]
            )
    return [gettext(h) for h in HEADER], rows


def filename(start: date, end: date, what: str, extension: str) -> str:
    return f"{what}-{start.isoformat()}-{end.isoformat()}.{extension}"


async def ledger_table(ctx: Ctx) -> tuple[date, date, list[str], list[list[exports.Cell]]]:
    start, end, _rank = period(ctx)
    first, last = stats.period_bounds(start, end, ctx.config.zone)
    async with ctx.db.read() as s:
        cases = await service.ledger_cases(s, ctx.must.scope, first, last)
    header, rows = ledger.table(cases, ctx.config.zone)
    return start, end, header, rows


@dataclass
class Subsidy:
    start: date
    end: date
    levels: list[subsidy.Level]
    settled: list[service.Settled]
    months: list[subsidy.MediatorMonth]
    mediators: Mapping[int | None, str]


async def subsidy_data(ctx: Ctx) -> Subsidy:
    start, end, _rank = period(ctx)
    zone = ctx.config.zone
    first, last = stats.period_bounds(start, end, zone)
    async with ctx.db.read() as s:
        levels = await service.levels(s)
        settled = await service.settled_cases(s, ctx.must.scope, first, last)
    months = subsidy.sums((c.case for c in settled), subsidy.amounts(levels), zone)
    mediators: dict[int | None, str] = {c.case.mediator_id: c.mediator for c in settled}
    return Subsidy(start, end, levels, settled, months, mediators)


def mediator_name(data: Subsidy, mediator_id: int | None) -> str:
    return data.mediators.get(mediator_id) or gettext(N_("No mediator named"))


def subsidy_out(data: Subsidy) -> SubsidyOut:
    return SubsidyOut.model_validate(
        {
            "start": data.start,
            "end": data.end,
            "levels": [{"code": lv.code, "name": lv.name, "amount": lv.amount} for lv in data.levels],
            "months": [
                MediatorMonthOut(
                    mediator_id=m.mediator_id,
                    mediator=mediator_name(data, m.mediator_id),
                    month=m.month,
                    cases=m.cases,
                    count=m.count,
                    amount=m.amount,
                )
                for m in data.months
            ],
        }
    )


def subsidy_table(data: Subsidy) -> tuple[list[str], list[list[exports.Cell]]]:
    """One row per mediator per month: the settled cases per level, their count and the amount."""
    header = [
        gettext(N_("Month")),
        gettext(N_("Mediator")),
        *[f"{lv.name}（{lv.amount}）" for lv in data.levels],
        gettext(N_("Settled cases")),
        gettext(N_("Subsidy (yuan)")),
    ]
    rows: list[list[exports.Cell]] = [
        [
            m.month.strftime("%Y-%m"),
            mediator_name(data, m.mediator_id),
            *[m.cases.get(lv.code, 0) for lv in data.levels],
            m.count,
            float(m.amount),
        ]
        for m in data.months
    ]
    return header, rows


async def check_bureau(ctx: Ctx) -> None:
    """The subsidy's levels are the district's: set by the top-level agencies (or the operators)."""
    principal = ctx.user
    if principal.is_superuser:
        return
    async with ctx.db.read() as s:
        agency = await s.get(Agency, principal.agency_id) if principal.agency_id is not None else None
    if agency is None or agency.parent_id is not None:
        raise Forbidden(N_("The subsidy's levels are set for the whole district, by the top-level agencies."))


async def set_case_difficulty(ctx: Ctx, case_id: int, level: str | None, reason: str) -> None:
    async with ctx.write() as (s, _outbox):
        known = [lv.code for lv in await service.levels(s)]
        await settings.set_difficulty(
            s, ctx.user.actor, ctx.must.scope, case_id, level, reason, utcnow(), known
        )
