"""Reports agencies file: daily zero (零报告) or periodic reports, special reports (专报) on a
major dispute, and direct reports (直报) that reach the district at once.

Every agency that handles disputes (stations, stationed rooms, judicial offices, mediation
committees, specialised bodies) files one daily report per day a report is due, dated in the hub's
time zone: a zero report ("nothing to report" is itself a report, one click) or a periodic report
with figures and text. Which days are due and at what hour is the reporting calendar's
(``schedule.Schedule``: working days at 18:00 by default, every day of a sensitive period at its
earlier hour); weekly and monthly reports are filed for the week (its Monday) or the month (its
first day) where the bureau set those cycles. The warning sweep flags who missed a report.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, false, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from hub import audit
from hub.directory import overseers
from hub.errors import NotFound
from hub.events import Outbox
from hub.i18n import N_
from hub.models import Agency, AgencyKind, Role, User
from hub.notifications import notify, people_with_role
from hub.permissions import Principal, Scope
from referrals.errors import AlreadyReported, ReportIncomplete
from referrals.models import Report
from referrals.reports.schedule import Schedule, week_of
from referrals.visibility import get_visible_case


class ReportKind(StrEnum):
    zero = "zero"
    periodic = "periodic"
    special = "special"
    direct = "direct"
    weekly = "weekly"
    monthly = "monthly"


DAILY = frozenset({ReportKind.zero, ReportKind.periodic})
CYCLES = frozenset({ReportKind.weekly, ReportKind.monthly})
REPORTING_KINDS = (
    AgencyKind.police_station,
    AgencyKind.stationed_room,
    AgencyKind.judicial_office,
    AgencyKind.mediation_committee,
    AgencyKind.specialised_body,
)
FIGURES = ("received", "referred", "resolved", "group_disputes", "criminal_risks")
DEFAULT_SCHEDULE = Schedule()
MAX_LATE_DAYS = 31


def local_day(now: datetime, zone: ZoneInfo) -> date:
    return now.astimezone(zone).date()


def due_at(day: date, zone: ZoneInfo, schedule: Schedule = DEFAULT_SCHEDULE) -> datetime:
    """The hour the daily report for ``day`` is (or would be) due, in UTC: the sensitive period's
    hour on its days, the daily hour (18:00 by default) on others."""
    return datetime.combine(day, time(schedule.daily_hour_of(day), 0), zone).astimezone(UTC)


def is_due_day(day: date, schedule: Schedule = DEFAULT_SCHEDULE) -> bool:
    """Whether a daily report is due for ``day``: a working day, or a day of a sensitive period."""
    return schedule.sensitive_on(day) is not None or schedule.calendar.is_workday(day)


def past_due(now: datetime, zone: ZoneInfo, schedule: Schedule = DEFAULT_SCHEDULE) -> bool:
    """Whether today's daily report is due and its hour has passed."""
    due = schedule.daily_due(local_day(now, zone), zone)
    return due is not None and now >= due


def cycle_period(kind: ReportKind, day: date) -> date:
    """The period a weekly (its Monday) or monthly (its first day) report covering ``day`` names."""
    return week_of(day) if kind is ReportKind.weekly else day.replace(day=1)


@dataclass(frozen=True)
class ReportInput:
    kind: str
    agency_id: int
    period: date | None = None
    title: str = ""
    body: str = ""
    case_id: int | None = None
    figures: Mapping[str, int] = field(default_factory=dict)


async def daily_report(
    s: AsyncSession, agency_id: int, day: date, kinds: frozenset[ReportKind] = DAILY
) -> Report | None:
    return await s.scalar(
        select(Report)
        .where(Report.agency_id == agency_id, Report.period == day, Report.kind.in_(list(kinds)))
        .limit(1)
    )


