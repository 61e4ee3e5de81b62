"""The calendars handed out by the hub, read back by ics and icalendar (neither wrote them alone:
icalendar did) and expanded with recurring_ical_events: the right occurrences at the right UTC
instants, moved and cancelled ones included, SEQUENCE rising with each change, CANCEL when
cancelled; subscription feeds that a revoked token no longer opens."""

from __future__ import annotations

from datetime import UTC, datetime

import icalendar
import ics
import pytest
import recurring_ical_events
from aiohttp.test_utils import TestClient
from sqlalchemy import select, update

from hub.audit import SYSTEM
from hub.db import Database
from hub.directory import create_token
from hub.models import User
from meetings.calendars import calendars
from meetings.models import Meeting
from tests.meetings.helpers import Person, agency_ids, give_emails, joint_series, user_ids

pytestmark = pytest.mark.pg
WINDOW = (datetime(2026, 11, 1, tzinfo=UTC), datetime(2027, 12, 31, tzinfo=UTC))
PEOPLE = ("secretary", "supervisor", "psb_supervisor", "liaison_jb")


def read(data: bytes) -> tuple[icalendar.Calendar, ics.Calendar]:
    return icalendar.Calendar.from_ical(data), ics.Calendar(data.decode("utf-8"))


def starts_utc(calendar: icalendar.Calendar, uids: set[str] | None = None) -> list[str]:
    """The UTC starts of the occurrences in the window (of the events with these UIDs: the demo
    district has its own monthly series)."""
    found = recurring_ical_events.of(calendar).between(*WINDOW)
    found = [e for e in found if uids is None or str(e["UID"]) in uids]
    return sorted(e.start.astimezone(UTC).strftime("%Y-%m-%d %H:%M") for e in found)


def sequence(calendar: icalendar.Calendar) -> int:
    return int(calendar.walk("VEVENT")[0]["SEQUENCE"])


async def ics_of(person: Person, meeting_id: int) -> tuple[icalendar.Calendar, ics.Calendar]:
    response = await person.client.get(f"/meetings/{meeting_id}.ics")
    assert response.status == 200, await response.text()
    assert response.content_type == "text/calendar"
    return read(await response.read())


async def test_a_series_calendar_has_its_rule_its_moved_and_its_cancelled_meetings(
    client: TestClient, db: Database
) -> None:
    await give_emails(db, *PEOPLE)
    secretary = await Person.login(client, "secretary")
    created = await joint_series(secretary, db)
    first, second, third = created["meetings"][:3]
    calendar, _ = await ics_of(secretary, first["id"])
    assert calendar["METHOD"] == "REQUEST"
    before = sequence(calendar)
    assert starts_utc(calendar) == [
        "2026-12-01 07:00",
        "2027-01-05 07:00",
        "2027-02-02 07:00",
        "2027-03-02 07:00",
        "2027-04-06 07:00",
        "2027-05-04 07:00",
    ]

    await secretary.patch(
        f"/api/v1/meetings/{second['id']}", {"start": "2027-01-06T14:00:00", "end": "2027-01-06T16:00:00"}
    )
    moved, _ = await ics_of(secretary, first["id"])
    assert sequence(moved) > before
    await secretary.post(f"/api/v1/meetings/{third['id']}/cancel", {"reason": "春节"})
    calendar, by_ics = await ics_of(secretary, first["id"])
    assert sequence(calendar) > sequence(moved)
    assert starts_utc(calendar) == [
        "2026-12-01 07:00",
        "2027-01-06 06:00",
        "2027-03-02 07:00",
        "2027-04-06 07:00",
        "2027-05-04 07:00",
    ]
    series, override = calendar.walk("VEVENT")
    assert series["RRULE"].to_ical() == b"FREQ=MONTHLY;UNTIL=20270504T070000Z;BYDAY=1TU"
    assert series["DTSTART"].params["TZID"] == "Asia/Shanghai"
    assert calendar.walk("VTIMEZONE")[0]["TZID"] == "Asia/Shanghai"
    assert series["EXDATE"].dts[0].dt.astimezone(UTC) == datetime(2027, 2, 2, 7, 0, tzinfo=UTC)
    assert override["RECURRENCE-ID"].dt.astimezone(UTC) == datetime(2027, 1, 5, 7, 0, tzinfo=UTC)
    assert str(series["LOCATION"]) == "区司法局三楼会议室"
    assert str(series["URL"]).endswith(f"/meetings/{first['id']}")
    assert str(series["ORGANIZER"]) == "mailto:secretary@qc.example.cn"
    # ics-py reads the same file: the series and its moved occurrence under one UID.
    assert {e.uid for e in by_ics.events} == {created["series"]["uid"]}


