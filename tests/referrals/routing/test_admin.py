"""Admins edit routing rules in a page, after seeing what a change would do to recent cases."""

import re

import pytest
from aiohttp.test_utils import TestClient

from tests.support.web import login

pytestmark = pytest.mark.pg


async def labour_body_and_bureau(client: TestClient) -> tuple[str, str]:
    page = await (await client.get("/admin/rules")).text()
    labour = re.search(r'<option value="(\d+)">青川区劳动争议人民调解委员会', page)
    bureau = re.search(r'<option value="(\d+)">青川区司法局', page)
    assert labour and bureau
    return labour.group(1), bureau.group(1)


async def test_a_dry_run_shows_which_recent_cases_would_move_and_changes_nothing(client: TestClient) -> None:
    csrf = await login(client, "admin")
    _labour, bureau = await labour_body_and_bureau(client)
    form = {
        "_csrf": csrf,
        "name": "邻里纠纷改交司法局",
        "priority": "1",
        "categories": "neighbour",
        "target_kind": "agency",
        "target_agency_id": bureau,
        "active": "on",
        "intent": "dry_run",
    }
    response = await client.post("/admin/rules", data=form)
    page = await response.text()
    assert response.status == 200 and 'data-testid="dry-run"' in page
    assert page.count("QC20") >= 2  # the demo's neighbour cases would now go to the bureau
    listing = await (await client.get("/admin/rules")).text()
    assert "邻里纠纷改交司法局" not in listing


async def test_saving_a_rule_changes_where_new_cases_go(client: TestClient) -> None:
    csrf = await login(client, "admin")
    _labour, bureau = await labour_body_and_bureau(client)
    form = {
        "_csrf": csrf,
        "name": "邻里纠纷改交司法局",
        "priority": "1",
        "categories": "neighbour",
        "target_kind": "agency",
        "target_agency_id": bureau,
        "active": "on",
        "intent": "save",
    }
    assert (await client.post("/admin/rules", data=form)).status == 200
    client.session.cookie_jar.clear()
    police_csrf = await login(client, "liaison_ps01")
    from tests.referrals.helpers import case_body

    created = await client.post("/api/v1/cases", json=case_body(), headers={"X-CSRF-Token": police_csrf})
    case = await created.json()
    proposal = await (await client.get(f"/api/v1/cases/{case['id']}/route")).json()
    assert proposal["rule_name"] == "邻里纠纷改交司法局" and str(proposal["target_agency_id"]) == bureau


async def test_the_last_fallback_cannot_be_switched_off(client: TestClient) -> None:
    csrf = await login(client, "admin")
    page = await (await client.get("/admin/rules")).text()
    fallback_id = re.search(
        r'<a href="/admin/rules\?edit=(\d+)">',
        page.split("兜底：司法局")[0].rsplit("<tr>", 1)[1] + page.split("兜底：司法局")[1],
    )
    assert fallback_id
    edit = await (await client.get(f"/admin/rules?edit={fallback_id.group(1)}")).text()
    bureau = re.search(r'<option value="(\d+)" selected>青川区司法局', edit)
    assert bureau
    form = {
        "_csrf": csrf,
        "rule_id": fallback_id.group(1),
        "name": "兜底：司法局",
        "priority": "1001",
        "target_kind": "agency",
        "target_agency_id": bureau.group(1),
        "is_fallback": "on",
        "intent": "save",
    }
    response = await client.post("/admin/rules", data=form)  # "active" unticked
    assert response.status == 422 and "兜底规则" in await response.text()


async def test_a_liaison_cannot_open_the_rules(client: TestClient) -> None:
    await login(client, "liaison_ps01")
    assert (await client.get("/admin/rules")).status == 403


async def test_a_stations_admin_cannot_change_the_districts_rules_but_the_bureaus_can(
    client: TestClient,
) -> None:
    csrf = await login(client, "station_admin_ps01")
    assert (await client.get("/admin/rules")).status == 403
    policy = {"_csrf": csrf, "agency_kind": "stationed_room", "accept_hours": "1"}
    refused = await client.post("/admin/deadlines", data=policy)
    assert refused.status == 403 and "全区" in await refused.text()
    await login(client, "psb_admin")
    assert (await client.get("/admin/rules")).status == 200


async def test_deadline_policies_are_set_per_kind_of_body(client: TestClient) -> None:
    csrf = await login(client, "admin")
    bad = {
        "_csrf": csrf,
        "agency_kind": "stationed_room",
        "accept_hours": "12",
        "mediation_days": "40",
        "mediation_max_days": "30",
        "confirmation_days": "30",
        "followup_days": "3",
        "soon_hours": "12",
    }
    assert (await client.post("/admin/deadlines", data=bad)).status == 422
    good = {**bad, "mediation_days": "20"}
    assert (await client.post("/admin/deadlines", data=good)).status == 200
    page = await (await client.get("/admin/rules")).text()
    assert 'name="accept_hours" type="number" value="12"' in page
