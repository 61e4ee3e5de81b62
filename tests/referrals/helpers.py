"""Building blocks for referral tests: intake bodies and acting as a demo person."""

from __future__ import annotations

import uuid
from typing import Any

from aiohttp.test_utils import TestClient

from tests.support.web import login


def case_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "incident_no": "J2026112800" + uuid.uuid4().hex[:4],
        "channel": "call_110",
        "category": "neighbour",
        "summary": "楼上漏水，双方争吵。",
        "address": "青川区幸福路 8 号",
        "amount": "1500.00",
        "parties": [
            {"role": "applicant", "name": "王芳", "id_number": "33010619900101123X", "phone": "13800001111"},
            {"role": "respondent", "name": "李雷", "id_number": "330106198802022348", "phone": "13900002222"},
        ],
        "consent": {"by": "王芳、李雷", "at": "2026-11-28T09:30:00+08:00", "method": "signed_form"},
    }
    body.update(changes)
    return body


class Person:
    """A logged-in demo person with their own cookie jar and CSRF token."""

    def __init__(self, client: TestClient, csrf: str) -> None:
        self.client = client
        self.csrf = csrf

    @classmethod
    async def login(cls, client: TestClient, username: str) -> Person:
        client.session.cookie_jar.clear()
        return cls(client, await login(client, username))

    async def get(self, path: str) -> tuple[int, Any]:
        response = await self.client.get(path)
        return response.status, await _body(response)

    async def post(self, path: str, body: Any) -> tuple[int, Any]:
        response = await self.client.post(path, json=body, headers={"X-CSRF-Token": self.csrf})
        return response.status, await _body(response)


async def _body(response: Any) -> Any:
    if response.content_type == "application/json":
        return await response.json()
    return await response.read()
