"""An authenticated API read under load: ``GET /api/v1/agencies`` with a Bearer token.

Targets, two subprocesses on the same database (the demo district), both on uvloop:
- ``hub``: the real ``python -m hub serve`` (middlewares, token lookup, permission check, and the
  agency list's kept body, ``hub.directory_cache``);
- ``hub-304``: the same, the client sending the body's ETag in If-None-Match (a caller that kept
  its copy: permission checked, 304, no body);
- ``floor``: ``bench.floor_app``, bare aiohttp + SQLAlchemy **Core** (two SELECTs, rows to dicts,
  ``json.dumps``) returning the same JSON, without auth, middleware or cache: a hand-written read;
- ``floor-orm``: the same app running the hub's own ORM query (the floor of earlier runs).

Each runs ``--duration`` seconds after ``--warmup`` under ``--connections`` connections, on SQLite and,
with ``--pg``, on a throwaway PostgreSQL. Ratios are over ``floor`` (Core).
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import urllib.request
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from bench.load import LoadResult, ensure_wrk, run_python, run_wrk
from bench.support import (
    RESULTS_DIR,
    ROOT,
    Child,
    Options,
    cpu_split,
    free_port,
    get_json,
    hub_env,
    log,
    run_hub_cli,
    spawn,
    throwaway_postgres,
    wait_ready,
)

PATH = "/api/v1/agencies"
# variant -> (process, path); hub-304 adds If-None-Match.
VARIANTS = {
    "hub": ("hub", PATH),
    "hub-304": ("hub", PATH),
    "floor": ("floor", PATH),
    "floor-orm": ("floor", "/orm" + PATH),
}
PROCESSES = ("hub", "floor")


@dataclass(frozen=True)
class Run:
    backend: str
    target: str
    result: LoadResult


def prepare(database_url: str, data_dir: Path) -> str:
    """Migrate, load the demo district, and return a new bearer token of the demo's ``admin``."""
    env = hub_env(database_url, data_dir)
    run_hub_cli(["db", "upgrade"], env, ROOT)
    run_hub_cli(["demo", "--quiet"], env, ROOT)
    out = run_hub_cli(["token", "create", "admin", "--name", "bench"], env, ROOT)
    lines = [line.strip() for line in out.splitlines() if line.strip()]
    if not lines:
        raise RuntimeError("`token create admin` printed no token")
    return lines[-1]


