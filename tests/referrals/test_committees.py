"""Mediation committees: everyone who works cases reads them; a district administrator corrects a
committee's format or court and says which committee an agency mediates for; a station's
administrator and a room's liaison are refused; the next agreement follows the new format."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient
from sqlalchemy import select

from hub.db import Database
from hub.models import Agency
from tests.referrals.agreements.test_agreements import agreement_body, case_in_mediation, put
from tests.referrals.helpers import Person


async def patch(person: Person, path: str, body: Any) -> tuple[int, Any]:
    response = await person.client.patch(path, json=body, headers={"X-CSRF-Token": person.csrf})
    return response.status, await response.json()


async def chengguan(person: Person) -> dict[str, Any]:
    status, out = await person.get("/api/v1/committees")
    assert status == 200, out
    return next(c for c in out["items"] if c["name"] == "青川区城关街道人民调解委员会")


async def test_a_district_admin_sets_the_number_format_and_the_next_agreement_follows_it(
    client: TestClient,
) -> None:
    room = await Person.login(client, "liaison_sr01")
    committee = await chengguan(room)
    assert (
        committee["seal_line"] == "青川区城关街道人民调解委员会（印章）" and len(committee["agency_ids"]) >= 2
    )
    path = f"/api/v1/committees/{committee['id']}"
    assert (await patch(room, path, {"number_prefix": "偷改"}))[0] == 403

    station_admin = await Person.login(client, "station_admin_ps01")
    assert (await patch(station_admin, path, {"number_prefix": "偷改"}))[0] == 403

    admin = await Person.login(client, "admin")
    status, out = await patch(admin, path, {"number_format": "{prefix}第{year}号"})
    assert status == 422 and "{seq}" in out["error"]["message"]
    status, out = await patch(
        admin, path, {"number_format": "{prefix}〔{year}〕{seq:04d}号", "number_prefix": "青城调"}
    )
    assert status == 200, out
    assert out["number_format"] == "{prefix}〔{year}〕{seq:04d}号"

    case_id, _rid, parties = await case_in_mediation(client)
    room = await Person.login(client, "liaison_sr01")
    status, agreement = await put(room, f"/api/v1/cases/{case_id}/agreement", agreement_body(parties))
    assert status == 200 and agreement["document_number"].startswith("青城调〔2026〕0")


async def test_an_agency_moved_to_another_committee_issues_in_its_name(
    client: TestClient, db: Database
) -> None:
    admin = await Person.login(client, "admin")
    status, out = await admin.get("/api/v1/committees")
    dongu = next(c for c in out["items"] if c["name"] == "青川区东湖街道人民调解委员会")
    async with db.read() as s:
        room_id = await s.scalar(select(Agency.id).where(Agency.code == "SR01"))
    assert room_id in (await chengguan(admin))["agency_ids"]
    response = await admin.client.put(
        f"/api/v1/agencies/{room_id}/committee",
        json={"committee_id": dongu["id"]},
        headers={"X-CSRF-Token": admin.csrf},
    )
    assert response.status == 200, await response.text()
    case_id, _rid, parties = await case_in_mediation(client)
    room = await Person.login(client, "liaison_sr01")
    status, agreement = await put(room, f"/api/v1/cases/{case_id}/agreement", agreement_body(parties))
    assert agreement["organisation"] == "青川区东湖街道人民调解委员会"
    assert "东湖调字" in agreement["document_number"]


async def test_the_admin_page_lists_the_committees_and_saves_a_corrected_seal(client: TestClient) -> None:
    station_admin = await Person.login(client, "station_admin_ps01")
    assert (await station_admin.client.get("/admin/committees")).status == 403
    admin = await Person.login(client, "admin")
    page = await admin.client.get("/admin/committees")
    text = await page.text()
    assert (
        page.status == 200
        and "青川区城关街道人民调解委员会" in text
        and "城关派出所派驻人民调解工作室" in text
    )
    committee = await chengguan(admin)
    form = {
        "_csrf": admin.csrf,
        "name": committee["name"],
        "seal_text": "青川区城关街道人民调解委员会（调解专用章）",
        "court_agency_id": str(committee["court_agency_id"]),
        "number_prefix": "城调",
        "number_format": "{prefix}第{seq}号",
        "active": "on",
    }
    refused = await admin.client.post(
        f"/admin/committees/{committee['id']}", data={**form, "number_format": "第号"}
    )
    assert refused.status == 422 and 'data-testid="committees-error"' in await refused.text()
    saved = await admin.client.post(f"/admin/committees/{committee['id']}", data=form, allow_redirects=False)
    assert saved.status == 303
    after = await chengguan(admin)
    assert after["seal_line"] == "青川区城关街道人民调解委员会（调解专用章）（印章）"
    assert after["number_format"] == "{prefix}第{seq}号" and after["active"]