def _check(kind: ReportKind, data: ReportInput, today: date) -> date:
    """The period the report is for; refuses what the kind does not allow."""
    if kind in DAILY:
        period = data.period or today
        if period > today:
            raise ReportIncomplete(N_("A report cannot be filed for a day that has not come yet."))
        if period < today - timedelta(days=MAX_LATE_DAYS):
            raise ReportIncomplete(N_("A late report may go back at most %(days)s days."), days=MAX_LATE_DAYS)
        if kind is ReportKind.periodic and not (any(data.figures.values()) or data.body.strip()):
            raise ReportIncomplete(N_("Give the figures or the text of the report, or file a zero report."))
        return period
    if kind in CYCLES:
        period = cycle_period(kind, data.period or today)
        if period > today:
            raise ReportIncomplete(N_("A report cannot be filed for a day that has not come yet."))
        if not (any(data.figures.values()) or data.body.strip()):
            raise ReportIncomplete(N_("Give the figures or the text of the report, or file a zero report."))
        return period
    if not data.title.strip() or not data.body.strip():
        raise ReportIncomplete(N_("Give a title and the text of the report."))
    if kind is ReportKind.special and data.case_id is None:
        raise ReportIncomplete(N_("A special report is about one case: choose it."))
    return today


async def file_report(
    s: AsyncSession,
    actor: audit.Actor,
    scope: Scope,
    data: ReportInput,
    *,
    now: datetime,
    zone: ZoneInfo,
    outbox: Outbox,
) -> Report:
    """File a report for an agency in the filer's scope; direct reports reach the district at once."""
    kind = ReportKind(data.kind)
    # The agency's row is locked: a double-clicked zero report must be filed once, not twice.
    agency = await s.get(Agency, data.agency_id, with_for_update=True)
    if agency is None:
        raise NotFound()
    period = _check(kind, data, local_day(now, zone))
    if kind in DAILY and await daily_report(s, agency.id, period) is not None:
        raise AlreadyReported(agency=agency.name, day=period.isoformat())
    if kind in CYCLES and await daily_report(s, agency.id, period, frozenset({kind})) is not None:
        raise AlreadyReported(agency=agency.name, day=period.isoformat())
    case = await get_visible_case(s, scope, data.case_id) if data.case_id is not None else None
    report = Report(
        agency_id=agency.id,
        kind=kind,
        period=period,
        title=data.title.strip() if kind is not ReportKind.zero else "",
        body=data.body.strip(),
        case_id=case.id if case else None,
        figures={k: int(v) for k, v in data.figures.items() if k in FIGURES}
        if kind is ReportKind.periodic or kind in CYCLES
        else {},
        submitted_by_id=actor.user_id,
        submitted_at=now,
    )
    s.add(report)
    await s.flush()
    await audit.record(
        s,
        actor,
        "report.filed",
        "report",
        report.id,
        {"kind": kind, "agency_id": agency.id, "period": period.isoformat(), "case_id": report.case_id},
    )
    outbox.add(f"agency:{agency.id}", "report.filed", actor.user_id, id=report.id, report_kind=kind)
    link = f"/reports/{report.id}"
    if kind is ReportKind.direct:
        tops = await top_agencies(s)
        people = await people_with_role(s, tops, Role.supervisor)
        await notify(
            s,
            outbox,
            people,
            "report.direct",
            N_("Direct report from %(agency)s: %(subject)s"),
            link,
            agency=agency.name,
            subject=report.title[:80],
        )
        for top in tops:
            outbox.add(f"agency:{top}", "report.direct", actor.user_id, id=report.id, name=report.title[:80])
    elif kind is ReportKind.special:
        people = await overseers(s, [agency.id], Role.supervisor)
        await notify(
            s,
            outbox,
            people,
            "report.special",
            N_("Special report from %(agency)s on case %(number)s: %(subject)s"),
            link,
            agency=agency.name,
            number=case.number if case else "",
            subject=report.title[:80],
        )
    return report


async def top_agencies(s: AsyncSession) -> list[int]:
    """The district-level agencies (no parent): the sub-bureau, the justice bureau, the court."""
    return list((await s.scalars(select(Agency.id).where(Agency.parent_id.is_(None)))).all())


