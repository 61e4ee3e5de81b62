"""ICE servers for the browsers: STUN as given, TURN with coturn's time-limited credentials."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime
from pathlib import Path

from hub.config import Config
from rtc.turn import aiortc_servers, ice_servers, turn_credentials

NOW = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)


def _config(**env: str) -> Config:
    return Config.from_env({"GONGTIAO_DATA_DIR": "/tmp/gt-turn", **env}, base_dir=Path("/tmp"))


def test_the_turn_password_is_what_coturn_computes_from_the_shared_secret() -> None:
    username, password = turn_credentials("s3cret", "s1p2", now=NOW, ttl_seconds=3600)
    expiry, label = username.split(":")
    assert int(expiry) == int(NOW.timestamp()) + 3600 and label == "s1p2"
    expected = base64.b64encode(hmac.new(b"s3cret", username.encode(), hashlib.sha1).digest()).decode()
    assert password == expected


def test_stun_and_turn_urls_become_ice_servers() -> None:
    config = _config(
        GONGTIAO_ICE_URLS="stun:stun.qingchuan.example:3478,turn:turn.qingchuan.example:3478?transport=udp",
        GONGTIAO_TURN_SECRET="s3cret",
    )
    servers = ice_servers(config, "s1p2", now=NOW)
    assert servers[0] == {"urls": ["stun:stun.qingchuan.example:3478"]}
    assert servers[1]["urls"] == ["turn:turn.qingchuan.example:3478?transport=udp"]
    assert servers[1]["username"].endswith(":s1p2") and servers[1]["credential"]
    assert [s.urls for s in aiortc_servers(config, "hub", now=NOW)] == [s["urls"] for s in servers]


def test_no_ice_urls_means_host_candidates_only() -> None:
    assert ice_servers(_config(), "x", now=NOW) == []
