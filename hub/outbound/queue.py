"""Putting messages in the outbox, inside the caller's transaction.

These are the functions domain packages call (referrals, rtc): each writes one row of
``outbound_messages`` in the session it is given, so the message exists exactly when the caller's
change commits, and returns at once; the worker sends it later. A ``dedupe_key`` names the message
for good: queuing the same key again (a retried request, a sweep running twice) adds nothing.

Pass the transaction's ``hub.events.Outbox`` as ``outbox`` to have the worker woken as soon as the
transaction committed (on PostgreSQL, every process's worker); without it the message goes at the
worker's next look (``GONGTIAO_OUTBOUND_POLL_SECONDS``).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from hub.events import Outbox
from hub.models import Agency, User
from hub.orm import utcnow
from hub.outbound import contact, registry, templates
from hub.outbound.models import AgencyWebhook, Channel, DeliveryState, OutboundMessage

TOPIC = "outbound"  # the events bus topic that wakes the workers
WEBHOOK_EVENTS = frozenset(
    {"referral.accepted", "referral.declined", "referral.resolved", "referral.closed", "webhook.ping"}
)
LOCALES = ("zh_CN", "en")


@dataclass(frozen=True)
class Queued:
    """A message in the outbox. ``created`` is False when its dedupe key was already there (the
    earlier message stands, whatever its state)."""

    id: int
    uid: str
    channel: str
    created: bool


def _key(dedupe_key: str) -> str:
    if not 1 <= len(dedupe_key) <= 200:
        raise ValueError("a dedupe key has 1 to 200 characters")
    return dedupe_key


def _wake(outbox: Outbox | None) -> None:
    if outbox is not None:
        outbox.add(TOPIC, "outbound.queued")


async def _insert(s: AsyncSession, values: dict[str, Any]) -> Queued:
    """Insert unless the dedupe key exists (ON CONFLICT DO NOTHING: a concurrent twin waits for the
    first to commit, then adds nothing), and say which row holds the key."""
    now = utcnow()
    values = {"uid": uuid.uuid4().hex, "next_attempt_at": now, "created_at": now, **values}
    insert = pg_insert if s.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(OutboundMessage)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(OutboundMessage.id)
    )
    new_id = await s.scalar(statement)
    row = (
        await s.execute(
            select(OutboundMessage.id, OutboundMessage.uid, OutboundMessage.channel).where(
                OutboundMessage.dedupe_key == values["dedupe_key"]
            )
        )
    ).one()
    return Queued(row.id, row.uid, row.channel, created=new_id is not None)


def _when(not_before: datetime | None) -> dict[str, datetime]:
    if not_before is None:
        return {}
    if not_before.tzinfo is None:
        raise ValueError("not_before must be an aware datetime")
    return {"next_attempt_at": not_before.astimezone(UTC)}


async def withdraw(s: AsyncSession, key_prefix: str) -> int:
    """Take back the messages not sent yet whose dedupe key starts with ``key_prefix`` (the
    reminders of a hearing that was cancelled or moved): they are deleted, so they never go and
    their keys are free again. Messages being sent or already sent stay. Returns how many went."""
    if len(key_prefix) < 8:
        raise ValueError("withdraw needs a dedupe key prefix of 8 characters or more")
    result = await s.execute(
        delete(OutboundMessage)
        .where(
            OutboundMessage.dedupe_key.startswith(key_prefix, autoescape=True),
            OutboundMessage.state == DeliveryState.pending.value,
        )
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def _locale(locale: str) -> str:
    return locale if locale in LOCALES else "zh_CN"


async def enqueue_sms(
    s: AsyncSession,
    to: str,
    template: str,
    params: Mapping[str, object],
    dedupe_key: str,
    *,
    agency_id: int | None = None,
    user_id: int | None = None,
    locale: str = "zh_CN",
    expires_at: datetime | None = None,
    not_before: datetime | None = None,
    outbox: Outbox | None = None,
) -> Queued:
    """Queue one SMS from a registered template.

    ``to``: a mainland mobile number (``contact.BadAddress`` otherwise); ``params``: exactly the
    template's fields (``templates.ParamsRefused`` otherwise, naming the field); ``agency_id``: the
    agency it is sent for (whose admins see it if it fails); ``expires_at``: after this it is not
    worth sending (a reminder of a past hearing) and is marked dead instead; ``not_before``: not
    sent before this instant (a reminder the day before)."""
    stored = templates.check(registry.get(template), params)
    row = await _insert(
        s,
        {
            "channel": Channel.sms.value,
            "target": contact.mobile(to),
            "agency_id": agency_id,
            "user_id": user_id,
            "template": template,
            "payload": {"params": stored, "locale": _locale(locale)},
            "dedupe_key": _key(dedupe_key),
            "expires_at": expires_at,
            **_when(not_before),
        },
    )
    _wake(outbox)
    return row


async def enqueue_email(
    s: AsyncSession,
    to: str,
    template: str,
    params: Mapping[str, object],
    dedupe_key: str,
    *,
    agency_id: int | None = None,
    user_id: int | None = None,
    locale: str = "zh_CN",
    expires_at: datetime | None = None,
    not_before: datetime | None = None,
    outbox: Outbox | None = None,
) -> Queued:
    """Queue one e-mail from a registered template (its title is the subject). As ``enqueue_sms``;
    ``to`` must be a plain ASCII address (``contact.BadAddress`` otherwise)."""
    stored = templates.check(registry.get(template), params)
    if not contact.is_email(to.strip()):
        raise contact.BadAddress(to)
    row = await _insert(
        s,
        {
            "channel": Channel.email.value,
            "target": to.strip(),
            "agency_id": agency_id,
            "user_id": user_id,
            "template": template,
            "payload": {"params": stored, "locale": _locale(locale)},
            "dedupe_key": _key(dedupe_key),
            "expires_at": expires_at,
            **_when(not_before),
        },
    )
    _wake(outbox)
    return row


@dataclass(frozen=True)
class _Contact:
    """How an active person is reached: what ``notify_person`` reads of the user."""

    agency_id: int
    locale: str
    notify_by: str
    phone: str
    email: str


async def _contact(s: AsyncSession, user_id: int) -> _Contact | None:
    """The person's contact as it is now (one row, no ORM object); None if unknown or inactive."""
    row = (
        await s.execute(
            select(User.agency_id, User.locale, User.notify_by, User.phone, User.email).where(
                User.id == user_id, User.active.is_(True)
            )
        )
    ).first()
    return _Contact(*row) if row is not None else None


