"""Nothing is sent twice after a restart: a real ``gongtiao serve`` is killed (SIGKILL) while the
local gateway and receiver hold its requests, after they took the messages and before the hub
could note it; the next ``gongtiao serve`` sends the two messages again with the same delivery ids,
the receivers answer them as duplicates, and each message was taken once. A graceful restart
sends again nothing that was sent."""

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hub import audit
from hub.config import Config
from hub.db import Database
from hub.outbound import enqueue_sms, enqueue_webhook
from hub.outbound.webhooks import create_webhook
from tests.hub.outbound_helpers import INVITATION, PARTY, agency_id, message, queue_invitation
from tests.support.outbound import LocalGateway, LocalReceiver
from tests.support.server import start_serve

pytestmark = [pytest.mark.pg, pytest.mark.slow]


@pytest.fixture
async def gateway() -> AsyncIterator[LocalGateway]:
    local = LocalGateway()
    await local.start()
    yield local
    await local.stop()


@pytest.fixture
async def receiver() -> AsyncIterator[LocalReceiver]:
    local = LocalReceiver()
    await local.start()
    yield local
    await local.stop()


def settings(gateway: LocalGateway) -> dict[str, str]:
    # A one-second look, a one-second first retry and a two-second time limit (so a lease of 11 s):
    # the production defaults are 5, 30 and 10.
    return {
        "GONGTIAO_SMS_URL": gateway.url,
        "GONGTIAO_SMS_TOKEN": gateway.token,
        "GONGTIAO_OUTBOUND_POLL_SECONDS": "1",
        "GONGTIAO_OUTBOUND_RETRY_SECONDS": "1",
        "GONGTIAO_OUTBOUND_TIMEOUT_SECONDS": "2",
    }


async def wait_state(db: Database, message_id: int, state: str, timeout: float = 30.0) -> None:  # noqa: ASYNC109
    deadline = time.monotonic() + timeout
    while (await message(db, message_id)).state != state:
        assert time.monotonic() < deadline, f"message {message_id} never became {state}"
        await asyncio.sleep(0.1)


async def test_nothing_is_sent_twice_after_a_crash_between_sending_and_noting_it(
    backend: str, config: Config, db: Database, tmp_path: Path, gateway: LocalGateway, receiver: LocalReceiver
) -> None:
    ps02 = await agency_id(db, "PS02")
    async with db.write() as s:
        secret, _hook = await create_webhook(s, audit.SYSTEM, ps02, receiver.url)
    receiver.secrets = [secret]
    gateway.hang = receiver.hang = True  # take the message, then keep the hub waiting

    first = await start_serve(config, str(tmp_path / "first.log"), **settings(gateway))
    try:
        async with db.write() as s:  # one transaction: claimed in one round, held together
            sms = await enqueue_sms(s, PARTY, "party.video_invitation", INVITATION, "referral:41:invitation")
            hook = await enqueue_webhook(
                s,
                ps02,
                "referral.closed",
                incident_no="J3301022026120700123",
                case_number="QC2026-000041",
                state="closed",
                at=datetime(2026, 12, 7, 2, 0, tzinfo=UTC),
                dedupe_key="referral:41:closed",
            )
        assert hook is not None
        await gateway.wait_for(lambda: sms.uid in gateway.accepted)
        await receiver.wait_for(lambda: hook.uid in receiver.accepted)
    finally:
        first.kill()
    assert (await message(db, sms.id)).state == "sending"
    assert (await message(db, hook.id)).state == "sending"
    gateway.release()
    receiver.release()

    second = await start_serve(config, str(tmp_path / "second.log"), **settings(gateway))
    try:
        await wait_state(db, sms.id, "sent")
        await wait_state(db, hook.id, "sent")
    finally:
        assert second.stop() == 0
    # Each message was taken once; every request for it carried its one id; the repeats were
    # answered as duplicates.
    assert list(gateway.accepted) == [sms.uid] and set(gateway.ids()) == {sms.uid}
    assert list(receiver.accepted) == [hook.uid] and set(receiver.ids()) == {hook.uid}
    assert gateway.duplicates >= 1 and receiver.duplicates >= 1 and receiver.refused == []

    # A graceful restart sends again nothing that was sent.
    before = (len(gateway.requests), len(receiver.requests))
    third = await start_serve(config, str(tmp_path / "third.log"), **settings(gateway))
    try:
        later = await queue_invitation(db, "referral:42:invitation")
        await wait_state(db, later.id, "sent")
    finally:
        assert third.stop() == 0
    assert (len(gateway.requests), len(receiver.requests)) == (before[0] + 1, before[1])
    assert list(gateway.accepted) == [sms.uid, later.uid]
