"""The reporting calendar's settings (use cases taking a session): the bureau's hours and cycles
(one ``ReportingSettings`` row) and its sensitive periods, read into a pure ``Schedule`` with the
statutory calendar the caller hands over (the app's cached one: ``hub.workdays.keys.CALENDAR``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub import audit
from hub.errors import NotFound, ValidationFailed
from hub.i18n import N_
from hub.workdays.calendar import StatutoryCalendar
from referrals.models import ReportingSettings, SensitivePeriod
from referrals.reports import schedule

SETTINGS_ID = 1
MAX_SENSITIVE_DAYS = 92


async def load_schedule(s: AsyncSession, calendar: StatutoryCalendar) -> schedule.Schedule:
    row = await s.get(ReportingSettings, SETTINGS_ID)
    periods = [
        schedule.SensitivePeriod(p.first, p.last, p.hour, p.name)
        for p in (await s.scalars(select(SensitivePeriod).order_by(SensitivePeriod.first))).all()
    ]
    if row is None:
        return schedule.Schedule(sensitive=tuple(periods), calendar=calendar)
    return schedule.Schedule(
        daily_hour=row.daily_hour,
        weekly_weekday=row.weekly_weekday,
        weekly_hour=row.weekly_hour,
        monthly_day=row.monthly_day,
        monthly_hour=row.monthly_hour,
        special_hours=row.special_hours,
        sensitive=tuple(periods),
        calendar=calendar,
    )


@dataclass(frozen=True)
class SettingsInput:
    daily_hour: int = 18
    weekly_weekday: int | None = None
    weekly_hour: int = 17
    monthly_day: int | None = None
    monthly_hour: int = 17
    special_hours: int = schedule.SPECIAL_HOURS


async def save_settings(s: AsyncSession, actor: audit.Actor, data: SettingsInput, now: datetime) -> None:
    try:
        schedule.Schedule(**vars(data))  # refuses what the calendar could not use
    except ValueError as error:
        raise ValidationFailed(N_("These reporting hours cannot be used: %(why)s"), why=str(error)) from error
    row = await s.get(ReportingSettings, SETTINGS_ID, with_for_update=True)
    if row is None:
        row = ReportingSettings(id=SETTINGS_ID)
        s.add(row)
    for name, value in vars(data).items():
        setattr(row, name, value)
    row.updated_at, row.updated_by_id = now, actor.user_id
    await s.flush()
    await audit.record(s, actor, "reporting.settings_set", "reporting_settings", SETTINGS_ID, vars(data))


async def add_sensitive(
    s: AsyncSession, actor: audit.Actor, first: date, last: date, hour: int, name: str, now: datetime
) -> SensitivePeriod:
    if last < first or (last - first).days >= MAX_SENSITIVE_DAYS:
        raise ValidationFailed(
            N_("A sensitive period runs from its first day to its last, at most %(days)s days."),
            days=MAX_SENSITIVE_DAYS,
        )
    if not 0 <= hour <= 23:
        raise ValidationFailed(N_("Choose an hour from 0 to 23."))
    period = SensitivePeriod(
        first=first,
        last=last,
        hour=hour,
        name=name.strip()[:100],
        created_by_id=actor.user_id,
        created_at=now,
    )
    s.add(period)
    await s.flush()
    await audit.record(
        s,
        actor,
        "reporting.sensitive_added",
        "sensitive_period",
        period.id,
        {"first": first.isoformat(), "last": last.isoformat(), "hour": hour, "name": period.name},
    )
    return period


async def remove_sensitive(s: AsyncSession, actor: audit.Actor, period_id: int) -> None:
    period = await s.get(SensitivePeriod, period_id)
    if period is None:
        raise NotFound()
    await s.execute(delete(SensitivePeriod).where(SensitivePeriod.id == period_id))
    await audit.record(s, actor, "reporting.sensitive_removed", "sensitive_period", period_id, {})


async def sensitive_periods(s: AsyncSession) -> list[SensitivePeriod]:
    return list((await s.scalars(select(SensitivePeriod).order_by(SensitivePeriod.first.desc()))).all())
