"""The core's pages: login, logout, language, the dashboard, the live event stream, one's inbox, and
the administration of agencies, people and API tokens (each admin limited to the agencies they
manage)."""

from __future__ import annotations

from urllib.parse import urlsplit

from aiohttp import web
from pydantic import BaseModel
from sqlalchemy import func, select

from hub import auth, csrf, directory, i18n, live, notifications
from hub.directory import update_user
from hub.directory_cache import DIRECTORY, TOPIC
from hub.errors import HubError, InvalidCredentials, ValidationFailed
from hub.forms import Form
from hub.i18n import N_, gettext
from hub.keys import LOGIN_LIMITER, TREE
from hub.models import Agency, AgencyKind, Role, Specialty, User
from hub.orm import utcnow
from hub.passwords import hash_password
from hub.permissions import Permission
from hub.plugins import Panel, plugins
from hub.routing import Ctx, Routes, validate
from hub.schemas import AgencyIn, UserIn
from hub.templating import render
from hub.web import LANG_COOKIE, client_ip
from hub.workdays.keys import CALENDAR

routes = Routes()


def _safe_next(value: str | None) -> str:
    """Only same-site paths: never redirect to another host after login."""
    if not value or not value.startswith("/") or value.startswith("//"):
        return "/"
    parts = urlsplit(value)
    return "/" if parts.scheme or parts.netloc else value


@routes.page("GET", "/login", public=True, name="login")
async def login_form(ctx: Ctx) -> web.Response:
    if ctx.principal is not None:
        raise web.HTTPSeeOther(_safe_next(ctx.request.query.get("next")))
    return render(ctx, "login.html", next=_safe_next(ctx.request.query.get("next")), username="", error=None)


@routes.page("POST", "/login", public=True)
async def login_submit(ctx: Ctx) -> web.Response:
    form = await Form.read(ctx.request)
    username = form.raw("username")
    password = form.raw("password")
    target = _safe_next(form.raw("next"))
    ip = client_ip(ctx.request)
    try:
        key, _principal = await auth.login(
            ctx.db,
            ctx.request.app[LOGIN_LIMITER],
            username=username,
            password=password,
            ip=ip,
            user_agent=ctx.request.headers.get("User-Agent", ""),
            now=utcnow(),
            session_hours=ctx.config.session_hours,
        )
    except HubError as exc:
        message = exc.text()
        status = exc.status if not isinstance(exc, InvalidCredentials) else 400
        page = render(ctx, "login.html", status=status, next=target, username=username, error=message)
        if "seconds" in exc.params:  # rate limited: say how long, as the API does
            page.headers["Retry-After"] = str(exc.params["seconds"])
        return page
    response = web.HTTPSeeOther(target)
    response.set_cookie(
        csrf.SESSION_COOKIE,
        key,
        httponly=True,
        samesite="Lax",
        path="/",
        secure=ctx.config.secure_cookies,
        max_age=ctx.config.session_hours * 3600,
    )
    raise response


@routes.page("POST", "/logout", public=True)
async def logout(ctx: Ctx) -> web.Response:
    key = ctx.request.cookies.get(csrf.SESSION_COOKIE)
    if key:
        await auth.logout(ctx.db, key, ctx.principal)
    response = web.HTTPSeeOther("/login")
    response.del_cookie(csrf.SESSION_COOKIE, path="/")
    raise response


@routes.page("POST", "/lang", public=True)
async def switch_language(ctx: Ctx) -> web.Response:
    form = await Form.read(ctx.request)
    locale = i18n.normalise(form.raw("locale"))
    if locale is None:
        raise ValidationFailed(N_("Unknown language."))
    if ctx.principal is not None:
        async with ctx.write() as (s, _):
            user = await s.get(User, ctx.principal.user_id)
            if user is not None:
                await update_user(s, ctx.principal.actor, user, locale=locale)
    response = web.HTTPSeeOther(_safe_next(form.raw("next", "/")))
    response.set_cookie(
        LANG_COOKIE, locale, samesite="Lax", path="/", max_age=365 * 86400, secure=ctx.config.secure_cookies
    )
    raise response


