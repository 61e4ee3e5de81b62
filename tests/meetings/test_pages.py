"""The secretary's pages, driven by forms as a browser would: a series is scheduled from the form,
the meeting page records attendance, a decision and an action, the minutes editor drafts and the
chair approves; bad input comes back on the form with its reason; outsiders see nothing. The
calendar shows a month or a week; a change to a meeting is told, live, to exactly the people who
may see it."""

from __future__ import annotations

import re

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from hub.db import Database
from hub.events import Subscription
from hub.keys import EVENTS
from hub.live import topics_for
from hub.models import User
from hub.permissions import Principal
from meetings.views import MEETING_CHANGED
from tests.meetings.helpers import WRITTEN_FOR, Person, agency_ids, joint_series, user_ids
from tests.support.web import login

_CSRF = re.compile(r'name="_csrf" value="([^"]+)"')
# The pages below show December 2026 (the month's week links depend on which month "today" is in).
pytestmark = pytest.mark.clock(WRITTEN_FOR)


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
@pytest.mark.clock("2026-12-01T16:00:00+08:00")  # during the meeting: it is held once it has begun
async def test_a_secretary_runs_a_meeting_from_the_pages(client: TestClient, db: Database) -> None:
    await login(client, "secretary")
    status, location, _ = await schedule(client, db)
    assert status == 303 and re.fullmatch(r"/meetings/\d+", location)
    page = await client.get(location)
    html = await page.text()
    assert "公调对接联席会议" in html and 'data-testid="proposed-cases"' in html
    repeats = '<dd data-testid="meeting-repeats">每月第一个星期二 15:00，至2027年5月4日</dd>'  # 6 months
    assert repeats in html and "FREQ=" not in html
    assert "(北京时间)" in html
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


async def test_the_week_view_places_the_meeting_on_its_day_and_hour(client: TestClient, db: Database) -> None:
    await login(client, "secretary")
    _, location, _ = await schedule(client, db)
    # Thursday 3 December: its week runs from Monday 30 November, across the month's end.
    html = await (await client.get("/meetings?week=2026-12-03")).text()
    assert 'data-testid="week"' in html and "2026-11-30 – 2026-12-06" in html
    tuesday = html.split('data-day="2026-12-01"', 1)[1].split("<section", 1)[0]
    # 15:00-17:00 in Shanghai, on a grid from 08:00: rows 8 to 9 (ending before row 10).
    assert f'href="{location}"' in tuesday and "15:00–17:00" in tuesday and "at-8 to-10 " in tuesday
    assert 'href="/meetings?week=2026-11-23"' in html and 'href="/meetings?week=2026-12-07"' in html
    assert 'href="/meetings?month=2026-12"' in html  # the switch back to the month
    month = await (await client.get("/meetings?month=2026-12")).text()
    assert 'href="/meetings?week=2026-11-30"' in month  # the switch to its first week

    # The week across the new year: the January meeting is there, and the links cross the year.
    html = await (await client.get("/meetings?view=week&week=2027-W01")).text()
    assert "2027-01-04 – 2027-01-10" in html and 'href="/meetings?week=2026-12-28"' in html
    html = await (await client.get("/meetings?week=2026-12-28")).text()
    assert "2026-12-28 – 2027-01-03" in html and 'href="/meetings?month=2026-12"' in html


async def test_the_week_is_drawn_in_the_zone_asked_for(client: TestClient, db: Database) -> None:
    await login(client, "secretary")
    _, location, _ = await schedule(client, db)
    html = await (await client.get("/meetings?week=2026-12-01&tz=Europe/Berlin")).text()
    assert "08:00–10:00" in html and "Europe/Berlin" in html  # 07:00 UTC, winter time in Berlin
    assert 'href="/meetings?week=2026-12-07&amp;tz=Europe/Berlin"' in html
    html = await (await client.get("/meetings?week=2026-12-01&tz=Mars/Olympus")).text()
    assert "15:00–17:00" in html  # an unknown zone is ignored: the hub's


async def test_an_outsider_sees_no_meeting_in_the_week(client: TestClient, db: Database) -> None:
    await login(client, "secretary")
    _, location, _ = await schedule(client, db)
    await login(client, "liaison_ps02")
    html = await (await client.get("/meetings?week=2026-12-01")).text()
    assert 'data-testid="week"' in html and f'href="{location}"' not in html


