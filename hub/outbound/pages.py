"""Pages: agencies' webhooks and undelivered messages (admins), and how I am notified (everyone)."""

from __future__ import annotations

from aiohttp import web

from hub import directory
from hub.errors import HubError
from hub.forms import Form
from hub.i18n import N_, gettext
from hub.models import NotifyBy
from hub.orm import utcnow
from hub.outbound import messages, preferences, webhooks
from hub.outbound.models import Channel, DeliveryState
from hub.outbound.schemas import ContactIn, WebhookIn
from hub.permissions import Permission
from hub.routing import Ctx, Routes, validate
from hub.templating import render

routes = Routes()

# Names of this package's codes. Kept here, not in hub.labels: "sent" or "none" mean other things
# to other packages.
NAMES = {
    "sms": N_("SMS"),
    "email": N_("E-mail"),
    "webhook": N_("Webhook"),
    "both": N_("SMS and e-mail"),
    "none": N_("Only in the hub's inbox"),
    "pending": N_("Waiting"),
    "sending": N_("Being sent"),
    "sent": N_("Sent"),
    "dead": N_("Not delivered"),
}


def name(code: str) -> str:
    return gettext(NAMES[code]) if code in NAMES else code


async def _form(ctx: Ctx) -> dict[str, str]:
    form = await Form.read(ctx.request)
    return {key: form.raw(key) for key in form}


# --- webhooks ---------------------------------------------------------------------------------------


async def _webhooks_page(ctx: Ctx, status: int = 200, **extra: object) -> web.Response:
    scope = ctx.must.scope
    async with ctx.db.read() as s:
        views = await webhooks.list_webhooks(s, scope.agency_ids)
        agencies = [a for a in await directory.list_agencies(s) if scope.covers(a.id)]
    taken = {v.hook.agency_id for v in views}
    return render(
        ctx,
        "outbound/webhooks.html",
        status=status,
        hooks=views,
        agencies=[a for a in agencies if a.id not in taken],
        **{"error": None, "secret": None, "secret_for": None, "form": {}, **extra},
    )


@routes.page("GET", "/admin/webhooks", perm=Permission.manage_webhooks, name="admin_webhooks")
async def webhooks_page(ctx: Ctx) -> web.Response:
    return await _webhooks_page(ctx)


@routes.page("POST", "/admin/webhooks", perm=Permission.manage_webhooks)
async def webhooks_create(ctx: Ctx) -> web.Response:
    form = await _form(ctx)
    try:
        body = validate(WebhookIn, form)
        ctx.must.check_agency(body.agency_id)
        async with ctx.write() as (s, _):
            secret, hook = await webhooks.create_webhook(s, ctx.user.actor, body.agency_id, body.url)
    except HubError as exc:
        return await _webhooks_page(ctx, status=exc.status, error=exc.text(), form=form)
    # Shown once, on this answer only.
    return await _webhooks_page(ctx, status=201, secret=secret, secret_for=hook.id)


@routes.page("POST", "/admin/webhooks/{id}", perm=Permission.manage_webhooks)
async def webhooks_update(ctx: Ctx) -> web.Response:
    form = await _form(ctx)
    try:
        async with ctx.write() as (s, _):
            hook = await webhooks.get_webhook(s, ctx.match_int("id"))
            ctx.must.check_agency(hook.agency_id)
            await webhooks.update_webhook(
                s, ctx.user.actor, hook, url=form.get("url", hook.url), active=form.get("active") == "on"
            )
    except HubError as exc:
        return await _webhooks_page(ctx, status=exc.status, error=exc.text())
    raise web.HTTPSeeOther("/admin/webhooks")


@routes.page("POST", "/admin/webhooks/{id}/rotate", perm=Permission.manage_webhooks)
async def webhooks_rotate(ctx: Ctx) -> web.Response:
    async with ctx.write() as (s, _):
        hook = await webhooks.get_webhook(s, ctx.match_int("id"))
        ctx.must.check_agency(hook.agency_id)
        secret = await webhooks.rotate_secret(s, ctx.user.actor, hook, utcnow())
    return await _webhooks_page(ctx, secret=secret, secret_for=hook.id)


