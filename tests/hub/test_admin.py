"""Admins manage people, agencies and tokens from pages and the API, within their own agencies."""

import re

import pytest
from aiohttp.test_utils import TestClient

from tests.support.web import login

pytestmark = pytest.mark.pg


async def test_a_station_admin_adds_a_liaison_who_can_then_log_in(client: TestClient) -> None:
    csrf = await login(client, "station_admin_ps01")
    page = await (await client.get("/admin/users")).text()
    agency_id = re.search(r'<option value="(\d+)">', page).group(1)  # type: ignore[union-attr]
    response = await client.post(
        "/admin/users",
        data={
            "_csrf": csrf,
            "username": "new_liaison",
            "display_name": "周新",
            "agency_id": agency_id,
            "roles": "liaison",
            "password": "a-good-password",
        },
    )
    assert response.status == 200 and "new_liaison" in await response.text()
    client.session.cookie_jar.clear()
    await login(client, "new_liaison", "a-good-password")
    me = await (await client.get("/api/v1/me")).json()
    assert me["display_name"] == "周新" and me["roles"] == ["liaison"]


async def test_a_bad_form_keeps_what_was_typed_and_says_what_is_wrong(client: TestClient) -> None:
    csrf = await login(client, "station_admin_ps01")
    response = await client.post(
        "/admin/users",
        data={
            "_csrf": csrf,
            "username": "x y",
            "display_name": "某人",
            "agency_id": "1",
            "password": "short",
        },
    )
    assert response.status == 422
    text = await response.text()
    assert "有字段缺失或填写不正确" in text and 'value="某人"' in text


async def test_a_token_is_shown_once_and_stops_working_when_revoked(client: TestClient) -> None:
    csrf = await login(client, "psb_admin")
    users = (await (await client.get("/api/v1/users")).json())["items"]
    liaison = next(u for u in users if u["username"] == "liaison_ps02")
    created = await client.post(
        "/admin/tokens", data={"_csrf": csrf, "user_id": str(liaison["id"]), "name": "警情系统"}
    )
    assert created.status == 201
    token = re.search(r'data-testid="new-token">(gt_[^<]+)<', await created.text()).group(1)  # type: ignore[union-attr]
    assert token not in await (await client.get("/admin/tokens")).text()

    auth = {"Authorization": f"Bearer {token}"}
    me = await (await client.get("/api/v1/me", headers=auth)).json()
    assert me["username"] == "liaison_ps02"
    tokens = (await (await client.get("/api/v1/tokens")).json())["items"]
    row = next(t for t in tokens if t["name"] == "警情系统")
    revoked = await client.post(f"/admin/tokens/{row['id']}/revoke", data={"_csrf": csrf})
    assert revoked.status == 200
    assert (await client.get("/api/v1/me", headers=auth)).status == 401


async def test_an_admin_adds_an_agency_below_their_own_but_not_elsewhere(client: TestClient) -> None:
    csrf = await login(client, "psb_admin")
    agencies = (await (await client.get("/api/v1/agencies")).json())["items"]
    psb = next(a for a in agencies if a["code"] == "PSB")
    jb = next(a for a in agencies if a["code"] == "JB")
    ok = await client.post(
        "/api/v1/agencies",
        headers={"X-CSRF-Token": csrf},
        json={"code": "PS24", "name": "新城派出所", "kind": "police_station", "parent_id": psb["id"]},
    )
    assert ok.status == 201
    refused = await client.post(
        "/api/v1/agencies",
        headers={"X-CSRF-Token": csrf},
        json={"code": "JO99", "name": "别处司法所", "kind": "judicial_office", "parent_id": jb["id"]},
    )
    assert refused.status == 403
    page = await client.post(
        "/admin/agencies",
        data={
            "_csrf": csrf,
            "code": "PS25",
            "name": "湖东派出所",
            "kind": "police_station",
            "parent_id": str(psb["id"]),
            "specialties": ["neighbour", "family"],
        },
    )
    assert page.status == 200 and "湖东派出所" in await page.text()
    codes = {a["code"]: a for a in (await (await client.get("/api/v1/agencies")).json())["items"]}
    assert "JO99" not in codes and codes["PS25"]["specialties"] == ["family", "neighbour"]


async def test_every_admin_change_is_in_the_audit_chain(client: TestClient, db) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from hub import audit
    from hub.audit import AuditEvent

    csrf = await login(client, "psb_admin")
    await client.post(
        "/api/v1/agencies",
        headers={"X-CSRF-Token": csrf},
        json={"code": "PS26", "name": "审计派出所", "kind": "police_station", "parent_id": None},
    )
    async with db.read() as s:
        actions = (await s.scalars(select(AuditEvent.action).order_by(AuditEvent.id))).all()
        report = await audit.verify_chain(s)
    assert "auth.login" in actions
    assert report.ok
