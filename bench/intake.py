"""Intake and routing under load: take a case in, then refer it, as a police liaison's system would.

One operation = ``POST /api/v1/cases`` (two parties, consent, a unique idempotency key) followed by
``POST /api/v1/cases/{id}/referrals`` (routing decision, referral, event, audit rows, notifications),
with a Bearer token of the demo's ``liaison_ps01``. ``bench.intake_load`` runs ``--connections``
clients in its own process, each chaining the two requests for ``--duration`` seconds after
``--warmup``, and times each whole operation.

Two floors, loaded the same way on the same database: ``bench.floor_intake`` (``bare``), the same
two requests writing the same rows through bare aiohttp and SQLAlchemy Core, which the hub is
judged against (goal: at least half its throughput); and ``bench.floor_insert`` (``floor``), one
Case-like row per request, kept for comparison with earlier runs. Both on SQLite and, with ``--pg``, on a
throwaway PostgreSQL; after the hub's run ``gongtiao audit verify`` checks the hash chain stayed
linear under concurrent writers.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
import tempfile
import threading
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.api_read import _versions
from bench.load import LoadResult, _affinity
from bench.support import (
    RESULTS_DIR,
    ROOT,
    Child,
    Options,
    cpu_by_pid,
    cpu_split,
    cpu_used,
    free_port,
    hub_env,
    load_average,
    log,
    machine_note,
    postgres_pids,
    run_hub_cli,
    spawn,
    start_postgres,
    wait_ready,
)

DEFAULT_DURATION = 15.0
DEFAULT_WARMUP = 3.0
USER = "liaison_ps01"
TARGETS = ("hub", "bare", "floor")


@dataclass(frozen=True)
class Run:
    backend: str
    target: str
    result: LoadResult
    steps: dict[str, dict[str, float]]
    statuses: dict[str, int]
    # CPU ms per operation in the measured window: the server process, and PostgreSQL's processes
    cpu_ms: dict[str, float]


def prepare(database_url: str, data_dir: Path) -> tuple[str, list[int]]:
    """Migrate, load the demo, make a token for ``liaison_ps01``; return it and the areas of PS01's town."""
    env = hub_env(database_url, data_dir)
    run_hub_cli(["db", "upgrade"], env, ROOT)
    run_hub_cli(["demo", "--quiet"], env, ROOT)
    out = run_hub_cli(["token", "create", USER, "--name", "bench-intake"], env, ROOT)
    lines = [line.strip() for line in out.splitlines() if line.strip()]
    if not lines:
        raise RuntimeError(f"`token create {USER}` printed no token")
    return lines[-1], asyncio.run(_areas_of_station(database_url, "PS01"))


async def _areas_of_station(database_url: str, code: str) -> list[int]:
    """The villages of the station's town (where its cases happen)."""
    from sqlalchemy import text

    from hub.db import Database

    db = Database(database_url)
    try:
        async with db.read() as s:
            rows = await s.scalars(
                text(
                    "SELECT id FROM areas WHERE parent_id = "
                    "(SELECT area_id FROM agencies WHERE code = :code) ORDER BY id"
                ),
                {"code": code},
            )
            return list(rows)
    finally:
        await db.dispose()


def start_target(
    target: str, database_url: str, data_dir: Path, stack: ExitStack, cpus: set[int] | None
) -> tuple[Child, str]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    if target == "hub":
        env = hub_env(database_url, data_dir, GONGTIAO_PORT=str(port), GONGTIAO_HOST="127.0.0.1")
        command = [sys.executable, "-m", "hub", "serve"]
    else:
        env = hub_env(database_url, data_dir)
        module = "bench.floor_intake" if target == "bare" else "bench.floor_insert"
        command = [sys.executable, "-m", module, "--port", str(port)]
        command += ["--database-url", database_url]
    child = spawn(
        target, command, env=env, cwd=ROOT, log_path=data_dir / f"{target}.log", stack=stack, cpus=cpus
    )
    wait_ready(child, base + "/healthz")
    return child, base


