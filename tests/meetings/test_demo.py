"""The demo district's joint meetings: a monthly series with held meetings and approved minutes,
upcoming ones, one moved and one cancelled, and a calendar that says so."""

from __future__ import annotations

from datetime import UTC, datetime

import icalendar
import ics
import recurring_ical_events
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from hub.db import Database
from hub.workdays import BUILTIN
from meetings.demo import TITLE
from meetings.minutes.minutes import intact
from meetings.models import ActionItem, Meeting, Minutes
from meetings.timezones import to_local
from tests.meetings.helpers import Person


async def demo_meetings(db: Database) -> list[Meeting]:
    async with db.read() as s:
        return list(
            (await s.scalars(select(Meeting).where(Meeting.title == TITLE).order_by(Meeting.start))).all()
        )


async def test_the_demo_series_has_held_upcoming_moved_and_cancelled_meetings(db: Database) -> None:
    meetings = await demo_meetings(db)
    held = [m for m in meetings if m.status == "held"]
    assert len(held) >= 3
    assert [m for m in meetings if m.status == "scheduled"]
    assert sum(m.moved for m in meetings) == 1
    # One cancelled by the secretary, one skipped by the series: 6 October is in the National Day holiday.
    cancelled = [m for m in meetings if m.status == "cancelled"]
    assert sorted(m.skipped_for for m in cancelled) == ["", "国庆节"]
    assert not any(BUILTIN.holiday_name(to_local(m.start, m.time_zone).date()) for m in held)
    async with db.read() as s:
        minutes = (await s.scalars(select(Minutes).where(Minutes.meeting_id.in_([m.id for m in held])))).all()
        actions = (
            await s.scalars(select(ActionItem).where(ActionItem.meeting_id.in_([m.id for m in held])))
        ).all()
    assert len(minutes) == len(held) and all(
        m.status == "approved" and intact(m.text, m.sha256) for m in minutes
    )
    assert {a.status for a in actions} == {"done", "open"}
    assert all(m.invitees and all(i.attendance for i in m.invitees) for m in held)


async def test_the_demo_calendar_skips_the_cancelled_and_moves_the_moved_meeting(
    client: TestClient, db: Database
) -> None:
    meetings = await demo_meetings(db)
    secretary = await Person.login(client, "secretary")
    response = await secretary.client.get(f"/meetings/{meetings[0].id}.ics")
    data = await response.read()
    calendar = icalendar.Calendar.from_ical(data)
    assert ics.Calendar(data.decode())
    window = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))
    found = sorted(e.start.astimezone(UTC) for e in recurring_ical_events.of(calendar).between(*window))
    expected = sorted(m.start for m in meetings if m.status != "cancelled")
    assert found == expected
    status, page = await secretary.get(f"/meetings/{meetings[0].id}")
    assert status == 200
