"""schemathesis against the app's own /api/v1/openapi.json, on a real server on loopback.

Every operation in the document gets a few generated requests, valid ones and invalid ones, as the
platform admin and as a station liaison on SQLite, and as the admin again on PostgreSQL (Bearer
tokens made through the API). Two properties are checked on every response: no 5xx, and the
response matches the schema the document gives for its status. Bounded: a handful of examples per
operation and role (one past a wall-clock budget per role), no shrinking, so the whole file takes
about a minute and a half. A failure lists every operation that broke, each with a curl line to reproduce.
"""

from __future__ import annotations

import asyncio
import os
import time
from typing import Any

import pytest
import schemathesis
from aiohttp import web
from aiohttp.test_utils import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.core.result import Ok
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.support.web import login

pytestmark = pytest.mark.slow

# A deeper run by hand: GONGTIAO_TEST_FUZZ_EXAMPLES=50 pytest tests/hub/test_schemathesis.py
MAX_EXAMPLES = int(os.environ.get("GONGTIAO_TEST_FUZZ_EXAMPLES", "5"))
# Wall-clock budget per person. Past it, each remaining operation gets one generated request (a
# starved machine still reaches every operation); past three times it, operations not reached are
# reported, not silently dropped.
BUDGET_SECONDS = 12 * MAX_EXAMPLES

# How many operations must have answered 2xx at least once (a floor; the token must really work).
MINIMUM_ANSWERED = {"liaison_ps01": 20, "admin": 40}

# What cannot be fuzzed meaningfully (and why). Endpoints that merely fail are NOT excluded.
EXCLUDED: dict[tuple[str, str], str] = {
    ("GET", "/events"): "a server-sent event stream: it stays open, so every request is a timeout",
    ("GET", "/mediations/{id}/ws"): "a WebSocket upgrade: the signalling protocol has its own tests",
}
# Run last: these can end the caller's own credentials (the token being used, the account itself).
LAST = ("/api/v1/tokens", "/api/v1/users/{id}")


async def _token(client: TestClient, username: str) -> str:
    csrf = await login(client, "admin")
    users = (await (await client.get("/api/v1/users?limit=200")).json())["items"]
    target = next(u for u in users if u["username"] == username)
    response = await client.post(
        "/api/v1/tokens",
        json={"user_id": target["id"], "name": "schemathesis"},
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status == 201, await response.text()
    return str((await response.json())["token"])


def _fuzz(
    document: dict[str, Any], base_url: str, token: str
) -> tuple[list[str], list[str], dict[str, set[int]]]:
    schema = schemathesis.openapi.from_dict(document)
    failures: list[str] = []
    operations = []
    for result in schema.get_all_operations():
        if isinstance(result, Ok):
            operations.append(result.ok())
        else:  # the document itself is wrong here
            failures.append(f"invalid operation in the document: {result.err()}")
    operations.sort(key=lambda op: op.path.startswith(LAST))
    headers = {"Authorization": f"Bearer {token}"}
    skipped: list[str] = []
    statuses: dict[str, set[int]] = {}
    started = time.monotonic()
    for operation in operations:
        label = f"{operation.method.upper()} {operation.path}"
        if (operation.method.upper(), operation.path) in EXCLUDED:
            continue
        elapsed = time.monotonic() - started
        if elapsed > 3 * BUDGET_SECONDS:
            skipped.append(label)
            continue

        @settings(
            max_examples=MAX_EXAMPLES if elapsed <= BUDGET_SECONDS else 1,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(
            case=operation.as_strategy(GenerationMode.POSITIVE)
            | operation.as_strategy(GenerationMode.NEGATIVE)
        )
        def run(case: Any) -> None:
            response = case.call_and_validate(
                base_url=base_url,
                headers=headers,
                checks=[not_a_server_error, response_schema_conformance],
                timeout=10,
            )
            key = f"{case.operation.method.upper()} {case.operation.path}"
            statuses.setdefault(key, set()).add(response.status_code)

        try:
            run()
        # schemathesis raises its FailureGroup, a BaseExceptionGroup: collected, reported together below.
        except (Exception, FailureGroup) as error:
            failures.append(f"{label}: {error}")
    return failures, skipped, statuses


@pytest.mark.parametrize("username", ["liaison_ps01", "admin"])
async def test_generated_requests_get_no_5xx_and_match_the_schema(client: TestClient, username: str) -> None:
    await _check(client, username)


@pytest.mark.pg_only
async def test_on_postgresql_too_as_the_admin(client: TestClient) -> None:
    """PostgreSQL is stricter (32-bit ids, no NUL in text): the admin, who reaches furthest, on it."""
    await _check(client, "admin")


async def _check(client: TestClient, username: str) -> None:
    token = await _token(client, username)
    document = await (await client.get("/api/v1/openapi.json")).json()
    base_url = str(client.make_url("")).rstrip("/")
    failures, skipped, statuses = await asyncio.to_thread(_fuzz, document, base_url, token)
    assert not failures, "\n\n".join(failures)
    assert not skipped, f"out of time before: {skipped}"
    # The token works: a good share of operations answered 2xx at least once (not all 401/403).
    answered = [label for label, codes in statuses.items() if any(200 <= c < 300 for c in codes)]
    assert len(answered) >= MINIMUM_ANSWERED[username], sorted(answered)


async def test_the_harness_reports_a_server_error_and_a_schema_violation(aiohttp_server: Any) -> None:
    """The fuzzing loop above really fails on a 5xx and on a body its schema does not allow."""

    async def boom(request: web.Request) -> web.Response:
        return web.json_response({"x": 1}, status=500)

    async def wrong(request: web.Request) -> web.Response:
        return web.json_response({"n": "not a number"})

    app = web.Application()
    app.router.add_get("/boom", boom)
    app.router.add_get("/wrong", wrong)
    server = await aiohttp_server(app)
    body = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}
    document = {
        "openapi": "3.1.0",
        "info": {"title": "harness", "version": "1"},
        "paths": {
            "/boom": {"get": {"responses": {"200": {"description": "ok"}}}},
            "/wrong": {
                "get": {
                    "responses": {
                        "200": {"description": "ok", "content": {"application/json": {"schema": body}}}
                    }
                }
            },
        },
    }
    base_url = str(server.make_url("")).rstrip("/")
    failures, _skipped, _statuses = await asyncio.to_thread(_fuzz, document, base_url, "token")
    assert len(failures) == 2
    assert "GET /boom" in failures[0] and "Server error" in failures[0]
    assert "GET /wrong" in failures[1] and "violates schema" in failures[1]
