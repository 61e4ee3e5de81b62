"""A room's media through the SFU, as the host runs it: members publish to Janus through the hub
(``sfu_publish`` → ``sfu_published``), the hub offers each member the feeds they may see now
(``sfu_offer`` → ``sfu_answer``), drops a subscription the moment the room's rules forbid it (a
caucus, a member gone), and subscribes its own recorder to each member's audio while recording runs.

``SfuMedia`` knows the room's rules (``rtc.rooms.Room``) and Janus (``rtc.sfu.SfuRoom``); what it
needs of the host comes in as callables, so it imports nothing of the host. ``sync`` is called
with the room's lock held, after every change of the room; the Janus round trips it starts run on
their own (``spawn``) and check again, when they end, that they are still wanted.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from rtc.room import signalling
from rtc.rooms import MemberState, Room
from rtc.sfu import RECORDER, SfuError, SfuRoom

logger = logging.getLogger(__name__)

# An offer the viewer has not answered this long after it was sent is sent again, the same offer:
# a page that lost it answers it then, and a page still working on it (two starved cores have
# taken over 30 s) is not made to start over. Replacing the offer instead kept three of eight
# pages from ever catching up: each answer came just after its offer had been replaced. A failed
# offer is tried again after a pause that doubles from OFFER_RETRY_SECONDS up to ANSWER_SECONDS.
# Once answered, a connection that fails is Janus's to report (it hangs it up, and the feed is
# offered anew): a starved page still connecting is left to finish.
ANSWER_SECONDS = 30.0
OFFER_RETRY_SECONDS = 2.0

Send = Callable[[int, str], Awaitable[None]]  # (participant, a message's text)
Record = Callable[[int, str], Awaitable[str]]  # (participant, Janus's offer) -> the recorder's answer
Spawn = Callable[[Coroutine[Any, Any, None], str], None]


@dataclass(frozen=True)
class Offered:
    """A subscription offered to a viewer: its id (the answer names it) and the message that
    offered it, to send again unchanged; none for the recorder, which answers in the hub."""

    subscription: int | None
    message: str | None


class SfuMedia:
    def __init__(self, sfu: SfuRoom, room: Room, *, send: Send, record: Record, spawn: Spawn) -> None:
        self.sfu = sfu
        self._room = room
        self._send = send
        self._record = record
        self._spawn = spawn
        self._offering: set[tuple[int, int]] = set()
        self._published: dict[int, str | int | None] = {}  # each member's last sfu_publish id
        sfu.on_publisher_lost = self._publisher_lost

    async def _publisher_lost(self, pid: int) -> None:
        """Janus hung up the member's publisher: their page publishes again (as after a failure)."""
        await self._send(pid, signalling.error_text("sfu_failed", self._published.get(pid)))

    def feeds_for(self, pid: int) -> list[int]:
        """The feeds this member may receive now and can (their publisher is connected)."""
        return [f for f in self._room.peers_of(pid) if f in self.sfu.ready]

    def _wanted(self, viewer: int, feed: int) -> bool:
        room = self._room
        if feed not in self.sfu.ready:
            return False
        if viewer == RECORDER:
            member = room.members.get(feed)
            return (
                room.recording
                and member is not None
                and member.connected
                and member.state is MemberState.admitted
            )
        member = room.members.get(viewer)
        return member is not None and member.connected and room.may_exchange(viewer, feed)

    async def sync(self) -> None:
        """Drop what the rules forbid now; offer what they allow and nobody has yet."""
        await self.sfu.prune(self._wanted)
        viewers = [m.pid for m in self._room.admitted()] + [RECORDER]
        for viewer in viewers:
            for feed in sorted(self.sfu.ready):
                key = (viewer, feed)
                if self._wanted(*key) and not self.sfu.has(*key) and key not in self._offering:
                    self._offering.add(key)
                    self._spawn(self._offer(viewer, feed), f"sfu-offer-{viewer}-{feed}")

    async def _offer(self, viewer: int, feed: int) -> None:
        """Offer the feed until the viewer's answer reaches Janus, or the rules no longer want it.
        An offer can be lost on the way (a page that failed to take it) with nothing hung up:
        without sending it again the viewer would go without that feed for as long as the room
        stays as it is. A subscription Janus hung up meanwhile is replaced by a new one."""
        key = (viewer, feed)
        delay = OFFER_RETRY_SECONDS
        sent: Offered | None = None
        try:
            while self._wanted(*key):
                if sent is not None and sent.message and self.sfu.subscription_id(*key) == sent.subscription:
                    logger.warning("%s has not answered the offer of %s: sent again", viewer, feed)
                    await self._send(viewer, sent.message)
                else:
                    sent = await self._offer_once(viewer, feed)
                    if sent is None:
                        await asyncio.sleep(delay)
                        delay = min(delay * 2, ANSWER_SECONDS)
                        continue
                if await self.sfu.answered_in(viewer, feed, ANSWER_SECONDS):
                    return
        finally:
            self._offering.discard(key)

    async def _offer_once(self, viewer: int, feed: int) -> Offered | None:
        """One new subscription, offered (for the recorder: offered, answered and started);
        None when it failed."""
        try:
            offer = await self.sfu.subscribe(viewer, feed)
            ref = self.sfu.subscription_id(viewer, feed)  # the answer names it
            if not self._wanted(viewer, feed):
                await self.sfu.drop(viewer, feed)
                return None
            if viewer == RECORDER:
                answer = await self._record(feed, offer)
                if self._wanted(viewer, feed):
                    await self.sfu.start(viewer, feed, answer)
                return Offered(ref, message=None)
            text = signalling.envelope("sfu_offer", {"feed": feed, "sdp": offer}, ref)
            await self._send(viewer, text)
            logger.info("offered %s to %s (subscription %s)", feed, viewer, ref)
            return Offered(ref, text)
        except SfuError as exc:
            logger.warning("SFU subscription of %s to %s failed: %s", viewer or "the recorder", feed, exc)
        except Exception:  # the recorder's peer refused Janus's offer, say: the room goes on
            logger.exception("SFU subscription of %s to %s failed", viewer or "the recorder", feed)
            await self.sfu.drop(viewer, feed)
        return None

    # --- what members send --------------------------------------------------------------------
    async def publish(self, pid: int, name: str, sdp: str, ref: str | int | None) -> None:
        """Off the room's lock: Janus answers the member's offer (``sfu_published``)."""
        try:
            answer = await self.sfu.publish(pid, name, sdp)
        except SfuError as exc:
            logger.warning("publishing %s to Janus failed: %s", pid, exc)
            await self._send(pid, signalling.error_text("sfu_failed", ref))
            return
        self._published[pid] = ref
        await self._send(pid, signalling.envelope("sfu_published", {"sdp": answer}, ref))

    async def answer(self, pid: int, feed: int, sdp: str, ref: str | int | None) -> None:
        """Off the room's lock: the member's answer to an ``sfu_offer``; Janus starts sending."""
        if not self._wanted(pid, feed):
            logger.info("%s answered an offer of %s it may no longer have", pid, feed)
            return  # the rules changed meanwhile; the subscription is gone already
        if ref is not None and ref != self.sfu.subscription_id(pid, feed):
            logger.info("%s answered a replaced offer of %s (subscription %s)", pid, feed, ref)
            return  # an answer to an offer since replaced (the feed was published again)
        logger.info("%s answered the offer of %s (subscription %s)", pid, feed, ref)
        try:
            await self.sfu.start(pid, feed, sdp)
        except SfuError as exc:  # offered again (not ``sfu_failed``: that makes the page publish again)
            logger.warning("starting %s's subscription to %s failed: %s", pid, feed, exc)

    async def refresh(self, pid: int, feed: int) -> None:
        """Off the room's lock: the member's connection for this feed failed, or got nothing in
        the time the page allows (``sfu_refresh``): the subscription goes and the feed is offered
        anew. Janus may not see a connection failed or stuck on the page's side."""
        key = (pid, feed)
        if not self._wanted(*key) or key in self._offering:
            return  # not theirs to have now, or an offer is on its way already
        logger.warning("%s asked for %s again (its connection failed or got nothing)", pid, feed)
        self._offering.add(key)
        await self.sfu.drop(pid, feed)
        await self._offer(pid, feed)

    async def left(self, pid: int) -> None:
        """The member's connection closed: their publisher goes; they publish afresh when back."""
        await self.sfu.leave(pid)

    async def stop_recording(self, pid: int) -> None:
        await self.sfu.drop(RECORDER, pid)

    async def close(self) -> None:
        await self.sfu.close()
