"""One mediation room's media on Janus's VideoRoom: the Janus room, each member's publisher, each
subscription the hub allowed, and the recorder's subscription to each member's audio.

The hub decides; Janus only forwards. Publisher ids in Janus are participant ids. The Janus room is
private (not listed) and known only to the hub, which is Janus's only client: nobody joins it, and
nobody receives a feed, except through a subscription made here. A subscription is keyed by
``(viewer, feed)``: ``viewer`` is a participant id, or ``RECORDER`` for the hub's own recorder.

Janus lets a subscriber join a feed only once the publisher's connection is up (``webrtcup``):
``publish`` returns the answer at once and calls ``on_ready(pid)`` when that moment comes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from rtc.janus import Handle, JanusClient, JanusError

logger = logging.getLogger(__name__)

RECORDER = 0  # the viewer id of the hub's recorder (participant ids start at 1)
SLOW_SECONDS = 30.0  # a publisher not connected by then is worth a line in the log
RETRY_SECONDS = 2.0  # a subscription Janus refused is offered again after this
# A large room's tiles are small: each member publishes at most this (Janus does not transcode).
ROOM_BITRATE = 400_000


class SfuError(Exception):
    """Janus refused or did not answer; the member is told ``sfu_failed``."""


class SfuRoom:
    def __init__(
        self,
        client: JanusClient,
        *,
        max_publishers: int,
        on_ready: Callable[[int], Awaitable[None]],
    ) -> None:
        self._client = client
        self.room_id = secrets.randbelow(2**52) + 1  # Janus's ids are numbers; never guessed, never reused
        self._secret = secrets.token_urlsafe(16)
        self._max_publishers = max_publishers
        self._on_ready = on_ready
        self._control: Handle | None = None
        self.publishers: dict[int, Handle] = {}
        self.ready: set[int] = set()
        self.subscriptions: dict[tuple[int, int], Handle] = {}
        self._watchers: dict[int, asyncio.Task[None]] = {}
        self._repairs: set[asyncio.Task[None]] = set()
        self._starting: set[Handle] = set()  # subscriptions whose answer is on its way to Janus
        # Told when Janus hung up a member's publisher (their page must publish again).
        self.on_publisher_lost: Callable[[int], Awaitable[None]] | None = None

    async def create(self) -> None:
        try:
            self._control = await self._client.attach()
            await self._control.message(
                {
                    "request": "create",
                    "room": self.room_id,
                    "description": "gongtiao",
                    "secret": self._secret,
                    "is_private": True,
                    "permanent": False,
                    "publishers": self._max_publishers,
                    "bitrate": ROOM_BITRATE,
                    "audiocodec": "opus",
                    "videocodec": "vp8",
                    "notify_joining": False,
                }
            )
        except JanusError as exc:
            raise SfuError(str(exc)) from exc

    # --- publishing -------------------------------------------------------------------------------
    async def publish(self, pid: int, name: str, offer_sdp: str) -> str:
        """Janus's answer to a member's send-only offer; a new offer replaces the old publisher."""
        await self.unpublish(pid)
        handle = await self._attach()
        self.publishers[pid] = handle
        try:
            reply = await handle.message(
                {
                    "request": "joinandconfigure",
                    "ptype": "publisher",
                    "room": self.room_id,
                    "id": pid,
                    "display": name[:100],
                    "bitrate": ROOM_BITRATE,
                },
                {"type": "offer", "sdp": offer_sdp},
            )
            answer = reply.sdp
        except JanusError as exc:
            if self.publishers.get(pid) is handle:
                del self.publishers[pid]
            await handle.detach()
            raise SfuError(str(exc)) from exc
        handle.on_hangup = lambda reason: self._publisher_hung_up(pid, handle, reason)
        self._watchers[pid] = asyncio.create_task(self._watch(pid, handle), name=f"sfu-ready-{pid}")
        return answer

    async def _watch(self, pid: int, handle: Handle) -> None:
        """Until the publisher's connection is up (however long: a starved phone takes its time),
        or it is replaced or gone (then this task is cancelled)."""
        try:
            async with asyncio.timeout(SLOW_SECONDS):
                await handle.up.wait()
        except TimeoutError:
            logger.warning("publisher %s has not connected to Janus in %g s", pid, SLOW_SECONDS)
            await handle.up.wait()
        if self.publishers.get(pid) is handle:
            self.ready.add(pid)
            await self._on_ready(pid)

    async def unpublish(self, pid: int) -> None:
        """The member's publisher goes, and every subscription to it (theirs to others stay)."""
        self.ready.discard(pid)
        watcher = self._watchers.pop(pid, None)
        if watcher is not None and watcher is not asyncio.current_task():
            watcher.cancel()
        for key in [k for k in self.subscriptions if k[1] == pid]:
            await self.drop(*key)
        handle = self.publishers.pop(pid, None)
        if handle is not None:
            await handle.detach()

    async def leave(self, pid: int) -> None:
        """The member is gone: their publisher, and every subscription to them and by them."""
        await self.unpublish(pid)
        for key in [k for k in self.subscriptions if k[0] == pid]:
            await self.drop(*key)

    # --- subscribing ------------------------------------------------------------------------------
    async def subscribe(self, viewer: int, feed: int) -> str:
        """Janus's offer of ``feed`` to ``viewer`` (a new subscription replaces an older one)."""
        await self.drop(viewer, feed)
        if feed not in self.ready:
            raise SfuError(f"feed {feed} is not published")
        handle = await self._attach()
        handle.on_hangup = lambda reason: self._subscription_hung_up(viewer, feed, handle, reason)
        self.subscriptions[(viewer, feed)] = handle
        try:
            reply = await handle.message(
                {"request": "join", "ptype": "subscriber", "room": self.room_id, "streams": [{"feed": feed}]}
            )
            return reply.sdp
        except JanusError as exc:
            await self.drop(viewer, feed, handle)
            raise SfuError(str(exc)) from exc

    async def start(self, viewer: int, feed: int, answer_sdp: str) -> None:
        """The viewer's answer to ``subscribe``'s offer: Janus starts forwarding."""
        handle = self.subscriptions.get((viewer, feed))
        if handle is None:
            raise SfuError(f"no subscription of {viewer} to {feed}")
        if handle in self._starting or handle.answered.is_set():
            return  # the same answer again (the page answers an offer sent twice once more)
        self._starting.add(handle)
        try:
            await handle.message({"request": "start"}, {"type": "answer", "sdp": answer_sdp})
            handle.answered.set()
        except JanusError as exc:  # dropped, and offered again a little later
            await self.drop(viewer, feed, handle)
            self._repair(self._resubscribe(viewer, feed, handle, RETRY_SECONDS), f"sfu-retry-{viewer}-{feed}")
            raise SfuError(str(exc)) from exc
        finally:
            self._starting.discard(handle)

    async def answered_in(self, viewer: int, feed: int, seconds: float) -> bool:
        """Whether the viewer's answer to the subscription's offer reaches Janus within ``seconds``
        (False: not yet, or the subscription went meanwhile). What happens after an answer is
        Janus's to report: it hangs up a connection that fails (``_subscription_hung_up``)."""
        handle = self.subscriptions.get((viewer, feed))
        if handle is None:
            return False
        waits = [asyncio.ensure_future(handle.answered.wait()), asyncio.ensure_future(handle.gone.wait())]
        try:
            await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for wait in waits:
                wait.cancel()
        return handle.answered.is_set() and self.subscriptions.get((viewer, feed)) is handle

    def has(self, viewer: int, feed: int) -> bool:
        return (viewer, feed) in self.subscriptions

    def subscription_id(self, viewer: int, feed: int) -> int | None:
        """Names the current subscription (its offer), so an answer to an older one is known."""
        handle = self.subscriptions.get((viewer, feed))
        return handle.id if handle is not None else None

    async def drop(self, viewer: int, feed: int, only: Handle | None = None) -> None:
        handle = self.subscriptions.get((viewer, feed))
        if handle is None or (only is not None and handle is not only):
            return
        del self.subscriptions[(viewer, feed)]
        await handle.detach()

    async def prune(self, allowed: Callable[[int, int], bool]) -> list[tuple[int, int]]:
        """Drop every subscription no longer allowed (a caucus began, a member left); returns them."""
        gone = [k for k in self.subscriptions if k[1] not in self.ready or not allowed(*k)]
        for viewer, feed in gone:
            await self.drop(viewer, feed)
        return gone

    # --- when Janus gives up on a connection -------------------------------------------------------
    # ICE or DTLS failed (a starved or vanished browser): Janus hangs the PeerConnection up and
    # says so. A subscription is dropped and offered again (``on_ready`` makes the host sync); a
    # publisher is dropped, with every subscription to it, and its page is told to publish again.
    def _subscription_hung_up(self, viewer: int, feed: int, handle: Handle, reason: str) -> None:
        if self.subscriptions.get((viewer, feed)) is handle:
            logger.warning(
                "Janus hung up the subscription of %s to %s: %s", viewer or "the recorder", feed, reason
            )
            self._repair(self._resubscribe(viewer, feed, handle), f"sfu-resubscribe-{viewer}-{feed}")

    async def _resubscribe(self, viewer: int, feed: int, handle: Handle, delay: float = 0.0) -> None:
        await self.drop(viewer, feed, handle)
        await asyncio.sleep(delay)
        await self._on_ready(feed)

    def _publisher_hung_up(self, pid: int, handle: Handle, reason: str) -> None:
        if self.publishers.get(pid) is handle:
            logger.warning("Janus hung up %s's publisher: %s", pid, reason)
            self._repair(self._republish(pid, handle), f"sfu-republish-{pid}")

    async def _republish(self, pid: int, handle: Handle) -> None:
        if self.publishers.get(pid) is not handle:
            return  # the page published again meanwhile
        await self.unpublish(pid)
        if self.on_publisher_lost is not None:
            await self.on_publisher_lost(pid)
        await self._on_ready(pid)  # the host syncs: the pages let go of the feed

    def _repair(self, work: Coroutine[Any, Any, None], name: str) -> None:
        task = asyncio.create_task(work, name=name)
        self._repairs.add(task)
        task.add_done_callback(self._repairs.discard)

    # --- closing ----------------------------------------------------------------------------------
    async def close(self) -> None:
        """Everything goes at once: one by one, some seventy handles in a room of eight took
        seconds of round trips to Janus on a busy machine."""
        for task in [*self._repairs, *self._watchers.values()]:
            task.cancel()
        self._watchers.clear()
        self.ready.clear()
        handles = [*self.publishers.values(), *self.subscriptions.values()]
        self.publishers.clear()
        self.subscriptions.clear()
        await asyncio.gather(*(handle.detach() for handle in handles), return_exceptions=True)
        if self._control is not None:
            with contextlib.suppress(JanusError):
                destroy = {"request": "destroy", "room": self.room_id, "secret": self._secret}
                await self._control.message(destroy)
            await self._control.detach()

    async def _attach(self) -> Handle:
        try:
            return await self._client.attach()
        except JanusError as exc:
            raise SfuError(str(exc)) from exc
