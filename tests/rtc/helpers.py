"""Building blocks for video-mediation tests: a case in mediation, its mediator, guests with links."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aiohttp import ClientWebSocketResponse
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from hub.audit import Actor
from hub.db import Database
from hub.models import User
from hub.orm import utcnow
from hub.permissions import Scope
from referrals import for_mediation
from referrals.models import Referral
from rtc import invitations, service
from tests.referrals.helpers import Person
from tests.support.web import csrf_token


@dataclass(frozen=True)
class CaseInMediation:
    case_id: int
    mediator_username: str
    agency_id: int


async def case_in_mediation(db: Database, state: str = "in_mediation") -> CaseInMediation:
    async with db.read() as s:
        referral = await s.scalar(
            select(Referral)
            .where(Referral.state == state, Referral.mediator_id.isnot(None))
            .order_by(Referral.id)
            .limit(1)
        )
        assert referral is not None and referral.mediator_id is not None
        mediator = await s.get(User, referral.mediator_id)
        assert mediator is not None
        return CaseInMediation(referral.case_id, mediator.username, referral.to_agency_id)


async def schedule(mediator: Person, case_id: int, **extra: Any) -> dict[str, Any]:
    status, body = await mediator.post("/api/v1/mediations", {"case_id": case_id, **extra})
    assert status == 201, body
    return dict(body)


async def issue_link(mediator: Person, session_id: int, participant_id: int) -> str:
    status, body = await mediator.post(
        f"/api/v1/mediations/{session_id}/participants/{participant_id}/invitation", {}
    )
    assert status == 201, body
    return str(body["url"]).split("/join/", 1)[1]


async def claim(client: TestClient, token: str, last4: str = "") -> tuple[int, str]:
    """Open the link as a guest (fresh cookie jar) and press continue; returns (status, guest secret)."""
    client.session.cookie_jar.clear()
    csrf = await csrf_token(client, f"/join/{token}")
    response = await client.post(
        f"/join/{token}", data={"_csrf": csrf, "last4": last4}, allow_redirects=False
    )
    secret = ""
    for cookie in client.session.cookie_jar:
        if cookie.key.startswith("gt_guest_"):
            secret = cookie.value
    return response.status, secret


def origin(client: TestClient) -> str:
    return f"http://{client.host}:{client.port}"


async def open_socket(
    client: TestClient,
    session_id: int,
    *,
    cookies: dict[str, str] | None = None,
    origin_header: str | None = None,
) -> ClientWebSocketResponse:
    headers = {"Origin": origin_header or origin(client)}
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    return await client.ws_connect(f"/mediations/{session_id}/ws", headers=headers)


async def say(
    ws: ClientWebSocketResponse, kind: str, data: dict[str, Any] | None = None, ref: Any = None
) -> None:
    body: dict[str, Any] = {"v": 1, "type": kind, "data": data or {}}
    if ref is not None:
        body["id"] = ref
    await ws.send_str(json.dumps(body))


async def expect(ws: ClientWebSocketResponse, kind: str, timeout: float = 5.0) -> dict[str, Any]:
    """Read messages until one of this type arrives (others are skipped)."""
    while True:
        msg = await ws.receive(timeout=timeout)
        assert msg.type.name == "TEXT", msg
        body = json.loads(msg.data)
        if body["type"] == kind:
            return dict(body)


async def expect_state(ws: ClientWebSocketResponse, check: Any, timeout: float = 5.0) -> dict[str, Any]:
    while True:
        body = await expect(ws, "state", timeout)
        if check(body["data"]):
            return dict(body["data"])


async def another_browser(client: TestClient) -> TestClient:
    """A second browser against the same server: its own cookie jar."""
    other: TestClient = TestClient(client.server)
    await other.start_server()
    return other


async def session_with_guests(
    db: Database, case_id: int, roles: Sequence[str]
) -> tuple[int, list[tuple[int, str]]]:
    """A session starting now with these guests, each of whom has opened their link already:
    the session's id and each guest's (participant id, browser cookie secret)."""
    now = utcnow()
    async with db.write() as s:
        info = await for_mediation.case_for_mediation(s, Scope(None), case_id)
        assert info.mediator_id is not None
        actor = Actor(user_id=info.mediator_id, agency_id=info.mediating_agency_id)
        session = await service.schedule(
            s,
            actor,
            info,
            mediator_id=info.mediator_id,
            start=None,
            guests=[service.GuestSpec(role, f"来宾{i + 1}", None, "none") for i, role in enumerate(roles)],
            record_video=False,
            now=now,
        )
        guests = []
        for person in await service.participants(s, session.id):
            if person.role != "mediator":
                await invitations.issue(s, actor, session, person, now=now, hours=2)
                guests.append((person.id, await invitations.claim(s, person, now=now)))
        return session.id, guests
