"""The SFU adapter (rtc/sfu.py, rtc/room/media.py) against a real Janus started here, with aiortc
peers in the browsers' place: what happens when Janus gives up on a connection, or refuses an answer.

With eight people let in at once, some seventy connections start together on two cores, and Janus
hangs some of them up (ICE failed, DTLS timeout). The adapter ignored Janus's ``hangup``: the
subscription stayed on the hub's books, so that viewer never received that feed again. A refused
answer made the hub tell the *viewer's* page ``sfu_failed``, which makes a page publish again: its
own feed was dropped for everyone, offered again, answered... one failure fed the next. And an
answer to an offer since replaced went to Janus for the new offer.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import AudioStreamTrack

from rtc import sfu as sfu_module
from rtc.janus import JanusClient
from rtc.room import media as media_module
from rtc.room import signalling
from rtc.room.media import SfuMedia
from rtc.rooms import MEDIATOR, Room
from rtc.sfu import RECORDER, SfuError, SfuRoom
from tests.support.janus import API_SECRET, janus_server

pytestmark = pytest.mark.rtc


class Calls:
    """What the adapter told the host: a feed to sync for, a publisher lost."""

    def __init__(self) -> None:
        self.ready: list[int] = []
        self.lost: list[int] = []
        self.changed = asyncio.Event()

    async def on_ready(self, feed: int) -> None:
        self.ready.append(feed)
        self.changed.set()

    async def on_lost(self, pid: int) -> None:
        self.lost.append(pid)
        self.changed.set()

    async def until(self, check: Callable[[], bool], timeout: float = 15) -> None:
        async with asyncio.timeout(timeout):
            while not check():
                self.changed.clear()
                await self.changed.wait()


@pytest.fixture
async def room(tmp_path: Path) -> AsyncIterator[tuple[SfuRoom, JanusClient, Calls]]:
    calls = Calls()
    async with janus_server(tmp_path / "janus") as url:
        client = JanusClient(url, API_SECRET)
        await client.start()
        sfu = SfuRoom(client, max_publishers=4, on_ready=calls.on_ready)
        sfu.on_publisher_lost = calls.on_lost
        await sfu.create()
        try:
            yield sfu, client, calls
        finally:
            await sfu.close()
            await client.close()


async def publish(sfu: SfuRoom, pid: int) -> RTCPeerConnection:
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    pc.addTransceiver(AudioStreamTrack(), direction="sendonly")
    await pc.setLocalDescription(await pc.createOffer())  # aiortc gathers here: no trickle
    answer = await sfu.publish(pid, f"p{pid}", pc.localDescription.sdp)
    await pc.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))
    return pc


async def receive(sfu: SfuRoom, viewer: int, feed: int) -> RTCPeerConnection:
    offer = await sfu.subscribe(viewer, feed)
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    await pc.setRemoteDescription(RTCSessionDescription(sdp=offer, type="offer"))
    await pc.setLocalDescription(await pc.createAnswer())
    await sfu.start(viewer, feed, pc.localDescription.sdp)
    return pc


async def hang_up(client: JanusClient, handle_id: int) -> None:
    """Janus ends the handle's PeerConnection as after a failure, and says ``hangup``."""
    await client.request({"janus": "hangup", "handle_id": handle_id})


async def test_janus_hanging_up_or_refusing_a_connection_is_repaired_not_spread(
    room: tuple[SfuRoom, JanusClient, Calls], monkeypatch: pytest.MonkeyPatch
) -> None:
    sfu, client, calls = room
    monkeypatch.setattr(sfu_module, "RETRY_SECONDS", 0.0, raising=False)
    pcs = [await publish(sfu, 1), await publish(sfu, 2)]
    await calls.until(lambda: sfu.ready == {1, 2})
    pcs += [await receive(sfu, 2, 1), await receive(sfu, 1, 2)]
    up = [sfu.subscriptions[k].up.wait() for k in ((2, 1), (1, 2))]
    async with asyncio.timeout(15):
        await asyncio.gather(*up)

    # A subscription Janus hangs up leaves the hub's books, and the host is asked to sync (it
    # offers the feed again); the publisher and the other subscriptions are untouched.
    calls.ready.clear()
    await hang_up(client, sfu.subscriptions[(2, 1)].id)
    await calls.until(lambda: calls.ready == [1])
    assert not sfu.has(2, 1) and sfu.has(1, 2)
    assert sfu.ready == {1, 2} and calls.lost == []

    # An answer Janus refuses: the subscription goes and is offered again; the viewer's own
    # publication stays (nobody tells its page to publish again).
    await sfu.subscribe(2, 1)
    calls.ready.clear()
    with pytest.raises(SfuError):
        await sfu.start(2, 1, "v=0\r\n")
    await calls.until(lambda: calls.ready == [1])
    assert not sfu.has(2, 1) and sfu.ready == {1, 2} and calls.lost == []

    # A publisher Janus hangs up: its feed and every subscription to it go, its page is told to
    # publish again, and the host syncs (the others let go of the feed).
    calls.ready.clear()
    await hang_up(client, sfu.publishers[2].id)
    await calls.until(lambda: calls.lost == [2] and calls.ready == [2])
    assert sfu.ready == {1} and 2 not in sfu.publishers and not sfu.has(1, 2)

    # The hub's own detaching is no failure: nothing is repaired.
    calls.ready.clear()
    await sfu.leave(1)
    await asyncio.sleep(0.3)
    assert calls.ready == [] and calls.lost == [2]
    for pc in pcs:
        await pc.close()


