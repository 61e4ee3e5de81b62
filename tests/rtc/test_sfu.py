"""When a room moves its media to the SFU, and what happens when the SFU is not there (no Janus
needed: tests/e2e/test_sfu_room.py runs the real one with eight browsers)."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient

from hub.app import create_app
from hub.config import Config, ConfigError
from hub.db import Database
from rtc.rooms import MEDIATOR, MESH, SFU, Room
from tests.referrals.helpers import Person
from tests.rtc.helpers import (
    case_in_mediation,
    claim,
    expect,
    expect_state,
    issue_link,
    open_socket,
    say,
    schedule,
)
from tests.support.pg import free_port

# The room's sockets and a Janus that does not answer: real timings, so in the one-at-a-time pass.
pytestmark = pytest.mark.rtc


def _room_of(people: int) -> Room:
    room = Room(1, max_participants=5)
    room.arrive(1, MEDIATOR, "调解员", "given")
    for pid in range(2, people + 1):
        room.arrive(pid, "party", f"p{pid}", "given")
    return room


@pytest.mark.parametrize(
    ("present", "threshold", "newcomer", "outgrows"),
    [
        (4, 5, 5, False),  # the fifth fits the mesh
        (5, 5, 6, True),  # the sixth does not
        (5, 5, 3, False),  # someone coming back is not one more
        (1, 1, 2, True),  # a threshold of one: every room with two people goes through the SFU
    ],
)
def test_a_room_outgrows_the_mesh_only_when_an_arrival_passes_the_threshold(
    present: int, threshold: int, newcomer: int, outgrows: bool
) -> None:
    assert _room_of(present).outgrows_mesh(newcomer, threshold) is outgrows


def test_the_sfu_is_for_good_and_lets_the_room_grow() -> None:
    room = _room_of(5)
    room.use_sfu(30)
    assert room.media == SFU and room.max_participants == 30
    assert not room.outgrows_mesh(99, 1)  # no way back, nothing to decide again
    for pid in range(6, 31):
        room.arrive(pid, "observer", f"o{pid}", "given")
    assert len(room.present()) == 30


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8188", "ws://user:pw@127.0.0.1:8188", "ws://127.0.0.1:8188/?x=1", "janus"]
)
def test_the_janus_url_must_be_a_plain_websocket_address(url: str) -> None:
    with pytest.raises(ConfigError, match="JANUS_URL"):
        Config.from_env({"GONGTIAO_JANUS_URL": url, "GONGTIAO_SECRET_KEY": "x" * 32})
    ok = Config.from_env({"GONGTIAO_JANUS_URL": "ws://127.0.0.1:8188", "GONGTIAO_SECRET_KEY": "x" * 32})
    assert ok.janus_url == "ws://127.0.0.1:8188" and ok.sfu_threshold == 5


async def test_a_room_whose_janus_does_not_answer_stays_a_mesh(
    aiohttp_client, config: Config, db: Database
) -> None:
    silent = config.with_overrides(janus_url=f"ws://127.0.0.1:{free_port()}", sfu_threshold=1)
    client: TestClient = await aiohttp_client(create_app(silent))
    case = await case_in_mediation(db)
    mediator = await Person.login(client, case.mediator_username)
    session = await schedule(mediator, case.case_id, guests=[{"role": "party", "name": "王芳"}])
    sid, guest = session["id"], next(p for p in session["participants"] if p["role"] == "party")
    host = await open_socket(client, sid)
    await say(host, "hello", {"consent": "given"})
    await expect(host, "welcome")
    token = await issue_link(mediator, sid, guest["id"])
    _, secret = await claim(client, token)
    party = await open_socket(client, sid, cookies={f"gt_guest_{sid}": secret})
    await say(party, "hello", {"consent": "given"})  # the second person passes the threshold of one
    await expect(party, "welcome")
    seen = await expect_state(host, lambda d: len(d.get("members", [])) == 2)
    assert seen["media"] == MESH and "feeds" not in seen["you"]
    await say(host, "sfu_publish", {"sdp": "v=0"})
    error = (await expect(host, "error"))["data"]
    assert error["code"] == "not_sfu"
    await host.close()
    await party.close()
