"""A throwaway PostgreSQL server for the tests: its own cluster in a temp dir, on a free loopback port.

Debian's ``postgresql`` package provides the binaries; ``initdb`` refuses to run as root, so as root
the cluster belongs to the ``postgres`` system user. Set GONGTIAO_TEST_PG_URL to use a server of
your own instead (a superuser URL such as postgresql+asyncpg://postgres@127.0.0.1:5432/postgres).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class PostgresUnavailable(RuntimeError):
    pass


def _bin_dir() -> Path:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))
    if not candidates:
        raise PostgresUnavailable("PostgreSQL binaries not found: install the Debian package 'postgresql'")
    return Path(candidates[-1])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class ThrowawayPostgres:
    data_dir: Path
    port: int
    bin_dir: Path
    as_user: str | None

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str | Path) -> None:
        command = [str(a) for a in args]
        if self.as_user:
            command = ["runuser", "-u", self.as_user, "--", *command]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=60)

    @classmethod
    def start(cls, settings: str = "") -> ThrowawayPostgres:
        """``settings``: more ``-c name=value`` for the server (a bench's ``pg_stat_statements``)."""
        bin_dir = _bin_dir()
        root = Path(tempfile.mkdtemp(prefix="gongtiao-pg-"))
        as_user = "postgres" if os.geteuid() == 0 else None
        if as_user:
            shutil.chown(root, as_user, as_user)
        server = cls(root / "data", free_port(), bin_dir, as_user)
        server._run(
            bin_dir / "initdb",
            "-D",
            server.data_dir,
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        )
        options = (
            f"-c listen_addresses=127.0.0.1 -p {server.port} -k {root} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200 " + settings
        )
        server._run(
            bin_dir / "pg_ctl", "-D", server.data_dir, "-l", root / "log", "-w", "-o", options, "start"
        )
        return server

    def describe(self) -> dict[str, str | int | None]:
        """What another process needs to use or stop this server (pytest-xdist workers share one)."""
        return {
            "url": self.url,
            "data_dir": str(self.data_dir),
            "port": self.port,
            "bin_dir": str(self.bin_dir),
            "as_user": self.as_user,
        }

    @classmethod
    def from_description(cls, d: dict[str, Any]) -> ThrowawayPostgres:
        return cls(Path(d["data_dir"]), int(d["port"]), Path(d["bin_dir"]), d["as_user"])

    def stop(self) -> None:
        try:
            self._run(self.bin_dir / "pg_ctl", "-D", self.data_dir, "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.data_dir.parent, ignore_errors=True)
