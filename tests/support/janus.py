"""Debian's Janus for a test: its own configuration directory, a free port for its WebSocket API
on loopback, only the VideoRoom plugin and the WebSocket transport; killed afterwards."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from tests.support.pg import free_port

JANUS = shutil.which("janus") or "/usr/bin/janus"
LIBDIR = Path("/usr/lib/x86_64-linux-gnu/janus")
API_SECRET = "janus-test-secret"


def write_config(directory: Path, port: int, api_secret: str = API_SECRET) -> Path:
    """The configuration files Janus reads (see deploy/janus/ for a server's)."""
    directory.mkdir(parents=True, exist_ok=True)
    plugins = ",".join(
        p.name for p in (LIBDIR / "plugins").glob("libjanus_*.so") if p.name != "libjanus_videoroom.so"
    )
    transports = ",".join(
        p.name for p in (LIBDIR / "transports").glob("libjanus_*.so") if p.name != "libjanus_websockets.so"
    )
    (directory / "janus.jcfg").write_text(
        "general: {\n"
        f'  configs_folder = "{directory}"\n'
        f'  plugins_folder = "{LIBDIR}/plugins"\n'
        f'  transports_folder = "{LIBDIR}/transports"\n'
        f'  events_folder = "{LIBDIR}/events"\n'
        f'  loggers_folder = "{LIBDIR}/loggers"\n'
        "  debug_level = 4\n"
        f'  api_secret = "{api_secret}"\n'
        "}\n"
        "media: {}\nnat: {}\n"
        f'plugins: {{ disable = "{plugins}" }}\n'
        f'transports: {{ disable = "{transports}" }}\n'
        "events: { broadcast = false }\n"
    )
    (directory / "janus.transport.websockets.jcfg").write_text(
        f'general: {{ json = "compact" ws = true ws_port = {port} ws_ip = "127.0.0.1" wss = false }}\n'
        "admin: { admin_ws = false }\n"
    )
    (directory / "janus.plugin.videoroom.jcfg").write_text("general: {}\n")
    return directory / "janus.jcfg"


@asynccontextmanager
async def janus_server(directory: Path) -> AsyncIterator[str]:
    """A running Janus; yields its WebSocket API's URL."""
    if not Path(JANUS).exists():
        pytest.skip("Janus is not installed (scripts/system-deps.sh test installs it)")
    port = free_port()
    config = write_config(directory, port)
    with (directory / "janus.log").open("wb") as log:
        process = subprocess.Popen(
            [JANUS, "-C", str(config), "-F", str(directory), "--disable-colors"],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            for _ in range(100):
                if process.poll() is not None:
                    raise RuntimeError(f"janus exited: {(directory / 'janus.log').read_text()[-2000:]}")
                try:
                    _, writer = await asyncio.open_connection("127.0.0.1", port)
                except OSError:
                    await asyncio.sleep(0.05)
                    continue
                writer.close()
                break
            yield f"ws://127.0.0.1:{port}"
        except BaseException:
            print("janus log:", (directory / "janus.log").read_text(errors="replace")[-3000:])
            raise
        finally:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
