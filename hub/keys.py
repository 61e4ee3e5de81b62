"""Typed keys for what the app holds (aiohttp ``AppKey``): no global state anywhere else."""

from __future__ import annotations

from aiohttp import web

from hub.config import Config
from hub.db import Database
from hub.directory import AgencyTreeCache
from hub.events import LocalBus
from hub.permissions import Policy, Principal
from hub.ratelimit import LoginThrottle

CONFIG = web.AppKey("config", Config)
DB = web.AppKey("db", Database)
EVENTS = web.AppKey("events", LocalBus)
TREE = web.AppKey("agency_tree", AgencyTreeCache)
LOGIN_LIMITER = web.AppKey("login_limiter", LoginThrottle)
# The permissions of the core and of every package, joined (``hub.permissions.policy_of``).
POLICY = web.AppKey("policy", Policy)

# What the middlewares learn about a request (aiohttp ``RequestKey``).
REQUEST_ID = web.RequestKey("request_id", str)
LOCALE = web.RequestKey("locale", str)
LOCALE_CHOSEN = web.RequestKey("locale_chosen", bool)
PRINCIPAL = web.RequestKey("principal", Principal)
CSRF_ANON = web.RequestKey("csrf_anon", str)  # anonymous CSRF cookie minted for this response
