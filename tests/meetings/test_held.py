"""A meeting is marked held only once it has begun: before its start the page and the API refuse
with a clear message, in Chinese and in English, and an apology recorded early does not mark it."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from hub.db import Database
from meetings.errors import MeetingNotStarted
from tests.meetings.helpers import joint_series
from tests.referrals.helpers import Person


async def test_a_meeting_cannot_be_marked_held_before_it_starts(client: TestClient, db: Database) -> None:
    secretary = await Person.login(client, "secretary")
    series = await joint_series(secretary, db)  # first Tuesdays from 2026-12-01; the clock: 12-07
    meeting = series["meetings"][1]  # 2027-01-05
    assert meeting["start"].startswith("2027-01-05")
    path = f"/api/v1/meetings/{meeting['id']}"

    status, refused = await secretary.post(path + "/held", {})
    assert status == 409 and refused["error"]["code"] == "meeting_not_started"
    assert "会议尚未开始" in refused["error"]["message"]
    assert MeetingNotStarted().text("en").startswith("This meeting has not started yet")

    _, full = await secretary.get(path)
    status, _ = await secretary.post(
        path + "/attendance", {"invitee_id": full["invitees"][0]["id"], "status": "excused"}
    )
    assert status == 200  # an apology before the meeting is fine...
    _, full = await secretary.get(path)
    assert full["status"] == "scheduled"  # ...and does not make it held

    response = await secretary.client.post(
        f"/meetings/{meeting['id']}/held", data={"_csrf": secretary.csrf}, allow_redirects=False
    )
    assert response.status == 409 and "会议尚未开始" in await response.text()


async def test_a_meeting_that_took_place_cannot_be_cancelled(client: TestClient, db: Database) -> None:
    secretary = await Person.login(client, "secretary")
    series = await joint_series(secretary, db)
    meeting = series["meetings"][0]  # 2026-12-01: begun before the clock's 12-07
    path = f"/api/v1/meetings/{meeting['id']}"
    status, held = await secretary.post(path + "/held", {})
    assert (status, held["status"]) == (200, "held")

    status, refused = await secretary.post(path + "/cancel", {"reason": "记错了"})
    assert status == 409 and refused["error"]["code"] == "meeting_held"
    assert "会议已经召开" in refused["error"]["message"]
    _, after = await secretary.get(path)
    assert after["status"] == "held"
