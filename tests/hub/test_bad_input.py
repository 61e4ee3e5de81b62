"""Bad input anywhere gives a 4xx with the error envelope: never a 500, never a stack trace."""

import io

import pytest
from aiohttp.test_utils import TestClient

from tests.support.web import login


@pytest.fixture
async def admin(client: TestClient) -> dict[str, str]:
    return {"X-CSRF-Token": await login(client, "admin")}


def valid_user(**changes: object) -> dict[str, object]:
    body: dict[str, object] = {
        "username": "new_person",
        "display_name": "新人",
        "agency_id": 1,
        "roles": ["liaison"],
        "password": "long-enough-1",
    }
    body.update(changes)
    return body


@pytest.mark.parametrize(
    ("body", "content_type", "status", "code"),
    [
        (b"{not json", "application/json", 400, "malformed_json"),
        (b"", "application/json", 422, "validation_error"),
        (b"[1, 2]", "application/json", 422, "validation_error"),
        (b'{"username": 5}', "application/json", 422, "validation_error"),
        (b"username=x", "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
        (b"\xff\xfe\x00", "application/json", 400, "malformed_json"),
    ],
)
async def test_malformed_bodies(
    client: TestClient, admin: dict[str, str], body: bytes, content_type: str, status: int, code: str
) -> None:
    response = await client.post("/api/v1/users", data=body, headers={**admin, "Content-Type": content_type})
    assert response.status == status
    error = (await response.json())["error"]
    assert error["code"] == code and error["message"]


@pytest.mark.parametrize(
    "changes",
    [
        {"unexpected": True},
        {"roles": ["emperor"]},
        {"roles": []},
        {"password": "short"},
        {"agency_id": "one"},
        {"username": "has spaces"},
        {"locale": "fr"},
    ],
)
async def test_wrong_fields_are_refused_and_nothing_is_created(
    client: TestClient, admin: dict[str, str], changes: dict[str, object]
) -> None:
    response = await client.post("/api/v1/users", json=valid_user(**changes), headers=admin)
    assert response.status == 422
    body = await response.json()
    assert body["error"]["code"] == "validation_error" and body["error"]["details"]
    users = await (await client.get("/api/v1/users")).json()
    assert "new_person" not in {u["username"] for u in users["items"]}


async def test_an_oversized_body_gets_413(client: TestClient, admin: dict[str, str]) -> None:
    big = b'{"username": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    response = await client.post(
        "/api/v1/users", data=io.BytesIO(big), headers={**admin, "Content-Type": "application/json"}
    )
    assert response.status == 413
    assert (await response.json())["error"]["code"] == "payload_too_large"


async def test_unknown_ids_and_paths_get_404(client: TestClient, admin: dict[str, str]) -> None:
    for path in ("/api/v1/users/999999", "/api/v1/users/abc", "/api/v1/nothing-here"):
        response = await client.get(path)
        assert response.status == 404, path
        assert (await response.json())["error"]["code"] == "not_found"


async def test_a_wrong_method_gets_405(client: TestClient, admin: dict[str, str]) -> None:
    response = await client.put("/api/v1/me", json={}, headers=admin)
    assert response.status == 405
    assert (await response.json())["error"]["code"] == "method_not_allowed"


async def test_a_duplicate_username_is_a_conflict(client: TestClient, admin: dict[str, str]) -> None:
    response = await client.post("/api/v1/users", json=valid_user(username="liaison_ps01"), headers=admin)
    assert response.status == 409
    assert (await response.json())["error"]["code"] == "conflict"


async def test_bad_query_values_are_refused(client: TestClient, admin: dict[str, str]) -> None:
    response = await client.get("/api/v1/agencies?kind=spaceship")
    assert response.status == 422
    response = await client.get("/api/v1/agencies?colour=blue")
    assert response.status == 422


async def test_english_callers_get_english_messages(client: TestClient) -> None:
    response = await client.get("/api/v1/me", headers={"Accept-Language": "en-GB"})
    assert (await response.json())["error"]["message"] == "Please log in first."