def start_target(
    target: str, database_url: str, data_dir: Path, stack: ExitStack, cpus: set[int] | None
) -> tuple[Child, str]:
    """Start the hub or the floor app on a free port; return it and its base URL once it answers."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = data_dir / f"{target}.log"
    if target == "hub":
        env = hub_env(database_url, data_dir, GONGTIAO_PORT=str(port), GONGTIAO_HOST="127.0.0.1")
        command = [sys.executable, "-m", "hub", "serve"]
        ready = base + "/healthz"
    else:
        env = hub_env(database_url, data_dir)
        command = [
            sys.executable,
            "-m",
            "bench.floor_app",
            "--port",
            str(port),
            "--database-url",
            database_url,
        ]
        ready = base + PATH
    child = spawn(target, command, env=env, cwd=ROOT, log_path=log_path, stack=stack, cpus=cpus)
    wait_ready(child, ready, timeout=300.0)  # a shared machine under load starts slowly
    return child, base


def etag_of(url: str, headers: dict[str, str]) -> str:
    request = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - our own loopback
        return str(response.headers["ETag"])


def measure(
    url: str, headers: dict[str, str], options: Options, wrk: str | None, cpus: set[int] | None
) -> LoadResult:
    if wrk is None:
        return run_python(url, headers, options.connections, options.duration, options.warmup, cpus)
    if options.warmup > 0:
        run_wrk(wrk, url, headers, options.connections, options.warmup, cpus)  # discarded
    return run_wrk(wrk, url, headers, options.connections, options.duration, cpus)


def ratios(runs: list[Run], backend: str, target: str = "hub") -> dict[str, float]:
    by_target = {r.target: r.result for r in runs if r.backend == backend}
    hub, floor = by_target.get(target), by_target.get("floor")
    if hub is None or floor is None:
        return {}

    def ratio(a: float, b: float) -> float:
        return a / b if b else float("nan")

    return {
        "rps": ratio(hub.rps, floor.rps),
        "p50": ratio(hub.p50_ms, floor.p50_ms),
        "p99": ratio(hub.p99_ms, floor.p99_ms),
    }


def table(runs: list[Run], backends: list[str]) -> str:
    header = f"{'backend':<11}{'target':<18}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'errors':>8}"
    lines = [header, "-" * len(header)]
    for backend in backends:
        for r in (r for r in runs if r.backend == backend):
            x = r.result
            lines.append(
                f"{backend:<11}{r.target:<18}{x.rps:>10.1f}{x.p50_ms:>10.2f}{x.p99_ms:>10.2f}{x.errors:>8}"
            )
        for target in (t for t in VARIANTS if t != "floor"):
            q = ratios(runs, backend, target)
            if q:
                name = f"{target}/floor"
                lines.append(f"{backend:<11}{name:<18}{q['rps']:>10.2f}{q['p50']:>10.2f}{q['p99']:>10.2f}")
    return "\n".join(lines)


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for package in ("aiohttp", "sqlalchemy", "aiosqlite", "asyncpg", "pydantic"):
        try:
            out[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            pass
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    if commit.returncode == 0:
        out["commit"] = commit.stdout.strip()
    return out


def write_results(data: dict[str, Any], stamp: str) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"api_read-{stamp}.json"
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def run(options: Options) -> str:
    started = datetime.now(UTC)
    server_cpus, load_cpus = cpu_split(options.pin)
    wrk = ensure_wrk() if options.load in ("auto", "wrk") else None
    if wrk is None and options.load == "wrk":
        raise RuntimeError("wrk is not installed and could not be installed (not root?)")
    tool = "wrk" if wrk else "python-aiohttp"
    backends = ["sqlite"] + (["postgresql"] if options.pg else [])
    log(f"load: {tool}, {options.connections} connections, {options.warmup:g}+{options.duration:g} s per run")
    if server_cpus is not None:
        log(f"server on CPUs {sorted(server_cpus)}, load generator on {sorted(load_cpus or ())}")
    runs: list[Run] = []
    notes: list[str] = []
    agencies: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="gongtiao-bench-") as tmp, ExitStack() as stack:
        for backend in backends:
            data_dir = Path(tmp) / backend
            data_dir.mkdir()
            if backend == "sqlite":
                database_url = f"sqlite+aiosqlite:///{data_dir / 'gongtiao.db'}"
            else:
                log("starting a throwaway PostgreSQL")
                database_url = throwaway_postgres(stack)
            log(f"{backend}: db upgrade, demo, token")
            token = prepare(database_url, data_dir)
            headers = {"Authorization": f"Bearer {token}"}
            bodies: dict[str, Any] = {}
            for process in PROCESSES:
                log(f"{backend}: {process}")
                child, base = start_target(process, database_url, data_dir, stack, server_cpus)
                try:
                    for target, (_, route) in ((t, v) for t, v in VARIANTS.items() if v[0] == process):
                        asked = dict(headers)
                        if target == "hub-304":
                            asked["If-None-Match"] = etag_of(base + route, headers)
                        else:
                            bodies[target] = get_json(base + route, headers)
                        log(f"{backend}: {target}")
                        result = measure(base + route, asked, options, wrk, load_cpus)
                        if child.process.poll() is not None:
                            raise RuntimeError(f"{process} died during the run:\n{child.log_tail()}")
                        runs.append(Run(backend, target, result))
                        if result.errors:
                            notes.append(
                                f"{backend}/{target}: {result.errors} errors of {result.requests} requests"
                            )
                finally:
                    child.stop()
            agencies[backend] = int(bodies["hub"].get("total", -1))
            for target in ("floor", "floor-orm"):
                if bodies["hub"] != bodies[target]:
                    notes.append(f"{backend}: {target}'s JSON differs from the hub's")
    data = {
        "benchmark": "api_read",
        "started_at": started.isoformat(),
        "request": f"GET {PATH} (Authorization: Bearer; the floor ignores it)",
        "load_tool": tool,
        "connections": options.connections,
        "warmup_s": options.warmup,
        "duration_s": options.duration,
        "cpus": os.cpu_count(),
        "server_cpus": sorted(server_cpus) if server_cpus else None,
        "load_cpus": sorted(load_cpus) if load_cpus else None,
        "agencies": agencies,
        "versions": _versions(),
        "runs": [{"backend": r.backend, "target": r.target, **r.result.as_dict()} for r in runs],
        "ratios_over_core_floor": {
            b: {t: ratios(runs, b, t) for t in VARIANTS if t != "floor"} for b in backends
        },
        "notes": notes,
    }
    path = write_results(data, started.strftime("%Y%m%dT%H%M%SZ"))
    summary = [
        table(runs, backends),
        f"({tool}, {options.connections} connections, {options.duration:g} s each; "
        f"agencies per answer: {agencies}; results: {path.relative_to(ROOT)})",
        *(f"NOTE: {n}" for n in notes),
    ]
    return "\n".join(summary)
