"""Several workers on one database share the outbox without sending anything twice; a row a dead
process held comes back when its lease runs out, not before; and a worker that lost its lease
cannot overwrite the outcome of the try that took over."""

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import update

from hub.config import Config
from hub.db import Database
from hub.orm import utcnow
from hub.outbound.models import OutboundMessage
from hub.outbound.retries import SENT, Outcome, Verdict
from tests.hub.outbound_helpers import manual_worker, message, queue_invitation, sms_config
from tests.support.outbound import LocalGateway

pytestmark = pytest.mark.pg


@pytest.fixture
async def gateway() -> AsyncIterator[LocalGateway]:
    local = LocalGateway()
    await local.start()
    yield local
    await local.stop()


async def test_two_workers_share_the_queue_and_send_each_message_once(
    config: Config, gateway: LocalGateway
) -> None:
    first_db, second_db = Database(config.database_url), Database(config.database_url)
    try:
        queued = [await queue_invitation(first_db, f"invitation-{n}", to=f"139{n:08d}") for n in range(30)]
        settings = sms_config(config, gateway)
        async with manual_worker(first_db, settings) as one, manual_worker(second_db, settings) as two:
            for _ in range(3):
                await asyncio.gather(one.run_once(), two.run_once())
    finally:
        await first_db.dispose()
        await second_db.dispose()
    assert sorted(gateway.ids()) == sorted(q.uid for q in queued)  # each once, none left


async def test_a_row_held_by_a_dead_process_comes_back_when_its_lease_runs_out(
    db: Database, config: Config, gateway: LocalGateway
) -> None:
    queued = await queue_invitation(db)
    now = utcnow()
    async with db.write() as s:  # as a process that claimed it and died would leave it
        await s.execute(
            update(OutboundMessage)
            .where(OutboundMessage.id == queued.id)
            .values(state="sending", attempts=1, lease_until=now + timedelta(seconds=30))
        )
    async with manual_worker(db, sms_config(config, gateway)) as worker:
        assert await worker.run_once(now + timedelta(seconds=29)) == 0
        assert await worker.run_once(now + timedelta(seconds=31)) == 1
    row = await message(db, queued.id)
    assert (row.state, row.attempts) == ("sent", 2) and gateway.ids() == [queued.uid]


async def test_a_worker_that_lost_its_lease_cannot_overwrite_the_newer_try(
    db: Database, config: Config, gateway: LocalGateway
) -> None:
    queued = await queue_invitation(db)
    now = utcnow()
    async with (
        manual_worker(db, sms_config(config, gateway)) as slow,
        manual_worker(db, sms_config(config, gateway)) as fast,
    ):
        [stale], _ = await slow._claim(now, limit=5)
        later = now + slow.lease + timedelta(seconds=1)
        [fresh], _ = await fast._claim(later, limit=5)
        await fast._record(fresh, SENT, later)
        await slow._record(stale, Outcome(Verdict.dead, "HTTP 400"), later)
    row = await message(db, queued.id)
    assert (row.state, row.attempts, row.last_error) == ("sent", 2, "")


async def test_a_message_past_its_last_try_when_reclaimed_is_dead_not_sent(
    db: Database, config: Config, gateway: LocalGateway
) -> None:
    queued = await queue_invitation(db)
    now = utcnow()
    async with db.write() as s:
        await s.execute(
            update(OutboundMessage)
            .where(OutboundMessage.id == queued.id)
            .values(state="sending", attempts=3, lease_until=now - timedelta(seconds=1))
        )
    async with manual_worker(db, sms_config(config, gateway, outbound_max_attempts=3)) as worker:
        await worker.run_once(now)
    row = await message(db, queued.id)
    assert (row.state, row.last_error) == ("dead", "gave up after 3 tries") and gateway.requests == []


async def test_two_workers_together_keep_a_number_to_its_share(config: Config, gateway: LocalGateway) -> None:
    first_db, second_db = Database(config.database_url), Database(config.database_url)
    try:
        for n in range(5):
            await queue_invitation(first_db, f"reminder-{n}")
        settings = sms_config(config, gateway, sms_per_number_per_hour=2)
        async with manual_worker(first_db, settings) as one, manual_worker(second_db, settings) as two:
            await asyncio.gather(one.run_once(), two.run_once(), one.run_once(), two.run_once())
    finally:
        await first_db.dispose()
        await second_db.dispose()
    assert len(gateway.requests) == 2