class _Janus:
    """Enough of ``SfuRoom`` for ``SfuMedia.answer``: which answers reach Janus."""

    def __init__(self, current: int) -> None:
        self.ready = {1, 2}
        self.current = current
        self.started: list[tuple[int, int, str]] = []
        self.on_publisher_lost: Callable[[int], Awaitable[None]] | None = None

    def subscription_id(self, viewer: int, feed: int) -> int | None:
        return self.current

    async def start(self, viewer: int, feed: int, sdp: str) -> None:
        self.started.append((viewer, feed, sdp))


async def test_an_answer_to_a_replaced_offer_never_reaches_janus() -> None:
    room = Room(1)
    room.arrive(1, MEDIATOR, "调解员", "given")
    room.arrive(2, "party", "王芳", "given")
    room.admit(1, 2)
    janus = _Janus(current=22)
    sent: list[tuple[int, str]] = []

    async def send(pid: int, text: str) -> None:
        sent.append((pid, text))

    def spawn(work: Any, name: str) -> None:
        raise AssertionError("nothing to spawn")

    media = SfuMedia(janus, room, send=send, record=send, spawn=spawn)  # type: ignore[arg-type]
    await media.answer(2, 1, "old", 21)  # the offer 21 was replaced by 22 meanwhile
    await media.answer(2, 1, "new", 22)
    await media.answer(2, 1, "no id", None)  # a page that names no offer: taken as the current one
    assert janus.started == [(2, 1, "new"), (2, 1, "no id")]
    # Janus hanging up a publisher: the page hears sfu_failed about its newest sfu_publish.
    media._published[2] = 7
    assert janus.on_publisher_lost is not None
    await janus.on_publisher_lost(2)
    assert sent == [(2, signalling.error_text("sfu_failed", 7))]


async def test_an_offer_a_page_never_answers_is_offered_again_until_it_connects(
    room: tuple[SfuRoom, JanusClient, Calls], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A page can lose an offer (it never answers) while Janus keeps waiting: the hub sends the
    same offer again, so a page that was only slow is not made to start over, and stops once the
    answer reached Janus; the page's answer said twice starts the subscription once."""
    sfu, _client, calls = room
    monkeypatch.setattr(media_module, "ANSWER_SECONDS", 1.5)
    monkeypatch.setattr(media_module, "OFFER_RETRY_SECONDS", 0.1)
    members = Room(1)
    members.arrive(1, MEDIATOR, "调解员", "given")
    members.arrive(2, "party", "王芳", "given")
    members.admit(1, 2)
    offers: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    tasks: set[asyncio.Task[None]] = set()

    async def send(pid: int, text: str) -> None:
        message = json.loads(text)
        if pid == 2 and message["type"] == "sfu_offer":
            await offers.put(message)

    pcs = [await publish(sfu, 1)]

    async def record(pid: int, offer: str) -> str:  # the hub's recorder answers at once
        pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        pcs.append(pc)
        await pc.setRemoteDescription(RTCSessionDescription(sdp=offer, type="offer"))
        await pc.setLocalDescription(await pc.createAnswer())
        return pc.localDescription.sdp

    def spawn(work: Any, name: str) -> None:
        tasks.add(asyncio.create_task(work, name=name))

    media = SfuMedia(sfu, members, send=send, record=record, spawn=spawn)
    await calls.until(lambda: sfu.ready == {1})
    await media.sync()
    first = await asyncio.wait_for(offers.get(), 10)  # ... and the page never answers it
    second = await asyncio.wait_for(offers.get(), 10)
    assert second == first  # the same offer again, not a new subscription
    assert sfu.subscription_id(2, 1) == first["id"]
    handle = sfu.subscriptions[(2, 1)]

    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    pcs.append(pc)
    await pc.setRemoteDescription(RTCSessionDescription(sdp=first["data"]["sdp"], type="offer"))
    await pc.setLocalDescription(await pc.createAnswer())
    await asyncio.gather(  # the page answers the offer, and again when it comes again
        media.answer(2, 1, pc.localDescription.sdp, first["id"]),
        media.answer(2, 1, pc.localDescription.sdp, first["id"]),
    )
    async with asyncio.timeout(15):
        await asyncio.gather(*tasks)  # the offering ends once the answer reached Janus
        await handle.up.wait()  # ... and the connection comes up, on the subscription first offered
        await sfu.subscriptions[(RECORDER, 1)].up.wait()
    assert sfu.subscriptions[(2, 1)] is handle
    await media.answer(2, 1, pc.localDescription.sdp, first["id"])  # late, once more: nothing changes
    assert sfu.subscriptions[(2, 1)] is handle and not handle.gone.is_set()
    while not offers.empty():  # sent again while the answer was on its way: the same offer still
        assert offers.get_nowait() == first

    # The page got nothing on that connection in the time it allows (sfu_refresh): the hub drops
    # the subscription and offers the feed anew, even though Janus saw nothing wrong.
    spawn(media.refresh(2, 1), "refresh")  # as the room runs it: off its lock
    third = await asyncio.wait_for(offers.get(), 10)
    assert third["data"]["feed"] == 1 and third["id"] != first["id"]
    assert sfu.subscription_id(2, 1) == third["id"]
    await media.refresh(2, 2)  # one's own feed is never offered
    assert offers.empty()
    for task in tasks:
        task.cancel()
    for pc in pcs:
        await pc.close()
