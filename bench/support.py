"""What every benchmark needs: options, subprocesses that are always stopped, a throwaway PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = Path(__file__).resolve().parent / "results"


@dataclass(frozen=True)
class Options:
    pg: bool = False
    duration: float = 10.0
    warmup: float = 2.0
    connections: int = 50
    pin: bool = True
    load: str = "auto"  # auto | wrk | python


def cpu_split(pin: bool) -> tuple[set[int] | None, set[int] | None]:
    """(server CPUs, load generator CPUs): the generator gets the last CPU, the server the rest."""
    try:
        cpus = sorted(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return None, None
    if not pin or len(cpus) < 2:
        return None, None
    return set(cpus[:-1]), {cpus[-1]}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def hub_env(database_url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment for ``python -m hub``: none of the caller's GONGTIAO_* (make exports some)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GONGTIAO_")}
    env.update(
        GONGTIAO_DATABASE_URL=database_url,
        GONGTIAO_DATA_DIR=str(data_dir),
        GONGTIAO_SECRET_KEY="bench-secret-key-not-for-production",
        GONGTIAO_LOG_LEVEL="WARNING",
        GONGTIAO_LOG_FORMAT="text",
    )
    env.update(extra)
    return env


def run_hub_cli(args: Sequence[str], env: Mapping[str, str], cwd: Path) -> str:
    """Run ``python -m hub ARGS`` to completion; its stdout, or an error with its stderr."""
    done = subprocess.run(
        [sys.executable, "-m", "hub", *args],
        env=dict(env),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=1200,
        stdin=subprocess.DEVNULL,
    )
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-15:])
        raise RuntimeError(f"python -m hub {' '.join(args)} failed ({done.returncode}):\n{tail}")
    return done.stdout


def _pin(cpus: set[int] | None) -> Callable[[], None] | None:
    if cpus is None:
        return None

    def pin() -> None:
        os.sched_setaffinity(0, cpus)

    return pin


@dataclass
class Child:
    """A subprocess we started; ``stop()`` is idempotent and never leaves it running."""

    name: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log_tail(self, lines: int = 20) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.strip().splitlines()[-lines:])


def spawn(
    name: str,
    command: Sequence[str],
    *,
    env: Mapping[str, str],
    cwd: Path,
    log_path: Path,
    stack: ExitStack,
    cpus: set[int] | None = None,
) -> Child:
    """Start a subprocess whose stop is registered on ``stack`` before anything else can fail."""
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            list(command),
            env=dict(env),
            cwd=cwd,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            preexec_fn=_pin(cpus),  # the parent is single-threaded here
        )
    child = Child(name, process, log_path)
    stack.callback(child.stop)
    return child


def get(url: str, headers: Mapping[str, str] | None = None, timeout: float = 10.0) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers=dict(headers or {}))
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return int(response.status), response.read()
    except urllib.error.HTTPError as exc:
        return int(exc.code), exc.read()


def get_json(url: str, headers: Mapping[str, str] | None = None) -> Any:
    status, body = get(url, headers)
    if status != 200:
        raise RuntimeError(f"GET {url} answered {status}: {body[:300]!r}")
    return json.loads(body)


def wait_ready(child: Child, url: str, timeout: float = 60.0) -> None:
    """Poll ``url`` until it answers 200; fail early if the process died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if child.process.poll() is not None:
            raise RuntimeError(f"{child.name} exited early ({child.process.returncode}):\n{child.log_tail()}")
        try:
            if get(url, timeout=2.0)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{child.name} did not answer {url} within {timeout:.0f} s:\n{child.log_tail()}")


def throwaway_postgres(stack: ExitStack, database: str = "gongtiao_bench") -> str:
    """Start a throwaway PostgreSQL (stopped when ``stack`` closes); the URL of a fresh database in it."""
    return start_postgres(stack, database)[1]


def start_postgres(stack: ExitStack, database: str = "gongtiao_bench", settings: str = "") -> tuple[Any, str]:
    """Like ``throwaway_postgres``, also returning the ``ThrowawayPostgres`` (its port, data dir, log);
    ``settings`` as ``ThrowawayPostgres.start`` takes them."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from tests.support.pg import ThrowawayPostgres

    server = ThrowawayPostgres.start(settings)
    stack.callback(server.stop)

    async def create() -> None:
        import asyncpg

        conn = await asyncpg.connect(host="127.0.0.1", port=server.port, user="postgres", database="postgres")
        try:
            await conn.execute(f'CREATE DATABASE "{database}"')
        finally:
            await conn.close()

    asyncio.run(create())
    return server, f"postgresql+asyncpg://postgres@127.0.0.1:{server.port}/{database}"


def cpu_by_pid(pids: Sequence[int]) -> dict[int, float]:
    """User + system CPU seconds so far of each of these processes (Linux; one gone is left out)."""
    tick = os.sysconf("SC_CLK_TCK")
    out: dict[int, float] = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[pid] = (int(fields[11]) + int(fields[12])) / tick  # utime, stime (fields 14, 15 of stat)
    return out


def cpu_used(before: Mapping[int, float], after: Mapping[int, float]) -> float:
    """CPU seconds between two ``cpu_by_pid`` readings (a process started between counts whole)."""
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())


def postgres_pids(data_dir: Path) -> list[int]:
    """The postmaster of a throwaway PostgreSQL and every backend and worker it started."""
    try:
        postmaster = int((data_dir / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return []
    pids = [postmaster]
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == postmaster:
                pids.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    return pids


def log(message: str) -> None:
    print(f"  .. {message}", file=sys.stderr, flush=True)


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:  # not available here
        return "?"


def machine_note() -> str:
    """What to print beside every figure: these machines are small and shared, so figures drift."""
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        usable = os.cpu_count() or 0
    return f"{usable} CPUs shared with other work; load average {load_average()}"
