"""Each person's notification inbox: page and API."""

from __future__ import annotations

from aiohttp import web

from hub import notifications
from hub.permissions import Permission
from hub.routing import Ctx, Routes
from hub.schemas import NotificationOut, Page, ReadIn
from hub.templating import render

routes = Routes()
TAGS = ("inbox",)


def _out(n: notifications.Notification) -> NotificationOut:
    return NotificationOut(
        id=n.id, kind=n.kind, text=n.text(), link=n.link, created_at=n.created_at, read_at=n.read_at
    )


@routes.api(
    "GET",
    "/api/v1/notifications",
    perm=Permission.use_hub,
    summary="My notifications, newest first",
    response=Page[NotificationOut],
    tags=TAGS,
)
async def list_notifications(ctx: Ctx) -> Page[NotificationOut]:
    async with ctx.db.read() as s:
        rows = await notifications.inbox(s, ctx.user.user_id)
        unread = await notifications.unread_count(s, ctx.user.user_id)
    return Page[NotificationOut](items=[_out(n) for n in rows], total=unread)


@routes.api(
    "POST",
    "/api/v1/notifications/read",
    perm=Permission.use_hub,
    summary="Mark notifications read",
    body=ReadIn,
    response=Page[NotificationOut],
    tags=TAGS,
)
async def mark_read(ctx: Ctx, body: ReadIn) -> Page[NotificationOut]:
    async with ctx.db.write() as s:
        await notifications.mark_read(s, ctx.user.user_id, body.ids)
    return await list_notifications(ctx)


@routes.page("GET", "/inbox", perm=Permission.use_hub, name="inbox")
async def inbox_page(ctx: Ctx) -> web.Response:
    async with ctx.db.read() as s:
        rows = await notifications.inbox(s, ctx.user.user_id, limit=200)
    return render(ctx, "inbox.html", items=rows)


@routes.page("POST", "/inbox/read", perm=Permission.use_hub)
async def inbox_read(ctx: Ctx) -> web.Response:
    async with ctx.db.write() as s:
        await notifications.mark_read(s, ctx.user.user_id)
    raise web.HTTPSeeOther("/inbox")
