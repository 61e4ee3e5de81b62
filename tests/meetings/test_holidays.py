"""Meeting series and the statutory calendar: an occurrence on a public holiday or a rest day is
flagged (the default) or skipped; the meeting page and the calendar file say so, read back by
independent readers (ics-py, recurring_ical_events); a weekend made a working day is no rest day."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import icalendar
import ics
import pytest
import recurring_ical_events
from aiohttp.test_utils import TestClient

from hub.db import Database
from hub.workdays import BUILTIN
from meetings import holidays
from meetings.holidays import RestDay
from tests.meetings.helpers import SERIES, Person, user_ids

SH = ZoneInfo("Asia/Shanghai")
# Tuesdays at 15:00: 1 September, 6 October (National Day holiday), 3 November.
AUTUMN = {**SERIES, "rrule": "FREQ=MONTHLY;BYDAY=1TU;COUNT=3", "first_start": "2026-09-01T15:00:00"}
WINDOW = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2028, 1, 1, tzinfo=UTC))


@pytest.mark.parametrize(
    ("day", "found"),
    [
        (date(2026, 10, 6), RestDay("国庆节")),  # a Tuesday inside the National Day holiday
        (date(2026, 10, 10), None),  # a Saturday made a working day for it
        (date(2026, 10, 17), RestDay("")),  # a plain Saturday
        (date(2026, 11, 3), None),
    ],
)
def test_a_meeting_is_on_a_rest_day_by_the_statutory_calendar(day: date, found: RestDay | None) -> None:
    start = datetime(day.year, day.month, day.day, 15, 0, tzinfo=SH)
    assert holidays.rest_day(start, "Asia/Shanghai", BUILTIN) == found


def test_a_flagged_title_names_the_holiday_or_the_rest_day() -> None:
    assert holidays.flagged("联席会议", RestDay("国庆节")) == "联席会议（国庆节）"
    assert holidays.flagged("联席会议", RestDay("")) == "联席会议（休息日）"
    assert holidays.flagged("联席会议", None) == "联席会议"


async def series(client: TestClient, db: Database, **changes: object) -> tuple[Person, dict]:  # type: ignore[type-arg]
    secretary = await Person.login(client, "secretary")
    [chair] = await user_ids(db, "supervisor")
    status, created = await secretary.post(
        "/api/v1/meetings/series", {**AUTUMN, "chair_id": chair, **changes}
    )
    assert status == 201, created
    return secretary, created


def occurrences(data: bytes) -> list[tuple[date, str]]:
    assert ics.Calendar(data.decode())  # a second, independent reader accepts the file
    calendar = icalendar.Calendar.from_ical(data)
    found = recurring_ical_events.of(calendar).between(*WINDOW)
    return sorted((e.start.astimezone(SH).date(), str(e.get("summary"))) for e in found)


@pytest.mark.clock("2026-08-20T10:00:00+08:00")
async def test_a_series_flags_the_meeting_in_the_national_day_holiday(
    client: TestClient, db: Database
) -> None:
    secretary, created = await series(client, db)
    assert created["series"]["holidays"] == "flag"
    meetings = created["meetings"]
    assert [m["status"] for m in meetings] == ["scheduled"] * 3
    october = meetings[1]
    status, html = await secretary.get(f"/meetings/{october['id']}")
    assert 'data-testid="meeting-holiday"' in html.decode() and "国庆节" in html.decode()
    status, html = await secretary.get(f"/meetings/{meetings[0]['id']}")
    assert 'data-testid="meeting-holiday"' not in html.decode()
    status, html = await secretary.get("/meetings?month=2026-10")
    assert 'data-testid="holiday-2026-10-06">国庆节' in html.decode()
    status, data = await secretary.get(f"/meetings/{october['id']}.ics")
    assert status == 200
    assert occurrences(data) == [
        (date(2026, 9, 1), "公调对接联席会议"),
        (date(2026, 10, 6), "公调对接联席会议（国庆节）"),
        (date(2026, 11, 3), "公调对接联席会议"),
    ]


@pytest.mark.clock("2026-08-20T10:00:00+08:00")
async def test_a_series_that_skips_holidays_leaves_out_the_national_day_meeting(
    client: TestClient, db: Database
) -> None:
    secretary, created = await series(client, db, holidays="skip")
    meetings = created["meetings"]
    assert [(m["status"], m["skipped_for"]) for m in meetings] == [
        ("scheduled", ""),
        ("cancelled", "国庆节"),
        ("scheduled", ""),
    ]
    status, html = await secretary.get(f"/meetings/{meetings[1]['id']}")
    assert 'data-testid="meeting-skipped"' in html.decode()
    status, data = await secretary.get(f"/meetings/{meetings[0]['id']}.ics")
    assert [d for d, _ in occurrences(data)] == [date(2026, 9, 1), date(2026, 11, 3)]


@pytest.mark.clock("2026-08-20T10:00:00+08:00")
async def test_a_meeting_moved_onto_a_holiday_is_flagged_in_the_calendar(
    client: TestClient, db: Database
) -> None:
    secretary, created = await series(client, db)
    november = created["meetings"][2]
    status, moved = await secretary.patch(
        f"/api/v1/meetings/{november['id']}",
        {"start": "2026-10-02T15:00:00+08:00", "end": "2026-10-02T17:00:00+08:00"},
    )
    assert status == 200, moved
    status, data = await secretary.get(f"/meetings/{november['id']}.ics")
    assert (date(2026, 10, 2), "公调对接联席会议（国庆节）") in occurrences(data)
