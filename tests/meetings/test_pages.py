"""The secretary's pages, driven by forms as a browser would: a series is scheduled from the form,
the meeting page records attendance, a decision and an action, the minutes editor drafts and the
chair approves; bad input comes back on the form with its reason; outsiders see nothing."""

from __future__ import annotations

import re

import pytest
from aiohttp.test_utils import TestClient

from hub.db import Database
from tests.meetings.helpers import Person, agency_ids, user_ids
from tests.support.web import login

_CSRF = re.compile(r'name="_csrf" value="([^"]+)"')


async def form_post(
    client: TestClient, page: str, action: str, data: dict[str, object]
) -> tuple[int, str, str]:
    html = await (await client.get(page)).text()
    match = _CSRF.search(html)
    assert match, page
    response = await client.post(action, data={**data, "_csrf": match.group(1)}, allow_redirects=False)
    return response.status, response.headers.get("Location", ""), await response.text()


async def schedule(client: TestClient, db: Database, **changes: object) -> tuple[int, str, str]:
    (psb,) = await agency_ids(db, "PSB")
    (chair,) = await user_ids(db, "supervisor")
    data: dict[str, object] = {
        "kind": "series",
        "title": "公调对接联席会议",
        "start": "2026-12-01T15:00",
        "duration": "120",
        "zone": "Asia/Shanghai",
        "rrule": "FREQ=MONTHLY;BYDAY=1TU",
        "horizon": "6",
        "place": "区司法局三楼会议室",
        "agency_ids": str(psb),
        "roles": "supervisor",
        "chair_id": str(chair),
        **changes,
    }
    return await form_post(client, "/meetings/new", "/meetings/new", data)


@pytest.mark.pg
async def test_a_secretary_runs_a_meeting_from_the_pages(client: TestClient, db: Database) -> None:
    await login(client, "secretary")
    status, location, _ = await schedule(client, db)
    assert status == 303 and re.fullmatch(r"/meetings/\d+", location)
    page = await client.get(location)
    html = await page.text()
    assert "公调对接联席会议" in html and 'data-testid="proposed-cases"' in html
    invitee = re.search(r'data-invitee="(\d+)"', html)
    assert invitee
    status, _, _ = await form_post(
        client, location, location + "/attendance", {"invitee_id": invitee.group(1), "status": "present"}
    )
    assert status == 303, _
    await form_post(
        client, location, location + "/decisions", {"text": "逐件督办超期案件", "agenda_item_id": ""}
    )
    (psb,) = await agency_ids(db, "PSB")
    await form_post(
        client,
        location,
        location + "/actions",
        {"text": "报送落实情况", "owner": f"agency:{psb}", "due": "2026-12-20", "agenda_item_id": ""},
    )
    html = await (await client.get(location)).text()
    assert "逐件督办超期案件" in html and "报送落实情况" in html and "青川区公安分局" in html
    assert 'data-testid="meeting-status">已举行' in html

    minutes = location + "/minutes"
    status, _, _ = await form_post(client, minutes, minutes, {"step": "assemble"})
    assert status == 303
    html = await (await client.get(minutes)).text()
    assert "逐件督办超期案件" in html and 'data-testid="minutes-approve"' not in html
    await login(client, "supervisor")
    status, _, _ = await form_post(client, minutes, minutes, {"step": "approve"})
    assert status == 303
    html = await (await client.get(minutes)).text()
    assert 'data-testid="minutes-status">已审定' in html


async def test_a_rule_that_never_ends_comes_back_on_the_form(client: TestClient, db: Database) -> None:
    await login(client, "secretary")
    status, _, html = await schedule(client, db, horizon="")
    assert status == 422
    assert 'data-testid="form-error"' in html and "公调对接联席会议" in html


async def test_the_calendar_shows_the_month_and_an_outsider_sees_no_meeting(
    client: TestClient, db: Database
) -> None:
    await login(client, "secretary")
    _, location, _ = await schedule(client, db)
    html = await (await client.get("/meetings?month=2026-12")).text()
    assert f'href="{location}"' in html
    outsider = await Person.login(client, "liaison_ps02")
    assert (await outsider.get(location))[0] == 404
    html = await (await client.get("/meetings?month=2026-12")).text()
    assert f'href="{location}"' not in html
