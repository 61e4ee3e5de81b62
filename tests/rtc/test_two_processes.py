"""Two `gongtiao serve` processes on one PostgreSQL: the mediator's socket lands on one, a party's on
the other; the room lives on the first (with its recorder) and the second relays the party's
messages over LISTEN/NOTIFY, SDP offers included."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiortc import RTCPeerConnection, RTCSessionDescription
from sqlalchemy import select

from hub.config import Config
from hub.db import Database
from rtc.models import MediationSession, Recording
from tests.hub.test_events_multiprocess import browser_login
from tests.rtc.audio import PcmTrack, Span, pattern_pcm
from tests.rtc.helpers import case_in_mediation
from tests.support.server import start_serve

pytestmark = [pytest.mark.pg_only, pytest.mark.rtc, pytest.mark.slow]


async def say(ws: aiohttp.ClientWebSocketResponse, kind: str, data: dict[str, Any] | None = None) -> None:
    await ws.send_str(json.dumps({"v": 1, "type": kind, "data": data or {}}))


async def expect(ws: aiohttp.ClientWebSocketResponse, check: Any, timeout: float = 10) -> dict[str, Any]:
    async def read() -> dict[str, Any]:
        while True:
            msg = await ws.receive()
            assert msg.type == aiohttp.WSMsgType.TEXT, msg
            body = json.loads(msg.data)
            if check(body):
                return dict(body)

    return await asyncio.wait_for(read(), timeout)


async def test_a_party_on_another_process_joins_the_room_and_is_recorded_there(
    config: Config, db: Database, tmp_path: Path
) -> None:
    case = await case_in_mediation(db)
    first = await start_serve(config, str(tmp_path / "a.log"))
    second = await start_serve(config, str(tmp_path / "b.log"))
    jar = aiohttp.CookieJar(unsafe=True)
    try:
        async with (
            aiohttp.ClientSession(cookie_jar=jar) as mediator,
            aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as party,
        ):
            csrf = await browser_login(mediator, first.url, case.mediator_username)
            created = await mediator.post(
                first.url + "/api/v1/mediations",
                headers={"X-CSRF-Token": csrf},
                json={"case_id": case.case_id, "guests": [{"role": "party", "name": "王芳"}]},
            )
            assert created.status == 201
            session = await created.json()
            guest = session["participants"][1]
            issued = await mediator.post(
                f"{first.url}/api/v1/mediations/{session['id']}/participants/{guest['id']}/invitation",
                headers={"X-CSRF-Token": csrf},
            )
            token = (await issued.json())["url"].split("/join/")[1]
            page = await (await party.get(f"{second.url}/join/{token}")).text()
            anon = page.split('name="csrf-token" content="')[1].split('"')[0]
            joined = await party.post(
                f"{second.url}/join/{token}", data={"_csrf": anon}, allow_redirects=False
            )
            assert joined.status == 303

            host_ws = await mediator.ws_connect(
                f"{first.url}/mediations/{session['id']}/ws", origin=first.url
            )
            await say(host_ws, "hello", {"consent": "given"})
            await expect(host_ws, lambda b: b["type"] == "welcome")
            party_ws = await party.ws_connect(
                f"{second.url}/mediations/{session['id']}/ws", origin=second.url
            )
            await say(party_ws, "hello", {"consent": "given", "name": "王芳"})
            welcome = await expect(party_ws, lambda b: b["type"] == "welcome")
            assert welcome["data"]["participant"] == guest["id"]
            async with db.read() as s:
                row = await s.get(MediationSession, session["id"])
                assert row is not None and row.host_instance  # pinned to the first process

            await expect(
                host_ws,
                lambda b: (
                    b["type"] == "state" and any(m["state"] == "lobby" for m in b["data"].get("members", []))
                ),
            )
            await say(host_ws, "admit", {"participant": guest["id"]})
            await expect(party_ws, lambda b: b["type"] == "state" and b["data"]["you"]["state"] == "admitted")
            await party_ws.send_str("[" * 60_000)  # relayed to the host, refused there; the relay lives on
            bad = await expect(party_ws, lambda b: b["type"] == "error")
            assert bad["data"]["code"] == "bad_json"
            await say(party_ws, "chat", {"text": "您好，调解员"})
            chat = await expect(host_ws, lambda b: b["type"] == "chat")
            assert chat["data"]["text"] == "您好，调解员" and chat["data"]["from"] == guest["id"]

            # The party's recorder connection, negotiated through the relay.
            pc = RTCPeerConnection()
            pcm = pattern_pcm([Span(0, 1.0, True), Span(1.0, 2.0, False)] * 2)
            pc.addTrack(PcmTrack(pcm))
            await pc.setLocalDescription(await pc.createOffer())
            await say(party_ws, "hub_offer", {"sdp": pc.localDescription.sdp})
            answer = await expect(party_ws, lambda b: b["type"] in ("hub_answer", "error"), timeout=20)
            assert answer["type"] == "hub_answer", answer
            await pc.setRemoteDescription(RTCSessionDescription(answer["data"]["sdp"], "answer"))
            for _ in range(100):
                if pc.connectionState == "connected":
                    break
                await asyncio.sleep(0.1)
            assert pc.connectionState == "connected"
            await asyncio.sleep(3)
            await say(host_ws, "end", {"outcome": "adjourned"})
            ended = await expect(party_ws, lambda b: b["type"] == "ended")
            assert ended["data"]["reason"] == "ended"
            await pc.close()
            await host_ws.close()
            await party_ws.close()
        for _ in range(50):
            async with db.read() as s:
                rows = (await s.scalars(select(Recording).where(Recording.session_id == session["id"]))).all()
            if any(r.participant_id == guest["id"] for r in rows):
                break
            await asyncio.sleep(0.2)
        mine = [r for r in rows if r.participant_id == guest["id"]]
        assert mine and mine[0].duration_seconds > 1.5
        assert (config.data_dir / mine[0].path).is_file()
    finally:
        assert first.stop() == 0
        assert second.stop() == 0


async def test_a_process_that_stops_gives_its_rooms_up_at_once(
    config: Config, db: Database, tmp_path: Path
) -> None:
    case = await case_in_mediation(db)
    server = await start_serve(config, str(tmp_path / "a.log"))
    try:
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as mediator:
            csrf = await browser_login(mediator, server.url, case.mediator_username)
            created = await mediator.post(
                server.url + "/api/v1/mediations",
                headers={"X-CSRF-Token": csrf},
                json={"case_id": case.case_id, "guests": [{"role": "party", "name": "王芳"}]},
            )
            session = await created.json()
            ws = await mediator.ws_connect(f"{server.url}/mediations/{session['id']}/ws", origin=server.url)
            await say(ws, "hello", {"consent": "given"})
            await expect(ws, lambda b: b["type"] == "welcome")
            async with db.read() as s:
                row = await s.get(MediationSession, session["id"])
                assert row is not None and row.host_instance  # held by the running process
            assert server.stop() == 0
            ended = await expect(ws, lambda b: b["type"] == "ended")
            assert ended["data"]["reason"] == "server_shutdown"  # browsers reconnect, not give up
            await ws.close()
        async with db.read() as s:
            row = await s.get(MediationSession, session["id"])
            assert row is not None and row.status == "live" and row.host_instance == ""
    finally:
        server.stop()
