"""The early-warning sweep: load recent facts, run the pure checks, raise what is new.

Run every minute by ``referrals.sweeps.run_all`` (and once by the demo). Idempotent: each finding
has a key, warnings already raised are skipped before the write transaction opens, and
``hub.early_warnings.raise_warning`` dedupes again inside it, so two processes sweeping at once
raise each warning once.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db import Database
from hub.early_warnings import known_keys, raise_warning
from hub.i18n import N_
from hub.models import Area
from hub.workdays.calendar import StatutoryCalendar
from hub.workdays.service import load as load_calendar
from referrals.models import Case, Party, Referral, ReferralEvent, Report
from referrals.reports import filing
from referrals.reports.checks import (
    OPEN_STATES,
    CaseFacts,
    CheckSettings,
    Finding,
    MajorDispute,
    PartyFacts,
    ReferralFacts,
    hotspots,
    missed_reports,
    repeat_address,
    repeat_parties,
    special_overdue,
    stuck,
)
from referrals.reports.cycles import load_schedule
from referrals.reports.schedule import Schedule, lapsed_daily, lapsed_monthly, lapsed_weekly

logger = logging.getLogger(__name__)
DEFAULT_ZONE = "Asia/Shanghai"
DEFAULT_SETTINGS = CheckSettings()
KINDS = (
    "repeat_address",
    "repeat_parties",
    "hotspot",
    "stuck_case",
    "missed_report",
    "missed_weekly_report",
    "missed_monthly_report",
    "special_report_overdue",
)
SPECIAL_LOOKBACK_DAYS = 7
MARGIN = timedelta(minutes=5)  # as referrals.sweeps.MARGIN

TITLES = {
    "repeat_address": N_(
        "Repeat dispute at one address: %(number)s at %(address)s, %(count)s cases in %(days)s days"
    ),
    "repeat_parties": N_(
        "Repeat dispute between the same parties: %(number)s, %(count)s cases in %(days)s days "
        "(before: %(previous)s)"
    ),
    "hotspot": N_("Hotspot: %(count)s cases in %(area)s within %(days)s days"),
    "stuck_case": N_("Case %(number)s has not moved for %(days)s days"),
    "missed_report": N_("%(agency)s has not filed its report for %(day)s"),
    "missed_weekly_report": N_("%(agency)s has not filed its weekly report for the week of %(day)s"),
    "missed_monthly_report": N_("%(agency)s has not filed its monthly report for the month of %(day)s"),
    "special_report_overdue": N_("No special report on case %(number)s within %(hours)s hours"),
}
SEVERITY = {
    "repeat_parties": "critical",
    "missed_report": "info",
    "missed_weekly_report": "info",
    "missed_monthly_report": "info",
    "special_report_overdue": "critical",
}


async def recent_cases(s: AsyncSession, since: datetime, now: datetime) -> list[CaseFacts]:
    window = (Case.created_at >= since) & (Case.created_at <= now)
    ids = select(Case.id).where(window).scalar_subquery()
    parties: dict[int, list[PartyFacts]] = {}
    for case_id, name, id_number in (
        await s.execute(select(Party.case_id, Party.name, Party.id_number).where(Party.case_id.in_(ids)))
    ).all():
        parties.setdefault(case_id, []).append(PartyFacts(name, id_number))
    handlers: dict[int, int] = {}
    for case_id, to_agency_id in (
        await s.execute(
            select(Referral.case_id, Referral.to_agency_id)
            .where(Referral.case_id.in_(ids))
            .order_by(Referral.id)
        )
    ).all():
        handlers[case_id] = to_agency_id  # the latest wins
    rows = (
        await s.execute(
            select(
                Case.id, Case.number, Case.created_at, Case.created_agency_id, Case.address, Case.area_id
            ).where(window)
        )
    ).all()
    return [
        CaseFacts(
            id=r.id,
            number=r.number,
            created_at=r.created_at,
            agency_id=r.created_agency_id,
            address=r.address,
            area_id=r.area_id,
            parties=tuple(parties.get(r.id, ())),
            handler_id=handlers.get(r.id),
        )
        for r in rows
    ]


async def open_referrals(
    s: AsyncSession, window: tuple[datetime, datetime] | None = None
) -> list[ReferralFacts]:
    """The open referrals as rows (``window``: only those whose last move falls in it, found by
    what moved in it: a state changed, a referral sent or an event written then)."""
    open_ids = select(Referral.id).where(Referral.state.in_(list(OPEN_STATES)))
    if window is not None:
        first, last = window
        moved_then = (
            select(Referral.id)
            .where(Referral.state_changed_at > first, Referral.state_changed_at <= last)
            .union(
                select(Referral.id).where(Referral.sent_at > first, Referral.sent_at <= last),
                select(ReferralEvent.referral_id).where(ReferralEvent.at > first, ReferralEvent.at <= last),
            )
        )
        open_ids = open_ids.where(Referral.id.in_(moved_then))
    last_event = (  # of the open referrals only: the events of closed ones pile up for years
        select(ReferralEvent.referral_id, func.max(ReferralEvent.at).label("at"))
        .where(ReferralEvent.referral_id.in_(open_ids))
        .group_by(ReferralEvent.referral_id)
        .subquery()
    )
    rows = (
        await s.execute(
            select(
                Referral.id,
                Referral.case_id,
                Case.number,
                Referral.state,
                Referral.to_agency_id,
                Referral.from_agency_id,
                Referral.state_changed_at,
                Referral.sent_at,
                last_event.c.at,
            )
            .join(Case, Case.id == Referral.case_id)
            .outerjoin(last_event, last_event.c.referral_id == Referral.id)
            .where(Referral.id.in_(open_ids))
        )
    ).all()
    found = []
    for r in rows:
        moved = max(t for t in (r.state_changed_at, r.sent_at, _aware(r.at)) if t is not None)
        if window is None or window[0] < moved <= window[1]:
            found.append(
                ReferralFacts(r.id, r.case_id, r.number, r.state, r.to_agency_id, r.from_agency_id, moved)
            )
    return found


def _aware(value: datetime | None) -> datetime | None:
    """Aggregates bypass the column type: SQLite hands back naive UTC (or text) for max()."""
    if value is None or isinstance(value, datetime) and value.tzinfo is not None:
        return value
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


async def major_disputes(s: AsyncSession, since: datetime, now: datetime) -> list[MajorDispute]:
    """Recent group disputes and cases at risk of turning criminal, and whether a special report
    names them; the event is the case's taking in."""
    window = (Case.created_at >= since) & (Case.created_at <= now)
    major = window & (Case.group_dispute.is_(True) | Case.violence_risk.is_(True))
    ids = select(Case.id).where(major).scalar_subquery()
    reported = set(
        (
            await s.scalars(
                select(Report.case_id).where(
                    Report.kind == filing.ReportKind.special, Report.case_id.in_(ids)
                )
            )
        ).all()
    )
    handlers: dict[int, int] = {}
    for case_id, to_agency_id in (
        await s.execute(
            select(Referral.case_id, Referral.to_agency_id)
            .where(Referral.case_id.in_(ids))
            .order_by(Referral.id)
        )
    ).all():
        handlers[case_id] = to_agency_id
    rows = (
        await s.execute(select(Case.id, Case.number, Case.created_agency_id, Case.created_at).where(major))
    ).all()
    return [
        MajorDispute(r.id, r.number, r.created_agency_id, r.created_at, r.id in reported, handlers.get(r.id))
        for r in rows
    ]


