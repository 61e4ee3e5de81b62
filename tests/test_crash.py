"""kill -9: a real ``gongtiao serve`` dies during intake and during a recorded video session, and is
started again on the same database and data directory.

What must hold afterwards: every case the server acknowledged (2xx) is there, whole; the audit chain
verifies (``gongtiao audit verify``); the recording cut off by the crash is a readable Ogg Opus file
(the recording worker closes it when the server dies; crash recovery registers it); and clients
carry on: the API client's next request succeeds and the guest's room socket is welcomed again.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiortc import RTCPeerConnection, RTCSessionDescription
from sqlalchemy import func, select

from hub import audit, directory
from hub.audit import AuditEvent
from hub.config import Config
from hub.db import Database
from referrals.models import Case, Party
from rtc.models import Recording
from rtc.record_ogg import read_audio
from tests.hub.test_events_multiprocess import browser_login
from tests.referrals.helpers import case_body
from tests.rtc.audio import PcmTrack, Span, pattern_pcm
from tests.rtc.helpers import case_in_mediation
from tests.support.env import clean_env
from tests.support.server import ServeProcess, start_serve

pytestmark = [pytest.mark.pg, pytest.mark.rtc, pytest.mark.slow]
WRITERS = 12  # concurrent intake clients
ACKNOWLEDGED = 150  # the crash comes after about this many 2xx


@dataclass
class Hub:
    """``gongtiao serve`` processes on one database; every one started is killed and reaped at the end."""

    config: Config
    logs: Path
    started: list[ServeProcess] = field(default_factory=list)

    async def start(self) -> ServeProcess:
        server = await start_serve(self.config, str(self.logs / f"serve-{len(self.started)}.log"))
        self.started.append(server)
        return server

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        env = clean_env(
            GONGTIAO_DATABASE_URL=self.config.database_url,
            GONGTIAO_DATA_DIR=str(self.config.data_dir),
            GONGTIAO_SECRET_KEY=self.config.secret_key,
        )
        return subprocess.run(
            [sys.executable, "-m", "hub", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            stdin=subprocess.DEVNULL,
        )


@pytest.fixture
async def hub(config: Config, tmp_path: Path) -> AsyncIterator[Hub]:
    hub = Hub(config, tmp_path)
    try:
        yield hub
    finally:
        for server in hub.started:
            if server.process.poll() is None:
                server.kill()


def audit_verifies(hub: Hub) -> None:
    result = hub.cli("audit", "verify")
    assert result.returncode == 0 and "intact" in result.stdout, result.stdout + result.stderr
    assert "not yet linked" not in result.stdout  # linked at the restart and at the clean stop


# --- intake ---------------------------------------------------------------------------------------
@dataclass
class Intake:
    acknowledged: dict[str, int] = field(default_factory=dict)  # incident_no -> case id
    refused: list[int] = field(default_factory=list)  # statuses other than 2xx, before the crash
    cut: int = 0  # requests that got no answer (the crash)


async def write_cases(http: aiohttp.ClientSession, url: str, token: str, intake: Intake) -> None:
    """One client posting cases until the server stops answering it."""
    while True:
        body = case_body(incident_no="K" + uuid.uuid4().hex[:16])
        try:
            async with http.post(
                url + "/api/v1/cases", json=body, headers={"Authorization": f"Bearer {token}"}
            ) as response:
                if 200 <= response.status < 300:
                    created = await response.json()
                    intake.acknowledged[body["incident_no"]] = int(created["id"])
                else:
                    intake.refused.append(response.status)
        except (TimeoutError, aiohttp.ClientError):
            intake.cut += 1
            return


async def api_token(db: Database, username: str) -> str:
    async with db.write() as s:
        user = await directory.find_user(s, username)
        token, _row = await directory.create_token(s, audit.SYSTEM, user, "crash test")
    return token


async def test_cases_acknowledged_before_a_kill_9_are_all_there_after_restart(hub: Hub, db: Database) -> None:
    token = await api_token(db, "liaison_ps01")
    server = await hub.start()
    intake = Intake()
    timeout = aiohttp.ClientTimeout(total=20)
    async with aiohttp.ClientSession(timeout=timeout) as http:
        writers = [asyncio.create_task(write_cases(http, server.url, token, intake)) for _ in range(WRITERS)]
        deadline = time.monotonic() + 20
        while len(intake.acknowledged) < ACKNOWLEDGED and time.monotonic() < deadline:
            if all(w.done() for w in writers):
                break
            await asyncio.sleep(0.05)
        server.kill()  # mid-stream: WRITERS requests are in flight
        await asyncio.wait_for(asyncio.gather(*writers), 30)
    assert len(intake.acknowledged) >= 20, (intake, (hub.logs / "serve-0.log").read_text()[-3000:])
    assert intake.cut == WRITERS  # every client was cut off by the crash, none ended otherwise
    assert intake.refused == []  # under this load, before the crash, nothing was turned away

    server = await hub.start()
    async with db.read() as s:
        rows = dict(
            (
                await s.execute(
                    select(Case.incident_no, Case.id).where(Case.incident_no.in_(list(intake.acknowledged)))
                )
            ).all()
        )
        # Every case written by the test is whole, those the crash cut off included: both parties.
        halves = (
            await s.execute(
                select(Case.id, func.count(Party.id))
                .outerjoin(Party, Party.case_id == Case.id)
                .where(Case.incident_no.like("K%"))
                .group_by(Case.id)
                .having(func.count(Party.id) != 2)
            )
        ).all()
        audited = set(
            (
                await s.scalars(
                    select(AuditEvent.object_id).where(
                        AuditEvent.action == "case.taken_in",
                        AuditEvent.object_id.in_([str(i) for i in intake.acknowledged.values()]),
                    )
                )
            ).all()
        )
    missing = {k: v for k, v in intake.acknowledged.items() if rows.get(k) != v}
    assert missing == {}, f"{len(missing)} acknowledged cases lost of {len(intake.acknowledged)}"
    assert halves == []
    assert audited == {str(i) for i in intake.acknowledged.values()}  # each with its audit row

    async with aiohttp.ClientSession() as http:  # the client carries on against the new process
        async with http.post(
            server.url + "/api/v1/cases",
            json=case_body(incident_no="K-after"),
            headers={"Authorization": f"Bearer {token}"},
        ) as response:
            assert response.status == 201, await response.text()
    assert server.stop() == 0
    audit_verifies(hub)


# --- a recorded session -----------------------------------------------------------------------------
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


async def recorded_files(db: Database, session_id: int, timeout: float = 20) -> list[Recording]:
    """The session's recordings, once the restarted process's recovery has registered them."""
    deadline = time.monotonic() + timeout
    while True:
        async with db.read() as s:
            rows = list((await s.scalars(select(Recording).where(Recording.session_id == session_id))).all())
        if rows or time.monotonic() > deadline:
            return rows
        await asyncio.sleep(0.2)


async def test_a_recording_cut_off_by_a_kill_9_is_readable_and_the_guest_comes_back(
    hub: Hub, db: Database
) -> None:
    case = await case_in_mediation(db)
    server = await hub.start()
    recorded_seconds = 3.5
    async with (
        aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as mediator,
        aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as guest,
    ):
        csrf = await browser_login(mediator, server.url, case.mediator_username)
        created = await mediator.post(
            server.url + "/api/v1/mediations",
            headers={"X-CSRF-Token": csrf},
            json={"case_id": case.case_id, "guests": [{"role": "party", "name": "王芳"}]},
        )
        assert created.status == 201, await created.text()
        session = await created.json()
        party = session["participants"][1]
        issued = await mediator.post(
            f"{server.url}/api/v1/mediations/{session['id']}/participants/{party['id']}/invitation",
            headers={"X-CSRF-Token": csrf},
        )
        link = (await issued.json())["url"].split("/join/")[1]
        page = await (await guest.get(f"{server.url}/join/{link}")).text()
        anon = page.split('name="csrf-token" content="')[1].split('"')[0]
        joined = await guest.post(f"{server.url}/join/{link}", data={"_csrf": anon}, allow_redirects=False)
        assert joined.status == 303

        host_ws = await mediator.ws_connect(f"{server.url}/mediations/{session['id']}/ws", origin=server.url)
        await say(host_ws, "hello", {"consent": "given"})
        await expect(host_ws, lambda b: b["type"] == "welcome")
        party_ws = await guest.ws_connect(f"{server.url}/mediations/{session['id']}/ws", origin=server.url)
        await say(party_ws, "hello", {"consent": "given", "name": "王芳"})
        await expect(party_ws, lambda b: b["type"] == "welcome")
        await say(host_ws, "admit", {"participant": party["id"]})
        await expect(party_ws, lambda b: b["type"] == "state" and b["data"]["you"]["state"] == "admitted")

        pc = RTCPeerConnection()  # the guest's connection to the server's recorder
        try:
            pc.addTrack(PcmTrack(pattern_pcm([Span(0, 1.0, True), Span(1.0, 2.0, False)] * 3)))
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
            await asyncio.sleep(recorded_seconds)
            server.kill()  # mid-sentence: the recording worker sees its stdin close and ends the file
            dropped = await party_ws.receive(timeout=10)
            assert dropped.type in (
                aiohttp.WSMsgType.CLOSE,
                aiohttp.WSMsgType.CLOSED,
                aiohttp.WSMsgType.ERROR,
            )
        finally:
            await pc.close()
            await host_ws.close()
            await party_ws.close()

        server = await hub.start()
        rows = await recorded_files(db, session["id"])
        assert [(r.participant_id, r.room, r.recovered) for r in rows] == [(party["id"], "main", True)]
        path = hub.config.data_dir / rows[0].path
        assert path.suffix == ".ogg"
        seconds = read_audio(path).duration_seconds  # decodes, whole
        assert recorded_seconds - 1.5 < seconds <= recorded_seconds + 0.5
        assert abs(rows[0].duration_seconds - seconds) < 0.05
        assert rows[0].sha256 == hashlib.sha256(path.read_bytes()).hexdigest()

        # The guest's browser reconnects with the cookie it has, to the restarted process.
        again = await guest.ws_connect(f"{server.url}/mediations/{session['id']}/ws", origin=server.url)
        await say(again, "hello", {"consent": "given", "name": "王芳"})
        welcome = await expect(again, lambda b: b["type"] in ("welcome", "error"), timeout=20)
        assert welcome["type"] == "welcome" and welcome["data"]["participant"] == party["id"], welcome
        await again.close()
    assert server.stop() == 0
    audit_verifies(hub)
