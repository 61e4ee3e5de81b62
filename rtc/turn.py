"""ICE servers for browsers and the hub's own peer, with coturn-style time-limited TURN credentials.

coturn's ``use-auth-secret``: the username is ``<expiry unix time>:<label>`` and the password is
base64(HMAC-SHA1(shared secret, username)); coturn recomputes it, so no per-user state is kept.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime, timedelta
from typing import Any

from aiortc import RTCIceServer

from hub.config import Config


def turn_credentials(secret: str, label: str, *, now: datetime, ttl_seconds: int) -> tuple[str, str]:
    expiry = int((now + timedelta(seconds=ttl_seconds)).timestamp())
    username = f"{expiry}:{label}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode()


def ice_servers(config: Config, label: str, *, now: datetime) -> list[dict[str, Any]]:
    """The ``iceServers`` list for a browser's RTCPeerConnection."""
    stun = [url for url in config.ice_urls if url.startswith("stun:")]
    turn = [url for url in config.ice_urls if url.startswith(("turn:", "turns:"))]
    servers: list[dict[str, Any]] = []
    if stun:
        servers.append({"urls": stun})
    if turn:
        username, credential = turn_credentials(
            config.turn_secret, label, now=now, ttl_seconds=config.turn_ttl_seconds
        )
        servers.append({"urls": turn, "username": username, "credential": credential})
    return servers


def aiortc_servers(config: Config, label: str, *, now: datetime) -> list[RTCIceServer]:
    return [
        RTCIceServer(urls=s["urls"], username=s.get("username"), credential=s.get("credential"))
        for s in ice_servers(config, label, now=now)
    ]
