"""Reports: a zero report in one click, periodic, special and direct reports, who has not
reported, and who may see what."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from hub.db import Database
from hub.keys import EVENTS
from hub.models import Agency
from tests.referrals.helpers import Person, case_body
from tests.support.web import csrf_token

pytestmark = pytest.mark.pg


async def missing_codes(person: Person) -> list[str]:
    status, body = await person.get("/api/v1/reports/missing")
    assert status == 200, body
    return [a["code"] for a in body["missing"]]


async def test_a_zero_report_takes_the_agency_off_todays_missing_list(client: TestClient) -> None:
    supervisor = await Person.login(client, "supervisor")
    assert "JO01" in await missing_codes(supervisor)

    office = await Person.login(client, "liaison_jo01")
    status, report = await office.post("/api/v1/reports", {"kind": "zero"})
    assert status == 201, report
    assert report["kind"] == "zero" and report["figures"] == {}

    supervisor = await Person.login(client, "supervisor")
    assert "JO01" not in await missing_codes(supervisor)


async def test_a_second_daily_report_for_the_same_day_is_refused(client: TestClient) -> None:
    office = await Person.login(client, "liaison_jo01")
    assert (await office.post("/api/v1/reports", {"kind": "zero"}))[0] == 201
    status, body = await office.post(
        "/api/v1/reports", {"kind": "periodic", "figures": {"received": 2}, "body": "两起纠纷"}
    )
    assert status == 409
    assert body["error"]["code"] == "already_reported"


async def test_a_periodic_report_needs_figures_or_text(client: TestClient) -> None:
    police = await Person.login(client, "liaison_ps01")
    status, body = await police.post("/api/v1/reports", {"kind": "periodic", "figures": {}})
    assert status == 422
    assert body["error"]["code"] == "report_incomplete"
    status, body = await police.post(
        "/api/v1/reports", {"kind": "periodic", "figures": {"received": 3, "resolved": 1}}
    )
    assert status == 201, body
    assert body["figures"]["received"] == 3


async def test_a_report_for_a_day_not_yet_come_is_refused(client: TestClient) -> None:
    police = await Person.login(client, "liaison_ps01")
    status, body = await police.post("/api/v1/reports", {"kind": "zero", "period": "2099-01-01"})
    assert status == 422


async def test_a_direct_report_notifies_the_district_supervisors_at_once(
    client: TestClient, db: Database
) -> None:
    async with db.read() as s:
        psb = await s.scalar(select(Agency.id).where(Agency.code == "PSB"))
    listening = client.app[EVENTS].subscribe({f"agency:{psb}"})
    room = await Person.login(client, "liaison_sr01")
    status, report = await room.post(
        "/api/v1/reports", {"kind": "direct", "title": "小区业主聚集", "body": "约三十名业主聚集，情绪激动。"}
    )
    assert status == 201, report
    event = await listening.get(timeout=2)
    assert event is not None and event.kind == "report.direct"
    listening.close()

    for username in ("supervisor", "psb_supervisor"):
        person = await Person.login(client, username)
        _, inbox = await person.get("/api/v1/notifications")
        links = [n["link"] for n in inbox["items"]]
        assert f"/reports/{report['id']}" in links, username
        status, seen = await person.get(f"/api/v1/reports/{report['id']}")
        assert status == 200 and seen["title"] == "小区业主聚集"

    outsider = await Person.login(client, "liaison_ps02")
    status, _ = await outsider.get(f"/api/v1/reports/{report['id']}")
    assert status == 404


async def test_a_special_report_is_about_a_case_the_agency_may_see(client: TestClient) -> None:
    police = await Person.login(client, "liaison_ps01")
    _, case = await police.post("/api/v1/cases", case_body())
    body = {"kind": "special", "title": "重大纠纷专报", "body": "情况说明", "case_id": case["id"]}

    outsider = await Person.login(client, "liaison_ps02")
    status, _ = await outsider.post("/api/v1/reports", body)
    assert status == 404

    police = await Person.login(client, "liaison_ps01")
    status, report = await police.post("/api/v1/reports", {**body, "case_id": None})
    assert status == 422
    status, report = await police.post("/api/v1/reports", body)
    assert status == 201 and report["case_id"] == case["id"]


async def test_one_may_not_file_for_another_agency(client: TestClient, db: Database) -> None:
    async with db.read() as s:
        other = await s.scalar(select(Agency.id).where(Agency.code == "PS02"))
    police = await Person.login(client, "liaison_ps01")
    status, body = await police.post("/api/v1/reports", {"kind": "zero", "agency_id": other})
    assert status == 403
    assert body["error"]["code"] == "out_of_scope"


async def test_a_liaison_is_refused_the_missing_list_and_the_warnings(client: TestClient) -> None:
    police = await Person.login(client, "liaison_ps01")
    for path in ("/reports/missing", "/warnings", "/api/v1/reports/missing", "/api/v1/warnings"):
        status, _ = await police.get(path)
        assert status == 403, path
    status, _ = await police.post("/api/v1/warnings/1/acknowledge", {"note": ""})
    assert status == 403


async def test_the_zero_report_button_on_the_dashboard_files_in_one_click(client: TestClient) -> None:
    police = await Person.login(client, "liaison_ps01")
    page = await (await client.get("/")).text()
    assert 'data-testid="panel-zero-report"' in page
    token = await csrf_token(client, "/")
    response = await client.post(
        "/reports", data={"_csrf": token, "kind": "zero", "next": "/"}, allow_redirects=False
    )
    assert response.status == 303 and response.headers["Location"] == "/"
    page = await (await client.get("/")).text()
    assert 'data-testid="panel-zero-report"' not in page
    status, listing = await police.get("/api/v1/reports?kind=zero&limit=5")
    assert listing["items"][0]["agency_name"] == "城关派出所"


async def test_the_reports_pages_render_and_a_bad_form_says_why(client: TestClient) -> None:
    await Person.login(client, "liaison_ps01")
    assert (await client.get("/reports")).status == 200
    token = await csrf_token(client, "/reports")
    response = await client.post("/reports", data={"_csrf": token, "kind": "direct", "title": "", "body": ""})
    assert response.status == 422
    assert 'data-testid="form-error"' in await response.text()

    await Person.login(client, "supervisor")
    page = await client.get("/reports/missing")
    assert page.status == 200
    assert 'data-agency="SR05"' in await page.text()
    dashboard = await (await client.get("/")).text()
    assert 'data-testid="panel-warnings"' in dashboard


async def test_events_reach_only_the_district(client: TestClient, db: Database) -> None:
    """A zero report is announced to its own agency, not to the district."""
    async with db.read() as s:
        psb = await s.scalar(select(Agency.id).where(Agency.code == "PSB"))
    listening = client.app[EVENTS].subscribe({f"agency:{psb}"})
    office = await Person.login(client, "liaison_jo01")
    assert (await office.post("/api/v1/reports", {"kind": "zero"}))[0] == 201
    await asyncio.sleep(0)
    assert await listening.get(timeout=0.2) is None
    listening.close()
