"""A national day through the batch endpoint: 43,000 intakes (the national platform's daily volume)
replayed against PostgreSQL by 1 and by 2 ``gongtiao serve`` processes, then every row checked.

Each request is ``POST /api/v1/cases:batch`` with ``--batch`` cases (two parties, consent, a unique
incident number, referred at once: ``refer`` is the default there) as ``liaison_ps01``; two
requests are in flight per process. The bodies are built and serialised before the clock starts.
Afterwards, straight from the database: one case per incident number, two parties each, one
referral each in ``sent`` with its ``send`` event, a ``case.taken_in`` and a ``referral.sent``
audit row for each, ``gongtiao audit verify`` over the whole chain, and one batch replayed to
show it answers ``existing`` and writes nothing.

    python -m bench intake_batch            # 43,000 cases, batches of 500
    python -m bench.intake_batch --total 5000 --batch 250 --processes 1
    python -m bench.intake_batch --total 5000 --processes 1 --statements   # PostgreSQL's costliest

Beside the wall clock it prints the CPU each side spent per case (what a shared machine's wall
clock hides): the hub processes', the whole PostgreSQL server's (postmaster, backends, writers,
autovacuum; up to the moment the chainer has linked every audit row), and the bench client's own.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.intake import prepare
from bench.intake_load import case_body
from bench.support import (
    RESULTS_DIR,
    ROOT,
    Options,
    free_port,
    hub_env,
    load_average,
    log,
    machine_note,
    run_hub_cli,
    spawn,
    start_postgres,
    wait_ready,
)

TOTAL = 43_000
BATCH = 500
IN_FLIGHT = 2  # requests in flight per process
GOAL_S = 60.0


def bodies(total: int, batch: int, areas: Sequence[int], run_id: str) -> list[bytes]:
    items = []
    for n in range(total):
        body = case_body(n, areas, run_id)
        body.pop("idempotency_key")  # the incident number is the key
        body["incident_no"] = f"N{run_id[:8]}{n:07d}"
        items.append(body)
    return [
        json.dumps({"items": items[i : i + batch]}, ensure_ascii=False).encode()
        for i in range(0, total, batch)
    ]


async def replay(bases: list[str], token: str, payloads: list[bytes]) -> dict[str, Any]:
    import aiohttp

    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for payload in payloads:
        queue.put_nowait(payload)
    statuses: Counter[str] = Counter()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    timeout = aiohttp.ClientTimeout(total=3600)
    latencies: list[float] = []

    async def worker(session: Any, base: str) -> None:
        while not queue.empty():
            payload = queue.get_nowait()
            t0 = time.perf_counter()
            async with session.post(base + "/api/v1/cases:batch", data=payload) as response:
                text = await response.text()
            latencies.append(time.perf_counter() - t0)
            if response.status != 200:
                statuses[f"http {response.status} {text[:200]}"] += 1
                continue
            for item in json.loads(text)["items"]:
                key = item["status"] if item["status"] != "failed" else f"failed {item['error']['code']}"
                statuses[key] += 1

    async with aiohttp.ClientSession(headers=headers, timeout=timeout) as session:
        started = time.perf_counter()
        await asyncio.gather(*(worker(session, b) for b in bases for _ in range(IN_FLIGHT)))
        seconds = time.perf_counter() - started
    latencies.sort()
    return {
        "seconds": seconds,
        "statuses": dict(statuses),
        "request_p50_s": latencies[len(latencies) // 2] if latencies else 0.0,
        "request_max_s": latencies[-1] if latencies else 0.0,
    }


async def check(database_url: str, prefix: str, total: int) -> dict[str, int]:
    """Every row the import should have written, counted from the database."""
    import asyncpg

    conn = await asyncpg.connect(database_url.replace("postgresql+asyncpg://", "postgresql://", 1))
    try:
        like = prefix + "%"
        found = {
            "cases": await conn.fetchval("SELECT count(*) FROM cases WHERE incident_no LIKE $1", like),
            "distinct_incidents": await conn.fetchval(
                "SELECT count(DISTINCT incident_no) FROM cases WHERE incident_no LIKE $1", like
            ),
            "numbered": await conn.fetchval(
                "SELECT count(*) FROM cases WHERE incident_no LIKE $1 "
                "AND number = 'QC' || substr(number, 3, 4) || '-' || lpad(id::text, 6, '0')",
                like,
            ),
            "parties": await conn.fetchval(
                "SELECT count(*) FROM parties p JOIN cases c ON c.id = p.case_id WHERE c.incident_no LIKE $1",
                like,
            ),
            "referrals_sent": await conn.fetchval(
                "SELECT count(*) FROM referrals r JOIN cases c ON c.id = r.case_id "
                "WHERE c.incident_no LIKE $1 AND r.state = 'sent' AND r.to_agency_id IS NOT NULL",
                like,
            ),
            "cases_with_one_referral": await conn.fetchval(
                "SELECT count(*) FROM (SELECT c.id FROM cases c JOIN referrals r ON r.case_id = c.id "
                "WHERE c.incident_no LIKE $1 GROUP BY c.id HAVING count(*) = 1) x",
                like,
            ),
            "send_events": await conn.fetchval(
                "SELECT count(*) FROM referral_events e JOIN referrals r ON r.id = e.referral_id "
                "JOIN cases c ON c.id = r.case_id WHERE c.incident_no LIKE $1 AND e.action = 'send'",
                like,
            ),
            "audit_taken_in": await conn.fetchval(
                "SELECT count(*) FROM audit_events a JOIN cases c ON a.object_id = c.id::text "
                "WHERE a.action = 'case.taken_in' AND a.object_type = 'case' AND c.incident_no LIKE $1",
                like,
            ),
            "audit_sent": await conn.fetchval(
                "SELECT count(*) FROM audit_events a JOIN referrals r ON a.object_id = r.id::text "
                "JOIN cases c ON c.id = r.case_id WHERE a.action = 'referral.sent' "
                "AND a.object_type = 'referral' AND c.incident_no LIKE $1",
                like,
            ),
        }
    finally:
        await conn.close()
    expected = {k: total for k in found} | {"parties": 2 * total}
    found["wrong"] = sum(1 for k in found if found[k] != expected[k])
    return found


def _stat(pid: int | str) -> list[str]:
    """The fields of /proc/PID/stat after the command's name (Linux)."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far (Linux); what a shared machine's wall clock hides."""
    try:
        fields = _stat(pid)
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def postgres_cpu_seconds(data_dir: Path) -> float:
    """CPU of the whole PostgreSQL server so far: the postmaster, its live children (backends,
    writers, autovacuum) and the children it has reaped (their time is in its ``cutime``/``cstime``)."""
    try:
        postmaster = int((data_dir / "postmaster.pid").read_text().split()[0])
        fields = _stat(postmaster)
    except (OSError, ValueError, IndexError):
        return float("nan")
    ticks = sum(int(f) for f in fields[11:15])
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                child = _stat(entry.name)
            except OSError:
                continue  # gone meanwhile: its time is in the postmaster's cutime now
            if child[1] == str(postmaster):
                ticks += int(child[11]) + int(child[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def linked(database_url: str, timeout: float = 60.0) -> float:
    """Wait until the chainer has linked every audit row (its CPU belongs to the import); how long."""
    import asyncpg

    conn = await asyncpg.connect(database_url.replace("postgresql+asyncpg://", "postgresql://", 1))
    started = time.perf_counter()
    try:
        while time.perf_counter() - started < timeout:
            if not await conn.fetchval(
                "SELECT count(*) FROM audit_events e LEFT JOIN audit_links l ON l.event_id = e.id "
                "WHERE l.event_id IS NULL"
            ):
                break
            await asyncio.sleep(0.2)
    finally:
        await conn.close()
    return time.perf_counter() - started


STATEMENTS = "-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all"


async def statements(database_url: str, reset: bool = False, top: int = 25) -> list[dict[str, Any]]:
    """``pg_stat_statements``: reset it, or its costliest statements (execution time, ms)."""
    import asyncpg

    conn = await asyncpg.connect(database_url.replace("postgresql+asyncpg://", "postgresql://", 1))
    try:
        if reset:
            await conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
            await conn.execute("SELECT pg_stat_statements_reset()")
            return []
        rows = await conn.fetch(
            "SELECT calls, rows, total_exec_time, total_plan_time, query FROM pg_stat_statements "
            "ORDER BY total_exec_time + total_plan_time DESC LIMIT $1",
            top,
        )
    finally:
        await conn.close()
    return [
        {
            "ms": round(r["total_exec_time"] + r["total_plan_time"], 1),
            "calls": r["calls"],
            "rows": r["rows"],
            "query": " ".join(r["query"].split())[:160],
        }
        for r in rows
    ]


def one_run(
    processes: int,
    total: int,
    batch: int,
    stack: ExitStack,
    tmp: Path,
    profile: Path | None = None,
    with_statements: bool = False,
) -> dict[str, Any]:
    server, database_url = start_postgres(
        stack, f"gongtiao_bench_batch_{processes}", STATEMENTS if with_statements else ""
    )
    data_dir = tmp / f"p{processes}"
    data_dir.mkdir()
    log(f"{processes} process(es): db upgrade, demo, token")
    token, areas = prepare(database_url, data_dir)
    run_id = uuid.uuid4().hex[:8]
    payloads = bodies(total, batch, areas, run_id)
    bases = []
    pids = []
    for i in range(processes):
        port = free_port()
        env = hub_env(
            database_url,
            data_dir,
            GONGTIAO_PORT=str(port),
            GONGTIAO_HOST="127.0.0.1",
            GONGTIAO_LOG_LEVEL="INFO",
        )
        command = [sys.executable, "-m", "hub", "serve"]
        if profile is not None:  # cProfile writes its stats when the server stops (SIGTERM)
            command[1:1] = ["-m", "cProfile", "-o", str(profile / f"hub{processes}-{i}.prof")]
        child = spawn(
            f"hub{i}",
            command,
            env=env,
            cwd=ROOT,
            log_path=data_dir / f"hub{i}.log",
            stack=stack,
        )
        wait_ready(child, f"http://127.0.0.1:{port}/healthz", timeout=300)
        bases.append(f"http://127.0.0.1:{port}")
        pids.append(child.process.pid)
    log(f"{processes} process(es): {total} cases in batches of {batch} (load average {load_average()})")
    if with_statements:
        asyncio.run(statements(database_url, reset=True))
    before = load_average()
    cpu_before = sum(cpu_seconds(pid) for pid in pids)
    import aiohttp  # noqa: F401 (imported before the client's own CPU is counted)

    pg_before, own_before = postgres_cpu_seconds(server.data_dir), own_cpu_seconds()
    result = asyncio.run(replay(bases, token, payloads))
    client_cpu = own_cpu_seconds() - own_before
    after = load_average()
    linking = asyncio.run(linked(database_url))
    server_cpu = sum(cpu_seconds(pid) for pid in pids) - cpu_before
    pg_cpu = postgres_cpu_seconds(server.data_dir) - pg_before
    top = asyncio.run(statements(database_url)) if with_statements else []
    log(f"{processes} process(es): checking every row")
    rows = asyncio.run(check(database_url, f"N{run_id}", total))
    again = asyncio.run(replay(bases[:1], token, payloads[:1]))
    verdict = run_hub_cli(["audit", "verify"], hub_env(database_url, data_dir), ROOT).strip()
    return {
        "processes": processes,
        **result,
        "cases_per_s": total / result["seconds"],
        "linked_after_s": linking,
        "server_cpu_s": server_cpu,
        "server_cpu_ms_per_case": 1000 * server_cpu / total,
        "postgres_cpu_s": pg_cpu,
        "postgres_cpu_ms_per_case": 1000 * pg_cpu / total,
        "client_cpu_s": client_cpu,
        "client_cpu_ms_per_case": 1000 * client_cpu / total,
        "rows": rows,
        "replayed_batch": again["statuses"],
        "audit_verify": verdict,
        "load_average": {"before": before, "after": after},
        **({"statements": top} if with_statements else {}),
    }


def run(
    options: Options,
    total: int = TOTAL,
    batch: int = BATCH,
    processes: Sequence[int] = (1, 2),
    profile: Path | None = None,
    with_statements: bool = False,
) -> str:
    started = datetime.now(UTC)
    machine = machine_note()
    runs = []
    with tempfile.TemporaryDirectory(prefix="gongtiao-bench-batch-") as tmp:
        for count in processes:
            with ExitStack() as run_stack:  # each run its own PostgreSQL, stopped before the next
                runs.append(one_run(count, total, batch, run_stack, Path(tmp), profile, with_statements))
            # Said as each run ends: a later run stopped by a timeout does not lose this one.
            log(f"done: {json.dumps(runs[-1], ensure_ascii=False)}")
    data = {
        "benchmark": "intake_batch",
        "started_at": started.isoformat(),
        "operation": f"POST /api/v1/cases:batch, {batch} cases each (intake + referral), as liaison_ps01",
        "total": total,
        "goal_s": GOAL_S,
        "machine": machine,
        "runs": runs,
    }
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"intake_batch-{started.strftime('%Y%m%dT%H%M%SZ')}.json"
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    lines = [
        f"{'processes':<10}{'seconds':>9}{'cases/s':>9}{'batch p50 s':>13}"
        f"{'CPU ms/case: hub':>18}{'PostgreSQL':>12}{'client':>8}{'rows wrong':>12}   statuses"
    ]
    for r in runs:
        lines.append(
            f"{r['processes']:<10}{r['seconds']:>9.1f}{r['cases_per_s']:>9.0f}{r['request_p50_s']:>13.2f}"
            f"{r['server_cpu_ms_per_case']:>18.2f}{r['postgres_cpu_ms_per_case']:>12.2f}"
            f"{r['client_cpu_ms_per_case']:>8.2f}{r['rows']['wrong']:>12}   {r['statuses']}"
        )
        lines.append(f"  rows {r['rows']}; replayed batch {r['replayed_batch']}; {r['audit_verify']}")
        lines.append(
            f"  load average {r['load_average']}; audit rows all linked {r['linked_after_s']:.1f} s after"
        )
        for st in r.get("statements", []):
            lines.append(f"  {st['ms']:>10.1f} ms {st['calls']:>7} calls {st['rows']:>8} rows  {st['query']}")
    lines.append(f"({total} cases, goal < {GOAL_S:.0f} s; {machine}; results: {path.relative_to(ROOT)})")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.intake_batch")
    parser.add_argument("--total", type=int, default=TOTAL)
    parser.add_argument("--batch", type=int, default=BATCH)
    parser.add_argument("--processes", type=int, action="append", help="1 and 2 unless given")
    parser.add_argument("--profile", type=Path, help="run the servers under cProfile, stats in this folder")
    parser.add_argument(
        "--statements", action="store_true", help="PostgreSQL's costliest statements (pg_stat_statements)"
    )
    args = parser.parse_args(argv)
    processes = args.processes or (1, 2)
    print(run(Options(pg=True), args.total, args.batch, processes, args.profile, args.statements))


if __name__ == "__main__":
    main()
