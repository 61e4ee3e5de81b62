"""The worker that sends what the outbox holds: one per app, started and stopped with it.

It *claims* due rows in one short transaction (``pending`` rows whose time has come, and
``sending`` rows whose lease ran out: a process died holding them), only as many as it has free
slots (``CONCURRENCY``), marks them ``sending`` with a lease and one more attempt, then sends each
in its own task outside any transaction (a slow receiver holds up only its own messages), and notes
each outcome with a compare-and-set on (state, attempts), so a worker whose lease was taken over
cannot overwrite the newer try. On PostgreSQL several processes share the work: claims take the rows
``FOR UPDATE SKIP LOCKED`` under a transaction-scoped advisory lock, which also makes the
per-number SMS count exact across processes. On SQLite there is one process, so whatever it finds
``sending`` at start was left by a crash and is released at once.

A message is sent again only when the hub cannot know it arrived (a crash, a timeout): with the same
delivery id, so receivers that remember ids see it once. Nothing here blocks the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from datetime import datetime, timedelta

import aiohttp
from aiohttp import web
from sqlalchemy import ColumnElement, and_, func, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from hub.config import Config
from hub.db import Database
from hub.events import LocalBus, Subscription
from hub.keys import CONFIG, DB, EVENTS
from hub.orm import utcnow
from hub.outbound import registry, templates
from hub.outbound.delivery import Delivery, Sender
from hub.outbound.mail import SmtpMailer
from hub.outbound.models import Channel, DeliveryState, OutboundMessage
from hub.outbound.queue import TOPIC
from hub.outbound.retries import MAX_DELAY_SECONDS, Outcome, RetryPolicy, Verdict, next_free
from hub.outbound.sms import HttpSmsGateway
from hub.outbound.webhook_sender import WebhookSender
from hub.outbound.webhooks import hooks_by_agency

logger = logging.getLogger(__name__)

M = OutboundMessage
BATCH = 20  # rows one manual round claims
CONCURRENCY = 8  # messages in flight at once in the loop; each claimed only when a slot is free
STOP_SECONDS = 5.0
SMS_WINDOW = timedelta(hours=1)
# Arbitrary constant naming the PostgreSQL advisory lock that serialises claims.
_PG_CLAIM_LOCK = 0x6774_6F75_7462


class Worker:
    def __init__(
        self,
        db: Database,
        config: Config,
        senders: Mapping[str, Sender],
        *,
        bus: LocalBus | None = None,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.db = db
        self.config = config
        self.senders = senders
        self.bus = bus
        self.jitter = jitter
        base = config.outbound_retry_seconds
        self.policy = RetryPolicy(base, config.outbound_max_attempts, max(MAX_DELAY_SECONDS, base))
        # Longer than any one try can take (an e-mail has several SMTP steps), plus a margin.
        self.lease = timedelta(seconds=3 * config.outbound_timeout_seconds + 5)
        self._in_flight: dict[int, int] = {}  # row id -> its attempts while we send it
        self._sending: set[asyncio.Task[None]] = set()  # one per message: send, then note
        self._sends: set[asyncio.Future[Outcome]] = set()  # the sending part alone
        self._stopping = False
        self._kick = asyncio.Event()  # something was queued, or a slot came free
        self._task: asyncio.Task[None] | None = None
        self._listener: asyncio.Task[None] | None = None

    # --- life ------------------------------------------------------------------------------------

    async def start(self) -> None:
        if self.db.is_sqlite:
            await self.release_stale()
        if self.bus is not None:
            subscription = self.bus.subscribe([TOPIC])
            self._listener = asyncio.create_task(self._listen(subscription), name="outbound-listener")
        self._task = asyncio.create_task(self._loop(), name="outbound-worker")

    async def stop(self) -> None:
        """Stop soon, never in the middle of a database step (a connection cut off mid-query would
        outlive the pool): the loop ends at its next turn, sends under way are cut off and their
        messages go back to the queue, to be sent again with the same id; outcomes being noted
        are noted."""
        self._stopping = True
        self._kick.set()
        if self._task is not None:
            try:
                await asyncio.wait_for(self._task, STOP_SECONDS)
            except TimeoutError:
                logger.error("the outbound loop did not stop in time")
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
        self._task = self._listener = None
        for send in list(self._sends):
            send.cancel()
        if self._sending:
            _done, late = await asyncio.wait(set(self._sending), timeout=STOP_SECONDS)
            for task in late:
                task.cancel()
        if self._in_flight:  # claimed and never sent, or cut off where it could not hand back
            try:
                await self._release(dict(self._in_flight))
            except Exception:  # the database is going too: the leases will run out
                logger.exception("could not hand back the messages being sent")
            self._in_flight.clear()

    async def release_stale(self) -> int:
        """Every ``sending`` row back to ``pending`` (SQLite start-up: no other process holds one)."""
        now = utcnow()
        async with self.db.write() as s:
            result = await s.execute(
                update(M)
                .where(M.state == DeliveryState.sending)
                .values(state=DeliveryState.pending, lease_until=None, next_attempt_at=now)
            )
        count = int(getattr(result, "rowcount", 0) or 0)
        if count:
            logger.warning(
                "outbound: %d messages were left mid-send by a crash; sending them again (same ids)", count
            )
        return count

    async def _release(self, rows: Mapping[int, int]) -> None:
        async with self.db.write() as s:
            for row_id, attempts in rows.items():
                await s.execute(
                    update(M)
                    .where(M.id == row_id, M.state == DeliveryState.sending, M.attempts == attempts)
                    .values(
                        state=DeliveryState.pending,
                        attempts=attempts - 1,
                        lease_until=None,
                        next_attempt_at=utcnow(),
                    )
                )

    async def _listen(self, subscription: Subscription) -> None:
        try:
            async for _event in subscription:
                self._kick.set()
        finally:
            subscription.close()

    async def _loop(self) -> None:
        """Keep up to CONCURRENCY messages in flight, each in its own task, so that one slow
        receiver holds up only its own messages; sleep until the next is due, a message is
        queued (the bus) or a slot comes free."""
        while not self._stopping:
            self._kick.clear()
            free = CONCURRENCY - len(self._sending)
            wait = self.config.outbound_poll_seconds
            try:
                if free > 0:
                    now = utcnow()
                    started = 0
                    if await self._anything_due(now) and not self._stopping:
                        deliveries, _settled = await self._claim(now, limit=free)
                        for delivery in deliveries:
                            task = asyncio.create_task(self._deliver(delivery, now), name="outbound-send")
                            self._sending.add(task)
                            task.add_done_callback(self._finished)
                        started = len(deliveries)
                    if started and started == free:
                        continue  # every slot taken: more may be due, look again once one frees
                    wait = await self._idle_seconds()
            except Exception:  # a failed round must not stop the next one
                logger.exception("outbound round failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._kick.wait(), wait)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._sending.discard(task)
        self._kick.set()

    async def _idle_seconds(self) -> float:
        """Until the next row falls due, at most the poll interval."""
        poll = self.config.outbound_poll_seconds
        async with self.db.read() as s:
            due = await s.scalar(select(func.min(M.next_attempt_at)).where(M.state == DeliveryState.pending))
            lease = await s.scalar(select(func.min(M.lease_until)).where(M.state == DeliveryState.sending))
        soonest = min((t for t in (due, lease) if t is not None), default=None)
        if soonest is None:
            return poll
        return min(poll, max(0.05, (soonest - utcnow()).total_seconds() + 0.01))

    # --- one round -------------------------------------------------------------------------------

    async def run_once(self, now: datetime | None = None) -> int:
        """Claim what is due at ``now`` and send it all (tests drive a worker so, without its
        loop); returns how many rows were claimed or settled."""
        now = now or utcnow()
        if not await self._anything_due(now):
            return 0
        deliveries, settled = await self._claim(now, limit=BATCH)
        if deliveries:
            await asyncio.gather(*(self._deliver(d, now) for d in deliveries))
        return len(deliveries) + settled

    async def _anything_due(self, now: datetime) -> bool:
        """A read first: idle rounds take no write lock."""
        async with self.db.read() as s:
            return await s.scalar(select(M.id).where(self._due(now)).limit(1)) is not None

    @staticmethod
    def _due(now: datetime) -> ColumnElement[bool]:
        return or_(
            and_(M.state == DeliveryState.pending, M.next_attempt_at <= now),
            and_(M.state == DeliveryState.sending, M.lease_until < now),
        )

    async def _claim(self, now: datetime, limit: int) -> tuple[list[Delivery], int]:
        deliveries: list[Delivery] = []
        settled = 0
        async with self.db.write() as s:
            if not self.db.is_sqlite:
                await s.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_CLAIM_LOCK})
            query = (
                select(M)
                .where(self._due(now))
                .order_by(M.next_attempt_at, M.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
            rows = list((await s.scalars(query)).all())
            recent = await self._recent_sms(s, rows, now)
            hooks = await hooks_by_agency(
                s, [r.agency_id for r in rows if r.channel == Channel.webhook and r.agency_id]
            )
            for row in rows:
                if row.expires_at is not None and row.expires_at <= now:
                    self._settle(row, DeliveryState.dead, "expired before it could be sent")
                    settled += 1
                    continue
                if row.attempts >= self.policy.max_attempts:  # its last try died with its process
                    self._settle(row, DeliveryState.dead, f"gave up after {row.attempts} tries")
                    settled += 1
                    continue
                if row.channel == Channel.sms:
                    free = next_free(recent[row.target], now, self.config.sms_per_number_per_hour, SMS_WINDOW)
                    if free is not None:  # this number had its share this hour: wait, not an attempt
                        row.state, row.lease_until, row.next_attempt_at = DeliveryState.pending, None, free
                        settled += 1
                        continue
                    recent[row.target].append(now)
                row.state = DeliveryState.sending
                row.attempts += 1
                row.lease_until = now + self.lease
                row.last_attempt_at = now
                hook = hooks.get(row.agency_id) if row.agency_id is not None else None
                active = hook is not None and hook.active
                deliveries.append(
                    Delivery(
                        id=row.id,
                        uid=row.uid,
                        channel=row.channel,
                        target=row.target,
                        template=row.template,
                        payload=dict(row.payload),
                        attempts=row.attempts,
                        agency_id=row.agency_id,
                        url=hook.url if hook is not None and active else None,
                        secrets=hook.signing_secrets(now) if hook is not None and active else (),
                    )
                )
                self._in_flight[row.id] = row.attempts
        return deliveries, settled

    @staticmethod
    def _settle(row: OutboundMessage, state: DeliveryState, error: str) -> None:
        row.state, row.lease_until, row.last_error = state, None, error
        logger.warning(
            "outbound message dead", extra={"message_id": row.id, "channel": row.channel, "error": error}
        )

    async def _recent_sms(
        self, s: AsyncSession, rows: Sequence[OutboundMessage], now: datetime
    ) -> dict[str, list[datetime]]:
        """When each number among the SMS rows got (or is being sent) its other messages this hour."""
        recent: dict[str, list[datetime]] = defaultdict(list)
        targets = {r.target for r in rows if r.channel == Channel.sms}
        if not targets:
            return recent
        cutoff = now - SMS_WINDOW
        query = select(M.target, M.sent_at, M.last_attempt_at).where(
            M.channel == Channel.sms,
            M.target.in_(targets),
            M.id.not_in([r.id for r in rows]),
            or_(
                and_(M.state == DeliveryState.sent, M.sent_at > cutoff),
                and_(M.state == DeliveryState.sending, M.last_attempt_at > cutoff),
            ),
        )
        for target, sent_at, tried_at in (await s.execute(query)).all():
            when = sent_at or tried_at
            if when is not None:
                recent[target].append(when)
        return recent

    async def _deliver(self, delivery: Delivery, now: datetime) -> None:
        send = asyncio.ensure_future(self._send(delivery))
        self._sends.add(send)
        try:
            outcome = await send
        except asyncio.CancelledError:
            if not (self._stopping and send.cancelled()):
                raise
            # Cut off by stop(): back to the queue, this try not counted.
            await self._release({delivery.id: delivery.attempts})
            self._in_flight.pop(delivery.id, None)
            return
        finally:
            self._sends.discard(send)
        try:
            await self._record(delivery, outcome, max(now, utcnow()))
        except Exception:  # the lease runs out and the message is sent again (same id)
            logger.exception("could not note an outbound outcome", extra={"message_id": delivery.id})
        self._in_flight.pop(delivery.id, None)

    async def _send(self, delivery: Delivery) -> Outcome:
        sender = self.senders.get(delivery.channel)
        if sender is None:
            return Outcome(Verdict.dead, f"no sender for {delivery.channel}")
        try:
            return await sender.send(delivery)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a sender's own bug: keep the message, try later
            logger.exception("outbound sender failed", extra={"message_id": delivery.id})
            return Outcome(Verdict.retry, f"{type(exc).__name__}")

    async def _record(self, delivery: Delivery, outcome: Outcome, now: datetime) -> None:
        values: dict[str, object] = {"lease_until": None, "last_error": outcome.error[:300]}
        verdict = outcome.verdict
        if verdict is Verdict.retry:
            wait = self.policy.after_failure(delivery.attempts, self.jitter(), outcome.retry_after)
            if wait is None:
                verdict = Verdict.dead
            else:
                values.update(state=DeliveryState.pending, next_attempt_at=now + timedelta(seconds=wait))
        if verdict is Verdict.sent:
            values.update(state=DeliveryState.sent, sent_at=now, payload=_redacted(delivery))
            if delivery.url is not None:  # the webhook's address as it was when it arrived
                values["target"] = delivery.url
        elif verdict is Verdict.dead:
            values.update(state=DeliveryState.dead)
        async with self.db.write() as s:
            result = await s.execute(
                update(M)
                .where(M.id == delivery.id, M.state == DeliveryState.sending, M.attempts == delivery.attempts)
                .values(**values)
            )
        extra = {"message_id": delivery.id, "channel": delivery.channel, "attempt": delivery.attempts}
        if not getattr(result, "rowcount", 1):
            logger.warning("outbound outcome came after the lease was taken over", extra=extra)
        elif verdict is Verdict.sent:
            logger.info("outbound message sent", extra=extra)
        else:
            logger.warning("outbound message %s", values["state"], extra={**extra, "error": outcome.error})


def _redacted(delivery: Delivery) -> dict[str, object]:
    """The payload the log keeps once sent: secret-bearing links cut (see templates.redact)."""
    if delivery.channel == Channel.webhook or "params" not in delivery.payload:
        return delivery.payload
    try:
        template = registry.get(delivery.template)
    except templates.UnknownTemplate:
        return delivery.payload
    return {**delivery.payload, "params": templates.redact(template, delivery.payload["params"])}


# --- on the app ------------------------------------------------------------------------------------

WORKER = web.AppKey("outbound_worker", Worker)


def default_senders(config: Config, session: aiohttp.ClientSession) -> dict[str, Sender]:
    return {
        Channel.sms.value: HttpSmsGateway(config, session),
        Channel.email.value: SmtpMailer(config),
        Channel.webhook.value: WebhookSender(config, session),
    }


async def worker_context(app: web.Application) -> AsyncIterator[None]:
    """``app.cleanup_ctx`` entry: after the database's (so it stops before the database closes)."""
    config = app[CONFIG]
    session = aiohttp.ClientSession()
    worker = Worker(app[DB], config, default_senders(config, session), bus=app[EVENTS])
    app[WORKER] = worker
    await worker.start()
    try:
        yield
    finally:
        await worker.stop()
        await session.close()
