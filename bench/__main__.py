"""``python -m bench [name]``: run every benchmark (or the one named) in turn and print its results."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path

from bench.support import Options

# Module names under bench/, run in this order.
BENCHMARKS: tuple[str, ...] = (
    "api_read",
    "intake",
    "case_list",
    "meetings_docs",
    "feed_read",
    "recording",
    "rtc_join",
    "transcribe_zh",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description="gongtiao benchmarks")
    parser.add_argument("name", nargs="?", choices=BENCHMARKS, help="run only this benchmark")
    parser.add_argument(
        "--pg",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="also run on a throwaway PostgreSQL (default: when /usr/lib/postgresql exists)",
    )
    parser.add_argument(
        "--duration", type=float, help="measured seconds per run (default: the benchmark's, e.g. 10)"
    )
    parser.add_argument(
        "--warmup", type=float, help="warm-up seconds before each run (default: the benchmark's, e.g. 2)"
    )
    parser.add_argument(
        "--connections", type=int, help="concurrent connections (default: the benchmark's, e.g. 50)"
    )
    parser.add_argument(
        "--pin",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="pin the load generator to the last CPU and the server to the others (default: on)",
    )
    parser.add_argument(
        "--load",
        choices=("auto", "wrk", "python"),
        default="auto",
        help="load generator: wrk (installed with apt-get if root), python, or auto (wrk if possible)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    names = [args.name] if args.name else list(BENCHMARKS)
    failed = 0
    for name in names:
        print(f"== {name} ==", flush=True)
        module = importlib.import_module(f"bench.{name}")
        # A benchmark may declare DEFAULT_DURATION, _WARMUP, _CONNECTIONS; the options override them.
        options = Options(
            pg=Path("/usr/lib/postgresql").is_dir() if args.pg is None else args.pg,
            duration=args.duration
            if args.duration is not None
            else getattr(module, "DEFAULT_DURATION", 10.0),
            warmup=args.warmup if args.warmup is not None else getattr(module, "DEFAULT_WARMUP", 2.0),
            connections=args.connections or getattr(module, "DEFAULT_CONNECTIONS", 50),
            pin=args.pin,
            load=args.load,
        )
        try:
            report: str = module.run(options)
        except Exception as exc:  # one failing benchmark should not hide the others' figures
            failed += 1
            print(f"{name} FAILED: {exc}", file=sys.stderr, flush=True)
            continue
        print(report, flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
