"""`gongtiao serve` and the recording worker run on uvloop where it is installed, and on asyncio's own
loop where not."""

import asyncio
import sys

import pytest

from hub.event_loop import event_loop, run


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


def test_run_runs_a_coroutine_on_that_loop() -> None:
    uvloop = pytest.importorskip("uvloop")

    async def which() -> type:
        return type(asyncio.get_running_loop())

    assert run(which()) is uvloop.Loop
