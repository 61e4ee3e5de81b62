"""A subscription feed of 1,000 meetings (five attendees each), as ``GET /calendar/{token}.ics``
builds it, beside floors (issue #16: "the feed of 1,000 events < 100 ms").

Variants, each timed in this process (medians of runs over ``--duration`` seconds after
``--warmup``):
- ``ours, warm``: ``feeds.by_token`` + ``feeds.meetings_of`` + ``calendars.feed`` (the read, the
  people, the statutory calendar, the writer) with each meeting's VEVENTs already written once
  (``ical.written``): a feed asked again, the common case;
- ``ours, cold``: the same with the kept VEVENTs dropped before each run: every meeting written;
- ``writer alone, cold``: ``ical.feed_calendar`` on events built beforehand;
- ``floor: read alone``: ``feeds.meetings_of`` (the meetings and their invitees): what any feed of
  these meetings must read;
- ``floor: icalendar``: the same events written with icalendar directly (the writer before).

What was built before the runs is frozen out of the garbage collector (``gc.freeze()``), as
``gongtiao serve`` does.

The bodies are checked to hold the same 1,000 events (icalendar's parser reads every one).
"""

from __future__ import annotations

import asyncio
import gc
import json
import tempfile
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.meetings_docs import (
    BASE_URL,
    FEED_MEETINGS,
    Timing,
    blocking,
    feed_meetings,
    feed_rows,
    floor_writer,
    our_writer,
    shape,
    table,
    timed,
)
from bench.support import RESULTS_DIR, ROOT, Options, hub_env, log, run_hub_cli, throwaway_postgres
from hub.db import Database
from hub.orm import utcnow
from hub.plugins import load_models
from meetings.calendars import calendars, feeds
from meetings.calendars.ical import written

DEFAULT_DURATION = 5.0
DEFAULT_WARMUP = 1.0
GOAL_S = 0.100


async def measure(database_url: str, backend: str, options: Options) -> list[Timing]:
    load_models()
    db = Database(database_url)
    try:
        token = await feed_meetings(db)
        rows, name, organizer = await feed_rows(db, token)
        gc.freeze()  # as ``gongtiao serve`` does once the app is built

        async def ours() -> bytes:
            async with db.read() as s:
                row = await feeds.by_token(s, token)
                meetings = await feeds.meetings_of(s, row, utcnow())
                return await calendars.feed(s, meetings, await feeds.name_of(s, row), BASE_URL)

        async def ours_cold() -> bytes:
            written.cache_clear()
            return await ours()

        def writer_cold() -> bytes:
            written.cache_clear()
            return our_writer(rows, name, organizer)

        async def read_alone() -> bytes:
            async with db.read() as s:
                row = await feeds.by_token(s, token)
                found = await feeds.meetings_of(s, row, utcnow())
            return str(len(found)).encode()

        part = f"feed of {FEED_MEETINGS} ({backend})"
        out: list[Timing] = []
        bodies: list[bytes] = []
        for variant, work in (
            ("ours, warm (VEVENTs kept)", ours),
            ("ours, cold (every VEVENT written)", ours_cold),
            ("writer alone, cold", blocking(writer_cold)),
            ("floor: icalendar directly", blocking(lambda: floor_writer(rows, name, organizer))),
            ("floor: read alone (meetings_of)", read_alone),
        ):
            log(f"{part}: {variant}")
            runs, body = await timed(work, options)
            timing = Timing(part, variant, runs)
            if not variant.startswith("floor: read"):
                bodies.append(body)
                found = shape(body)
                timing.notes = {"bytes": found["bytes"], "events": found["events"]}
            out.append(timing)
        if len({tuple(shape(b)["uids"]) for b in bodies}) != 1:
            raise RuntimeError("the feeds do not hold the same events")
        return out
    finally:
        await db.dispose()


def run(options: Options) -> str:
    started = datetime.now(UTC)
    backends = ["sqlite"] + (["postgresql"] if options.pg else [])
    timings: list[Timing] = []
    with tempfile.TemporaryDirectory(prefix="gongtiao-bench-") as tmp, ExitStack() as stack:
        for backend in backends:
            data_dir = Path(tmp) / backend
            data_dir.mkdir()
            if backend == "sqlite":
                database_url = f"sqlite+aiosqlite:///{data_dir / 'gongtiao.db'}"
            else:
                log("starting a throwaway PostgreSQL")
                database_url = throwaway_postgres(stack)
            log(f"{backend}: db upgrade, demo")
            env = hub_env(database_url, data_dir)
            run_hub_cli(["db", "upgrade"], env, ROOT)
            run_hub_cli(["demo", "--quiet"], env, ROOT)
            timings += asyncio.run(measure(database_url, backend, options))
    data: dict[str, Any] = {
        "benchmark": "feed_read",
        "started_at": started.isoformat(),
        "goal_s": GOAL_S,
        "timings": [
            {"part": t.part, "variant": t.variant, "median_s": t.median, "best_s": t.best, **t.notes}
            for t in timings
        ],
    }
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"feed_read-{started.strftime('%Y%m%dT%H%M%SZ')}.json"
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    warm = [t for t in timings if t.variant.startswith("ours, warm")]
    verdicts = [f"{t.part}: ours, warm {t.median * 1000:.1f} ms against the goal of 100 ms" for t in warm]
    return "\n".join(
        [
            table(timings),
            "(x floor: over the last row of each part, the read alone)",
            *verdicts,
            f"(results: {path.relative_to(ROOT)})",
        ]
    )
