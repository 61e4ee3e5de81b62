"""Jinja2 templates: the core's and each domain package's, translated through ``hub.i18n``."""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import jinja2
from aiohttp import web

from hub import flash, i18n
from hub.keys import CONFIG, LOCALE, POLICY, PRINCIPAL
from hub.labels import label, labelled
from hub.permissions import Policy, Principal, allowed
from hub.plugins import NavItem, plugins

if TYPE_CHECKING:
    from hub.routing import Ctx

TEMPLATES = Path(__file__).parent / "templates"
JINJA = web.AppKey("jinja", jinja2.Environment)
STATIC_DIR = web.AppKey("static_dir", Path)


def make_environment(extra_dirs: list[Path], static_dir: Path) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([TEMPLATES, *extra_dirs]),
        autoescape=jinja2.select_autoescape(["html", "xml"]),
        extensions=["jinja2.ext.i18n"],
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]
        lambda message: i18n.gettext(message),
        lambda singular, plural, n: i18n.ngettext(singular, plural, n),
        newstyle=True,
        pgettext=lambda context, message: i18n.pgettext(context, message),
    )
    versions: dict[str, str] = {}

    def static_url(name: str) -> str:
        # A content hash in the URL lets browsers cache static files for a long time.
        if name not in versions:
            path = static_dir / name
            digest = hashlib.sha256(path.read_bytes()).hexdigest()[:10] if path.exists() else "0"
            versions[name] = digest
        return f"/static/{name}?v={versions[name]}"

    env.globals["static_url"] = static_url
    env.globals["LOCALE_NAMES"] = i18n.LOCALE_NAMES
    env.globals["label"] = label
    env.globals["labelled"] = labelled
    env.globals["zone_name"] = i18n.zone_name
    env.globals["ZONE_NAMES"] = i18n.ZONE_NAMES
    return env


def local_time(value: datetime | None, zone: str, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if value is None:
        return ""
    return value.astimezone(ZoneInfo(zone)).strftime(fmt)


def render(ctx: Ctx, template: str, status: int = 200, **context: Any) -> web.Response:
    return render_request(ctx.request, template, status=status, principal=ctx.principal, **context)


def shows(item: NavItem, principal: Principal, policy: Policy) -> bool:
    """Whether the menu offers ``item`` to ``principal``: the page would open for them, and is theirs
    to use (``NavItem.by_role``: a job's pages only to those holding the job's role)."""
    if item.by_role:
        if not principal.roles.intersection(policy[item.permission]):
            return False
    elif not allowed(principal, item.permission, policy):
        return False
    return not item.agency_kinds or principal.is_superuser or principal.agency_kind in item.agency_kinds


def nav_for(principal: Principal | None, policy: Policy) -> list[NavItem]:
    if principal is None:
        return []
    return [item for p in plugins() for item in p.nav if shows(item, principal, policy)]


def render_request(request: web.Request, template: str, status: int = 200, **context: Any) -> web.Response:
    from hub.csrf import expected_token

    config = request.app[CONFIG]
    env = request.app[JINJA]
    zone = config.time_zone
    principal = request.get(PRINCIPAL)
    base = {
        "nav_items": nav_for(principal, request.app[POLICY]),
        "request": request,
        "principal": request.get(PRINCIPAL),
        "locale": request.get(LOCALE, i18n.DEFAULT_LOCALE),
        "csrf_token": expected_token(request, config.secret_key) or "",
        "localtime": lambda value, fmt="%Y-%m-%d %H:%M": local_time(value, zone, fmt),
        "flashes": flash.pending(request),
    }
    base.update(context)
    html = env.get_template(template).render(base)
    response = web.Response(text=html, status=status, content_type="text/html", charset="utf-8")
    flash.shown(request, response)
    return response