class CpuWindow:
    """The CPU the server and PostgreSQL spend in the load's measured window (after its warm-up),
    read from /proc at the window's start and end by a timer thread."""

    def __init__(self, server_pid: int, pg_data_dir: Path | None, options: Options) -> None:
        self._pids = lambda: [server_pid], lambda: postgres_pids(pg_data_dir) if pg_data_dir else []
        self.readings: list[tuple[dict[int, float], dict[int, float]]] = []
        self._timers = [
            threading.Timer(options.warmup, self._read),
            threading.Timer(options.warmup + options.duration, self._read),
        ]

    def _read(self) -> None:
        server, pg = self._pids
        self.readings.append((cpu_by_pid(server()), cpu_by_pid(pg())))

    def __enter__(self) -> CpuWindow:
        for timer in self._timers:
            timer.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        for timer in self._timers:
            timer.cancel()

    def per_operation(self, operations: int) -> dict[str, float]:
        if len(self.readings) < 2 or not operations:
            return {}
        (server0, pg0), (server1, pg1) = self.readings[:2]
        return {
            "server": round(cpu_used(server0, server1) / operations * 1000, 2),
            "postgresql": round(cpu_used(pg0, pg1) / operations * 1000, 2),
        }


def load(
    base: str, target: str, token: str, areas: list[int], options: Options, cpus: set[int] | None
) -> dict[str, Any]:
    import subprocess

    mode = "hub" if target == "bare" else target  # the bare floor serves the hub's two paths
    command = [*_affinity(cpus), sys.executable, "-m", "bench.intake_load", base, "--mode", mode]
    command += ["--connections", str(options.connections), "--duration", str(options.duration)]
    command += ["--warmup", str(options.warmup)]
    if mode == "hub":
        command += ["--token", token, *(f"--area-id={a}" for a in areas)]
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=options.duration + options.warmup + 120,
        stdin=subprocess.DEVNULL,
    )
    if done.returncode != 0:
        raise RuntimeError(f"intake load generator failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
    out: dict[str, Any] = json.loads(done.stdout)
    return out


def server_errors(child: Child, limit: int = 5) -> list[str]:
    """The distinct exception lines of the server's log (what its 500s were)."""
    try:
        text = child.log_path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    found: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if re.match(r"^[\w.]+(Error|Exception|Timeout)\b.*", line) and line not in found:
            found.append(line[:300])
    return found[:limit]


def ratios(runs: list[Run], backend: str, floor_target: str = "floor") -> dict[str, float]:
    """hub over a floor: ``bare`` (the same operation done bare) or ``floor`` (one insert)."""
    by_target = {r.target: r.result for r in runs if r.backend == backend}
    hub, floor = by_target.get("hub"), by_target.get(floor_target)
    if hub is None or floor is None:
        return {}

    def ratio(a: float, b: float) -> float:
        return a / b if b else float("nan")

    return {
        "ops": ratio(hub.rps, floor.rps),
        "p50": ratio(hub.p50_ms, floor.p50_ms),
        "p99": ratio(hub.p99_ms, floor.p99_ms),
    }


def table(runs: list[Run], backends: list[str]) -> str:
    header = f"{'backend':<11}{'target':<11}{'ops/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'ops':>7}{'errors':>8}"
    header += f"{'CPU ms/op':>10}{'PG ms/op':>9}   per request p50/p99 ms"
    lines = [header, "-" * len(header)]
    nan = float("nan")
    for backend in backends:
        for r in (r for r in runs if r.backend == backend):
            x = r.result
            steps = ", ".join(f"{k} {v['p50_ms']:.0f}/{v['p99_ms']:.0f}" for k, v in r.steps.items())
            lines.append(
                f"{backend:<11}{r.target:<11}{x.rps:>9.1f}{x.p50_ms:>9.1f}{x.p99_ms:>9.1f}"
                f"{x.requests - x.errors:>7}{x.errors:>8}"
                f"{r.cpu_ms.get('server', nan):>10.1f}{r.cpu_ms.get('postgresql', nan):>9.1f}   {steps}"
            )
        for floor in ("bare", "floor"):
            q = ratios(runs, backend, floor)
            if q:
                name = f"hub/{floor}"
                lines.append(f"{backend:<11}{name:<11}{q['ops']:>9.3f}{q['p50']:>9.1f}{q['p99']:>9.1f}")
    return "\n".join(lines)


def run(options: Options) -> str:
    started = datetime.now(UTC)
    server_cpus, load_cpus = cpu_split(options.pin)
    backends = ["sqlite"] + (["postgresql"] if options.pg else [])
    machine = machine_note()
    log(f"{options.connections} clients, {options.warmup:g}+{options.duration:g} s per run; {machine}")
    if server_cpus is not None:
        log(f"server on CPUs {sorted(server_cpus)}, load generator on {sorted(load_cpus or ())}")
    runs: list[Run] = []
    notes: list[str] = []
    loads: dict[str, str] = {"before": load_average()}
    audit: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="gongtiao-bench-") as tmp, ExitStack() as stack:
        for backend in backends:
            data_dir = Path(tmp) / backend
            data_dir.mkdir()
            pg_data_dir: Path | None = None
            if backend == "sqlite":
                database_url = f"sqlite+aiosqlite:///{data_dir / 'gongtiao.db'}"
            else:
                log("starting a throwaway PostgreSQL")
                pg_server, database_url = start_postgres(stack, "gongtiao_bench_intake")
                pg_data_dir = pg_server.data_dir
            log(f"{backend}: db upgrade, demo, token for {USER}")
            token, areas = prepare(database_url, data_dir)
            for target in TARGETS:
                log(f"{backend}: {target} (load average {load_average()})")
                child, base = start_target(target, database_url, data_dir, stack, server_cpus)
                try:
                    with CpuWindow(child.process.pid, pg_data_dir, options) as window:
                        out = load(base, target, token, areas, options, load_cpus)
                    if child.process.poll() is not None:
                        raise RuntimeError(f"{target} died during the run:\n{child.log_tail()}")
                finally:
                    child.stop()
                loads[f"{backend}/{target}"] = load_average()
                result = LoadResult(**out["result"])
                operations = result.requests - result.errors
                cpu_ms = window.per_operation(operations)
                runs.append(Run(backend, target, result, out["steps"], out["statuses"], cpu_ms))
                log(
                    f"{backend}/{target}: {result.rps:.1f} ops/s, p50 {result.p50_ms:.0f} ms, "
                    f"p99 {result.p99_ms:.0f} ms, {result.errors} errors of {result.requests}"
                )
                if result.errors:
                    notes.append(
                        f"{backend}/{target}: {result.errors} failed operations of {result.requests}: "
                        f"{out['statuses']}"
                    )
                    notes.extend(f"{backend}/{target} log: {line}" for line in server_errors(child))
                if target == "hub":
                    verdict = run_hub_cli(["audit", "verify"], hub_env(database_url, data_dir), ROOT)
                    audit[backend] = verdict.strip()
    data = {
        "benchmark": "intake",
        "started_at": started.isoformat(),
        "operation": "POST /api/v1/cases + POST /api/v1/cases/{id}/referrals as liaison_ps01 (Bearer)",
        "floor": "bench.floor_insert: POST /cases, one INSERT through SQLAlchemy Core",
        "bare": "bench.floor_intake: the same two POSTs writing the same rows through SQLAlchemy Core",
        "load_tool": "bench.intake_load (python-aiohttp)",
        "connections": options.connections,
        "warmup_s": options.warmup,
        "duration_s": options.duration,
        "machine": machine,
        "cpus": os.cpu_count(),
        "server_cpus": sorted(server_cpus) if server_cpus else None,
        "load_cpus": sorted(load_cpus) if load_cpus else None,
        "load_average": loads,
        "versions": _versions(),
        "runs": [
            {
                "backend": r.backend,
                "target": r.target,
                **r.result.as_dict(),
                "steps": r.steps,
                "cpu_ms": r.cpu_ms,
            }
            for r in runs
        ],
        "ratios_hub_over_floor": {b: ratios(runs, b) for b in backends},
        "ratios_hub_over_bare": {b: ratios(runs, b, "bare") for b in backends},
        "audit_verify": audit,
        "notes": notes,
    }
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"intake-{started.strftime('%Y%m%dT%H%M%SZ')}.json"
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    summary = [
        table(runs, backends),
        f"(ops = operations: hub = intake + send, bare = the same rows through Core, floor = one insert; "
        f"{options.connections} clients, "
        f"{options.warmup:g}+{options.duration:g} s; {machine} at the start; {loads}; "
        f"results: {path.relative_to(ROOT)})",
        *(f"audit verify ({b}): {v}" for b, v in audit.items()),
        *(f"NOTE: {n}" for n in notes),
    ]
    return "\n".join(summary)
