"""The meetings API: a secretary plans a monthly series, moves and cancels occurrences, invites
people, who answer; outsiders neither see nor change anything."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select, update

from hub.audit import AuditEvent
from hub.db import Database
from hub.models import User
from meetings.models import Meeting, Series
from tests.meetings.helpers import SERIES, WRITTEN_FOR, Person, agency_ids, joint_series, reply_link, user_ids

# Replies are refused once a meeting is over: the fixed series must still lie ahead.
pytestmark = [pytest.mark.pg, pytest.mark.clock(WRITTEN_FOR)]


async def test_a_secretary_plans_a_monthly_series_on_the_first_tuesday(
    client: TestClient, db: Database
) -> None:
    secretary = await Person.login(client, "secretary")
    created = await joint_series(secretary, db)
    meetings = created["meetings"]
    assert len(meetings) == 6
    assert {m["uid"] for m in meetings} == {created["series"]["uid"]}
    # 15:00 in Shanghai is 07:00 UTC, on the first Tuesday of each month.
    assert [m["start"][:16] for m in meetings[:3]] == [
        "2026-12-01T07:00",
        "2027-01-05T07:00",
        "2027-02-02T07:00",
    ]
    assert all(m["recurrence_id"] == m["start"] for m in meetings)
    # A rule that never ends is stored with the horizon as its last date.
    assert created["series"]["rrule"] == "FREQ=MONTHLY;UNTIL=20270504T070000Z;BYDAY=1TU"
    status, one = await secretary.get(f"/api/v1/meetings/{meetings[0]['id']}")
    assert status == 200
    assert [i["name"] for i in one["invitees"]] and one["may_manage"] is True


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"rrule": "FREQ=MONTHLY;BYDAY=1TU", "horizon_months": None}, "rrule_unbounded"),
        ({"duration_minutes": -30}, "end_before_start"),
        ({"time_zone": "Mars/Olympus_Mons"}, "unknown_time_zone"),
        ({"rrule": "FREQ=MONTHLY;BYMONTHDAY=0"}, "rrule_invalid"),
        ({"first_start": "2026-12-02T15:00:00"}, "rrule_start_mismatch"),
        ({"rrule": "FREQ=MINUTELY;COUNT=100000"}, "rrule_too_many"),
    ],
)
async def test_a_bad_series_is_refused_and_nothing_is_created(
    client: TestClient, db: Database, changes: dict[str, object], code: str
) -> None:
    secretary = await Person.login(client, "secretary")
    async with db.read() as s:
        before = (
            await s.scalar(select(func.count(Meeting.id))),
            await s.scalar(select(func.count(Series.id))),
        )
    status, body = await secretary.post("/api/v1/meetings/series", {**SERIES, **changes})
    assert status == 422, body
    assert body["error"]["code"] == code
    async with db.read() as s:
        after = (
            await s.scalar(select(func.count(Meeting.id))),
            await s.scalar(select(func.count(Series.id))),
        )
    assert after == before


async def test_a_single_meeting_ending_before_it_starts_is_refused(client: TestClient) -> None:
    secretary = await Person.login(client, "secretary")
    body = {"title": "临时会商", "start": "2026-12-10T15:00:00+08:00", "end": "2026-12-10T14:00:00+08:00"}
    status, answer = await secretary.post("/api/v1/meetings", body)
    assert (status, answer["error"]["code"]) == (422, "end_before_start")


async def test_moving_and_cancelling_occurrences_raise_the_sequence(client: TestClient, db: Database) -> None:
    secretary = await Person.login(client, "secretary")
    created = await joint_series(secretary, db)
    second, third = created["meetings"][1], created["meetings"][2]
    status, moved = await secretary.patch(
        f"/api/v1/meetings/{second['id']}", {"start": "2027-01-06T14:00:00", "end": "2027-01-06T16:00:00"}
    )
    assert status == 200, moved
    assert moved["meeting"]["moved"] is True
    assert moved["meeting"]["start"].startswith("2027-01-06T06:00")
    assert moved["meeting"]["recurrence_id"] == second["recurrence_id"]
    assert moved["meeting"]["sequence"] > second["sequence"]
    status, cancelled = await secretary.post(f"/api/v1/meetings/{third['id']}/cancel", {"reason": "春节"})
    assert (status, cancelled["status"]) == (200, "cancelled")
    status, again = await secretary.post(f"/api/v1/meetings/{third['id']}/cancel", {})
    assert (status, again["error"]["code"]) == (409, "meeting_cancelled")
    status, series = await secretary.get(f"/api/v1/meetings/series/{created['series']['id']}")
    assert series["sequence"] >= 2


async def test_a_conflict_is_a_warning_not_a_refusal(client: TestClient, db: Database) -> None:
    secretary = await Person.login(client, "secretary")
    created = await joint_series(secretary, db)
    first = created["meetings"][0]
    (psb,) = await agency_ids(db, "PSB")
    body = {
        "title": "专题协调会",
        "start": "2026-12-01T15:30:00",
        "end": "2026-12-01T16:30:00",
        "invite_user_ids": await user_ids(db, "psb_supervisor"),
    }
    status, answer = await secretary.post("/api/v1/meetings", body)
    assert status == 201, answer
    assert [(c["agency_id"], c["meeting_id"]) for c in answer["conflicts"]] == [(psb, first["id"])]
    assert answer["conflicts"][0]["agency_name"] == "青川区公安分局"


async def test_a_conflict_with_a_meeting_one_may_not_see_gives_no_title(
    client: TestClient, db: Database
) -> None:
    secretary = await Person.login(client, "secretary")
    await joint_series(secretary, db)
    (psb,) = await agency_ids(db, "PSB")
    station = await Person.login(client, "station_admin_ps01")  # runs its own meetings, not the bureau's
    body = {
        "title": "所内协调会",
        "start": "2026-12-01T15:30:00",
        "end": "2026-12-01T16:30:00",
        "invite_user_ids": await user_ids(db, "psb_supervisor"),
    }
    status, answer = await station.post("/api/v1/meetings", body)
    assert status == 201, answer
    assert [(c["agency_id"], c["meeting_id"], c["title"]) for c in answer["conflicts"]] == [(psb, None, "")]


async def test_a_new_title_is_recorded_and_raises_the_sequence(client: TestClient, db: Database) -> None:
    secretary = await Person.login(client, "secretary")
    single = {"title": "专题协调会", "start": "2026-12-15T10:00:00", "end": "2026-12-15T11:00:00"}
    _, created = await secretary.post("/api/v1/meetings", single)
    meeting = created["meeting"]
    status, changed = await secretary.patch(
        f"/api/v1/meetings/{meeting['id']}", {"title": "涉众纠纷专题协调会"}
    )
    assert status == 200, changed
    assert changed["meeting"]["title"] == "涉众纠纷专题协调会"
    assert changed["meeting"]["sequence"] == meeting["sequence"] + 1
    async with db.read() as s:
        rows = (await s.scalars(select(AuditEvent).where(AuditEvent.action == "meeting.retitled"))).all()
    assert [(r.object_id, r.data["to"]) for r in rows] == [(str(meeting["id"]), "涉众纠纷专题协调会")]


async def test_an_outsider_cannot_see_or_change_another_agencys_meeting(
    client: TestClient, db: Database
) -> None:
    secretary = await Person.login(client, "secretary")
    meeting = (await joint_series(secretary, db))["meetings"][0]
    outsider = await Person.login(client, "liaison_ps02")
    assert (await outsider.get(f"/api/v1/meetings/{meeting['id']}"))[0] == 404
    status, listed = await outsider.get("/api/v1/meetings")
    assert meeting["id"] not in [m["id"] for m in listed["items"]]
    assert (await outsider.post(f"/api/v1/meetings/{meeting['id']}/cancel", {}))[0] == 403
    invited = await Person.login(client, "psb_supervisor")
    assert (await invited.get(f"/api/v1/meetings/{meeting['id']}"))[0] == 200
    # An invitee sees the meeting but may not run it.
    status, body = await invited.patch(f"/api/v1/meetings/{meeting['id']}", {"place": "别处"})
    assert status == 403, body


async def test_invitees_answer_through_the_api_and_by_their_link(client: TestClient, db: Database) -> None:
    secretary = await Person.login(client, "secretary")
    created = await joint_series(secretary, db, invite_user_ids=[])
    first, second = created["meetings"][0], created["meetings"][1]
    (court,) = await agency_ids(db, "COURT")
    status, invited = await secretary.post(
        f"/api/v1/meetings/{first['id']}/invitees", {"agency_ids": [court], "whole_series": True}
    )
    assert status == 200, invited
    assert len(invited["meeting_ids"]) == 6
    (liaison,) = await user_ids(db, "liaison_court")
    assert "links" not in invited  # the manager does not get the invitees' keys (#15, finding 4)
    own_link = await reply_link(db, first["id"], liaison)
    other_meeting_link = await reply_link(db, second["id"], liaison)

    court_person = await Person.login(client, "liaison_court")
    status, answered = await court_person.post(
        f"/api/v1/meetings/{second['id']}/rsvp", {"answer": "tentative"}
    )
    assert status == 200, answered
    assert [i["rsvp"] for i in answered["invitees"] if i["user_id"] == liaison] == ["tentative"]

    client.session.cookie_jar.clear()
    page = await client.get(own_link)
    assert page.status == 200 and "公调对接联席会议" in await page.text()
    csrf = _csrf(await page.text())
    answer = await client.post(own_link, data={"answer": "accepted", "_csrf": csrf})
    assert answer.status == 200
    # The link of one meeting does not answer for another.
    token = other_meeting_link.rsplit("/", 1)[1]
    refused = await client.post(
        f"/meetings/{first['id']}/rsvp/{token}", data={"answer": "declined", "_csrf": csrf}
    )
    assert refused.status == 403
    # Nor does a link answer for someone else who is logged in.
    await Person.login(client, "psb_supervisor")
    csrf = _csrf(await (await client.get("/")).text())
    forwarded = await client.post(own_link, data={"answer": "declined", "_csrf": csrf})
    assert forwarded.status == 403

    secretary = await Person.login(client, "secretary")
    rsvps = {}
    for meeting in (first, second):
        status, body = await secretary.get(f"/api/v1/meetings/{meeting['id']}")
        rsvps[meeting["id"]] = [i["rsvp"] for i in body["invitees"] if i["user_id"] == liaison]
    assert rsvps == {first["id"]: ["accepted"], second["id"]: ["tentative"]}


async def test_a_reply_link_expires_with_the_meeting_and_with_the_person(
    client: TestClient, db: Database
) -> None:
    secretary = await Person.login(client, "secretary")
    created = await joint_series(secretary, db, invite_user_ids=[])
    first, second = created["meetings"][0], created["meetings"][1]
    (court,) = await agency_ids(db, "COURT")
    (liaison,) = await user_ids(db, "liaison_court")
    links = {}
    for meeting in (first, second):
        _, invited = await secretary.post(
            f"/api/v1/meetings/{meeting['id']}/invitees", {"agency_ids": [court]}
        )
        assert "links" not in invited
        links[meeting["id"]] = await reply_link(db, meeting["id"], liaison)
    async with db.write() as s:  # the first meeting is over
        held = await s.get(Meeting, first["id"])
        assert held is not None
        held.start, held.end = held.start - timedelta(days=400), held.end - timedelta(days=400)
    client.session.cookie_jar.clear()
    expired = await client.get(links[first["id"]])
    assert expired.status == 410
    assert "此回复链接已失效" in await expired.text()  # the person is told why, in their language
    assert (await client.get(links[second["id"]])).status == 200
    async with db.write() as s:  # the person left the service
        await s.execute(update(User).where(User.id == liaison).values(active=False))
    assert (await client.get(links[second["id"]])).status == 410


def _csrf(html: str) -> str:
    match = re.search(r'name="(?:_csrf|csrf-token)" (?:value|content)="([^"]+)"', html)
    assert match
    return match.group(1)


async def test_the_list_is_filtered_by_period_and_series(client: TestClient, db: Database) -> None:
    secretary = await Person.login(client, "secretary")
    created = await joint_series(secretary, db)
    query = (
        f"from=2027-01-01T00:00:00%2B08:00&to=2027-03-01T00:00:00%2B08:00&series_id={created['series']['id']}"
    )
    status, listed = await secretary.get(f"/api/v1/meetings?{query}")
    assert status == 200, listed
    assert [m["start"][:10] for m in listed["items"]] == ["2027-01-05", "2027-02-02"]
    status, refused = await secretary.get("/api/v1/meetings?colour=red")
    assert status == 422
