"""Each agency's webhook: its address and secret, set by an admin. Use cases taking a session.

Permission checks are the caller's (``Guard.check_agency`` on the webhook's agency); every change
writes its audit row, which never holds the secret. The secret is returned once, by ``create`` and
``rotate``; after a rotation the previous one keeps signing for ``ROTATION_OVERLAP``.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub import audit
from hub.errors import Conflict, NotFound, ValidationFailed
from hub.events import Outbox
from hub.i18n import N_
from hub.models import Agency
from hub.outbound.models import AgencyWebhook
from hub.outbound.queue import enqueue_webhook
from hub.secrets_util import new_token

ROTATION_OVERLAP = timedelta(hours=24)
SECRET_PREFIX = "whsec_"


def check_url(url: str) -> str:
    """An http(s) address with a host, no credentials, no fragment, no spaces."""
    url = url.strip()
    parts = urlsplit(url)
    if (
        len(url) > 500
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        or "@" in parts.netloc
        or parts.fragment
        or any(c.isspace() for c in url)
    ):
        raise ValidationFailed(
            N_("The webhook address must be an http:// or https:// URL without a password.")
        )
    return url


def new_secret() -> str:
    return new_token(SECRET_PREFIX, nbytes=32)


@dataclass(frozen=True)
class WebhookView:
    hook: AgencyWebhook
    agency_code: str
    agency_name: str


async def list_webhooks(s: AsyncSession, agency_ids: frozenset[int] | None) -> list[WebhookView]:
    query = (
        select(AgencyWebhook, Agency.code, Agency.name)
        .join(Agency, Agency.id == AgencyWebhook.agency_id)
        .order_by(Agency.code)
    )
    if agency_ids is not None:
        query = query.where(AgencyWebhook.agency_id.in_(agency_ids))
    return [WebhookView(hook, code, name) for hook, code, name in (await s.execute(query)).all()]


async def get_webhook(s: AsyncSession, webhook_id: int) -> AgencyWebhook:
    hook = await s.get(AgencyWebhook, webhook_id)
    if hook is None:
        raise NotFound()
    return hook


async def create_webhook(
    s: AsyncSession, actor: audit.Actor, agency_id: int, url: str
) -> tuple[str, AgencyWebhook]:
    """The agency's webhook, with a new secret returned in clear this once. One per agency."""
    if await s.get(Agency, agency_id) is None:
        raise NotFound()
    if await s.scalar(select(AgencyWebhook.id).where(AgencyWebhook.agency_id == agency_id)) is not None:
        raise Conflict(N_("This agency already has a webhook; change it instead."))
    secret = new_secret()
    hook = AgencyWebhook(agency_id=agency_id, url=check_url(url), secret=secret, created_by_id=actor.user_id)
    s.add(hook)
    await s.flush()
    await audit.record(
        s, actor, "webhook.created", "agency_webhook", hook.id, {"agency_id": agency_id, "url": hook.url}
    )
    return secret, hook


async def update_webhook(
    s: AsyncSession,
    actor: audit.Actor,
    hook: AgencyWebhook,
    *,
    url: str | None = None,
    active: bool | None = None,
) -> AgencyWebhook:
    changes: dict[str, object] = {}
    if url is not None and check_url(url) != hook.url:
        hook.url = changes["url"] = check_url(url)
    if active is not None and active != hook.active:
        hook.active = changes["active"] = active
    if changes:
        await s.flush()
        await audit.record(s, actor, "webhook.updated", "agency_webhook", hook.id, changes)
    return hook


async def rotate_secret(s: AsyncSession, actor: audit.Actor, hook: AgencyWebhook, now: datetime) -> str:
    """A new secret (returned in clear this once); the old one signs too for ROTATION_OVERLAP."""
    secret = new_secret()
    hook.previous_secret, hook.previous_until = hook.secret, now + ROTATION_OVERLAP
    hook.secret, hook.rotated_at = secret, now
    await s.flush()
    await audit.record(
        s,
        actor,
        "webhook.secret_rotated",
        "agency_webhook",
        hook.id,
        {"old_until": hook.previous_until.isoformat()},
    )
    return secret


async def delete_webhook(s: AsyncSession, actor: audit.Actor, hook: AgencyWebhook) -> None:
    """Messages already queued for it become dead letters when their turn comes."""
    data = {"agency_id": hook.agency_id, "url": hook.url}
    await s.delete(hook)
    await s.flush()
    await audit.record(s, actor, "webhook.deleted", "agency_webhook", hook.id, data)


async def hooks_by_agency(s: AsyncSession, agency_ids: Sequence[int]) -> dict[int, AgencyWebhook]:
    if not agency_ids:
        return {}
    rows = await s.scalars(select(AgencyWebhook).where(AgencyWebhook.agency_id.in_(list(set(agency_ids)))))
    return {hook.agency_id: hook for hook in rows}


async def ping(s: AsyncSession, hook: AgencyWebhook, outbox: Outbox, now: datetime) -> int | None:
    """Queue a ``webhook.ping`` to the agency's receiver; the message's id (None: switched off)."""
    queued = await enqueue_webhook(
        s,
        hook.agency_id,
        "webhook.ping",
        incident_no="",
        case_number="",
        state="",
        at=now,
        dedupe_key=f"webhook.ping:{hook.id}:{uuid.uuid4().hex}",
        outbox=outbox,
    )
    return queued.id if queued is not None else None
