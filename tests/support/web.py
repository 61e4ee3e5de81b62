"""Helpers that act like a browser or an API client against the test server."""

from __future__ import annotations

import re

from aiohttp.test_utils import TestClient

DEMO_PASSWORD = "gongtiao-demo"
_CSRF = re.compile(r'name="csrf-token" content="([^"]*)"')


async def csrf_token(client: TestClient, path: str = "/login") -> str:
    response = await client.get(path)
    text = await response.text()
    match = _CSRF.search(text)
    assert match, f"no csrf meta on {path}"
    return match.group(1)


async def login(client: TestClient, username: str, password: str = DEMO_PASSWORD) -> str:
    """Log in through the real form; returns the CSRF token of the new session."""
    token = await csrf_token(client, "/login")
    response = await client.post(
        "/login", data={"username": username, "password": password, "_csrf": token}, allow_redirects=False
    )
    assert response.status == 303, await response.text()
    return await csrf_token(client, "/")