async def missed(s: AsyncSession, now: datetime, zone: ZoneInfo, schedule: Schedule) -> list[Finding]:
    """Reports whose time has come by the reporting calendar and that were not filed: daily ones
    for today when it is due, the last weekly and monthly ones, special reports."""
    findings: list[Finding] = []
    expected = await filing.reporting_agencies(s, None)
    for day in lapsed_daily(schedule, now, zone):
        done = await filing.reported(s, list(expected), day)
        findings += missed_reports(expected, done, day, past_due=True)
    cycles = (
        ("weekly", filing.ReportKind.weekly, lapsed_weekly(schedule, now, zone)),
        ("monthly", filing.ReportKind.monthly, lapsed_monthly(schedule, now, zone)),
    )
    for cycle, kind, period in cycles:
        if period is not None:
            done = await filing.reported(s, list(expected), period, frozenset({kind}))
            findings += missed_reports(expected, done, period, past_due=True, cycle=cycle)
    majors = await major_disputes(s, now - timedelta(days=SPECIAL_LOOKBACK_DAYS), now)
    findings += special_overdue(majors, now, schedule.special_hours)
    return findings


def _case_checks(
    cases: list[CaseFacts], now: datetime, settings: CheckSettings, names: dict[int, str]
) -> list[Finding]:
    return [
        *repeat_address(cases, now, settings.repeat_days),
        *repeat_parties(cases, now, settings.repeat_days),
        *hotspots(cases, now, settings.hotspot_min_cases, settings.hotspot_days, names),
    ]