@routes.page("POST", "/admin/webhooks/{id}/delete", perm=Permission.manage_webhooks)
async def webhooks_delete(ctx: Ctx) -> web.Response:
    async with ctx.write() as (s, _):
        hook = await webhooks.get_webhook(s, ctx.match_int("id"))
        ctx.must.check_agency(hook.agency_id)
        await webhooks.delete_webhook(s, ctx.user.actor, hook)
    raise web.HTTPSeeOther("/admin/webhooks")


@routes.page("POST", "/admin/webhooks/{id}/ping", perm=Permission.manage_webhooks)
async def webhooks_ping(ctx: Ctx) -> web.Response:
    async with ctx.write() as (s, outbox):
        hook = await webhooks.get_webhook(s, ctx.match_int("id"))
        ctx.must.check_agency(hook.agency_id)
        await webhooks.ping(s, hook, outbox, utcnow())
    raise web.HTTPSeeOther("/admin/outbound?state=all&channel=webhook")


# --- the outbound log -------------------------------------------------------------------------------


@routes.page("GET", "/admin/outbound", perm=Permission.manage_outbound, name="admin_outbound")
async def outbound_page(ctx: Ctx) -> web.Response:
    state = ctx.request.query.get("state", DeliveryState.dead.value)
    channel = ctx.request.query.get("channel", "")
    async with ctx.db.read() as s:
        rows, total = await messages.list_messages(
            s,
            ctx.must.scope.agency_ids,
            state=state if state in DeliveryState.__members__ else None,
            channel=channel if channel in Channel.__members__ else None,
            limit=200,
        )
    return render(
        ctx,
        "outbound/messages.html",
        rows=rows,
        total=total,
        state=state,
        channel=channel,
        states=list(DeliveryState),
        channels=list(Channel),
        shown_target=messages.shown_target,
        name=name,
    )


@routes.page("POST", "/admin/outbound/{id}/resend", perm=Permission.manage_outbound)
async def outbound_resend(ctx: Ctx) -> web.Response:
    async with ctx.write() as (s, outbox):
        row = await messages.get_message(s, ctx.match_int("id"))
        ctx.must.check_agency(row.agency_id)
        await messages.resend(s, ctx.user.actor, row, utcnow(), outbox)
    raise web.HTTPSeeOther("/admin/outbound")


# --- how I am notified ------------------------------------------------------------------------------


async def _contact_page(ctx: Ctx, status: int = 200, **extra: object) -> web.Response:
    async with ctx.db.read() as s:
        user = await directory.get_user(s, ctx.user.user_id)
    form = {"notify_by": user.notify_by, "phone": user.phone, "email": user.email}
    context: dict[str, object] = {"error": None, "details": None, "saved": False, "form": form, **extra}
    return render(ctx, "outbound/contact.html", status=status, choices=list(NotifyBy), name=name, **context)


@routes.page("GET", "/me/contact", perm=Permission.use_hub, name="my_contact")
async def contact_page(ctx: Ctx) -> web.Response:
    return await _contact_page(ctx)


@routes.page("POST", "/me/contact", perm=Permission.use_hub)
async def contact_save(ctx: Ctx) -> web.Response:
    form = await _form(ctx)
    try:
        body = validate(ContactIn, form)
        async with ctx.write() as (s, _):
            user = await directory.get_user(s, ctx.user.user_id)
            await preferences.set_contact(
                s, ctx.user.actor, user, notify_by=body.notify_by.value, phone=body.phone, email=body.email
            )
    except HubError as exc:
        return await _contact_page(ctx, status=exc.status, error=exc.text(), details=exc.details, form=form)
    return await _contact_page(ctx, saved=True)
