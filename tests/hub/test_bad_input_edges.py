"""Bad input at the edges of what the databases hold gives a 4xx, never a 500 (security test, #15).

Numbers past what an id column holds (PostgreSQL's integer ends at 2**31-1, SQLite's at 2**63-1),
U+0000 (PostgreSQL's text refuses it), JSON nested deeper than any caller needs, a foreign key to
nothing, a Unicode digit that ``str.isdigit`` accepts and ``int`` does not.
"""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient

from tests.support.web import login

pytestmark = pytest.mark.pg

HUGE = (2**31, 2**63, 10**23)


@pytest.fixture
async def admin(client: TestClient) -> dict[str, str]:
    return {"X-CSRF-Token": await login(client, "admin")}


async def assert_refused(response, statuses=(400, 404, 422)) -> dict:  # type: ignore[no-untyped-def]
    assert response.status in statuses, (response.url, response.status, await response.text())
    if response.content_type == "application/json":
        body = await response.json()
        assert body["error"]["code"]
        return body  # type: ignore[no-any-return]
    return {}


@pytest.mark.parametrize("number", HUGE)
async def test_ids_out_of_range_in_the_path_are_not_found(
    client: TestClient, admin: dict[str, str], number: int
) -> None:
    for path in (f"/api/v1/cases/{number}", f"/api/v1/users/{number}", f"/cases/{number}"):
        await assert_refused(await client.get(path), (404,))


@pytest.mark.parametrize("number", HUGE)
async def test_numbers_out_of_range_in_the_query_are_refused(
    client: TestClient, admin: dict[str, str], number: int
) -> None:
    for path in (
        f"/api/v1/cases?offset={number}",
        f"/api/v1/cases?limit={number}",
        f"/api/v1/meetings?agency_id={number}",
    ):
        await assert_refused(await client.get(path), (200, 422))


@pytest.mark.parametrize("number", HUGE)
async def test_ids_out_of_range_in_a_body_are_refused(
    client: TestClient, admin: dict[str, str], number: int
) -> None:
    await assert_refused(
        await client.post("/api/v1/calendar-feeds", json={"agency_id": number}, headers=admin)
    )
    body = {
        "username": "someone_new",
        "display_name": "新人",
        "agency_id": number,
        "roles": ["liaison"],
        "password": "long-enough-1",
    }
    await assert_refused(await client.post("/api/v1/users", json=body, headers=admin))
    # A plain "ids" list too (found by schemathesis: a 500 on PostgreSQL).
    await assert_refused(
        await client.post("/api/v1/notifications/read", json={"ids": [1, number]}, headers=admin)
    )


async def test_a_foreign_key_to_nothing_is_refused(client: TestClient, admin: dict[str, str]) -> None:
    body = await assert_refused(
        await client.post("/api/v1/calendar-feeds", json={"agency_id": 999999}, headers=admin)
    )
    assert body["error"]["code"] in {"not_found", "validation_error"}


async def test_nul_in_text_or_search_is_refused(client: TestClient, admin: dict[str, str]) -> None:
    await assert_refused(await client.get("/api/v1/cases?q=a%00b"))
    await assert_refused(await client.get("/cases?q=a%00b"))
    body = {
        "username": "nul_person",
        "display_name": "a\u0000b",
        "agency_id": 1,
        "roles": ["liaison"],
        "password": "long-enough-1",
    }
    await assert_refused(await client.post("/api/v1/users", json=body, headers=admin))
    assert (await client.get("/api/v1/users?q=nul_person")).status == 200


async def test_json_nested_deeper_than_anyone_needs_is_malformed(
    client: TestClient, admin: dict[str, str]
) -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    response = await client.post(
        "/api/v1/users", data=deep, headers={**admin, "Content-Type": "application/json"}
    )
    body = await assert_refused(response, (400,))
    assert body["error"]["code"] == "malformed_json"


async def test_a_unicode_digit_is_not_a_revision(client: TestClient, admin: dict[str, str]) -> None:
    for value in ("²", "١", "-1", "99999999999999999999999"):
        response = await client.get(f"/meetings/1/minutes.pdf?revision={value}")
        assert response.status in (404, 422), (value, response.status)