async def find(
    s: AsyncSession,
    now: datetime,
    zone: ZoneInfo,
    settings: CheckSettings = DEFAULT_SETTINGS,
    calendar: StatutoryCalendar | None = None,
    since: datetime | None = None,
) -> list[Finding]:
    """Everything the checks find at ``now`` (nothing is written). With ``since`` (the last run's
    ``now``, less a margin), only what can have changed since: the checks of recent cases run
    when a case came in since (they find nothing new otherwise: their windows only shrink), and
    only the referrals whose resting time ran out since are looked at."""
    findings: list[Finding] = []
    came_in = since is None or await s.scalar(select(Case.id).where(Case.created_at >= since).limit(1))
    if came_in:
        cases = await recent_cases(s, now - timedelta(days=settings.lookback_days), now)
        area_ids = {c.area_id for c in cases if c.area_id is not None}
        names = (
            dict((await s.execute(select(Area.id, Area.name).where(Area.id.in_(area_ids)))).all())
            if area_ids
            else {}
        )
        # Pure and CPU-bound on a month of cases: off the event loop.
        findings += await asyncio.to_thread(_case_checks, cases, now, settings, names)
    rest = timedelta(days=settings.stuck_days)
    window = None if since is None else (since - rest, now - rest)
    findings += stuck(await open_referrals(s, window), now, settings.stuck_days)
    schedule = await load_schedule(s, calendar if calendar is not None else await load_calendar(s))
    return findings + await missed(s, now, zone, schedule)


def warning_key(finding: Finding, agency_id: int) -> str:
    """The finding's own key for the first agency it concerns, suffixed for the others."""
    return finding.key if agency_id == finding.agency_ids[0] else f"{finding.key}:agency:{agency_id}"


def _link(finding: Finding) -> str:
    if finding.kind == "missed_report":
        return f"/reports/missing?day={finding.params['day']}"
    if finding.kind in ("missed_weekly_report", "missed_monthly_report"):
        return "/reports"
    return f"/cases/{finding.case_id}" if finding.case_id is not None else ""


async def sweep(
    db: Database,
    now: datetime,
    *,
    zone: str = DEFAULT_ZONE,
    settings: CheckSettings = DEFAULT_SETTINGS,
    calendar: StatutoryCalendar | None = None,
    since: datetime | None = None,
) -> dict[str, int]:
    """Raise the warnings found at ``now`` that were not raised before; counts of new ones by kind.
    ``calendar`` is the app's cached statutory calendar (read from the database when not given);
    ``since``: the ``now`` of the last complete run (None: look at everything)."""
    tz = ZoneInfo(zone)
    start = None if since is None else since - MARGIN
    async with db.read() as s:
        findings = await find(s, now, tz, settings, calendar, start)
        planned = [(f, a, warning_key(f, a)) for f in findings for a in f.agency_ids]
        known = await known_keys(s, [key for _f, _a, key in planned])
    counts = dict.fromkeys(KINDS, 0)
    new = [(f, a, key) for f, a, key in planned if key not in known]
    if not new:
        return counts
    async with db.write() as s:
        for finding, agency_id, key in new:
            made = await raise_warning(
                s,
                key=key,
                kind=finding.kind,
                severity=SEVERITY.get(finding.kind, "warning"),
                title=TITLES[finding.kind],
                agency_id=agency_id,
                case_id=finding.case_id,
                area_id=finding.area_id,
                link=_link(finding),
                now=now,
                **finding.params,
            )
            counts[finding.kind] += made is not None
    if any(counts.values()):
        logger.info("early warnings raised", extra=counts)
    return counts
