"""Intake for police systems: one request takes a case in and refers it; what routing reads is kept
per process and dropped everywhere when the district changes it."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select, update

from hub import audit
from hub.app import create_app
from hub.config import Config
from hub.db import Database
from hub.directory import create_token
from hub.keys import DB
from hub.models import ApiToken, User
from hub.orm import utcnow
from referrals.models import Case, RoutingRule
from tests.referrals.helpers import case_body

STATION_RULE = "日常纠纷交本所派驻调解室"


async def bearer(db: Database, username: str = "liaison_ps01") -> dict[str, str]:
    async with db.write() as s:
        user = await s.scalar(select(User).where(User.username == username))
        assert user is not None
        token, _row = await create_token(s, audit.SYSTEM, user, "test")
    return {"Authorization": f"Bearer {token}"}


async def post(client: TestClient, headers: dict[str, str], path: str, body: Any) -> tuple[int, Any]:
    response = await client.post(path, json=body, headers=headers)
    return response.status, await response.json()


async def test_one_request_takes_a_case_in_and_refers_it(client: TestClient) -> None:
    headers = await bearer(client.server.app[DB])
    status, case = await post(client, headers, "/api/v1/cases", case_body(refer=True))
    assert status == 201, case
    assert case["state"] == "sent" and case["referral_id"] and case["number"].startswith("QC")
    response = await client.get(f"/api/v1/referrals/{case['referral_id']}", headers=headers)
    referral = await response.json()
    assert referral["explanation"]["rule_name"] == STATION_RULE

    # Without consent it cannot be referred, and then nothing is taken in either.
    incident = "J-no-consent-1"
    status, refused = await post(
        client, headers, "/api/v1/cases", case_body(refer=True, consent=None, incident_no=incident)
    )
    assert status == 422 and refused["error"]["code"] == "consent_missing"
    async with client.server.app[DB].read() as s:
        assert await s.scalar(select(Case.id).where(Case.incident_no == incident)) is None


async def test_a_revoked_token_is_refused_at_once(client: TestClient) -> None:
    headers = await bearer(client.server.app[DB])
    assert (await client.get("/api/v1/me", headers=headers)).status == 200  # now in the cache
    async with client.server.app[DB].write() as s:
        await s.execute(update(ApiToken).where(ApiToken.name == "test").values(revoked_at=utcnow()))
    assert (await client.get("/api/v1/me", headers=headers)).status == 401


@pytest.mark.pg_only
async def test_a_rule_changed_in_one_process_routes_the_next_case_by_it_in_another(
    aiohttp_client: Any, config: Config, db: Database
) -> None:
    """Two apps on one PostgreSQL stand for two processes: each has its own cache and hears the
    other's ``directory.changed`` through LISTEN/NOTIFY."""
    here = await aiohttp_client(create_app(config))
    there = await aiohttp_client(create_app(config))
    headers = await bearer(db)  # a database handle of its own, which publishes nothing
    status, first = await post(there, headers, "/api/v1/cases", case_body(refer=True))
    assert status == 201, first
    cache = there.server.app[DB].cache
    generation = cache.generation

    async with here.server.app[DB].write() as s:  # the district's admin, in the other process
        rule = await s.scalar(select(RoutingRule).where(RoutingRule.name == STATION_RULE))
        assert rule is not None
        rule.active = False
    for _ in range(500):  # the notice travels through PostgreSQL
        if cache.generation != generation:
            break
        await asyncio.sleep(0.01)
    assert cache.generation != generation

    status, second = await post(there, headers, "/api/v1/cases", case_body(refer=True))
    assert status == 201, second
    response = await there.get(f"/api/v1/referrals/{second['referral_id']}", headers=headers)
    assert (await response.json())["explanation"]["rule_name"] != STATION_RULE


@pytest.mark.pg
async def test_a_batch_takes_each_incident_in_once_and_refuses_items_on_their_own(
    client: TestClient,
) -> None:
    headers = await bearer(client.server.app[DB])
    items = [
        case_body(incident_no="J-batch-1"),
        case_body(incident_no="J-batch-2", category="labour", amount="24000.00"),
        case_body(incident_no="J-batch-1"),  # the same incident twice in one batch
        case_body(incident_no="J-batch-3", consent=None),  # cannot be referred: not taken in
        case_body(incident_no="J-batch-4", flags=["group_dispute"]),  # alerts: one by one
        {"incident_no": "J-batch-5", "summary": "no parties"},
    ]
    status, done = await post(client, headers, "/api/v1/cases:batch", {"items": items})
    assert status == 200, done
    assert [i["status"] for i in done["items"]] == [
        "created",
        "created",
        "existing",
        "failed",
        "created",
        "failed",
    ]
    assert (done["created"], done["existing"], done["failed"]) == (3, 1, 2)
    first, labour, again, refused, group, broken = done["items"]
    assert again["case_id"] == first["case_id"] and first["state"] == "sent"
    assert refused["error"]["code"] == "consent_missing"
    assert broken["error"]["code"] == "validation_error" and broken["error"]["details"]
    response = await client.get(f"/api/v1/referrals/{labour['referral_id']}", headers=headers)
    assert (await response.json())["explanation"]["rule_name"] != STATION_RULE
    response = await client.get(f"/api/v1/cases/{first['case_id']}", headers=headers)
    case = await response.json()
    assert case["number"] == first["number"] and len(case["parties"]) == 2 and case["state"] == "sent"
    # The case list (referrals.case_index) knows the batch's cases as it knows any other.
    response = await client.get("/api/v1/cases", params={"q": labour["number"]}, headers=headers)
    listed = (await response.json())["items"]
    assert [c["id"] for c in listed] == [labour["case_id"]] and listed[0]["state"] == "sent"

    status, replay = await post(client, headers, "/api/v1/cases:batch", {"items": items[:2]})
    assert [i["status"] for i in replay["items"]] == ["existing", "existing"]
    assert replay["items"][0]["case_id"] == first["case_id"]
    async with client.server.app[DB].read() as s:
        assert (await audit.verify_chain(s)).ok
        assert await s.scalar(select(func.count(Case.id)).where(Case.incident_no == "J-batch-1")) == 1


@pytest.mark.pg_only
async def test_a_number_made_by_postgresql_is_the_one_python_makes_past_a_million(
    client: TestClient, db: Database
) -> None:
    """On PostgreSQL the case's number is made in its INSERT from the id drawn there
    (``intake._insert_case``); it must read as ``case_number`` writes it, seven digits and all."""
    from sqlalchemy import text

    from referrals.cases.intake import case_number

    headers = await bearer(db)
    async with db.write() as s:
        await s.execute(text("SELECT setval(pg_get_serial_sequence('cases', 'id'), 1234566)"))
    status, made = await post(client, headers, "/api/v1/cases", case_body(idempotency_key="past-a-million"))
    assert status == 201 and made["id"] == 1234567
    async with db.read() as s:
        case = await s.get(Case, made["id"])
        assert case is not None
        assert made["number"] == case.number == case_number(case.created_at, 1234567)
    assert case.number.endswith("-1234567")
    status, again = await post(client, headers, "/api/v1/cases", case_body(idempotency_key="past-a-million"))
    assert status == 409 and made["number"] in again["error"]["message"]
