"""Load generator for intake: each operation is one or two chained POSTs, timed as a whole.

- ``--mode hub``: ``POST /api/v1/cases`` (two parties, consent, a unique idempotency key), then
  ``POST /api/v1/cases/{id}/referrals`` with ``{}`` (the proposed receiving body);
- ``--mode floor``: ``POST /cases`` to ``bench.floor_insert`` (one row per request).

Runs in its own process (``python -m bench.intake_load BASE ...``) and prints ``LoadResult`` JSON
plus ``steps`` (p50/p99 of each request of the chain) and ``statuses`` (what the failures answered).

    python -m bench.intake_load http://127.0.0.1:8080 --mode hub --token TOKEN --area-id 31
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bench.load import LoadResult, percentile

# (category, summary, amount): a mix that exercises several routing rules of the demo district
# (stationed room of the sender, the labour and medical bodies, the judicial office for big contracts).
CASES: tuple[tuple[str, str, str | None], ...] = (
    ("neighbour", "楼上卫生间漏水渗到楼下，双方多次争吵，报警求助。", "1500.00"),
    ("family", "夫妻因家务与子女教育发生争执，女方报警，双方同意调解。", None),
    ("minor_injury", "两人因停车位口角后推搡，一方手臂轻微擦伤，已验伤。", "800.00"),
    ("labour", "装修工人讨要三个月工资，包工头称甲方未结款。", "24000.00"),
    ("neighbour", "邻居在楼道堆放杂物并饲养犬只，夜间吠叫扰民。", None),
    ("consumer", "顾客称在超市购买的食品过期，要求十倍赔偿，店方拒绝。", "320.00"),
    ("medical", "患者家属对手术结果不满，在诊室内争吵，要求赔偿。", "50000.00"),
    ("contract", "两家公司就设备货款结算发生纠纷，金额较大。", "180000.00"),
    ("traffic", "电动车与行人轻微碰撞，双方就医药费协商未果。", "2600.00"),
    ("property_management", "业主拒交物业费，称小区电梯长期故障无人维修。", "3600.00"),
)
PEOPLE: tuple[tuple[str, str, str], ...] = (
    ("王芳", "33010619900101123X", "13800001111"),
    ("李雷", "330106198802022348", "13900002222"),
    ("张伟", "330106197503033456", "13700003333"),
    ("刘洋", "330106199204044568", "13600004444"),
    ("陈静", "330106198605055677", "13500005555"),
    ("杨帆", "330106197906066789", "13400006666"),
)


def case_body(n: int, area_ids: Sequence[int], run_id: str) -> dict[str, Any]:
    """The n-th intake body: two parties, consent, an idempotency key unique to this run."""
    category, summary, amount = CASES[n % len(CASES)]
    a, b = PEOPLE[n % len(PEOPLE)], PEOPLE[(n + 1 + n // len(PEOPLE)) % len(PEOPLE)]
    if a == b:
        b = PEOPLE[(n + 2) % len(PEOPLE)]
    body: dict[str, Any] = {
        "incident_no": f"J{run_id[:6]}{n:08d}",
        "channel": ("call_110", "walk_in", "patrol")[n % 3],
        "category": category,
        "summary": summary,
        "address": f"青川区幸福路 {n % 200 + 1} 号",
        "parties": [
            {"role": "applicant", "name": a[0], "id_number": a[1], "phone": a[2], "address": "青川区幸福路"},
            {"role": "respondent", "name": b[0], "id_number": b[1], "phone": b[2], "address": "青川区和平街"},
        ],
        "consent": {"by": f"{a[0]}、{b[0]}", "at": "2026-11-28T09:30:00+08:00", "method": "signed_form"},
        "idempotency_key": f"bench-{run_id}-{n:09d}",
    }
    if amount is not None:
        body["amount"] = amount
    if area_ids:
        body["area_id"] = area_ids[n % len(area_ids)]
    return body


def floor_body(n: int, run_id: str) -> dict[str, Any]:
    category, summary, amount = CASES[n % len(CASES)]
    return {"category": category, "summary": summary, "amount": amount, "key": f"bench-{run_id}-{n:09d}"}


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)  # whole operations, ms
    steps: dict[str, list[float]] = field(default_factory=dict)  # each request of the chain, ms
    statuses: Counter[str] = field(default_factory=Counter)
    errors: int = 0


async def _post(session: Any, url: str, body: Any) -> tuple[int, Any]:
    async with session.post(url, json=body) as response:
        data = await response.read()
        return response.status, data


async def _hammer(
    base: str,
    mode: str,
    token: str,
    area_ids: Sequence[int],
    connections: int,
    seconds: float,
    warmup: float,
) -> dict[str, Any]:
    import aiohttp

    tally = Tally()
    recording = False
    counter = itertools.count()
    run_id = uuid.uuid4().hex[:12]
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    connector = aiohttp.TCPConnector(limit=connections)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(connector=connector, headers=headers, timeout=timeout) as session:
        stop_at = time.monotonic() + warmup + seconds

        async def one(n: int) -> tuple[bool, dict[str, float]]:
            steps: dict[str, float] = {}
            t0 = time.perf_counter()
            if mode == "floor":
                status, _ = await _post(session, base + "/cases", floor_body(n, run_id))
                steps["insert"] = (time.perf_counter() - t0) * 1000
                if status != 201:
                    tally.statuses[f"insert {status}"] += recording
                    return False, steps
                return True, steps
            status, data = await _post(session, base + "/api/v1/cases", case_body(n, area_ids, run_id))
            t1 = time.perf_counter()
            steps["intake"] = (t1 - t0) * 1000
            if status != 201:
                tally.statuses[f"intake {status} {data[:160].decode('utf-8', 'replace')}"] += recording
                return False, steps
            case_id = json.loads(data)["id"]
            status, data = await _post(session, f"{base}/api/v1/cases/{case_id}/referrals", {})
            steps["send"] = (time.perf_counter() - t1) * 1000
            if status != 201:
                tally.statuses[f"send {status} {data[:160].decode('utf-8', 'replace')}"] += recording
                return False, steps
            return True, steps

        async def worker() -> None:
            while time.monotonic() < stop_at:
                started = time.perf_counter()
                try:
                    ok, steps = await one(next(counter))
                except (aiohttp.ClientError, TimeoutError, ValueError, KeyError) as exc:
                    ok, steps = False, {}
                    if recording:
                        tally.statuses[type(exc).__name__] += 1
                if not recording:
                    continue
                if ok:
                    tally.latencies.append((time.perf_counter() - started) * 1000)
                    for name, ms in steps.items():
                        tally.steps.setdefault(name, []).append(ms)
                else:
                    tally.errors += 1

        tasks = [asyncio.create_task(worker()) for _ in range(connections)]
        await asyncio.sleep(warmup)
        recording = True
        began = time.monotonic()
        await asyncio.gather(*tasks)
        elapsed = time.monotonic() - began
    tally.latencies.sort()
    result = LoadResult(
        tool="python-aiohttp",
        requests=len(tally.latencies) + tally.errors,
        errors=tally.errors,
        seconds=elapsed,
        rps=len(tally.latencies) / elapsed if elapsed > 0 else 0.0,
        p50_ms=percentile(tally.latencies, 0.50),
        p99_ms=percentile(tally.latencies, 0.99),
    )
    steps_out = {}
    for name, values in tally.steps.items():
        values.sort()
        steps_out[name] = {"p50_ms": percentile(values, 0.50), "p99_ms": percentile(values, 0.99)}
    return {
        "result": result.as_dict(),
        "steps": steps_out,
        "statuses": dict(tally.statuses.most_common(10)),
        "issued": next(counter),
        "pid": os.getpid(),
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.intake_load", description="intake load, JSON out")
    parser.add_argument("base", help="http://127.0.0.1:PORT")
    parser.add_argument("--mode", choices=("hub", "floor"), required=True)
    parser.add_argument("--token", default="", help="Bearer token (hub mode)")
    parser.add_argument("--area-id", type=int, action="append", default=[], help="areas to cycle through")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--duration", type=float, default=15.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    args = parser.parse_args(argv)
    if args.mode == "hub" and not args.token:
        parser.error("--mode hub needs --token")
    out = asyncio.run(
        _hammer(
            args.base.rstrip("/"),
            args.mode,
            args.token,
            args.area_id,
            args.connections,
            args.duration,
            args.warmup,
        )
    )
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
