"""Building blocks for meetings tests: demo people acting through the API, ids by name."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient
from sqlalchemy import select, update

from hub.db import Database
from hub.models import Agency, User
from hub.secrets_util import new_token, token_hash
from meetings.models import Invitee
from meetings.views import rsvp_link
from tests.support.web import login

# The series below is a fixed calendar (its first meeting is on Tuesday 1 December 2026): tests that
# need its meetings to lie ahead run at this instant, with ``pytest.mark.clock(WRITTEN_FOR)``.
WRITTEN_FOR = "2026-11-28T10:00:00+08:00"

SERIES = {
    "title": "公调对接联席会议",
    "rrule": "FREQ=MONTHLY;BYDAY=1TU",
    "time_zone": "Asia/Shanghai",
    "first_start": "2026-12-01T15:00:00",
    "duration_minutes": 120,
    "place": "区司法局三楼会议室",
    "horizon_months": 6,
}


class Person:
    """A logged-in demo person with their own cookie jar and CSRF token."""

    def __init__(self, client: TestClient, csrf: str, username: str) -> None:
        self.client = client
        self.csrf = csrf
        self.username = username

    @classmethod
    async def login(cls, client: TestClient, username: str) -> Person:
        client.session.cookie_jar.clear()
        return cls(client, await login(client, username), username)

    async def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        headers = {"X-CSRF-Token": self.csrf}
        response = await self.client.request(method, path, json=body, headers=headers)
        if response.content_type == "application/json":
            return response.status, await response.json()
        return response.status, await response.read()

    async def get(self, path: str) -> tuple[int, Any]:
        return await self.call("GET", path)

    async def post(self, path: str, body: Any = None) -> tuple[int, Any]:
        return await self.call("POST", path, body if body is not None else {})

    async def patch(self, path: str, body: Any) -> tuple[int, Any]:
        return await self.call("PATCH", path, body)

    async def put(self, path: str, body: Any) -> tuple[int, Any]:
        return await self.call("PUT", path, body)


async def user_ids(db: Database, *usernames: str) -> list[int]:
    async with db.read() as s:
        found = dict(
            (await s.execute(select(User.username, User.id).where(User.username.in_(usernames)))).all()
        )
    return [found[name] for name in usernames]


async def agency_ids(db: Database, *codes: str) -> list[int]:
    async with db.read() as s:
        found = dict((await s.execute(select(Agency.code, Agency.id).where(Agency.code.in_(codes)))).all())
    return [found[code] for code in codes]


async def give_emails(db: Database, *usernames: str) -> None:
    """Demo people have no e-mail address; calendars list only people who have one."""
    async with db.write() as s:
        for name in usernames:
            await s.execute(update(User).where(User.username == name).values(email=f"{name}@qc.example.cn"))


async def joint_series(secretary: Person, db: Database, **changes: Any) -> dict[str, Any]:
    """The justice bureau's monthly joint meeting with the sub-bureau's and the bureau's people."""
    invited = await user_ids(db, "psb_supervisor", "liaison_jb", "supervisor")
    (chair,) = await user_ids(db, "supervisor")
    body = {**SERIES, "chair_id": chair, "invite_user_ids": invited, **changes}
    status, created = await secretary.post("/api/v1/meetings/series", body)
    assert status == 201, created
    return dict(created)


async def reply_link(db: Database, meeting_id: int, user_id: int) -> str:
    """The person's reply link, as their invitation e-mail carries it. Only its hash is stored and the
    API never hands links out (a manager could answer for others), so the test mints a fresh one."""
    token = new_token(nbytes=24)
    async with db.write() as s:
        result = await s.execute(
            update(Invitee)
            .where(Invitee.meeting_id == meeting_id, Invitee.user_id == user_id)
            .values(rsvp_token_hash=token_hash(token))
        )
        assert result.rowcount == 1, (meeting_id, user_id)  # type: ignore[attr-defined]
    return rsvp_link(meeting_id, token)
