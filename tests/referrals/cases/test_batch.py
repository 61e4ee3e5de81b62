"""The batch import when another process takes the same incident in at the same moment."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from hub import audit
from hub.keys import DB
from referrals.cases import batch
from referrals.models import Case
from tests.referrals.cases.test_intake import bearer, post
from tests.referrals.helpers import case_body

pytestmark = pytest.mark.pg


async def test_an_incident_taken_in_elsewhere_meanwhile_answers_existing_and_the_rest_go_in(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    headers = await bearer(client.server.app[DB])
    status, first = await post(
        client, headers, "/api/v1/cases:batch", {"items": [case_body(incident_no="J-race-1")]}
    )
    assert status == 200 and first["created"] == 1
    # The second batch looks its numbers up before the first one is in (another process, the same
    # moment): its bulk write meets the first case's key, and each item goes in on its own.
    looked_up = batch._existing
    calls = 0

    async def not_yet(*args: Any) -> dict[str, tuple[int, str]]:
        nonlocal calls
        calls += 1
        return {} if calls == 1 else await looked_up(*args)

    monkeypatch.setattr(batch, "_existing", not_yet)
    items = [case_body(incident_no="J-race-1"), case_body(incident_no="J-race-2")]
    status, done = await post(client, headers, "/api/v1/cases:batch", {"items": items})
    assert status == 200, done
    again, new = done["items"]
    assert again["status"] == "existing" and again["case_id"] == first["items"][0]["case_id"]
    assert new["status"] == "created" and new["state"] == "sent"
    async with client.server.app[DB].read() as s:
        assert await s.scalar(select(func.count(Case.id)).where(Case.incident_no.like("J-race-%"))) == 2
        assert (await audit.verify_chain(s)).ok
