"""Load generators: ``wrk`` (preferred; installed with apt-get when we are root), else a Python aiohttp
client in its own process (``python -m bench.load URL ...``) so it does not share the server's core.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

from bench.support import ROOT, log


@dataclass(frozen=True)
class LoadResult:
    tool: str
    requests: int
    errors: int  # non-2xx answers, socket errors, timeouts
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def ensure_wrk() -> str | None:
    """The path of wrk, installing the Debian package first if it is missing and we are root."""
    found = shutil.which("wrk")
    if found or os.geteuid() != 0 or not shutil.which("apt-get"):
        return found
    log("wrk is missing: apt-get install -y wrk")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-q", "wrk"]
    for command in (install, ["apt-get", "update", "-q"], install):
        subprocess.run(command, env=env, capture_output=True, timeout=600, check=False)
        if shutil.which("wrk"):
            break
    return shutil.which("wrk")


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
_PERCENTILE = re.compile(r"^\s*(50|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s|m|h)\s*$", re.MULTILINE)
_TOTAL = re.compile(r"^\s*(\d+) requests in ([\d.]+)(us|ms|s|m|h)", re.MULTILINE)
_RPS = re.compile(r"^Requests/sec:\s+([\d.]+)", re.MULTILINE)
_NON_2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
_SOCKET = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")


def parse_wrk(text: str) -> LoadResult:
    """Figures from ``wrk --latency`` output."""
    percentiles = {p: float(v) * _UNITS_MS[u] for p, v, u in _PERCENTILE.findall(text)}
    total, rps = _TOTAL.search(text), _RPS.search(text)
    if total is None or rps is None or set(percentiles) != {"50", "99"}:
        raise ValueError(f"cannot read wrk output:\n{text}")
    errors = sum(int(n) for n in _NON_2XX.findall(text))
    for match in _SOCKET.findall(text):
        errors += sum(int(n) for n in match)
    return LoadResult(
        tool="wrk",
        requests=int(total.group(1)),
        errors=errors,
        seconds=float(total.group(2)) * _UNITS_MS[total.group(3)] / 1000,
        rps=float(rps.group(1)),
        p50_ms=percentiles["50"],
        p99_ms=percentiles["99"],
    )


def _affinity(cpus: set[int] | None) -> list[str]:
    if cpus is None or not shutil.which("taskset"):
        return []
    return ["taskset", "-c", ",".join(str(c) for c in sorted(cpus))]


def run_wrk(
    wrk: str, url: str, headers: Mapping[str, str], connections: int, seconds: float, cpus: set[int] | None
) -> LoadResult:
    command = [*_affinity(cpus), wrk, "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency"]
    command += ["--timeout", "10s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    done = subprocess.run(
        [*command, url], capture_output=True, text=True, timeout=seconds + 60, stdin=subprocess.DEVNULL
    )
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}")
    return parse_wrk(done.stdout)


def run_python(
    url: str,
    headers: Mapping[str, str],
    connections: int,
    seconds: float,
    warmup: float,
    cpus: set[int] | None,
) -> LoadResult:
    """The fallback: this module's ``main`` in a separate process (warm-up included)."""
    command = [*_affinity(cpus), sys.executable, "-m", "bench.load", url, "--connections", str(connections)]
    command += ["--duration", str(seconds), "--warmup", str(warmup)]
    for name, value in headers.items():
        command += ["--header", f"{name}: {value}"]
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=seconds + warmup + 60,
        stdin=subprocess.DEVNULL,
    )
    if done.returncode != 0:
        raise RuntimeError(f"python load generator failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
    return LoadResult(**json.loads(done.stdout))


def percentile(sorted_values: Sequence[float], fraction: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return sorted_values[index]


async def _hammer(
    url: str, headers: Mapping[str, str], connections: int, seconds: float, warmup: float
) -> LoadResult:
    import aiohttp

    latencies: list[float] = []
    errors = 0
    recording = False
    connector = aiohttp.TCPConnector(limit=connections, force_close=False)
    timeout = aiohttp.ClientTimeout(total=10)
    async with aiohttp.ClientSession(connector=connector, headers=dict(headers), timeout=timeout) as session:
        stop_at = time.monotonic() + warmup + seconds

        async def worker() -> None:
            nonlocal errors
            while time.monotonic() < stop_at:
                started = time.perf_counter()
                ok = False
                try:
                    async with session.get(url) as response:
                        await response.read()
                        ok = response.status < 400
                except (aiohttp.ClientError, TimeoutError):
                    pass
                if recording:
                    if ok:
                        latencies.append((time.perf_counter() - started) * 1000)
                    else:
                        errors += 1

        tasks = [asyncio.create_task(worker()) for _ in range(connections)]
        await asyncio.sleep(warmup)
        recording = True
        began = time.monotonic()
        await asyncio.gather(*tasks)
        elapsed = time.monotonic() - began
    latencies.sort()
    return LoadResult(
        tool="python-aiohttp",
        requests=len(latencies) + errors,
        errors=errors,
        seconds=elapsed,
        rps=len(latencies) / elapsed if elapsed > 0 else 0.0,
        p50_ms=percentile(latencies, 0.50),
        p99_ms=percentile(latencies, 0.99),
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description="HTTP GET load, JSON figures")
    parser.add_argument("url")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--header", action="append", default=[], help="'Name: value' (repeatable)")
    args = parser.parse_args(argv)
    headers = dict(h.split(": ", 1) for h in args.header)
    result = asyncio.run(_hammer(args.url, headers, args.connections, args.duration, args.warmup))
    print(json.dumps(result.as_dict()))


if __name__ == "__main__":
    main()
