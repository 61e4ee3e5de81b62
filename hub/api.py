"""The core's JSON API: who am I, the directory of agencies and areas, people and tokens, one's
notifications, the health check and the OpenAPI document."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import text

from hub import directory, etags, notifications, openapi
from hub.directory_cache import DIRECTORY, TOPIC
from hub.errors import ValidationFailed
from hub.i18n import N_
from hub.keys import TREE
from hub.labels import labelled
from hub.orm import utcnow
from hub.passwords import hash_password
from hub.permissions import Permission
from hub.routing import ENDPOINTS, Ctx, Routes
from hub.schemas import (
    AgencyIn,
    AgencyOut,
    AgencyQuery,
    AreaOut,
    Me,
    NotificationOut,
    Page,
    ReadIn,
    TokenCreated,
    TokenIn,
    TokenOut,
    UserIn,
    UserOut,
    UserPatch,
)

routes = Routes()
TAGS = ("directory",)
INBOX = ("inbox",)


@routes.api("GET", "/api/v1/me", perm=Permission.use_hub, summary="The caller", response=Me, tags=TAGS)
async def me(ctx: Ctx) -> Me:
    p = ctx.user
    return Me(
        id=p.user_id,
        username=p.username,
        display_name=p.display_name,
        agency_id=p.agency_id,
        agency_name=p.agency_name,
        roles=sorted(p.roles),
        is_superuser=p.is_superuser,
        locale=p.locale,
    )


@routes.api(
    "GET",
    "/api/v1/agencies",
    perm=Permission.view_directory,
    summary="List agencies",
    query=AgencyQuery,
    response=Page[AgencyOut],
    tags=TAGS,
)
async def list_agencies(ctx: Ctx, query: AgencyQuery) -> web.Response:
    """Answered from the process's cached body (``hub.directory_cache``), with its ETag; 304 when
    the caller's copy is current. The route's permission has been checked before this runs."""

    async def build() -> bytes:
        async with ctx.db.read() as s:
            rows = await directory.list_agencies(s, kind=query.kind)
        items = [AgencyOut.model_validate(a) for a in rows]
        return Page[AgencyOut](items=items, total=len(items)).model_dump_json().encode()

    body = await ctx.request.app[DIRECTORY].get(f"agencies?kind={query.kind or ''}", build)
    return etags.respond(ctx.request, body.data, etag=body.etag, content_type="application/json")


@routes.api(
    "GET",
    "/api/v1/agencies/{id}",
    perm=Permission.view_directory,
    summary="One agency",
    response=AgencyOut,
    tags=TAGS,
)
async def get_agency(ctx: Ctx) -> AgencyOut:
    async with ctx.db.read() as s:
        return AgencyOut.model_validate(await directory.get_agency(s, ctx.match_int("id")))


@routes.api(
    "POST",
    "/api/v1/agencies",
    perm=Permission.manage_agencies,
    summary="Create an agency",
    body=AgencyIn,
    response=AgencyOut,
    status=201,
    tags=TAGS,
)
async def create_agency(ctx: Ctx, body: AgencyIn) -> AgencyOut:
    guard = ctx.must
    if body.parent_id is None and not ctx.user.is_superuser:
        raise ValidationFailed(N_("Choose the agency this one reports to."))
    guard.check_agency(body.parent_id)
    data = directory.AgencyInput(
        code=body.code,
        name=body.name,
        kind=body.kind.value,
        parent_id=body.parent_id,
        host_agency_id=body.host_agency_id,
        area_id=body.area_id,
        specialties=tuple(s.value for s in body.specialties),
        phone=body.phone,
        address=body.address,
    )
    async with ctx.write() as (s, outbox):
        agency = await directory.create_agency(s, ctx.user.actor, data)
        out = AgencyOut.model_validate(agency)
        outbox.add(TOPIC, "agency.created", ctx.user.user_id, id=out.id, name=out.name)
    ctx.request.app[TREE].invalidate()
    ctx.request.app[DIRECTORY].invalidate()
    return out


@routes.api(
    "GET",
    "/api/v1/areas",
    perm=Permission.view_directory,
    summary="List areas (district to grid)",
    response=Page[AreaOut],
    tags=TAGS,
)
async def list_areas(ctx: Ctx) -> Page[AreaOut]:
    async with ctx.db.read() as s:
        items = [AreaOut.model_validate(a) for a in await directory.list_areas(s)]
    return Page[AreaOut](items=items, total=len(items))


@routes.api(
    "GET",
    "/api/v1/users",
    perm=Permission.manage_users,
    summary="People of the agencies you manage",
    response=Page[UserOut],
    tags=TAGS,
)
async def list_users(ctx: Ctx) -> Page[UserOut]:
    async with ctx.db.read() as s:
        rows = await directory.list_users(s, ctx.must.scope.agency_ids)
    items = [UserOut.model_validate(u) for u in rows]
    return Page[UserOut](items=items, total=len(items))


@routes.api(
    "GET",
    "/api/v1/users/{id}",
    perm=Permission.manage_users,
    summary="One person",
    response=UserOut,
    tags=TAGS,
)
async def get_user(ctx: Ctx) -> UserOut:
    async with ctx.db.read() as s:
        user = await directory.get_user(s, ctx.match_int("id"))
        ctx.must.check_agency(user.agency_id)
        return UserOut.model_validate(user)


@routes.api(
    "POST",
    "/api/v1/users",
    perm=Permission.manage_users,
    summary="Add a person",
    body=UserIn,
    response=UserOut,
    status=201,
    tags=TAGS,
)
async def create_user(ctx: Ctx, body: UserIn) -> UserOut:
    ctx.must.check_agency(body.agency_id)
    data = directory.UserInput(
        username=body.username,
        display_name=body.display_name,
        agency_id=body.agency_id,
        roles=tuple(r.value for r in body.roles),
        password_hash=await hash_password(body.password),
        locale=body.locale,
        phone=body.phone,
        email=body.email,
    )
    async with ctx.write() as (s, _):
        return UserOut.model_validate(await directory.create_user(s, ctx.user.actor, data))


@routes.api(
    "PATCH",
    "/api/v1/users/{id}",
    perm=Permission.manage_users,
    summary="Change a person",
    body=UserPatch,
    response=UserOut,
    tags=TAGS,
)
async def patch_user(ctx: Ctx, body: UserPatch) -> UserOut:
    new_hash = await hash_password(body.password) if body.password else None
    async with ctx.write() as (s, _):
        user = await directory.get_user(s, ctx.match_int("id"))
        ctx.must.check_agency(user.agency_id)
        await directory.update_user(
            s,
            ctx.user.actor,
            user,
            display_name=body.display_name,
            roles=[r.value for r in body.roles] if body.roles is not None else None,
            active=body.active,
            locale=body.locale,
        )
        if new_hash:
            await directory.set_password(s, ctx.user.actor, user, new_hash, utcnow())
        return UserOut.model_validate(user)


@routes.api(
    "GET",
    "/api/v1/tokens",
    perm=Permission.manage_tokens,
    summary="API tokens of your agencies",
    response=Page[TokenOut],
    tags=TAGS,
)
async def list_tokens(ctx: Ctx) -> Page[TokenOut]:
    async with ctx.db.read() as s:
        items = [
            TokenOut.model_validate(t) for t in await directory.list_tokens(s, ctx.must.scope.agency_ids)
        ]
    return Page[TokenOut](items=items, total=len(items))


@routes.api(
    "POST",
    "/api/v1/tokens",
    perm=Permission.manage_tokens,
    summary="Create an API token",
    body=TokenIn,
    response=TokenCreated,
    status=201,
    tags=TAGS,
)
async def create_token(ctx: Ctx, body: TokenIn) -> TokenCreated:
    async with ctx.write() as (s, _):
        user = await directory.get_user(s, body.user_id)
        ctx.must.check_agency(user.agency_id)
        token, row = await directory.create_token(s, ctx.user.actor, user, body.name, body.expires_at)
        return TokenCreated.model_validate({**TokenOut.model_validate(row).model_dump(), "token": token})


@routes.api(
    "DELETE",
    "/api/v1/tokens/{id}",
    perm=Permission.manage_tokens,
    summary="Revoke an API token",
    response=TokenOut,
    tags=TAGS,
)
async def revoke_token(ctx: Ctx) -> TokenOut:
    async with ctx.write() as (s, _):
        row = await directory.get_token(s, ctx.match_int("id"))
        ctx.must.check_agency(row.agency_id)
        return TokenOut.model_validate(await directory.revoke_token(s, ctx.user.actor, row, utcnow()))


# --- notifications ---------------------------------------------------------------------------------


def _out(n: notifications.Notification) -> NotificationOut:
    return NotificationOut(
        id=n.id,
        kind=n.kind,
        text=n.text(params=labelled(n.params)),
        link=n.link,
        created_at=n.created_at,
        read_at=n.read_at,
    )


@routes.api(
    "GET",
    "/api/v1/notifications",
    perm=Permission.use_hub,
    summary="My notifications, newest first",
    response=Page[NotificationOut],
    tags=INBOX,
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
    tags=INBOX,
)
async def mark_read(ctx: Ctx, body: ReadIn) -> Page[NotificationOut]:
    async with ctx.write() as (s, _):
        await notifications.mark_read(s, ctx.user.user_id, body.ids)
    return await list_notifications(ctx)


# --- the service itself ----------------------------------------------------------------------------


@routes.page("GET", "/healthz", public=True, summary="Liveness and database check")
async def healthz(ctx: Ctx) -> web.Response:
    async with ctx.db.read() as s:
        await s.execute(text("SELECT 1"))
    return web.json_response(
        {"status": "ok", "database": "postgresql" if ctx.config.is_postgres else "sqlite"}
    )


@routes.page("GET", "/api/v1/openapi.json", public=True)
async def openapi_document(ctx: Ctx) -> web.Response:
    document = ctx.request.app.get(openapi.OPENAPI_CACHE)
    if document is None:
        document = openapi.build(ctx.request.app[ENDPOINTS])
    return web.json_response(document)
