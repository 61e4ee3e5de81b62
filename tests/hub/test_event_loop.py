"""`gongtiao serve` runs on uvloop where it is installed, and on asyncio's own loop where not."""

import asyncio
import sys

import pytest

from hub.cli import event_loop


def test_serve_uses_uvloop_when_installed() -> None:
    uvloop = pytest.importorskip("uvloop")
    loop = event_loop()
    try:
        assert isinstance(loop, uvloop.Loop)
    finally:
        loop.close()


def test_serve_falls_back_to_asyncio_without_uvloop(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "uvloop", None)  # import uvloop now raises ImportError
    loop = event_loop()
    try:
        assert isinstance(loop, asyncio.BaseEventLoop) and type(loop).__module__.startswith("asyncio")
    finally:
        loop.close()
