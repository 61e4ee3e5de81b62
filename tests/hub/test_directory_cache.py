"""The agency list is built once per process and kept until the directory changes: a caller with
the current copy gets 304, a caller without the right gets nothing, and a new agency (here, or
announced by another process on the directory topic) is in the next answer."""

import asyncio

import pytest
from aiohttp.test_utils import TestClient

from hub.directory_cache import DIRECTORY, TOPIC, DirectoryCache
from hub.events import Event, LocalBus
from tests.support.web import login

pytestmark = pytest.mark.pg


async def test_the_agency_list_is_kept_answers_304_and_changes_with_a_new_agency(client: TestClient) -> None:
    cache = client.app[DIRECTORY]
    # Without a login the tag tells nothing: the permission is checked before any 304.
    refused = await client.get("/api/v1/agencies", headers={"If-None-Match": "*"})
    assert refused.status == 401 and "ETag" not in refused.headers

    csrf = await login(client, "psb_admin")
    first = await client.get("/api/v1/agencies")
    etag, body = first.headers["ETag"], await first.json()
    assert first.status == 200 and first.headers["Cache-Control"] == "private, no-cache"
    assert body["total"] == len(body["items"]) > 0
    built = cache.builds
    kept = await client.get("/api/v1/agencies", headers={"If-None-Match": etag})
    assert (kept.status, await kept.read(), kept.headers["ETag"]) == (304, b"", etag)
    again = await client.get("/api/v1/agencies")
    assert (await again.json(), cache.builds) == (body, built)  # the kept body, not built again
    stations = await client.get("/api/v1/agencies?kind=police_station")
    assert {a["kind"] for a in (await stations.json())["items"]} == {"police_station"}

    psb = next(a for a in body["items"] if a["code"] == "PSB")
    created = await client.post(
        "/api/v1/agencies",
        headers={"X-CSRF-Token": csrf},
        json={"code": "PS24", "name": "新城派出所", "kind": "police_station", "parent_id": psb["id"]},
    )
    assert created.status == 201
    changed = await client.get("/api/v1/agencies", headers={"If-None-Match": etag})
    assert changed.status == 200 and changed.headers["ETag"] != etag
    assert "PS24" in {a["code"] for a in (await changed.json())["items"]}


async def test_an_event_on_the_directory_topic_drops_the_kept_bodies() -> None:
    bus, cache = LocalBus(), DirectoryCache()
    bodies = iter([b"[1]", b"[1,2]"])

    async def build() -> bytes:
        return next(bodies)

    watching = asyncio.create_task(cache.watch(bus))
    await asyncio.sleep(0)  # the watcher subscribes
    assert (await cache.get("agencies", build)).data == b"[1]"
    assert (await cache.get("agencies", build)).data == b"[1]"
    await bus.publish(Event(TOPIC, "directory.changed"))  # as another process's change arrives
    await asyncio.sleep(0)
    assert (await cache.get("agencies", build)).data == b"[1,2]"
    await bus.close()
    await watching


async def test_a_change_during_a_build_keeps_the_stale_body_out() -> None:
    cache = DirectoryCache()

    async def build() -> bytes:
        cache.invalidate()  # the directory changed while this was being read
        return b"stale"

    assert (await cache.get("agencies", build)).data == b"stale"
    await cache.get("agencies", build)
    assert cache.builds == 2  # the stale body was answered once, never kept
