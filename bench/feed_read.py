"""A subscription feed of 1,000 meetings (five attendees each), as ``GET /calendar/{token}.ics``
builds it, beside floors (issue #16: "the feed of 1,000 events < 100 ms").

Variants, each timed in this process (medians of runs over ``--duration`` seconds after
``--warmup``):
- ``ours, warm``: ``feeds.by_token`` + ``feeds.meetings_of`` + ``calendars.feed`` (the read, the
  people, the statutory calendar, the writer) with each meeting's VEVENTs already written once
  (``ical.written``, and for a meeting alone ``calendars._kept_single``, keyed by its row): a feed
  asked again, the common case;
- ``ours, cold``: the same with the kept VEVENTs dropped before each run: every meeting written;
- ``writer alone, cold``: ``ical.feed_calendar`` on events built beforehand;
- ``floor: read alone``: ``feeds.meetings_of`` (the meetings and their invitees, as Core rows): what
  any feed of these meetings must read;
- ``before: the read as ORM objects``: the same meetings and invitees loaded as ``Meeting`` objects,
  as ``meetings_of`` did before (kept to show what the rows save);
- ``floor: icalendar``: the same events written with icalendar directly (the writer before).

What was built before the runs is frozen out of the garbage collector (``gc.freeze()``), as
``gongtiao serve`` does.

The bodies are checked to hold the same 1,000 events (icalendar's parser reads every one).
"""

from __future__ import annotations

import asyncio
import gc
import json
import statistics
import tempfile
from collections.abc import Sequence
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import raiseload

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
from bench.support import (
    RESULTS_DIR,
    ROOT,
    Options,
    hub_env,
    load_average,
    log,
    run_hub_cli,
    throwaway_postgres,
)
from hub.db import Database
from hub.orm import utcnow
from hub.plugins import load_models
from meetings.calendars import calendars, feeds
from meetings.calendars.ical import written
from meetings.models import CalendarFeedToken, Invitee, Meeting

DEFAULT_DURATION = 5.0
DEFAULT_WARMUP = 1.0
GOAL_S = 0.100


async def orm_meetings(s: AsyncSession, row: CalendarFeedToken) -> Sequence[Meeting]:
    """A person's feed's meetings as ``feeds.meetings_of`` read them before issue #16's rows."""
    assert row.user_id is not None
    invited = select(Invitee.meeting_id).where(Invitee.user_id == row.user_id)
    query = select(Meeting).options(raiseload(Meeting.agenda)).where(Meeting.end >= utcnow() - feeds.HISTORY)
    query = query.where(
        or_(Meeting.id.in_(invited), Meeting.secretary_id == row.user_id, Meeting.chair_id == row.user_id)
    )
    return (await s.scalars(query.order_by(Meeting.start))).all()


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
            calendars.forget_written()
            return await ours()

        def writer_cold() -> bytes:
            written.cache_clear()
            return our_writer(rows, name, organizer)

        async def read_orm() -> bytes:
            async with db.read() as s:
                row = await feeds.by_token(s, token)
                found = await orm_meetings(s, row)
            return str(len(found)).encode()

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
            ("before: the read as ORM objects", read_orm),
            ("floor: read alone (meetings_of)", read_alone),
        ):
            log(f"{part}: {variant}")
            cpu: list[float] = []
            runs, body = await timed(work, options, cpu)
            timing = Timing(part, variant, runs, {"cpu ms": round(statistics.median(cpu) * 1000, 1)})
            if not variant.startswith(("floor: read", "before: the read")):
                bodies.append(body)
                found = shape(body)
                timing.notes |= {"bytes": found["bytes"], "events": found["events"]}
            out.append(timing)
        if len({tuple(shape(b)["uids"]) for b in bodies}) != 1:
            raise RuntimeError("the feeds do not hold the same events")
        return out
    finally:
        await db.dispose()


def run(options: Options) -> str:
    started, load_before = datetime.now(UTC), load_average()
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
        "load_average": {"before": load_before, "after": load_average()},
        "timings": [
            {"part": t.part, "variant": t.variant, "median_s": t.median, "best_s": t.best, **t.notes}
            for t in timings
        ],
    }
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"feed_read-{started.strftime('%Y%m%dT%H%M%SZ')}.json"
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    warm = [t for t in timings if t.variant.startswith("ours, warm")]
    verdicts = [
        f"{t.part}: ours, warm {t.median * 1000:.1f} ms ({t.notes['cpu ms']} ms of CPU), goal 100 ms"
        for t in warm
    ]
    return "\n".join(
        [
            table(timings),
            "(x floor: over the last row of each part, the read alone)",
            f"(load average {load_before} before, {data['load_average']['after']} after)",
            *verdicts,
            f"(results: {path.relative_to(ROOT)})",
        ]
    )
