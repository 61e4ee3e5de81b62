"""Action items: their owners see them on the dashboard and report on them; overdue ones raise one
early warning each; the next meeting's agenda starts with the last meeting's open actions."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from hub.db import Database
from hub.early_warnings import EarlyWarning
from hub.events import Outbox
from hub.notifications import Notification
from hub.orm import utcnow
from meetings.models import ActionItem
from meetings.record.sweeps import warn_overdue_actions
from tests.meetings.helpers import Person, agency_ids, joint_series, user_ids

pytestmark = pytest.mark.pg


async def series_with_action(client: TestClient, db: Database, due: str) -> tuple[Person, list[dict], dict]:
    secretary = await Person.login(client, "secretary")
    meetings = (await joint_series(secretary, db))["meetings"]
    (psb,) = await agency_ids(db, "PSB")
    status, action = await secretary.post(
        f"/api/v1/meetings/{meetings[0]['id']}/actions",
        {"text": "梳理辖区超期未受理案件清单", "due": due, "owner_agency_id": psb},
    )
    assert status == 201, action
    return secretary, meetings, action


async def test_the_owner_agency_sees_its_action_and_reports_progress(
    client: TestClient, db: Database
) -> None:
    _, _, action = await series_with_action(client, db, "2027-01-10")
    police = await Person.login(client, "psb_supervisor")
    page = await client.get("/")
    assert "梳理辖区超期未受理案件清单" in await page.text()
    status, mine = await police.get("/api/v1/actions")
    assert action["id"] in [a["id"] for a in mine["items"]]
    async with db.read() as s:
        (me,) = await user_ids(db, "psb_supervisor")
        told = (await s.scalars(select(Notification.kind).where(Notification.user_id == me))).all()
    assert "meeting.action" in told
    status, updated = await police.patch(f"/api/v1/actions/{action['id']}", {"status": "in_progress"})
    assert (status, updated["status"]) == (200, "in_progress")
    outsider = await Person.login(client, "liaison_ps02")
    status, _ = await outsider.patch(f"/api/v1/actions/{action['id']}", {"status": "done"})
    assert status == 404


async def test_an_overdue_action_raises_one_warning(client: TestClient, db: Database) -> None:
    _, _, action = await series_with_action(client, db, "2026-11-01")
    assert await warn_overdue_actions(db, utcnow(), Outbox()) >= 1
    assert await warn_overdue_actions(db, utcnow(), Outbox()) == 0
    async with db.read() as s:
        key = f"action_overdue:action:{action['id']}"
        warning = await s.scalar(select(EarlyWarning).where(EarlyWarning.key == key))
    assert warning is not None
    assert warning.agency_id == (await agency_ids(db, "PSB"))[0]
    assert warning.params["text"] == "梳理辖区超期未受理案件清单"
    await Person.login(client, "psb_supervisor")
    page = await client.get("/warnings")
    assert page.status == 200 and "梳理辖区超期未受理案件清单" in await page.text()


async def test_the_next_agenda_starts_with_the_open_actions(client: TestClient, db: Database) -> None:
    secretary, meetings, action = await series_with_action(client, db, "2026-12-20")
    second = meetings[1]["id"]
    await secretary.post(f"/api/v1/meetings/{second}/agenda", {"kind": "report", "title": "工作通报"})
    status, carried = await secretary.post(f"/api/v1/meetings/{second}/agenda/carried")
    assert status == 200 and action["id"] in [i["carried_action_id"] for i in carried["items"]]
    _, meeting = await secretary.get(f"/api/v1/meetings/{second}")
    titles = [i["title"] for i in meeting["agenda"]]
    assert "梳理辖区超期未受理案件清单" in titles and titles[-1] == "工作通报"
    assert all(i["carried_action_id"] for i in meeting["agenda"][:-1])
    # Carried once only; a done action is not carried to the meeting after.
    status, again = await secretary.post(f"/api/v1/meetings/{second}/agenda/carried")
    assert again["items"] == []
    await secretary.patch(f"/api/v1/actions/{action['id']}", {"status": "done"})
    status, third = await secretary.post(f"/api/v1/meetings/{meetings[2]['id']}/agenda/carried")
    assert action["id"] not in [i["carried_action_id"] for i in third["items"]]


async def test_an_action_names_a_real_owner_and_a_case_the_meeting_may_review(
    client: TestClient, db: Database
) -> None:
    secretary = await Person.login(client, "secretary")
    meeting = (await joint_series(secretary, db))["meetings"][0]
    (psb,) = await agency_ids(db, "PSB")
    path = f"/api/v1/meetings/{meeting['id']}/actions"
    base = {"text": "梳理辖区超期未受理案件清单", "due": "2026-12-20"}
    for body in (
        {**base, "owner_user_id": 999_999},
        {**base, "owner_agency_id": 999_999},
        {**base, "owner_agency_id": psb, "case_id": 999_999},
    ):
        status, refused = await secretary.post(path, body)
        assert (status, refused["error"]["code"]) == (422, "validation_error"), body
    async with db.read() as s:
        assert (await s.scalars(select(ActionItem).where(ActionItem.meeting_id == meeting["id"]))).all() == []
