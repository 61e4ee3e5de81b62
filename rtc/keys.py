"""Typed keys for what the rtc package keeps on the app."""

from __future__ import annotations

from aiohttp import web

from rtc.host import RoomHost

ROOMS = web.AppKey("mediation_rooms", RoomHost)
