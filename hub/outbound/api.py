"""JSON API: agencies' webhooks, the outbound log with its dead letters, my notification choice."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub import directory
from hub.models import Agency, User
from hub.orm import utcnow
from hub.outbound import messages, preferences, webhooks
from hub.outbound.models import AgencyWebhook, OutboundMessage
from hub.outbound.schemas import (
    ContactIn,
    ContactOut,
    MessageOut,
    MessageQuery,
    PingOut,
    WebhookCreated,
    WebhookIn,
    WebhookOut,
    WebhookPatch,
)
from hub.permissions import Permission
from hub.routing import Ctx, Routes
from hub.schemas import Page

routes = Routes()
HOOKS = ("webhooks",)
LOG = ("outbound",)


def webhook_out(hook: AgencyWebhook, agency_code: str) -> WebhookOut:
    return WebhookOut(
        id=hook.id,
        agency_id=hook.agency_id,
        agency_code=agency_code,
        url=hook.url,
        active=hook.active,
        secret_hint=hook.secret_hint,
        created_at=hook.created_at,
        rotated_at=hook.rotated_at,
        previous_until=hook.previous_until,
    )


def message_out(row: OutboundMessage) -> MessageOut:
    return MessageOut.model_validate(
        {
            **{c: getattr(row, c) for c in MessageOut.model_fields if c != "target"},
            "target": messages.shown_target(row),
        }
    )


async def _out(s: AsyncSession, hook: AgencyWebhook) -> WebhookOut:
    code = await s.scalar(select(Agency.code).where(Agency.id == hook.agency_id))
    return webhook_out(hook, code or "")


@routes.api(
    "GET",
    "/api/v1/webhooks",
    perm=Permission.manage_webhooks,
    summary="Webhooks of your agencies",
    response=Page[WebhookOut],
    tags=HOOKS,
)
async def list_webhooks(ctx: Ctx) -> Page[WebhookOut]:
    async with ctx.db.read() as s:
        views = await webhooks.list_webhooks(s, ctx.must.scope.agency_ids)
    items = [webhook_out(v.hook, v.agency_code) for v in views]
    return Page[WebhookOut](items=items, total=len(items))


@routes.api(
    "POST",
    "/api/v1/webhooks",
    perm=Permission.manage_webhooks,
    summary="Give an agency a webhook",
    body=WebhookIn,
    response=WebhookCreated,
    status=201,
    tags=HOOKS,
)
async def create_webhook(ctx: Ctx, body: WebhookIn) -> WebhookCreated:
    ctx.must.check_agency(body.agency_id)
    async with ctx.write() as (s, _):
        secret, hook = await webhooks.create_webhook(s, ctx.user.actor, body.agency_id, body.url)
        out = await _out(s, hook)
    return WebhookCreated(**out.model_dump(), secret=secret)


@routes.api(
    "PATCH",
    "/api/v1/webhooks/{id}",
    perm=Permission.manage_webhooks,
    summary="Change a webhook's address or switch it off",
    body=WebhookPatch,
    response=WebhookOut,
    tags=HOOKS,
)
async def patch_webhook(ctx: Ctx, body: WebhookPatch) -> WebhookOut:
    async with ctx.write() as (s, _):
        hook = await webhooks.get_webhook(s, ctx.match_int("id"))
        ctx.must.check_agency(hook.agency_id)
        await webhooks.update_webhook(s, ctx.user.actor, hook, url=body.url, active=body.active)
        return await _out(s, hook)


@routes.api(
    "POST",
    "/api/v1/webhooks/{id}/rotate",
    perm=Permission.manage_webhooks,
    summary="New signing secret (the old one signs too for 24 hours)",
    response=WebhookCreated,
    tags=HOOKS,
)
async def rotate_webhook(ctx: Ctx) -> WebhookCreated:
    async with ctx.write() as (s, _):
        hook = await webhooks.get_webhook(s, ctx.match_int("id"))
        ctx.must.check_agency(hook.agency_id)
        secret = await webhooks.rotate_secret(s, ctx.user.actor, hook, utcnow())
        out = await _out(s, hook)
    return WebhookCreated(**out.model_dump(), secret=secret)


@routes.api(
    "DELETE",
    "/api/v1/webhooks/{id}",
    perm=Permission.manage_webhooks,
    summary="Remove a webhook",
    response=WebhookOut,
    tags=HOOKS,
)
async def delete_webhook(ctx: Ctx) -> WebhookOut:
    async with ctx.write() as (s, _):
        hook = await webhooks.get_webhook(s, ctx.match_int("id"))
        ctx.must.check_agency(hook.agency_id)
        out = await _out(s, hook)
        await webhooks.delete_webhook(s, ctx.user.actor, hook)
    return out


@routes.api(
    "POST",
    "/api/v1/webhooks/{id}/ping",
    perm=Permission.manage_webhooks,
    summary="Send a test event (webhook.ping)",
    response=PingOut,
    status=202,
    tags=HOOKS,
)
async def ping_webhook(ctx: Ctx) -> PingOut:
    async with ctx.write() as (s, outbox):
        hook = await webhooks.get_webhook(s, ctx.match_int("id"))
        ctx.must.check_agency(hook.agency_id)
        queued = await webhooks.ping(s, hook, outbox, utcnow())
    return PingOut(queued=queued is not None, id=queued)


@routes.api(
    "GET",
    "/api/v1/outbound",
    perm=Permission.manage_outbound,
    summary="Outbound messages of your agencies, newest first (state=dead: the dead letters)",
    query=MessageQuery,
    response=Page[MessageOut],
    tags=LOG,
)
async def list_messages(ctx: Ctx, query: MessageQuery) -> Page[MessageOut]:
    async with ctx.db.read() as s:
        rows, total = await messages.list_messages(
            s,
            ctx.must.scope.agency_ids,
            state=query.state.value if query.state else None,
            channel=query.channel.value if query.channel else None,
            limit=query.limit,
        )
    return Page[MessageOut](items=[message_out(r) for r in rows], total=total)


@routes.api(
    "POST",
    "/api/v1/outbound/{id}/resend",
    perm=Permission.manage_outbound,
    summary="Send a dead letter again (same delivery id)",
    response=MessageOut,
    tags=LOG,
)
async def resend_message(ctx: Ctx) -> MessageOut:
    async with ctx.write() as (s, outbox):
        row = await messages.get_message(s, ctx.match_int("id"))
        ctx.must.check_agency(row.agency_id)
        await messages.resend(s, ctx.user.actor, row, utcnow(), outbox)
    return message_out(row)


@routes.api(
    "GET",
    "/api/v1/me/contact",
    perm=Permission.use_hub,
    summary="How I am notified",
    response=ContactOut,
    tags=("me",),
)
async def my_contact(ctx: Ctx) -> ContactOut:
    async with ctx.db.read() as s:
        user = await _me(ctx, s)
        return ContactOut.model_validate(user)


@routes.api(
    "PUT",
    "/api/v1/me/contact",
    perm=Permission.use_hub,
    summary="Choose how I am notified (sms, email, both, none) and give the addresses",
    body=ContactIn,
    response=ContactOut,
    tags=("me",),
)
async def set_my_contact(ctx: Ctx, body: ContactIn) -> ContactOut:
    async with ctx.write() as (s, _):
        user = await _me(ctx, s)
        await preferences.set_contact(
            s, ctx.user.actor, user, notify_by=body.notify_by.value, phone=body.phone, email=body.email
        )
        return ContactOut.model_validate(user)


async def _me(ctx: Ctx, s: AsyncSession) -> User:
    return await directory.get_user(s, ctx.user.user_id)
