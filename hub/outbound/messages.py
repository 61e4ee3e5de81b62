"""The log of outbound messages as admins see it: listing (dead letters first) and resending.

Scope: a message belongs to the agency it was sent for; admins see those of their agencies, the
platform operator all (including the few sent for no agency). Lists mask phone numbers and e-mail
addresses and never show a message's text: invitation links in it are keys.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub import audit
from hub.db import lock_row
from hub.errors import Conflict, NotFound
from hub.events import Outbox
from hub.i18n import N_
from hub.outbound import contact
from hub.outbound.models import Channel, DeliveryState, OutboundMessage
from hub.outbound.queue import TOPIC


def shown_target(row: OutboundMessage) -> str:
    if row.channel == Channel.sms:
        return contact.mask_phone(row.target)
    if row.channel == Channel.email:
        return contact.mask_email(row.target)
    return row.target


async def list_messages(
    s: AsyncSession,
    agency_ids: frozenset[int] | None,
    *,
    state: str | None = None,
    channel: str | None = None,
    limit: int = 100,
) -> tuple[Sequence[OutboundMessage], int]:
    """Newest first, and how many match in all."""
    conditions: list[ColumnElement[bool]] = []
    if agency_ids is not None:
        conditions.append(OutboundMessage.agency_id.in_(agency_ids))
    if state is not None:
        conditions.append(OutboundMessage.state == state)
    if channel is not None:
        conditions.append(OutboundMessage.channel == channel)
    query = select(OutboundMessage).where(*conditions).order_by(OutboundMessage.id.desc()).limit(limit)
    total = await s.scalar(select(func.count(OutboundMessage.id)).where(*conditions))
    return (await s.scalars(query)).all(), int(total or 0)


async def get_message(s: AsyncSession, message_id: int) -> OutboundMessage:
    row = await s.get(OutboundMessage, message_id)
    if row is None:
        raise NotFound()
    return row


async def resend(
    s: AsyncSession, actor: audit.Actor, row: OutboundMessage, now: datetime, outbox: Outbox
) -> OutboundMessage:
    """A dead letter back in the queue with a fresh count of tries and the same delivery id (a
    receiver that did get it after all answers the repeat as a duplicate); the outbox wakes the
    workers once the transaction committed."""
    await lock_row(s, OutboundMessage, row.id)
    await s.refresh(row)
    if row.state != DeliveryState.dead:
        raise Conflict(N_("Only a message that could not be delivered can be sent again."))
    previous = row.last_error
    row.state, row.attempts, row.next_attempt_at = DeliveryState.pending.value, 0, now
    row.lease_until, row.last_error = None, ""
    await s.flush()
    data = {"channel": row.channel, "template": row.template, "previous_error": previous}
    await audit.record(s, actor, "outbound.resent", "outbound_message", row.id, data)
    outbox.add(TOPIC, "outbound.queued")
    return row