async def test_attendees_carry_their_answers_and_the_chair_is_named(client: TestClient, db: Database) -> None:
    await give_emails(db, *PEOPLE)
    secretary = await Person.login(client, "secretary")
    first = (await joint_series(secretary, db))["meetings"][0]
    police = await Person.login(client, "psb_supervisor")
    await police.post(f"/api/v1/meetings/{first['id']}/rsvp", {"answer": "declined"})
    chair = await Person.login(client, "supervisor")
    await chair.post(f"/api/v1/meetings/{first['id']}/rsvp", {"answer": "accepted"})
    calendar, by_ics = await ics_of(chair, first["id"])
    attendees = {
        str(a): (a.params["PARTSTAT"], a.params["ROLE"]) for a in calendar.walk("VEVENT")[0]["ATTENDEE"]
    }
    assert attendees == {
        "mailto:psb_supervisor@qc.example.cn": ("DECLINED", "REQ-PARTICIPANT"),
        "mailto:liaison_jb@qc.example.cn": ("NEEDS-ACTION", "REQ-PARTICIPANT"),
        "mailto:supervisor@qc.example.cn": ("ACCEPTED", "CHAIR"),
    }
    names = {a.email: a.common_name for e in by_ics.events for a in e.attendees}
    async with db.read() as s:
        chair_name = await s.scalar(select(User.display_name).where(User.username == "supervisor"))
    assert names["supervisor@qc.example.cn"] == chair_name


async def test_a_cancelled_meeting_is_a_cancel_with_a_higher_sequence(
    client: TestClient, db: Database
) -> None:
    await give_emails(db, *PEOPLE)
    secretary = await Person.login(client, "secretary")
    body = {
        "title": "临时会商",
        "start": "2026-12-10T14:00:00",
        "end": "2026-12-10T15:30:00",
        "place": "视频会议",
    }
    status, created = await secretary.post("/api/v1/meetings", body)
    meeting_id = created["meeting"]["id"]
    calendar, _ = await ics_of(secretary, meeting_id)
    assert calendar["METHOD"] == "REQUEST"
    event = calendar.walk("VEVENT")[0]
    assert event["DTSTART"].dt.astimezone(UTC) == datetime(2026, 12, 10, 6, 0, tzinfo=UTC)
    await secretary.post(f"/api/v1/meetings/{meeting_id}/cancel", {})
    cancelled, by_ics = await ics_of(secretary, meeting_id)
    assert cancelled["METHOD"] == "CANCEL"
    assert cancelled.walk("VEVENT")[0]["STATUS"] == "CANCELLED"
    assert sequence(cancelled) > sequence(calendar)
    assert by_ics.events and next(iter(by_ics.events)).status == "CANCELLED"


async def test_one_cancelled_occurrence_is_cancelled_by_its_recurrence_id(
    client: TestClient, db: Database
) -> None:
    await give_emails(db, *PEOPLE)
    secretary = await Person.login(client, "secretary")
    created = await joint_series(secretary, db)
    third = created["meetings"][2]
    await secretary.post(f"/api/v1/meetings/{third['id']}/cancel", {})
    calendar, _ = await ics_of(secretary, third["id"])
    assert calendar["METHOD"] == "CANCEL"
    (event,) = calendar.walk("VEVENT")
    assert str(event["UID"]) == created["series"]["uid"]
    assert event["RECURRENCE-ID"].dt.astimezone(UTC) == datetime(2027, 2, 2, 7, 0, tzinfo=UTC)


async def test_a_bearer_token_opens_the_calendar_and_an_outsider_gets_nothing(
    client: TestClient, db: Database
) -> None:
    secretary = await Person.login(client, "secretary")
    first = (await joint_series(secretary, db))["meetings"][0]
    async with db.write() as s:
        people = {
            u.username: u
            for u in (
                await s.scalars(select(User).where(User.username.in_(["liaison_jb", "liaison_ps02"])))
            ).all()
        }
        token, _ = await create_token(s, SYSTEM, people["liaison_jb"], "calendar")
        outsider, _ = await create_token(s, SYSTEM, people["liaison_ps02"], "calendar")
    client.session.cookie_jar.clear()
    response = await client.get(f"/meetings/{first['id']}.ics", headers={"Authorization": f"Bearer {token}"})
    assert response.status == 200
    read(await response.read())
    refused = await client.get(
        f"/meetings/{first['id']}.ics", headers={"Authorization": f"Bearer {outsider}"}
    )
    assert refused.status == 404


