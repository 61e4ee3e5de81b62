"""Who may download a session's recordings (#15, finding 8).

Main-room tracks go to those who may run the session. A private caucus (背对背) is said in
confidence to the mediator who held it: its tracks go to that mediator only (and to whom the policy
names), not to every liaison and mediator of the room as before.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from hub.config import Config
from hub.db import Database
from hub.models import User, UserRole
from rtc.models import MediationSession, Recording
from tests.referrals.helpers import Person
from tests.rtc.helpers import another_browser
from tests.rtc.test_minutes_flow import held_session

pytestmark = pytest.mark.pg


@pytest.fixture
async def browsers(client: TestClient) -> AsyncIterator[list[TestClient]]:
    made = [await another_browser(client) for _ in range(3)]
    yield made
    for other in made:
        await other.close()


async def test_caucus_tracks_go_to_the_mediator_who_held_the_caucus_only(
    client: TestClient, db: Database, config: Config, browsers: list[TestClient]
) -> None:
    held = await held_session(client, db, browsers)
    async with db.read() as s:
        session = await s.get(MediationSession, held.session_id)
        assert session is not None
        recordings = (await s.scalars(select(Recording).where(Recording.session_id == held.session_id))).all()
        colleague = await s.scalar(
            select(User.username)
            .join(UserRole, UserRole.user_id == User.id)
            .where(
                User.agency_id == session.agency_id,
                User.id != session.mediator_id,
                UserRole.role.in_(["liaison", "mediator"]),
                User.active.is_(True),
            )
            .limit(1)
        )
    assert colleague is not None, "the room has another person who may run its sessions"
    for row in recordings:  # the record's tracks, as files on disk
        path = config.data_dir / row.path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"RIFF")
    main = next(r for r in recordings if r.room == "main")
    caucus = next(r for r in recordings if r.room.startswith("caucus"))

    def url(row: Recording) -> str:
        return f"/mediations/{held.session_id}/recordings/{row.id}"

    assert (await held.mediator.client.get(url(main))).status == 200
    assert (await held.mediator.client.get(url(caucus))).status == 200
    page = await (await held.mediator.client.get(f"/mediations/{held.session_id}")).text()
    assert url(caucus) in page

    other = await Person.login(await another_browser(client), colleague)
    assert (await other.client.get(url(main))).status == 200
    assert (await other.client.get(url(caucus))).status == 403
    page = await (await other.client.get(f"/mediations/{held.session_id}")).text()
    assert url(main) in page and url(caucus) not in page
    await other.client.close()
