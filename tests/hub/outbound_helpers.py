"""Shared by the outbound tests: settings pointing at the local gateway, a worker driven by hand,
queuing a message, reading a row back."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import aiohttp
from sqlalchemy import select

from hub.config import Config
from hub.db import Database
from hub.models import Agency, User
from hub.outbound import Queued, enqueue_sms
from hub.outbound.models import OutboundMessage
from hub.outbound.worker import Worker, default_senders
from tests.support.outbound import LocalGateway

INVITATION = {
    "agency": "城关派出所驻所调解室",
    "start": datetime(2026, 12, 8, 6, 30, tzinfo=UTC),
    "link": "https://hub.qingchuan.example/join/AbCdEf0123456789",
}
PARTY = "13800001234"


def sms_config(config: Config, gateway: LocalGateway, **changes: Any) -> Config:
    settings: dict[str, Any] = {
        "sms_url": gateway.url,
        "sms_token": gateway.token,
        "sms_sender": "青川公调",
        "outbound_retry_seconds": 10.0,
        "outbound_timeout_seconds": 3.0,
    }
    return config.with_overrides(**{**settings, **changes})


@asynccontextmanager
async def manual_worker(db: Database, config: Config) -> AsyncIterator[Worker]:
    """A worker without its loop: the test calls ``run_once(now)``; jitter is 0 (waits are exact)."""
    async with aiohttp.ClientSession() as session:
        yield Worker(db, config, default_senders(config, session), jitter=lambda: 0.0)


async def queue_invitation(db: Database, key: str = "invitation-1", to: str = PARTY, **kwargs: Any) -> Queued:
    async with db.write() as s:
        return await enqueue_sms(s, to, "party.video_invitation", INVITATION, key, **kwargs)


async def message(db: Database, message_id: int) -> OutboundMessage:
    async with db.read() as s:
        row = await s.get(OutboundMessage, message_id)
        assert row is not None
        return row


async def all_messages(db: Database) -> list[OutboundMessage]:
    async with db.read() as s:
        return list((await s.scalars(select(OutboundMessage).order_by(OutboundMessage.id))).all())


async def agency_id(db: Database, code: str) -> int:
    async with db.read() as s:
        found = await s.scalar(select(Agency.id).where(Agency.code == code))
        assert found is not None
        return found


async def user_id(db: Database, username: str) -> int:
    async with db.read() as s:
        found = await s.scalar(select(User.id).where(User.username == username))
        assert found is not None
        return found
