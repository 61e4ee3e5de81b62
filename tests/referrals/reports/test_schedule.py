"""The reporting calendar: daily reports on working days by the statutory calendar, weekly and
monthly cycles, sensitive periods (every day, an earlier hour), the 专报 time limit, and the
warnings the sweep raises by them."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from hub.audit import SYSTEM
from hub.db import Database
from hub.early_warnings import EarlyWarning
from hub.events import Outbox
from hub.models import Agency
from hub.orm import utcnow
from hub.permissions import Scope
from hub.workdays.calendar import BUILTIN, Override, StatutoryCalendar
from referrals.models import Report
from referrals.reports import cycles, filing
from referrals.reports.schedule import Schedule, SensitivePeriod, lapsed_daily, lapsed_monthly, lapsed_weekly
from referrals.reports.sweep import sweep
from tests.referrals.helpers import Person, case_body
from tests.support.clock import DEFAULT_NOW

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: str, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(date.fromisoformat(day), datetime.min.time(), SHANGHAI).replace(
        hour=hour, minute=minute
    )


def test_no_daily_report_is_due_in_the_national_day_holiday_week() -> None:
    schedule = Schedule()
    assert schedule.daily_due(date(2026, 9, 30), SHANGHAI) == at("2026-09-30", 18)
    for day in range(1, 8):  # 1-7 October 2026: 国庆节, Thursday to Wednesday
        assert schedule.daily_due(date(2026, 10, day), SHANGHAI) is None
    assert schedule.daily_due(date(2026, 10, 8), SHANGHAI) == at("2026-10-08", 18)
    assert not filing.past_due(at("2026-10-05", 23), SHANGHAI, schedule)


def test_a_weekend_day_made_a_working_day_is_due_and_a_plain_one_is_not() -> None:
    schedule = Schedule()
    assert schedule.daily_due(date(2026, 10, 10), SHANGHAI) == at("2026-10-10", 18)  # Saturday, 调休上班
    assert schedule.daily_due(date(2026, 10, 11), SHANGHAI) is None  # Sunday
    assert filing.past_due(at("2026-10-10", 18, 1), SHANGHAI, schedule)
    assert not filing.past_due(at("2026-10-10", 17, 59), SHANGHAI, schedule)


def test_an_administrators_day_counts_as_the_calendar_says() -> None:
    calendar = StatutoryCalendar(
        [Override(date(2026, 12, 7), False, "停工"), Override(date(2026, 12, 12), True)]
    )
    schedule = Schedule(calendar=calendar)
    assert schedule.daily_due(date(2026, 12, 7), SHANGHAI) is None
    assert schedule.daily_due(date(2026, 12, 12), SHANGHAI) == at("2026-12-12", 18)


def test_a_sensitive_period_makes_every_day_due_at_its_earlier_hour() -> None:
    period = SensitivePeriod(date(2026, 10, 3), date(2026, 10, 9), hour=12, name="国庆安保")
    schedule = Schedule(sensitive=(period,))
    assert schedule.daily_due(date(2026, 10, 2), SHANGHAI) is None  # a holiday before it
    assert schedule.daily_due(date(2026, 10, 4), SHANGHAI) == at("2026-10-04", 12)  # a holiday Sunday
    assert schedule.daily_due(date(2026, 10, 8), SHANGHAI) == at("2026-10-08", 12)  # a working day, earlier
    assert schedule.daily_due(date(2026, 10, 10), SHANGHAI) == at("2026-10-10", 18)  # over
    assert filing.due_at(date(2026, 10, 4), SHANGHAI, schedule) == at("2026-10-04", 12)
    assert lapsed_daily(schedule, at("2026-10-04", 12, 1), SHANGHAI) == [date(2026, 10, 4)]
    assert lapsed_daily(schedule, at("2026-10-04", 11, 59), SHANGHAI) == []


def test_a_special_report_is_due_two_hours_after_the_event_unless_configured() -> None:
    event = at("2026-10-03", 23, 30)  # a holiday night: the limit runs all the same
    assert Schedule().special_due(event) == at("2026-10-04", 1, 30)
    assert Schedule(special_hours=6).special_due(event) == at("2026-10-04", 5, 30)


def test_weekly_and_monthly_reports_fall_due_on_the_next_working_day() -> None:
    schedule = Schedule(weekly_weekday=0, weekly_hour=17, monthly_day=1, monthly_hour=10)
    # The week of 28 September is due on Monday 5 October, a holiday: Thursday 8 October.
    assert schedule.weekly_due(date(2026, 9, 30), SHANGHAI) == at("2026-10-08", 17)
    # September's report is due on 1 October, a holiday: 8 October.
    assert schedule.monthly_due(date(2026, 9, 15), SHANGHAI) == at("2026-10-08", 10)
    assert lapsed_weekly(schedule, at("2026-10-08", 17, 5), SHANGHAI) == date(2026, 9, 28)
    assert lapsed_weekly(schedule, at("2026-10-08", 16, 55), SHANGHAI) is None
    assert lapsed_monthly(schedule, at("2026-10-08", 10, 5), SHANGHAI) == date(2026, 9, 1)
    assert Schedule().weekly_due(date(2026, 9, 30), SHANGHAI) is None  # not configured


def test_nonsense_settings_are_refused() -> None:
    for bad in ({"daily_hour": 24}, {"weekly_weekday": 7}, {"monthly_day": 31}, {"special_hours": 0}):
        with pytest.raises(ValueError):
            Schedule(**bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        SensitivePeriod(date(2026, 10, 5), date(2026, 10, 1))
    assert Schedule().calendar is BUILTIN


async def _missed(db: Database, kind: str, day: str) -> int:
    async with db.read() as s:
        keys = (await s.scalars(select(EarlyWarning.key).where(EarlyWarning.kind == kind))).all()
    return sum(1 for key in keys if key.endswith(f":{day}"))


async def test_the_sweep_warns_by_the_calendar_and_the_sensitive_period(db: Database) -> None:
    async with db.read() as s:
        expected = await filing.reporting_agencies(s, None)
    holiday = await sweep(db, at("2026-10-03", 18, 30))
    assert holiday["missed_report"] == 0
    working_saturday = await sweep(db, at("2026-10-10", 18, 30))
    assert working_saturday["missed_report"] == len(expected)
    assert await _missed(db, "missed_report", "2026-10-10") == len(expected)

    async with db.write() as s:
        await cycles.add_sensitive(s, SYSTEM, date(2026, 10, 4), date(2026, 10, 5), 12, "安保", utcnow())
    assert (await sweep(db, at("2026-10-04", 11, 59)))["missed_report"] == 0
    assert (await sweep(db, at("2026-10-04", 12, 1)))["missed_report"] == len(expected)


async def test_the_sweep_warns_of_a_weekly_report_where_the_bureau_set_one(db: Database) -> None:
    async with db.read() as s:
        expected = await filing.reporting_agencies(s, None)
        office = await s.scalar(select(Agency.id).where(Agency.code == "JO01"))
    assert office is not None
    assert (await sweep(db, at("2026-10-08", 17, 5)))["missed_weekly_report"] == 0  # no cycle yet
    async with db.write() as s:
        await cycles.save_settings(s, SYSTEM, cycles.SettingsInput(weekly_weekday=0), utcnow())
        await filing.file_report(
            s,
            SYSTEM,
            Scope(None),
            filing.ReportInput("weekly", office, period=date(2026, 9, 30), body="本周无重大纠纷。"),
            now=at("2026-10-08", 9),
            zone=SHANGHAI,
            outbox=Outbox(),
        )
    found = await sweep(db, at("2026-10-08", 17, 5))
    assert found["missed_weekly_report"] == len(expected) - 1  # JO01 filed for the week of 28 September


async def test_a_major_dispute_without_a_special_report_is_warned_of_after_its_time_limit(
    client: TestClient, db: Database
) -> None:
    police = await Person.login(client, "liaison_ps01")
    status, case = await police.post("/api/v1/cases", case_body(flags=["group_dispute"]))
    assert status == 201
    reported = await police.post("/api/v1/cases", case_body(flags=["group_dispute"]))
    assert reported[0] == 201
    status, _ = await police.post(
        "/api/v1/reports",
        {
            "kind": "special",
            "agency_id": case["created_agency_id"],
            "title": "群体性纠纷",
            "body": "已到场处置。",
            "case_id": reported[1]["id"],
        },
    )
    assert status == 201
    now = utcnow()
    early = await sweep(db, now + timedelta(hours=1, minutes=59))
    assert early["special_report_overdue"] == 0
    await sweep(db, now + timedelta(hours=2, minutes=1))
    async with db.read() as s:
        keys = set(
            (
                await s.scalars(select(EarlyWarning.key).where(EarlyWarning.kind == "special_report_overdue"))
            ).all()
        )
    assert f"special_report_overdue:case:{case['id']}" in keys
    assert f"special_report_overdue:case:{reported[1]['id']}" not in keys


async def test_the_bureau_sets_the_calendar_and_a_station_may_not(client: TestClient) -> None:
    bureau = await Person.login(client, "supervisor")  # the justice bureau's: a top-level agency
    response = await client.put(
        "/api/v1/reports/calendar",
        json={"daily_hour": 17, "weekly_weekday": 4, "special_hours": 3},
        headers={"X-CSRF-Token": bureau.csrf},
    )
    assert response.status == 200
    out = await response.json()
    assert (out["daily_hour"], out["weekly_weekday"], out["monthly_day"], out["special_hours"]) == (
        17,
        4,
        None,
        3,
    )
    status, out = await bureau.post(
        "/api/v1/reports/calendar/sensitive",
        {"name": "两会", "first": "2027-03-03", "last": "2027-03-12", "hour": 10},
    )
    assert status == 201 and [p["name"] for p in out["sensitive"]] == ["两会"]
    page = await client.get("/reports/calendar")
    assert page.status == 200 and "两会" in await page.text()

    station = await Person.login(client, "station_admin_ps01")
    response = await client.put(
        "/api/v1/reports/calendar", json={"daily_hour": 9}, headers={"X-CSRF-Token": station.csrf}
    )
    assert response.status == 403
    liaison = await Person.login(client, "liaison_ps01")
    status, out = await liaison.get("/api/v1/reports/calendar")
    assert status == 200 and out["daily_hour"] == 17  # everyone who reports reads it
    response = await client.put(
        "/api/v1/reports/calendar", json={"daily_hour": 9}, headers={"X-CSRF-Token": liaison.csrf}
    )
    assert response.status == 403


@pytest.mark.clock(DEFAULT_NOW)  # its data are a fixed calendar around the default instant
async def test_the_filing_page_offers_the_cycles_the_bureau_set(client: TestClient, db: Database) -> None:
    liaison = await Person.login(client, "liaison_ps01")
    page = await (await client.get("/reports")).text()
    assert 'data-testid="cycle-report"' not in page  # no weekly or monthly report asked for yet
    bureau = await Person.login(client, "supervisor")
    response = await client.put(
        "/api/v1/reports/calendar", json={"weekly_weekday": 4}, headers={"X-CSRF-Token": bureau.csrf}
    )
    assert response.status == 200
    liaison = await Person.login(client, "liaison_ps01")
    page = await (await client.get("/reports")).text()
    assert 'data-testid="cycle-report"' in page
    form = page.split('data-testid="cycle-report"', 1)[1].split("</details>", 1)[0]
    assert 'value="weekly"' in form and 'value="monthly"' not in form
    response = await client.post(
        "/reports",
        data={"_csrf": liaison.csrf, "kind": "weekly", "fig_received": "3", "body": "本周调处纠纷三起。"},
        allow_redirects=False,
    )
    assert response.status == 303, await response.text()
    async with db.read() as s:
        row = await s.scalar(select(Report).where(Report.kind == "weekly").order_by(Report.id.desc()))
    assert row is not None and row.body == "本周调处纠纷三起。"
    assert row.period == date(2026, 12, 7)  # the week's Monday (the test clock's day is one)


@pytest.mark.clock("2026-12-12T10:00:00+08:00")
async def test_on_a_rest_day_the_filing_page_says_no_daily_report_is_due(client: TestClient) -> None:
    await Person.login(client, "liaison_ps01")
    page = await (await client.get("/reports")).text()
    assert "今天是休息日" in page and "今日 18:00 前报送" not in page