WATCHERS = (
    "secretary",
    "supervisor",  # the chair
    "liaison_jb",  # invited by name
    "psb_supervisor",  # invited by name; also above the invited station
    "psb_admin",  # admin of the sub-bureau above the invited station
    "station_admin_ps01",  # in the invited station
    "liaison_ps01",  # invited through the station
    "liaison_ps02",  # another station: sees nothing
    "liaison_jo01",  # a judicial office below the organiser, as a liaison: sees nothing
    "grid_worker01",
    "admin",  # the platform operator sees everything
)


async def subscriptions(client: TestClient, db: Database) -> dict[str, Subscription]:
    """Each watcher's live stream, with the topics hub.live gives them."""
    async with db.read() as s:
        rows = (
            await s.execute(select(User.username, User.id, User.agency_id).where(User.username.in_(WATCHERS)))
        ).all()
    bus = client.app[EVENTS]
    return {
        name: bus.subscribe(topics_for(Principal(uid, name, name, agency, "", "", frozenset())))
        for name, uid, agency in rows
    }


def heard(sub: Subscription, meeting_id: int) -> list[str]:
    parts = []
    while not sub.queue.empty():
        event = sub.queue.get_nowait()
        if event is not None and event.kind == MEETING_CHANGED and event.data["meeting_id"] == meeting_id:
            parts.append(event.data["part"])
    return parts


async def test_a_change_is_told_to_exactly_the_people_who_may_see_the_meeting(
    client: TestClient, db: Database
) -> None:
    secretary = await Person.login(client, "secretary")
    meeting = (await joint_series(secretary, db))["meetings"][0]["id"]
    (station,) = await agency_ids(db, "PS01")
    status, _ = await secretary.post(
        f"/api/v1/meetings/{meeting}/invitees",
        {"user_ids": [], "agency_ids": [station], "roles": ["liaison"]},
    )
    assert status == 200
    _, shown = await secretary.get(f"/api/v1/meetings/{meeting}")
    streams = await subscriptions(client, db)
    try:
        status, _ = await secretary.post(
            f"/api/v1/meetings/{meeting}/attendance",
            {"invitee_id": shown["invitees"][0]["id"], "status": "present"},
        )
        assert status == 200
        told = {name for name, sub in streams.items() if heard(sub, meeting) == ["attendance"]}  # once each
        may_see = set()
        for name in WATCHERS:
            if (await (await Person.login(client, name)).get(f"/api/v1/meetings/{meeting}"))[0] == 200:
                may_see.add(name)
        assert told == may_see
        assert {"psb_admin", "station_admin_ps01", "admin", "liaison_ps01"} <= told
        assert not {"liaison_ps02", "liaison_jo01", "grid_worker01"} & told

        # The pages tell too: the minutes assembled from the editor.
        await login(client, "secretary")
        minutes = f"/meetings/{meeting}/minutes"
        status, _, _ = await form_post(client, minutes, minutes, {"step": "assemble"})
        assert status == 303
        assert heard(streams["liaison_ps01"], meeting) == ["minutes"]
        assert heard(streams["liaison_ps02"], meeting) == []

        # And the API's other changes: a move, and an invitee's answer.
        secretary = await Person.login(client, "secretary")
        status, _ = await secretary.post(f"/api/v1/meetings/{meeting}/cancel", {"reason": "改期"})
        assert status == 200
        assert heard(streams["liaison_ps01"], meeting) == ["meeting"]
        assert heard(streams["liaison_ps02"], meeting) == []
    finally:
        for sub in streams.values():
            sub.close()


async def test_the_meeting_page_is_marked_for_live_refresh(client: TestClient, db: Database) -> None:
    await login(client, "secretary")
    _, location, _ = await schedule(client, db)
    html = await (await client.get(location)).text()
    assert (
        'data-live-kinds="meeting.changed"' in html
        and f'data-meeting-id="{location.rsplit("/", 1)[1]}"' in html
    )
    for part in ("head", "facts", "invitees", "agenda", "other-business", "change"):
        assert f'data-live-part="{part}"' in html
    assert 'data-testid="meeting-changed"' in html and "<script>" not in html