async def test_feeds_of_a_person_and_an_agency_until_revoked(client: TestClient, db: Database) -> None:
    await give_emails(db, *PEOPLE)
    secretary = await Person.login(client, "secretary")
    created = await joint_series(secretary, db)
    await secretary.post(f"/api/v1/meetings/{created['meetings'][1]['id']}/cancel", {})
    single = {"title": "专题协调会", "start": "2026-12-15T10:00:00", "end": "2026-12-15T11:00:00"}
    _, one = await secretary.post("/api/v1/meetings", single)
    ours = {created["series"]["uid"], one["meeting"]["uid"]}

    police = await Person.login(client, "psb_supervisor")
    status, feed = await police.post("/api/v1/calendar-feeds", {})
    assert status == 201, feed
    client.session.cookie_jar.clear()
    assert feed["url"].endswith(f"/calendar/{feed['token']}.ics")
    response = await client.get(f"/calendar/{feed['token']}.ics")
    assert response.status == 200
    calendar, by_ics = read(await response.read())
    assert "METHOD" not in calendar
    assert calendar["X-WR-CALNAME"]
    # Invited to the series, not to the single meeting: five meetings (one was cancelled).
    assert len(starts_utc(calendar, ours)) == 5

    (jb,) = await agency_ids(db, "JB")
    secretary = await Person.login(client, "secretary")
    status, agency_feed = await secretary.post("/api/v1/calendar-feeds", {"agency_id": jb})
    assert status == 201
    client.session.cookie_jar.clear()
    path = "/calendar/" + agency_feed["token"] + ".ics"
    calendar, _ = read(await (await client.get(path)).read())
    assert len(starts_utc(calendar, ours)) == 6  # the five of the series and the single meeting

    # A liaison may not publish the agency's calendar, nor revoke someone else's feed.
    liaison = await Person.login(client, "liaison_jb")
    assert (await liaison.post("/api/v1/calendar-feeds", {"agency_id": jb}))[0] == 403
    assert (await liaison.post(f"/api/v1/calendar-feeds/{feed['id']}/revoke"))[0] == 404
    police = await Person.login(client, "psb_supervisor")
    status, revoked = await police.post(f"/api/v1/calendar-feeds/{feed['id']}/revoke")
    assert status == 200 and revoked["revoked_at"]
    client.session.cookie_jar.clear()
    assert (await client.get(f"/calendar/{feed['token']}.ics")).status == 404
    assert (await client.get("/calendar/cal_made-up.ics")).status == 404


async def test_a_feed_answers_304_to_a_current_copy_and_nothing_once_revoked(
    client: TestClient, db: Database
) -> None:
    await give_emails(db, *PEOPLE)
    secretary = await Person.login(client, "secretary")
    await joint_series(secretary, db)
    status, feed = await secretary.post("/api/v1/calendar-feeds", {})
    assert status == 201, feed
    client.session.cookie_jar.clear()
    path = f"/calendar/{feed['token']}.ics"
    first = await client.get(path)
    body, etag = await first.read(), first.headers["ETag"]
    assert first.status == 200 and first.headers["Cache-Control"] == "private, no-cache"
    read(body)
    kept = await client.get(path, headers={"If-None-Match": etag})
    assert (kept.status, await kept.read(), kept.headers["ETag"]) == (304, b"", etag)
    again = await client.get(path)
    assert (again.headers["ETag"], await again.read()) == (etag, body)  # nothing changed, same bytes

    secretary = await Person.login(client, "secretary")
    status, _ = await secretary.post(f"/api/v1/calendar-feeds/{feed['id']}/revoke", {})
    assert status == 200
    client.session.cookie_jar.clear()
    gone = await client.get(path, headers={"If-None-Match": etag})
    assert gone.status == 404 and "ETag" not in gone.headers


async def test_a_feed_ends_with_its_owner_and_an_agency_feed_shows_only_the_agencys_meetings(
    client: TestClient, db: Database
) -> None:
    await give_emails(db, *PEOPLE)
    secretary = await Person.login(client, "secretary")
    # The bureau's supervisor alone is invited by name: a meeting of hers, not of the sub-bureau.
    (psb_person,) = await user_ids(db, "psb_supervisor")
    single = {
        "title": "督导约谈",
        "start": "2026-12-16T10:00:00",
        "end": "2026-12-16T11:00:00",
        "invite_user_ids": [psb_person],
    }
    _, one = await secretary.post("/api/v1/meetings", single)
    (psb,) = await agency_ids(db, "PSB")
    admin = await Person.login(client, "psb_admin")
    status, agency_feed = await admin.post("/api/v1/calendar-feeds", {"agency_id": psb})
    assert status == 201, agency_feed
    police = await Person.login(client, "psb_supervisor")
    _, own_feed = await police.post("/api/v1/calendar-feeds", {})
    client.session.cookie_jar.clear()
    agency_calendar, _ = read(await (await client.get(f"/calendar/{agency_feed['token']}.ics")).read())
    assert starts_utc(agency_calendar, {one["meeting"]["uid"]}) == []
    own_calendar, _ = read(await (await client.get(f"/calendar/{own_feed['token']}.ics")).read())
    assert len(starts_utc(own_calendar, {one["meeting"]["uid"]})) == 1
    async with db.write() as s:
        await s.execute(update(User).where(User.id == psb_person).values(active=False))
    assert (await client.get(f"/calendar/{own_feed['token']}.ics")).status == 404