async def notify_person(
    s: AsyncSession,
    user_id: int,
    template: str,
    params: Mapping[str, object],
    dedupe_key: str,
    *,
    expires_at: datetime | None = None,
    not_before: datetime | None = None,
    outbox: Outbox | None = None,
) -> list[Queued]:
    """Queue a message to one of the hub's people, by SMS, e-mail, both or neither as they chose
    (``User.notify_by``), in their language. A channel whose address they have not given is left
    out; an inactive or unknown person gets nothing. The channel is appended to the dedupe key
    (``<key>:sms``, ``<key>:email``). The parameters are checked even when nothing is queued."""
    stored = templates.check(registry.get(template), params)
    user = await _contact(s, user_id)
    if user is None:
        return []
    common: dict[str, Any] = {
        "agency_id": user.agency_id,
        "user_id": user_id,
        "locale": user.locale,
        "expires_at": expires_at,
        "not_before": not_before,
        "outbox": outbox,
    }
    queued = []
    for channel in contact.channels(user.notify_by):
        if channel == Channel.sms and contact.is_mobile(user.phone):
            queued.append(await enqueue_sms(s, user.phone, template, stored, f"{dedupe_key}:sms", **common))
        elif channel == Channel.email and contact.is_email(user.email):
            queued.append(
                await enqueue_email(s, user.email, template, stored, f"{dedupe_key}:email", **common)
            )
    return queued


def _short(name: str, value: str, limit: int = 64) -> str:
    if len(value) > limit or any(c in value for c in "\r\n\x00"):
        raise ValueError(f"{name}: at most {limit} characters on one line")
    return value


async def enqueue_webhook(
    s: AsyncSession,
    agency_id: int,
    event: str,
    *,
    incident_no: str,
    case_number: str,
    state: str,
    at: datetime,
    dedupe_key: str,
    outbox: Outbox | None = None,
) -> Queued | None:
    """Queue word back to an agency's own system, if the agency has an active webhook (None if it
    has none). ``event``: one of ``WEBHOOK_EVENTS``; ``incident_no``: the police incident number
    (警情号); ``state``: the referral's state after the change; ``at``: when it changed (aware).
    The body is fixed now, so every try sends the same bytes (the signature's time differs)."""
    if event not in WEBHOOK_EVENTS:
        raise ValueError(f"unknown webhook event {event!r}")
    if at.tzinfo is None:
        raise ValueError("at must be an aware datetime")
    hook = await s.scalar(
        select(AgencyWebhook).where(AgencyWebhook.agency_id == agency_id, AgencyWebhook.active.is_(True))
    )
    if hook is None:
        return None
    agency_code = await s.scalar(select(Agency.code).where(Agency.id == agency_id))
    uid = uuid.uuid4().hex
    body = {
        "id": uid,
        "event": event,
        "incident_no": _short("incident_no", incident_no),
        "case_number": _short("case_number", case_number),
        "state": _short("state", state, 32),
        "at": at.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "agency_code": agency_code,
    }
    row = await _insert(
        s,
        {
            "uid": uid,
            "channel": Channel.webhook.value,
            "target": hook.url,
            "agency_id": agency_id,
            "template": event,
            "payload": {"body": body},
            "dedupe_key": _key(dedupe_key),
        },
    )
    _wake(outbox)
    return row
