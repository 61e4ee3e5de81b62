"""Sessions per core: the mesh with the hub's recorder, beside the SFU (Janus) with the recorder
subscribed through it.

One room of N Chromium pages (fake camera and microphone; one headless Chromium, a context each)
joins through the real hub, served in this process. Once every page receives every other page's
video, the CPU time of the hub (this process: signalling; and its recording worker, where the
recorder's aiortc peers run) and of Janus
(its /proc entry) is measured over ``--duration`` seconds of wall time. A session's cost is the
server-side CPU seconds per second; sessions per core is its inverse. The browsers are the
participants' machines and are not counted (in the mesh, each one sends N-1 copies of its video;
through the SFU, one).

    python -m bench.sfu [--duration 20] [--rooms mesh:4,sfu:4,sfu:8]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import resource
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.support import hub_env, run_hub_cli
from tests.support.browser import MEDIA_FLAGS, chromium, log_in
from tests.support.janus import API_SECRET, janus_server

ROOT = Path(__file__).resolve().parent.parent
ROLES = ("party", "party", "lawyer", "lawyer", "interpreter", "observer", "observer")
TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Level:
    media: str  # mesh | sfu
    people: int
    hub_cpu: float  # CPU seconds per second of wall time
    janus_cpu: float

    @property
    def per_session(self) -> float:
        return self.hub_cpu + self.janus_cpu

    @property
    def sessions_per_core(self) -> float:
        return 1 / self.per_session if self.per_session else float("inf")


def own_cpu() -> float:
    """This process's CPU seconds plus its recording workers' (``rtc.record_worker``: the recorder's
    peers run there, not in the hub's process). Playwright's driver and Chromium, also children of
    this process, are the participants' machines and are left out."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime + sum(process_cpu(pid) for pid in record_workers())


def record_workers() -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes().split(b"\0")
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            if b"rtc.record_worker" in command and parent == os.getpid():
                found.append(int(entry.name))
    return found


def process_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def janus_pid() -> int | None:
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "janus" and entry.stat().st_uid == os.getuid():
                    return int(entry.name)
            except OSError:
                continue
    return None


async def one_room(media: str, people: int, duration: float, work: Path, database_url: str) -> Level:
    from hub.config import Config
    from hub.db import Database
    from rtc import invitations
    from tests.e2e.test_video_room import enter, frames_from, until
    from tests.rtc.helpers import case_in_mediation, session_with_guests
    from tests.support.server import serve_in_process

    db = Database(database_url)
    case = await case_in_mediation(db)
    session_id, guests = await session_with_guests(db, case.case_id, ROLES[: people - 1])
    await db.dispose()
    config = Config.from_env(hub_env(database_url, work / f"data-{media}-{people}"))
    async with contextlib.AsyncExitStack() as stack:
        if media == "sfu":
            url = await stack.enter_async_context(janus_server(work / f"janus-{people}"))
            config = config.with_overrides(janus_url=url, janus_api_secret=API_SECRET, sfu_threshold=1)
        browser = await stack.enter_async_context(chromium(MEDIA_FLAGS))
        base = await stack.enter_async_context(serve_in_process(config))
        context = await browser.new_context()
        mediator = await context.new_page()
        await log_in(mediator, base, case.mediator_username)
        await mediator.goto(f"{base}/mediations/{session_id}/room")
        pages = {await enter(mediator): mediator}
        for _pid, secret in guests:
            context = await browser.new_context()
            cookie = {"name": invitations.cookie_name(session_id), "value": secret, "url": base}
            await context.add_cookies([cookie])  # type: ignore[list-item]
            page = await context.new_page()
            await page.goto(f"{base}/mediations/{session_id}/room")
            await page.get_by_test_id("consent-yes").check()
            pages[await enter(page)] = page
        for pid, _ in guests:
            await mediator.get_by_test_id(f"admit-{pid}").click()

        async def everyone_sees_everyone() -> bool:
            for pid, page in pages.items():
                frames = await frames_from(page)
                if any(frames.get(o, 0) == 0 for o in pages if o != pid):
                    return False
            return True

        await until(everyone_sees_everyone, 120, 1.0)
        await asyncio.sleep(3)  # settle: bitrates ramp up, the recorder's peers connect
        jpid = janus_pid() if media == "sfu" else None
        hub0, janus0, t0 = own_cpu(), process_cpu(jpid) if jpid else 0.0, time.monotonic()
        await asyncio.sleep(duration)
        hub1, janus1, t1 = own_cpu(), process_cpu(jpid) if jpid else 0.0, time.monotonic()
    # This process also drives Playwright (a few page.evaluate calls, idle while measuring).
    return Level(media, people, (hub1 - hub0) / (t1 - t0), (janus1 - janus0) / (t1 - t0))


def table(levels: Sequence[Level]) -> str:
    lines = [
        "| media | people | hub CPU | Janus CPU | per session | sessions per core |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for lv in levels:
        lines.append(
            f"| {lv.media} | {lv.people} | {lv.hub_cpu:.1%} | {lv.janus_cpu:.1%} | {lv.per_session:.1%}"
            f" | {lv.sessions_per_core:.1f} |"
        )
    mesh = [lv for lv in levels if lv.media == "mesh"]
    sfu = [lv for lv in levels if lv.media == "sfu" and lv.people == mesh[0].people] if mesh else []
    if mesh and sfu:
        ratio = sfu[0].per_session / mesh[0].per_session if mesh[0].per_session else float("inf")
        lines.append(f"\nSFU / mesh, server CPU per session at {mesh[0].people} people: {ratio:.2f}x")
    return "\n".join(lines)


def run(duration: float, rooms: Sequence[tuple[str, int]]) -> str:
    with tempfile.TemporaryDirectory(prefix="gongtiao-bench-sfu-") as tmp:
        work = Path(tmp)
        database_url = f"sqlite+aiosqlite:///{work / 'bench.sqlite3'}"
        env = hub_env(database_url, work / "data")
        run_hub_cli(["db", "upgrade"], env, ROOT)
        run_hub_cli(["demo", "--quiet"], env, ROOT)
        levels = []
        for media, people in rooms:  # each room's row as soon as it is measured: a run can be long
            try:
                level = asyncio.run(one_room(media, people, duration, work, database_url))
            except AssertionError as exc:  # a starved machine: say so, measure the next room
                print(f"{media}:{people}: not measured ({exc}); load average {os.getloadavg()[0]:.1f}")
                continue
            levels.append(level)
            print(table([level]).splitlines()[-1], f"(load average {os.getloadavg()[0]:.1f})", flush=True)
    return table(levels)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.sfu", description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=20.0, help="measured seconds per room")
    parser.add_argument(
        "--rooms", default="mesh:4,sfu:4,sfu:8", help="media:people,... (mesh holds at most 8)"
    )
    args = parser.parse_args(argv)
    rooms = [(m, int(n)) for m, n in (item.split(":") for item in args.rooms.split(","))]
    print(run(args.duration, rooms))


if __name__ == "__main__":
    main()