async def test_someone_asked_to_one_meeting_of_a_series_gets_that_meeting_not_the_series(
    client: TestClient, db: Database
) -> None:
    await give_emails(db, *PEOPLE, "liaison_court")
    secretary = await Person.login(client, "secretary")
    created = await joint_series(secretary, db)
    uid, second = created["series"]["uid"], created["meetings"][1]
    (court,) = await user_ids(db, "liaison_court")
    status, _ = await secretary.post(f"/api/v1/meetings/{second['id']}/invitees", {"user_ids": [court]})
    assert status == 200
    guest = await Person.login(client, "liaison_court")
    _, guest_feed = await guest.post("/api/v1/calendar-feeds", {})
    police = await Person.login(client, "psb_supervisor")
    _, police_feed = await police.post("/api/v1/calendar-feeds", {})
    client.session.cookie_jar.clear()

    calendar, by_ics = read(await (await client.get(f"/calendar/{guest_feed['token']}.ics")).read())
    mine = [e for e in calendar.walk("VEVENT") if str(e["UID"]).endswith(uid)]
    assert len(mine) == 1 and "RRULE" not in mine[0] and str(mine[0]["UID"]) != uid
    assert starts_utc(calendar, {str(mine[0]["UID"])}) == ["2027-01-05 07:00"]  # 15:00 in Shanghai
    assert len([e for e in by_ics.events if e.uid == str(mine[0]["UID"])]) == 1  # a second reader agrees
    calendar, _ = read(await (await client.get(f"/calendar/{police_feed['token']}.ics")).read())
    assert len(starts_utc(calendar, {uid})) == 6  # who follows the series still gets the series


async def test_a_meeting_file_keeps_its_bytes_and_etag_until_the_meeting_or_an_answer_changes(
    client: TestClient, db: Database
) -> None:
    await give_emails(db, *PEOPLE)
    secretary = await Person.login(client, "secretary")
    (chair_id,) = await user_ids(db, "supervisor")
    body = {
        "title": "临时会商",
        "start": "2026-12-10T14:00:00",
        "end": "2026-12-10T15:30:00",
        "place": "视频会议",
    }
    status, created = await secretary.post("/api/v1/meetings", {**body, "invite_user_ids": [chair_id]})
    assert status == 201, created
    meeting_id = created["meeting"]["id"]
    path = f"/meetings/{meeting_id}.ics"
    first = await secretary.client.get(path)
    data, etag = await first.read(), first.headers["ETag"]
    assert first.headers["Cache-Control"] == "private, no-cache"
    assert first.headers["Content-Type"] == "text/calendar; charset=utf-8; method=REQUEST"
    event = read(data)[0].walk("VEVENT")[0]
    assert event["DTSTAMP"].dt == event["LAST-MODIFIED"].dt  # when it last changed, not when asked
    again = await secretary.client.get(path)
    assert (again.headers["ETag"], await again.read()) == (etag, data)
    kept = await secretary.client.get(path, headers={"If-None-Match": etag})
    assert (kept.status, await kept.read()) == (304, b"")

    chair = await Person.login(client, "supervisor")
    await chair.post(f"/api/v1/meetings/{meeting_id}/rsvp", {"answer": "accepted"})
    answered = await chair.client.get(path, headers={"If-None-Match": etag})
    assert answered.status == 200 and answered.headers["ETag"] != etag
    assert b"PARTSTAT=ACCEPTED" in await answered.read()

    # A mail is a message of its own: it carries the moment it is made.
    sent = datetime(2026, 12, 7, 3, 0, 5, tzinfo=UTC)
    async with db.read() as s:
        meeting = await s.get(Meeting, meeting_id)
        assert meeting is not None
        mail, _ = await calendars.meeting_calendar(s, meeting, "https://hub.example.cn", sent)
    assert read(mail)[0].walk("VEVENT")[0]["DTSTAMP"].dt == sent