@routes.page("GET", "/", perm=Permission.use_hub, name="dashboard")
async def dashboard(ctx: Ctx) -> web.Response:
    principal = ctx.user
    async with ctx.db.read() as s:
        agency = await s.get(Agency, principal.agency_id)
        colleagues = await s.scalar(select(func.count(User.id)).where(User.agency_id == principal.agency_id))
        in_scope = len(ctx.must.scope.agency_ids) if ctx.must.scope.agency_ids is not None else None
    panels: list[Panel] = []
    for plugin in plugins():
        if plugin.dashboard is not None:
            panels.extend(await plugin.dashboard(ctx))
    panels.sort(key=lambda p: p.order)
    # In December, next year's holidays must be entered before any deadline runs into them.
    missing_year = None
    if principal.is_superuser or principal.has_role("admin") or principal.has_role("supervisor"):
        calendar = await ctx.request.app[CALENDAR].get(ctx.db)
        missing_year = calendar.missing_year(utcnow().astimezone(ctx.config.zone).date())
    return render(
        ctx,
        "dashboard.html",
        missing_year=missing_year,
        agency=agency,
        colleagues=colleagues,
        in_scope=in_scope,
        panels=panels,
        can_admin=principal.is_superuser or principal.has_role("admin"),
    )


@routes.page(
    "GET",
    "/events",
    perm=Permission.use_hub,
    summary="Live events (text/event-stream)",
    produces="text/event-stream",
)
async def event_stream(ctx: Ctx) -> web.StreamResponse:
    return await live.stream(ctx)


@routes.page("GET", "/inbox", perm=Permission.use_hub, name="inbox")
async def inbox_page(ctx: Ctx) -> web.Response:
    async with ctx.db.read() as s:
        rows = await notifications.inbox(s, ctx.user.user_id, limit=200)
    return render(ctx, "inbox.html", items=rows)


@routes.page("POST", "/inbox/read", perm=Permission.use_hub)
async def inbox_read(ctx: Ctx) -> web.Response:
    async with ctx.write() as (s, _):
        await notifications.mark_read(s, ctx.user.user_id)
    raise web.HTTPSeeOther("/inbox")


# --- administration ------------------------------------------------------------------------------


MULTIPLE = ("roles", "specialties")


def _values(form: Form) -> dict[str, str | list[str]]:
    """An admin form as the schemas read it (and the page shows it again): lists for the fields
    that take several choices."""
    return {k: form.getall(k) if k in MULTIPLE else form.raw(k) for k in form}


async def _agencies_page(ctx: Ctx, status: int = 200, **extra: object) -> web.Response:
    kind = ctx.request.query.get("kind") or None
    if kind not in AgencyKind.__members__:
        kind = None
    async with ctx.db.read() as s:
        everything = await directory.list_agencies(s)
        areas = await directory.list_areas(s)
    agencies = [a for a in everything if kind is None or a.kind == kind]
    names = {a.id: a.name for a in everything}
    parents = [a for a in everything if ctx.must.scope.covers(a.id)]
    can_create = ctx.user.is_superuser or ctx.user.has_role("admin")
    return render(
        ctx,
        "admin/agencies.html",
        status=status,
        agencies=agencies,
        kinds=list(AgencyKind),
        kind=kind,
        names=names,
        scope=ctx.must.scope,
        parents=parents,
        areas=areas,
        specialties=list(Specialty),
        can_create=can_create,
        **{"error": None, "details": None, "form": {}, **extra},
    )


@routes.page("GET", "/admin/agencies", perm=Permission.view_directory, name="admin_agencies")
async def agencies_page(ctx: Ctx) -> web.Response:
    return await _agencies_page(ctx)


@routes.page("POST", "/admin/agencies", perm=Permission.manage_agencies)
async def agencies_create(ctx: Ctx) -> web.Response:
    form = _values(await Form.read(ctx.request))
    try:
        body = validate(AgencyIn, {k: v for k, v in form.items() if v != ""})
        if body.parent_id is None and not ctx.user.is_superuser:
            raise ValidationFailed(N_("Choose the agency this one reports to."))
        ctx.must.check_agency(body.parent_id)
        data = directory.AgencyInput(
            code=body.code,
            name=body.name,
            kind=body.kind.value,
            parent_id=body.parent_id,
            host_agency_id=body.host_agency_id,
            area_id=body.area_id,
            specialties=tuple(sp.value for sp in body.specialties),
            phone=body.phone,
            address=body.address,
        )
        async with ctx.write() as (s, outbox):
            agency = await directory.create_agency(s, ctx.user.actor, data)
            outbox.add(TOPIC, "agency.created", ctx.user.user_id, id=agency.id, name=agency.name)
    except HubError as exc:
        return await _agencies_page(ctx, status=exc.status, error=exc.text(), details=exc.details, form=form)
    ctx.request.app[TREE].invalidate()
    ctx.request.app[DIRECTORY].invalidate()
    raise web.HTTPSeeOther("/admin/agencies")


