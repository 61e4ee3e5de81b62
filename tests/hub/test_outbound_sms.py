"""SMS through the generic HTTP gateway, against a local gateway that records what it took:
delivery with a stable id, retries after a failure, final refusals, the per-number hour, and the
outbox written in the caller's transaction only."""

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from aiohttp.test_utils import TestClient

from hub.app import create_app
from hub.config import Config
from hub.db import Database
from hub.events import Outbox
from hub.keys import EVENTS
from hub.orm import utcnow
from hub.outbound import ParamsRefused, enqueue_sms
from hub.outbound.contact import BadAddress
from tests.hub.outbound_helpers import (
    INVITATION,
    PARTY,
    all_messages,
    manual_worker,
    message,
    queue_invitation,
    sms_config,
)
from tests.support.outbound import LocalGateway


@pytest.fixture
async def gateway() -> AsyncIterator[LocalGateway]:
    local = LocalGateway()
    await local.start()
    yield local
    await local.stop()


async def test_an_sms_reaches_the_gateway_once_with_its_id_and_its_text(
    db: Database, config: Config, gateway: LocalGateway
) -> None:
    queued = await queue_invitation(db)
    async with manual_worker(db, sms_config(config, gateway)) as worker:
        assert await worker.run_once() == 1
        assert await worker.run_once() == 0
    assert len(gateway.requests) == 1
    request = gateway.requests[0]
    assert request.headers["Idempotency-Key"] == queued.uid == request.json["id"]
    assert request.json["to"] == PARTY and request.json["sender"] == "青川公调"
    assert request.json["text"].startswith(
        "您好，城关派出所驻所调解室邀请您于2026年12月8日 14:30参加视频调解"
    )
    row = await message(db, queued.id)
    assert (row.state, row.attempts, row.last_error) == ("sent", 1, "")
    assert row.sent_at is not None
    # The log keeps what was sent, but not the invitation's key.
    assert row.payload["params"]["link"] == "https://hub.qingchuan.example/…"


async def test_a_gateway_failure_is_retried_later_with_the_same_id(
    db: Database, config: Config, gateway: LocalGateway
) -> None:
    queued = await queue_invitation(db)
    gateway.fail(2, status=503)
    now = utcnow()
    async with manual_worker(db, sms_config(config, gateway)) as worker:
        await worker.run_once(now)
        row = await message(db, queued.id)
        assert (row.state, row.attempts, row.last_error) == ("pending", 1, "HTTP 503")
        # Half of 10 s (jitter 0) from when the failure came back.
        assert now + timedelta(seconds=5) <= row.next_attempt_at < now + timedelta(seconds=6)
        assert await worker.run_once(now + timedelta(seconds=4)) == 0  # not yet
        await worker.run_once(now + timedelta(seconds=6))
        assert (await message(db, queued.id)).next_attempt_at >= now + timedelta(seconds=16)  # then 10 s
        await worker.run_once(now + timedelta(seconds=30))
    row = await message(db, queued.id)
    assert (row.state, row.attempts) == ("sent", 3)
    assert gateway.ids() == [queued.uid] * 3 and list(gateway.accepted) == [queued.uid]


async def test_a_gateway_that_says_too_many_is_asked_again_after_the_wait_it_names(
    db: Database, config: Config, gateway: LocalGateway
) -> None:
    queued = await queue_invitation(db)
    gateway.fail(1, status=429)
    now = utcnow()
    async with manual_worker(db, sms_config(config, gateway)) as worker:
        await worker.run_once(now)
    row = await message(db, queued.id)
    assert (row.state, row.last_error) == ("pending", "HTTP 429")


@pytest.mark.parametrize(("status", "token"), [(400, "gateway-token"), (401, "wrong-token")])
async def test_a_refusal_is_final_and_becomes_a_dead_letter(
    db: Database, config: Config, gateway: LocalGateway, status: int, token: str
) -> None:
    queued = await queue_invitation(db)
    if status == 400:
        gateway.fail(1, status=400)
    async with manual_worker(db, sms_config(config, gateway, sms_token=token)) as worker:
        await worker.run_once()
        assert await worker.run_once(utcnow() + timedelta(hours=4)) == 0
    row = await message(db, queued.id)
    assert (row.state, row.attempts, row.last_error) == ("dead", 1, f"HTTP {status}")
    assert gateway.accepted == {}


async def test_after_the_last_try_a_message_is_dead(
    db: Database, config: Config, gateway: LocalGateway
) -> None:
    queued = await queue_invitation(db)
    gateway.fail(10)
    now = utcnow()
    async with manual_worker(db, sms_config(config, gateway, outbound_max_attempts=3)) as worker:
        for hours in range(5):
            await worker.run_once(now + timedelta(hours=hours))
    row = await message(db, queued.id)
    assert (row.state, row.attempts, row.last_error) == ("dead", 3, "HTTP 503")
    assert len(gateway.requests) == 3


