"""Route registration: every page and API endpoint goes through here.

Each route declares the permission it needs (or ``public=True``), so the role check cannot be
forgotten, and API routes declare their pydantic body/query/response models, from which both the
request validation and the OpenAPI document (``hub.openapi``) are produced. Handlers receive a
``Ctx`` and, for the API, the validated body or query model.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError

from hub import input_limits
from hub.db import retrying
from hub.directory import TREE_INFO
from hub.errors import MalformedJSON, PayloadTooLarge, Unauthenticated, UnsupportedMediaType, ValidationFailed
from hub.events import Outbox, transaction
from hub.i18n import gettext
from hub.keys import CONFIG, DB, EVENTS, POLICY, PRINCIPAL, TREE
from hub.permissions import Guard, Principal

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from hub.config import Config
    from hub.db import Database
    from hub.events import EventBus

Handler = Callable[..., Awaitable[Any]]
M = TypeVar("M", bound=BaseModel)


@dataclass
class Ctx:
    """What a handler needs about the request, without digging in the app."""

    request: web.Request
    principal: Principal | None
    guard: Guard | None

    @property
    def db(self) -> Database:
        return self.request.app[DB]

    @property
    def config(self) -> Config:
        return self.request.app[CONFIG]

    @property
    def events(self) -> EventBus:
        return self.request.app[EVENTS]

    @asynccontextmanager
    async def write(self) -> AsyncIterator[tuple[AsyncSession, Outbox]]:
        """The one way a handler changes data: a write transaction and the outbox its notices go
        to, published once the transaction has committed (not at all if it failed). The session
        carries the app's cached agency tree (``directory.tree_of``)."""
        tree = await self.request.app[TREE].get(self.db)
        async with transaction(self.db, self.events) as (s, outbox):
            s.info[TREE_INFO] = tree
            yield s, outbox

    @property
    def user(self) -> Principal:
        if self.principal is None:
            raise Unauthenticated()
        return self.principal

    @property
    def must(self) -> Guard:
        if self.guard is None:
            raise Unauthenticated()
        return self.guard

    @property
    def base_url(self) -> str:
        """Where links the hub hands out point: the configured public address, or the one asked."""
        return self.config.public_url or f"{self.request.scheme}://{self.request.host}"

    def match(self, name: str) -> str:
        return self.request.match_info[name]

    def match_int(self, name: str) -> int:
        return input_limits.path_id(self.request.match_info[name])


@dataclass
class Endpoint:
    method: str
    path: str
    handler: Handler
    permission: str | None
    api: bool
    summary: str = ""
    tags: tuple[str, ...] = ()
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    status: int = 200
    # For non-JSON answers (documents, calendars): media type shown in the OpenAPI document.
    produces: str | None = None
    name: str | None = None
    extra_responses: dict[int, str] = field(default_factory=dict)


class Routes:
    """A package's routes; ``register`` adds them to the app (aiohttp ``RouteTableDef`` style)."""

    def __init__(self) -> None:
        self.endpoints: list[Endpoint] = []

    def page(
        self,
        method: str,
        path: str,
        *,
        perm: str | None = None,
        public: bool = False,
        name: str | None = None,
        summary: str = "",
        produces: str | None = None,
        tags: tuple[str, ...] = (),
    ) -> Callable[[Handler], Handler]:
        _check_declared(perm, public, path)

        def decorate(handler: Handler) -> Handler:
            self.endpoints.append(
                Endpoint(
                    method,
                    path,
                    handler,
                    perm,
                    api=False,
                    name=name,
                    summary=summary,
                    produces=produces,
                    tags=tags,
                )
            )
            return handler

        return decorate

    def api(
        self,
        method: str,
        path: str,
        *,
        perm: str | None = None,
        public: bool = False,
        summary: str,
        tags: tuple[str, ...] = (),
        body: type[BaseModel] | None = None,
        query: type[BaseModel] | None = None,
        response: type[BaseModel] | None = None,
        status: int = 200,
    ) -> Callable[[Handler], Handler]:
        _check_declared(perm, public, path)

        def decorate(handler: Handler) -> Handler:
            self.endpoints.append(
                Endpoint(
                    method,
                    path,
                    handler,
                    perm,
                    api=True,
                    summary=summary,
                    tags=tags,
                    body=body,
                    query=query,
                    response=response,
                    status=status,
                )
            )
            return handler

        return decorate

    def register(self, app: web.Application) -> None:
        registry = app[ENDPOINTS]
        for endpoint in self.endpoints:
            registry.append(endpoint)
            app.router.add_route(endpoint.method, endpoint.path, _wrap(endpoint), name=endpoint.name)


ENDPOINTS = web.AppKey("endpoints", list[Endpoint])


def _check_declared(perm: str | None, public: bool, path: str) -> None:
    if (perm is not None) != public:
        return
    raise ValueError(f"route {path}: declare exactly one of perm=... or public=True")


def _wrap(endpoint: Endpoint) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def handle(request: web.Request) -> web.StreamResponse:
        principal: Principal | None = request.get(PRINCIPAL)
        guard = None
        if endpoint.permission is not None:
            if principal is None:
                raise Unauthenticated()
            guard = await guard_for(request, principal)
            guard.require(endpoint.permission)
        ctx = Ctx(request, principal, guard)
        args: list[Any] = []
        if endpoint.body is not None:
            args.append(await parse_body(request, endpoint.body))
        if endpoint.query is not None:
            args.append(parse_query(request, endpoint.query))
        if endpoint.body is not None or not request.body_exists:
            # A body read whole (JSON) or none: the handler may run again after a transient
            # database failure (SQLite's lock past its timeout, a PostgreSQL deadlock).
            result = await retrying(lambda: endpoint.handler(ctx, *args))
        else:
            result = await endpoint.handler(ctx, *args)
        if isinstance(result, web.StreamResponse):
            return result
        return json_response(result, status=endpoint.status)

    handle.__name__ = endpoint.handler.__name__
    return handle


async def guard_for(request: web.Request, principal: Principal) -> Guard:
    """The checks for ``principal``: the app's policy and its cached agency tree."""
    return Guard(principal, await request.app[TREE].get(request.app[DB]), request.app[POLICY])


def json_response(result: Any, status: int = 200) -> web.Response:
    if isinstance(result, BaseModel):
        text = result.model_dump_json()
    else:
        text = json.dumps(result, ensure_ascii=False, default=str)
    return web.Response(text=text, status=status, content_type="application/json")


async def parse_body(request: web.Request, model: type[M]) -> M:
    if request.content_type != "application/json":
        raise UnsupportedMediaType()
    try:
        raw = await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise PayloadTooLarge(limit=request.app[CONFIG].max_body_bytes) from None
    try:
        data = json.loads(raw) if raw else None
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: nested too deep
        raise MalformedJSON() from None
    input_limits.check_json(data)
    return validate(model, data)


def parse_query(request: web.Request, model: type[M]) -> M:
    data: dict[str, Any] = {}
    for key in request.query:
        values = request.query.getall(key)
        data[key] = values if len(values) > 1 else values[0]
    return validate(model, data)


def validate(model: type[M], data: Any) -> M:
    """The model, or ``ValidationFailed`` listing each field's problem. A package's own problems
    (``PydanticCustomError`` whose message is an English msgid) read in the request's language;
    pydantic's own stay as pydantic writes them."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        details = [
            {
                "field": ".".join(str(p) for p in err["loc"]),
                "type": err["type"],
                "message": gettext(err["msg"]),
            }
            for err in exc.errors(include_url=False, include_input=False)
        ]
        raise ValidationFailed(details=details) from None