async def _users_page(ctx: Ctx, status: int = 200, **extra: object) -> web.Response:
    scope = ctx.must.scope
    async with ctx.db.read() as s:
        users = await directory.list_users(s, scope.agency_ids)
        agencies = [a for a in await directory.list_agencies(s) if scope.covers(a.id)]
    return render(
        ctx,
        "admin/users.html",
        status=status,
        users=users,
        agencies=agencies,
        roles=list(Role),
        **{"error": None, "details": None, "form": {}, **extra},
    )


@routes.page("GET", "/admin/users", perm=Permission.manage_users, name="admin_users")
async def users_page(ctx: Ctx) -> web.Response:
    return await _users_page(ctx)


@routes.page("POST", "/admin/users", perm=Permission.manage_users)
async def users_create(ctx: Ctx) -> web.Response:
    form = _values(await Form.read(ctx.request))
    try:
        body = validate(UserIn, form)
        ctx.must.check_agency(body.agency_id)
        data = directory.UserInput(
            username=body.username,
            display_name=body.display_name,
            agency_id=body.agency_id,
            roles=tuple(r.value for r in body.roles),
            password_hash=await hash_password(body.password),
            locale=body.locale,
        )
        async with ctx.write() as (s, _):
            await directory.create_user(s, ctx.user.actor, data)
    except HubError as exc:
        form.pop("password", None)
        return await _users_page(ctx, status=exc.status, error=exc.text(), details=exc.details, form=form)
    raise web.HTTPSeeOther("/admin/users")


class _UserChange(BaseModel):
    roles: list[Role]
    active: bool = False


@routes.page("POST", "/admin/users/{id}", perm=Permission.manage_users)
async def users_update(ctx: Ctx) -> web.Response:
    form = await Form.read(ctx.request)
    try:
        change = validate(_UserChange, {"roles": form.getall("roles"), "active": form.checked("active")})
        async with ctx.write() as (s, _):
            user = await directory.get_user(s, ctx.match_int("id"))
            ctx.must.check_agency(user.agency_id)
            await directory.update_user(
                s, ctx.user.actor, user, roles=[r.value for r in change.roles], active=change.active
            )
    except HubError as exc:
        return await _users_page(ctx, status=exc.status, error=exc.text(), details=exc.details)
    raise web.HTTPSeeOther("/admin/users")


async def _tokens_page(ctx: Ctx, status: int = 200, **extra: object) -> web.Response:
    scope = ctx.must.scope
    async with ctx.db.read() as s:
        tokens = await directory.list_tokens(s, scope.agency_ids)
        users = await directory.list_users(s, scope.agency_ids)
    names = {u.id: u.display_name for u in users}
    return render(
        ctx,
        "admin/tokens.html",
        status=status,
        tokens=tokens,
        users=users,
        names=names,
        **{"error": None, "created": None, **extra},
    )


@routes.page("GET", "/admin/tokens", perm=Permission.manage_tokens, name="admin_tokens")
async def tokens_page(ctx: Ctx) -> web.Response:
    return await _tokens_page(ctx)


@routes.page("POST", "/admin/tokens", perm=Permission.manage_tokens)
async def tokens_create(ctx: Ctx) -> web.Response:
    form = await Form.read(ctx.request)
    try:
        user_id = int(form.raw("user_id", "0") or 0)
        async with ctx.write() as (s, _):
            user = await directory.get_user(s, user_id)
            ctx.must.check_agency(user.agency_id)
            name = form.text("name")[:100] or user.username
            token, _row = await directory.create_token(s, ctx.user.actor, user, name)
    except (HubError, ValueError) as exc:
        message = exc.text() if isinstance(exc, HubError) else gettext("Choose a person.")
        return await _tokens_page(ctx, status=400, error=message)
    # Shown once, on this page only: the database keeps just its hash.
    return await _tokens_page(ctx, status=201, created=token)


@routes.page("POST", "/admin/tokens/{id}/revoke", perm=Permission.manage_tokens)
async def tokens_revoke(ctx: Ctx) -> web.Response:
    async with ctx.write() as (s, _):
        row = await directory.get_token(s, ctx.match_int("id"))
        ctx.must.check_agency(row.agency_id)
        await directory.revoke_token(s, ctx.user.actor, row, utcnow())
    raise web.HTTPSeeOther("/admin/tokens")