async def test_no_number_gets_more_than_its_share_in_an_hour(
    db: Database, config: Config, gateway: LocalGateway
) -> None:
    first, second, third = [await queue_invitation(db, f"reminder-{n}") for n in range(3)]
    other = await queue_invitation(db, "someone-else", to="13900005678")
    now = utcnow()
    async with manual_worker(db, sms_config(config, gateway, sms_per_number_per_hour=2)) as worker:
        await worker.run_once(now)
        assert sorted(gateway.accepted) == sorted([first.uid, second.uid, other.uid])
        waiting = await message(db, third.id)
        assert (waiting.state, waiting.attempts) == ("pending", 0)
        assert waiting.next_attempt_at == now + timedelta(hours=1)
        assert await worker.run_once(now + timedelta(minutes=59)) == 0
        await worker.run_once(now + timedelta(hours=1, seconds=1))
    assert third.uid in gateway.accepted and len(gateway.texts(PARTY)) == 3


async def test_with_sms_off_a_message_is_kept_as_not_delivered(
    db: Database, config: Config, gateway: LocalGateway
) -> None:
    queued = await queue_invitation(db)
    async with manual_worker(db, config) as worker:  # no GONGTIAO_SMS_URL
        await worker.run_once()
    row = await message(db, queued.id)
    assert row.state == "dead" and "SMS is off" in row.last_error
    assert gateway.requests == []


async def test_a_reminder_that_comes_too_late_is_not_sent(
    db: Database, config: Config, gateway: LocalGateway
) -> None:
    queued = await queue_invitation(db, expires_at=utcnow() + timedelta(minutes=5))
    async with manual_worker(db, sms_config(config, gateway)) as worker:
        await worker.run_once(utcnow() + timedelta(minutes=6))
    row = await message(db, queued.id)
    assert (row.state, row.attempts) == ("dead", 0) and "expired" in row.last_error
    assert gateway.requests == []


async def test_undeclared_parameters_and_bad_numbers_are_refused_and_nothing_is_queued(db: Database) -> None:
    with pytest.raises(ParamsRefused, match="case_summary"):
        async with db.write() as s:
            await enqueue_sms(
                s, PARTY, "party.video_invitation", {**INVITATION, "case_summary": "打架"}, "k1"
            )
    with pytest.raises(BadAddress):
        async with db.write() as s:
            await enqueue_sms(s, "0571-61100110", "party.video_invitation", INVITATION, "k2")
    assert await all_messages(db) == []


async def test_one_dedupe_key_is_one_message(db: Database) -> None:
    first = await queue_invitation(db, "referral:7:invitation:party:3")
    again = await queue_invitation(db, "referral:7:invitation:party:3")
    assert first.created and not again.created and again.id == first.id and again.uid == first.uid
    assert len(await all_messages(db)) == 1


async def test_a_message_exists_only_if_the_change_it_reports_commits(db: Database) -> None:
    with pytest.raises(RuntimeError):
        async with db.write() as s:
            await enqueue_sms(s, PARTY, "party.video_invitation", INVITATION, "k")
            raise RuntimeError("the referral could not be accepted")
    assert await all_messages(db) == []


@pytest.mark.pg
async def test_the_app_sends_as_soon_as_the_transaction_commits(
    aiohttp_client, backend: str, config: Config, gateway: LocalGateway
) -> None:
    # A worker idle for five minutes between looks: only the wake-up after commit can be this quick.
    client: TestClient = await aiohttp_client(
        create_app(sms_config(config, gateway, outbound_poll_seconds=300.0))
    )
    assert client.app is not None
    db = Database(config.database_url)
    try:
        outbox = Outbox()
        async with db.write() as s:
            queued = await enqueue_sms(s, PARTY, "party.video_invitation", INVITATION, "wake", outbox=outbox)
        await outbox.send(client.app[EVENTS])
        await gateway.wait_for(lambda: queued.uid in gateway.accepted, timeout=10)
    finally:
        await db.dispose()


async def test_a_stop_hands_back_what_it_was_sending_to_be_sent_again(
    aiohttp_client, config: Config, gateway: LocalGateway
) -> None:
    gateway.hang = True  # takes the message, never answers
    client: TestClient = await aiohttp_client(
        create_app(sms_config(config, gateway, outbound_poll_seconds=1.0))
    )
    db = Database(config.database_url)
    try:
        queued = await queue_invitation(db)
        await gateway.wait_for(lambda: queued.uid in gateway.accepted)
        await client.close()  # the app's graceful shutdown
        row = await message(db, queued.id)
        assert (row.state, row.attempts, row.lease_until) == ("pending", 0, None)
    finally:
        gateway.release()
        await db.dispose()
