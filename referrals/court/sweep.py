"""The court's clocks in the minute's sweep: an early warning for the court when an application's
acceptance or decision is near its last day (``clock.WARN_DAYS``) and again once it is past, one
per application, clock and last day (warning keys make repeated runs no-ops).

The open applications are read as plain rows (the columns the clocks need), not ORM objects: the
sweep runs every minute and only a few of them ever need a write."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from hub.db import Database
from hub.early_warnings import known_keys, raise_warning
from hub.i18n import N_
from referrals.court.clock import CourtClock, court_clock
from referrals.models import Case, CourtApplication


def _clock(app: Any, zone: ZoneInfo, now: datetime) -> CourtClock | None:
    today = now.astimezone(zone).date()
    if app.decision_due is not None and app.accepted_at is not None and not app.outcome:
        left = (app.decision_due - today).days
        return CourtClock("decision", app.decision_due, left, app.extension_approved_at is not None)
    return court_clock(
        received=app.applied_at.astimezone(zone).date(),
        accepted=app.accepted_at.astimezone(zone).date() if app.accepted_at else None,
        extended=app.extension_approved_at is not None,
        decided=bool(app.outcome),
        today=today,
    )


def _key(app: Any, clock: CourtClock) -> str:
    late = "late" if clock.status == "expired" else "soon"
    return f"court_decision_due:application:{app.id}:{clock.kind}:{clock.deadline.isoformat()}:{late}"


async def warn_court_deadlines(db: Database, now: datetime, *, zone: str) -> int:
    tz = ZoneInfo(zone)
    async with db.read() as s:
        rows = (
            await s.execute(
                select(
                    CourtApplication.id,
                    CourtApplication.court_agency_id,
                    CourtApplication.applied_at,
                    CourtApplication.accepted_at,
                    CourtApplication.decision_due,
                    CourtApplication.extension_approved_at,
                    CourtApplication.outcome,
                    Case.id.label("case_id"),
                    Case.number,
                    Case.area_id,
                )
                .join(Case, Case.id == CourtApplication.case_id)
                .where(CourtApplication.outcome == "")
            )
        ).all()
        due = [(row, clock) for row in rows if (clock := _clock(row, tz, now)) and clock.warning]
        known = await known_keys(s, [_key(row, clock) for row, clock in due])
    new = [(row, clock) for row, clock in due if _key(row, clock) not in known]
    if not new:
        return 0
    count = 0
    async with db.write() as s:
        for row, clock in new:
            made = await raise_warning(
                s,
                key=_key(row, clock),
                kind="court_decision_due",
                severity="critical" if clock.status == "expired" else "warning",
                title=N_("The court's decision on %(number)s is due by %(date)s")
                if clock.kind == "decision"
                else N_("The court's acceptance of %(number)s is due by %(date)s"),
                agency_id=row.court_agency_id,
                case_id=row.case_id,
                area_id=row.area_id,
                link=f"/cases/{row.case_id}/court",
                now=now,
                number=row.number,
                date=clock.deadline.isoformat(),
            )
            if made is not None:
                warned = update(CourtApplication).where(CourtApplication.id == row.id)
                await s.execute(warned.values(decision_warned_at=now))
                count += 1
    return count
