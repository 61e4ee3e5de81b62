"""The app factory: wires config, database, events, templates, middlewares and every package."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from importlib import resources
from pathlib import Path

from aiohttp import web

from hub import api, audit_chain, directory_cache, live, openapi, pages
from hub import cache as data_cache
from hub.auth import purge_expired_sessions
from hub.config import Config
from hub.db import Database
from hub.directory import AgencyTreeCache
from hub.events import Event, EventBus, Outbox, bus_for
from hub.keys import CONFIG, DB, EVENTS, LOGIN_LIMITER, POLICY, TREE
from hub.orm import utcnow
from hub.outbound import api as outbound_api
from hub.outbound import pages as outbound_pages
from hub.outbound.worker import worker_context
from hub.permissions import POLICY as POLICY_OF_CORE
from hub.permissions import policy_of
from hub.plugins import CASEFILE_SECTIONS, casefile_contributors, load_models, plugins, route_tables
from hub.ratelimit import LoginThrottle
from hub.routing import ENDPOINTS
from hub.tasks import every
from hub.templating import JINJA, STATIC_DIR, make_environment
from hub.web import context_middleware, error_middleware, identity_middleware, security_headers
from hub.workdays import routes as workdays_routes
from hub.workdays.keys import CALENDAR
from hub.workdays.service import CalendarCache

logger = logging.getLogger(__name__)
# The core's route tables, before every plugin's (``Plugin.routes``).
CORE_ROUTES = (pages.routes, api.routes, workdays_routes.routes, outbound_api.routes, outbound_pages.routes)


def static_dir() -> Path:
    # A source checkout serves its own static/ (a second checkout or worktree sharing one editable
    # install would otherwise serve the first one's files); an installed wheel has it as hub/static.
    checkout = Path(__file__).resolve().parent.parent / "static"
    if (checkout / "css").is_dir():
        return checkout
    return Path(str(resources.files("hub.static")))


def create_app(config: Config) -> web.Application:
    load_models()
    app = web.Application(
        middlewares=[context_middleware, error_middleware, identity_middleware],
        client_max_size=config.max_body_bytes,
    )
    app[CONFIG] = config
    app[TREE] = AgencyTreeCache()
    app[directory_cache.DIRECTORY] = directory_cache.DirectoryCache()
    app[CALENDAR] = CalendarCache()
    app[LOGIN_LIMITER] = LoginThrottle.of(config.login_attempts, config.login_window_seconds)
    app[ENDPOINTS] = []
    app[POLICY] = policy_of(POLICY_OF_CORE, *(p.permissions for p in plugins()))
    app[CASEFILE_SECTIONS] = casefile_contributors()
    app[live.STREAMS] = set()
    static = static_dir()
    app[STATIC_DIR] = static
    package_templates = [p.templates for p in plugins() if p.templates is not None]
    app[JINJA] = make_environment(package_templates, static)

    for table in CORE_ROUTES:
        table.register(app)
    for plugin in plugins():
        for table in route_tables(plugin):
            table.register(app)
        if plugin.setup is not None:
            plugin.setup(app)
    app.router.add_static("/static", static, append_version=False)

    app.cleanup_ctx.append(_database)
    app.cleanup_ctx.append(directory_cache.context(EVENTS))  # after the database's: the bus is up
    app.cleanup_ctx.append(every(3600, _purge_sessions, name="housekeeping"))
    app.cleanup_ctx.append(worker_context)  # after the database's: stops before it closes
    app.cleanup_ctx.append(audit_chain.chainer())  # the same; links what a crash left, at start
    app.on_response_prepare.append(security_headers)
    app.on_startup.append(_build_openapi)
    app.on_shutdown.append(_close_streams)
    return app


async def _database(app: web.Application) -> AsyncIterator[None]:
    config = app[CONFIG]
    if config.secret_key_is_ephemeral:
        logger.warning("GONGTIAO_SECRET_KEY is not set: using a random key, logins end on restart")
    app[DB] = Database(config.database_url)
    app[EVENTS] = bus_for(config.database_url)
    await app[EVENTS].start()
    _share_directory_changes(app[DB], app[EVENTS])
    yield
    await app[EVENTS].close()
    await app[DB].dispose()


def _share_directory_changes(db: Database, bus: EventBus) -> None:
    """A change to the directory made here drops every process's cache; one made elsewhere, ours."""
    cache = db.cache

    async def publish() -> None:
        await bus.publish(Event(topic=data_cache.TOPIC, kind=data_cache.KIND))

    cache.connect(publish)
    bus.listen(data_cache.TOPIC, lambda _event: cache.invalidate())


async def _purge_sessions(app: web.Application, _outbox: Outbox) -> None:
    """Drop expired browser sessions (every hour)."""
    removed = await purge_expired_sessions(app[DB], utcnow())
    if removed:
        logger.info("purged %d expired sessions", removed)


async def _build_openapi(app: web.Application) -> None:
    app[openapi.OPENAPI_CACHE] = openapi.build(app[ENDPOINTS])


async def _close_streams(app: web.Application) -> None:
    """Graceful shutdown: end live streams so their connections close before the loop stops."""
    streams = app[live.STREAMS]
    for subscription in list(streams):
        subscription.close()