def sees_direct_reports(principal: Principal, top_ids: Sequence[int]) -> bool:
    """Supervisors and admins of a district-level agency read every direct report."""
    return principal.is_superuser or (
        principal.agency_id in top_ids and principal.has_role(Role.supervisor, Role.admin)
    )


def readable(scope: Scope, direct_too: bool) -> ColumnElement[bool]:
    """A WHERE clause on Report for the reports a viewer may read."""
    if scope.agency_ids is None:
        return true()
    direct = Report.kind == ReportKind.direct if direct_too else false()
    return or_(Report.agency_id.in_(list(scope.agency_ids)), direct)


@dataclass(frozen=True)
class ReportRow:
    report: Report
    agency_name: str
    submitted_by: str


async def history(
    s: AsyncSession,
    where: ColumnElement[bool],
    *,
    kind: str | None = None,
    agency_id: int | None = None,
    since: date | None = None,
    until: date | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[ReportRow], int]:
    conditions = [where]
    if kind:
        conditions.append(Report.kind == kind)
    if agency_id is not None:
        conditions.append(Report.agency_id == agency_id)
    if since is not None:
        conditions.append(Report.period >= since)
    if until is not None:
        conditions.append(Report.period <= until)
    total = await s.scalar(select(func.count(Report.id)).where(and_(*conditions))) or 0
    rows = (
        await s.execute(
            select(Report, Agency.name, User.display_name)
            .join(Agency, Agency.id == Report.agency_id)
            .outerjoin(User, User.id == Report.submitted_by_id)
            .where(and_(*conditions))
            .order_by(Report.period.desc(), Report.id.desc())
            .limit(limit)
            .offset(offset)
        )
    ).all()
    return [ReportRow(r, name, by or "") for r, name, by in rows], int(total)


async def reporting_agencies(s: AsyncSession, scope_ids: frozenset[int] | None) -> dict[int, str]:
    """Agencies (id -> name) that must file a daily report, within the scope."""
    query = select(Agency.id, Agency.name).where(
        Agency.active.is_(True), Agency.kind.in_([str(k) for k in REPORTING_KINDS])
    )
    if scope_ids is not None:
        query = query.where(Agency.id.in_(list(scope_ids)))
    return {agency_id: name for agency_id, name in (await s.execute(query.order_by(Agency.code))).all()}


async def reported(
    s: AsyncSession, agency_ids: Sequence[int], day: date, kinds: frozenset[ReportKind] = DAILY
) -> set[int]:
    """Which of these agencies filed their daily report (or ``kinds``) for ``day``."""
    query = select(Report.agency_id).where(
        Report.period == day, Report.kind.in_(list(kinds)), Report.agency_id.in_(list(agency_ids))
    )
    return set((await s.scalars(query.distinct())).all())


@dataclass(frozen=True)
class Missing:
    day: date
    due_at: datetime
    past_due: bool
    expected: int
    agencies: list[Agency]


async def missing(
    s: AsyncSession,
    scope_ids: frozenset[int] | None,
    day: date,
    now: datetime,
    zone: ZoneInfo,
    schedule: Schedule = DEFAULT_SCHEDULE,
) -> Missing:
    """Agencies in scope that have not filed their daily report for ``day`` (past due only on a
    day a report is due)."""
    expected = await reporting_agencies(s, scope_ids)
    done = await reported(s, list(expected), day)
    ids = [a for a in expected if a not in done]
    rows = (
        await s.scalars(select(Agency).where(Agency.id.in_(ids)).order_by(Agency.kind, Agency.code))
    ).all()
    due = due_at(day, zone, schedule)
    return Missing(day, due, is_due_day(day, schedule) and now >= due, len(expected), list(rows))


def figures_of(report: Report) -> list[tuple[str, Any]]:
    return [(name, report.figures.get(name, 0)) for name in FIGURES if name in report.figures]
