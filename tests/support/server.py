"""Run real servers for tests: in-process (same event loop) or as ``gongtiao serve`` subprocesses."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import IO

import aiohttp
from aiohttp import web

from hub.app import create_app
from hub.config import Config
from tests.support.env import clean_env
from tests.support.pg import free_port


@asynccontextmanager
async def serve_in_process(config: Config) -> AsyncIterator[str]:
    """The real app on a real TCP port of loopback, inside the test's event loop."""
    runner = web.AppRunner(create_app(config), shutdown_timeout=2)
    await runner.setup()
    port = free_port()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


@dataclass
class ServeProcess:
    process: subprocess.Popen[bytes]
    url: str
    log: IO[bytes]

    def stop(self) -> int:
        """SIGTERM, as systemd would; returns the exit code (graceful shutdown gives 0)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
        return self.process.returncode

    def kill(self) -> None:
        """SIGKILL: a crash, nothing cleaned up."""
        self.process.kill()
        self.process.wait()
        self.log.close()


async def start_serve(config: Config, log_path: str, **settings: str) -> ServeProcess:
    """Start ``gongtiao serve`` as its own process and wait until /healthz answers. ``settings``:
    more GONGTIAO_* variables for it."""
    port = free_port()
    env = clean_env(
        GONGTIAO_DATABASE_URL=config.database_url,
        GONGTIAO_DATA_DIR=str(config.data_dir),
        GONGTIAO_SECRET_KEY=config.secret_key,
        GONGTIAO_PORT=str(port),
        GONGTIAO_HOST="127.0.0.1",
        **settings,
    )
    log = open(log_path, "ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "hub", "serve"], env=env, stdout=log, stderr=log, stdin=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                log.close()
                raise RuntimeError(f"gongtiao serve exited early; see {log_path}")
            try:
                async with session.get(url + "/healthz") as response:
                    if response.status == 200:
                        return ServeProcess(process, url, log)
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    process.kill()
    log.close()
    raise RuntimeError(f"gongtiao serve did not answer within 30 s; see {log_path}")
