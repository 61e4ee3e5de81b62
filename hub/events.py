"""Publish/subscribe for live page updates and signalling.

``LocalBus`` fans events out inside one process. ``PostgresBus`` sends every event through
PostgreSQL ``NOTIFY`` on one channel and delivers what ``LISTEN`` hears to its local subscribers, so
several ``gongtiao serve`` processes on one database see each other's events (and their own, by the
same path, keeping one order for everybody).

Events are small notices ("referral 12 changed"), not data: pages fetch the current state after
a notice. PostgreSQL caps a notification at 8000 bytes; larger events are refused at publish.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from hub.orm import utcnow

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from hub.db import Database

logger = logging.getLogger(__name__)

PG_CHANNEL = "gongtiao_events"
MAX_PAYLOAD = 7900
QUEUE_SIZE = 256


@dataclass(frozen=True)
class Event:
    topic: str  # who may hear it, e.g. "agency:12", "user:5", "session:9"
    kind: str  # what happened, e.g. "agency.created"
    data: dict[str, Any] = field(default_factory=dict)
    actor_user_id: int | None = None
    created: str = field(default_factory=lambda: utcnow().isoformat())
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    origin: str = field(default_factory=lambda: f"{os.getpid()}")

    def to_json(self) -> str:
        # Not ``asdict``: it deep-copies ``data`` first, a tenth of a millisecond per event, four
        # events per intake and send.
        fields = {name: getattr(self, name) for name in _EVENT_FIELDS}
        return json.dumps(fields, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> Event:
        raw = json.loads(text)
        return cls(**{k: raw[k] for k in _EVENT_FIELDS})

    @property
    def created_at(self) -> datetime:
        return datetime.fromisoformat(self.created)


_EVENT_FIELDS = ("topic", "kind", "data", "actor_user_id", "created", "id", "origin")


class Subscription:
    """An async iterator of events on some topics; close it (or use ``async with``) when done."""

    def __init__(self, bus: LocalBus, topics: frozenset[str]) -> None:
        self.topics = topics
        self.queue: asyncio.Queue[Event | None] = asyncio.Queue(QUEUE_SIZE)
        self._bus = bus
        self.dropped = 0
        self.closed = False

    def offer(self, event: Event) -> None:
        if self.queue.full():  # a slow reader loses the oldest notice, never blocks the bus
            with contextlib.suppress(asyncio.QueueEmpty):
                self.queue.get_nowait()
            self.dropped += 1
        self.queue.put_nowait(event)

    async def get(self, timeout: float | None = None) -> Event | None:  # noqa: ASYNC109
        """The next event; None when the bus closed or the timeout passed."""
        try:
            return await asyncio.wait_for(self.queue.get(), timeout)
        except TimeoutError:
            return None

    def __aiter__(self) -> AsyncIterator[Event]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[Event]:
        while (event := await self.queue.get()) is not None:
            yield event

    def close(self) -> None:
        self.closed = True
        self._bus._subscriptions.discard(self)
        with contextlib.suppress(asyncio.QueueFull):
            self.queue.put_nowait(None)

    async def __aenter__(self) -> Subscription:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()


class LocalBus:
    """In-process bus: the default, and the delivery half of every other bus."""

    def __init__(self) -> None:
        self._subscriptions: set[Subscription] = set()
        self._listeners: dict[str, list[Callable[[Event], None]]] = {}

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        for sub in list(self._subscriptions):
            sub.close()

    def listen(self, topic: str, callback: Callable[[Event], None]) -> None:
        """Call ``callback`` (plain, quick, never blocking) on each event of ``topic`` as it is
        delivered: for caches that must drop what they hold before the next request reads it."""
        self._listeners.setdefault(topic, []).append(callback)

    def subscribe(self, topics: Iterable[str]) -> Subscription:
        sub = Subscription(self, frozenset(topics))
        self._subscriptions.add(sub)
        return sub

    async def publish(self, event: Event) -> None:
        self.deliver(event)

    async def publish_many(self, events: Sequence[Event]) -> None:
        """Publish these events in their order (a bus that can sends them together)."""
        for event in events:
            await self.publish(event)

    def deliver(self, event: Event) -> None:
        for callback in self._listeners.get(event.topic, ()):
            try:
                callback(event)
            except Exception:
                logger.exception("listener of %s failed", event.topic)
        for sub in list(self._subscriptions):
            if event.topic in sub.topics:
                sub.offer(event)


_NOTIFY = "SELECT pg_notify($1, $2)"


def _payload(event: Event) -> str:
    payload = event.to_json()
    if len(payload.encode("utf-8")) > MAX_PAYLOAD:
        raise ValueError(f"event {event.kind} is too large for NOTIFY ({len(payload)} bytes)")
    return payload


class PostgresBus(LocalBus):
    def __init__(self, database_url: str) -> None:
        super().__init__()
        self._dsn = database_url.replace("postgresql+asyncpg://", "postgresql://", 1)
        self._listener: Any = None
        self._sender: Any = None
        self._send_lock = asyncio.Lock()
        self._closing = False
        self._watch: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self._connect()

    async def _connect(self) -> None:
        import asyncpg

        self._listener = await asyncpg.connect(self._dsn)
        await self._listener.add_listener(PG_CHANNEL, self._on_notify)
        self._listener.add_termination_listener(self._on_lost)
        self._sender = await asyncpg.connect(self._dsn)

    def _on_notify(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        try:
            event = Event.from_json(payload)
        except (ValueError, KeyError, TypeError):
            logger.warning("ignoring malformed event payload")
            return
        self.deliver(event)

    def _on_lost(self, _conn: Any) -> None:
        if not self._closing and self._watch is None:
            self._watch = asyncio.get_running_loop().create_task(self._reconnect())

    async def _reconnect(self) -> None:
        import asyncpg

        delay = 0.5
        while not self._closing:
            try:
                await self._close_connections()
                await self._connect()
                logger.info("event bus reconnected to PostgreSQL")
                break
            except asyncpg.InvalidCatalogNameError:
                # The database itself is gone (dropped): waiting will not bring it back.
                logger.error("event bus: the database no longer exists; live updates stop")
                break
            except (OSError, asyncpg.PostgresError) as exc:  # restarting, refusing, or shutting down
                logger.warning("event bus reconnect failed: %s", exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10)
        self._watch = None

    async def publish(self, event: Event) -> None:
        await self.publish_many([event])

    async def publish_many(self, events: Sequence[Event]) -> None:
        """One round trip for all of them (``executemany`` pipelines the NOTIFYs)."""
        payloads = [_payload(event) for event in events]
        async with self._send_lock:
            if len(payloads) == 1:
                await self._sender.execute(_NOTIFY, PG_CHANNEL, payloads[0])
            elif payloads:
                await self._sender.executemany(_NOTIFY, [(PG_CHANNEL, p) for p in payloads])

    async def _close_connections(self) -> None:
        for conn in (self._listener, self._sender):
            if conn is not None and not conn.is_closed():
                with contextlib.suppress(Exception):
                    await conn.close(timeout=2)

    async def close(self) -> None:
        self._closing = True
        await super().close()
        await self._close_connections()


EventBus = LocalBus


@dataclass
class Outbox:
    """Events gathered during a transaction, published only after it committed."""

    events: list[Event] = field(default_factory=list)

    def add(self, topic: str, kind: str, actor_user_id: int | None = None, **data: Any) -> None:
        self.events.append(Event(topic=topic, kind=kind, data=data, actor_user_id=actor_user_id))

    async def send(self, bus: LocalBus) -> None:
        """Publish each distinct notice once: a batch that queued a thousand messages wakes the
        outbound worker once, not a thousand times (one NOTIFY each on PostgreSQL)."""
        seen: set[tuple[str, str, int | None, str]] = set()
        distinct: list[Event] = []
        for event in self.events:
            key = (
                event.topic,
                event.kind,
                event.actor_user_id,
                json.dumps(event.data, sort_keys=True, default=str),
            )
            if key not in seen:
                seen.add(key)
                distinct.append(event)
        self.events.clear()
        try:
            await bus.publish_many(distinct)
        except Exception:  # the change is committed; a lost notice only delays a page refresh
            # Published one by one, so that one refused (too large) does not take the others along.
            for event in distinct:
                try:
                    await bus.publish(event)
                except Exception:
                    logger.exception("could not publish %s", event.kind)


@asynccontextmanager
async def transaction(db: Database, bus: LocalBus) -> AsyncIterator[tuple[AsyncSession, Outbox]]:
    """A write transaction and the outbox its notices go to, published once it committed (not at
    all if it failed). Handlers use ``Ctx.write()``, which is this with the request's app."""
    outbox = Outbox()
    async with db.write() as s:
        yield s, outbox
    await outbox.send(bus)


def bus_for(database_url: str) -> EventBus:
    if database_url.startswith("postgresql"):
        return PostgresBus(database_url)
    return LocalBus()
