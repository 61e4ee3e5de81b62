"""The core's pages: login, logout, language, dashboard, health."""

from __future__ import annotations

from urllib.parse import urlsplit

from aiohttp import web
from sqlalchemy import func, select, text

from hub import auth, csrf, i18n
from hub.directory import update_user
from hub.errors import HubError, InvalidCredentials, ValidationFailed
from hub.i18n import N_
from hub.keys import CALENDAR, LOGIN_LIMITER
from hub.models import Agency, User
from hub.orm import utcnow
from hub.permissions import Permission
from hub.plugins import Panel, plugins
from hub.routing import Ctx, Routes
from hub.templating import render
from hub.web import LANG_COOKIE, client_ip

routes = Routes()


def _safe_next(value: str | None) -> str:
    """Only same-site paths: never redirect to another host after login."""
    if not value or not value.startswith("/") or value.startswith("//"):
        return "/"
    parts = urlsplit(value)
    return "/" if parts.scheme or parts.netloc else value


@routes.page("GET", "/healthz", public=True, summary="Liveness and database check")
async def healthz(ctx: Ctx) -> web.Response:
    async with ctx.db.read() as s:
        await s.execute(text("SELECT 1"))
    return web.json_response(
        {"status": "ok", "database": "postgresql" if ctx.config.is_postgres else "sqlite"}
    )


@routes.page("GET", "/login", public=True, name="login")
async def login_form(ctx: Ctx) -> web.Response:
    if ctx.principal is not None:
        raise web.HTTPSeeOther(_safe_next(ctx.request.query.get("next")))
    return render(ctx, "login.html", next=_safe_next(ctx.request.query.get("next")), username="", error=None)


@routes.page("POST", "/login", public=True)
async def login_submit(ctx: Ctx) -> web.Response:
    form = await ctx.request.post()
    username = str(form.get("username", ""))
    password = str(form.get("password", ""))
    target = _safe_next(str(form.get("next", "")))
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
    form = await ctx.request.post()
    locale = i18n.normalise(str(form.get("locale", "")))
    if locale is None:
        raise ValidationFailed(N_("Unknown language."))
    if ctx.principal is not None:
        async with ctx.db.write() as s:
            user = await s.get(User, ctx.principal.user_id)
            if user is not None:
                await update_user(s, ctx.principal.actor, user, locale=locale)
    response = web.HTTPSeeOther(_safe_next(str(form.get("next", "/"))))
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
