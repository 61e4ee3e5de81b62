"""Two `gongtiao serve` processes on one PostgreSQL see each other's events (LISTEN/NOTIFY)."""

import asyncio
import json
from pathlib import Path

import aiohttp
import pytest

from hub.config import Config
from tests.support.server import start_serve
from tests.support.web import DEMO_PASSWORD

pytestmark = [pytest.mark.pg_only, pytest.mark.slow]


async def browser_login(session: aiohttp.ClientSession, base: str, username: str) -> str:
    page = await (await session.get(base + "/login")).text()
    token = page.split('name="csrf-token" content="')[1].split('"')[0]
    async with session.post(
        base + "/login", data={"username": username, "password": DEMO_PASSWORD, "_csrf": token}
    ) as response:
        assert response.status == 200
        text = await response.text()
    return text.split('name="csrf-token" content="')[1].split('"')[0]


async def next_event(stream: aiohttp.ClientResponse, kind: str, timeout: float = 10) -> dict[str, object]:
    async def read() -> dict[str, object]:
        current = None
        async for raw in stream.content:
            line = raw.decode().rstrip("\n")
            if line.startswith("event: "):
                current = line[7:]
            elif line.startswith("data: ") and current == kind:
                return json.loads(line[6:])  # type: ignore[no-any-return]
        raise AssertionError("stream ended")

    return await asyncio.wait_for(read(), timeout)


async def test_an_event_published_in_one_process_reaches_the_other(config: Config, tmp_path: Path) -> None:
    first = await start_serve(config, str(tmp_path / "a.log"))
    second = await start_serve(config, str(tmp_path / "b.log"))
    try:
        async with (
            aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as watcher,
            aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as actor,
        ):
            await browser_login(watcher, second.url, "liaison_ps02")
            stream = await watcher.get(second.url + "/events", timeout=aiohttp.ClientTimeout(total=None))
            assert stream.status == 200
            assert (await stream.content.readline()).startswith(b": connected")

            csrf = await browser_login(actor, first.url, "admin")
            created = await actor.post(
                first.url + "/api/v1/agencies",
                headers={"X-CSRF-Token": csrf},
                json={
                    "code": "SB-TEST",
                    "name": "测试专业调解委员会",
                    "kind": "specialised_body",
                    "parent_id": None,
                },
            )
            assert created.status == 201, await created.text()

            event = await next_event(stream, "agency.created")
            assert event["data"] == {"id": (await created.json())["id"], "name": "测试专业调解委员会"}
            stream.close()
    finally:
        codes = (first.stop(), second.stop())
    assert codes == (0, 0), (tmp_path / "a.log").read_text()[-2000:]
