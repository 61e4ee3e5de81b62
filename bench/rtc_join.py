"""Browser join time for a three-person video session on loopback, beside bare WebRTC in a page.

Each run: a fresh copy of the demo database (migrated and loaded once), the real app in this process
on a loopback port, Debian's Chromium driven by Playwright with a fake camera and microphone. The
mediator of a case in mediation logs in, schedules a session (no ID check at the door) and issues two
party links; none of that is timed. Then the three pages open at once:

- the mediator's room page: enter the room, admit each party as soon as it shows in the lobby;
- each party's link: continue, room page, consent to recording, join, wait in the lobby.

For every page the figure is page open (its first document's ``performance.timeOrigin``) to the first
decoded video frame from each of the other two (``framesDecoded`` of ``window.gongtiaoRoom.inbound()``,
polled in the page every ``POLL_MS``). A party's time includes its own way through the link and the
lobby, and the mediator's page open to frames includes the parties' way in: all three arrive together.

The floor: three bare pages opened at once, each with ``getUserMedia`` (the same fake camera, 640x480,
and microphone) and two ``RTCPeerConnection`` of the same page connected to each other (offer, answer
and ICE candidates handed across in the page): page open to the first decoded remote frame. The ratio
ours / floor says what the hub's pages, signalling, lobby and mesh add to WebRTC's own start.

    python -m bench rtc_join          (or: python -m bench.rtc_join --runs 10)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from aiohttp import web
from playwright.async_api import Browser, BrowserContext, Page, async_playwright
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

from bench.api_read import _versions
from bench.load import percentile
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
)
from tests.support.browser import CHROMIUM, FLAGS, MEDIA_FLAGS, log_in

# Debian's Chromium as the tests start it, with the video-room test's media flags.
BROWSER_FLAGS = FLAGS + MEDIA_FLAGS
POLL_MS = 25
STEP_TIMEOUT_MS = 30_000
ADMIT_TRIES = 5

# Injected into every document before its own scripts (CDP, so the pages' CSP does not apply): note
# when the first frame from each peer has been decoded, as an epoch time in ms.
FIRST_FRAMES_JS = """
(() => {
  if (window.top !== window) return;
  const firsts = {};
  window.__benchFirstFrames = firsts;
  const tick = async () => {
    const room = window.gongtiaoRoom;
    if (room) {
      try {
        const rows = await room.inbound();
        const now = performance.timeOrigin + performance.now();
        for (const [pid, row] of Object.entries(rows)) {
          if (row.video_frames > 0 && !(pid in firsts)) firsts[pid] = now;
        }
      } catch (e) { /* a peer closing under us: next round */ }
    }
    setTimeout(tick, POLL_MS);
  };
  setTimeout(tick, POLL_MS);
})();
""".replace("POLL_MS", str(POLL_MS))

FLOOR_HTML = """<!doctype html>
<meta charset="utf-8"><title>floor</title>
<video id="v" autoplay muted playsinline></video>
<script>
window.__benchFirstFrames = {};
(async () => {
  const video = { width: 640, height: 480 };
  const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video });
  const a = new RTCPeerConnection(), b = new RTCPeerConnection();
  a.onicecandidate = (e) => { if (e.candidate) b.addIceCandidate(e.candidate); };
  b.onicecandidate = (e) => { if (e.candidate) a.addIceCandidate(e.candidate); };
  b.ontrack = (e) => { document.getElementById("v").srcObject = e.streams[0]; };
  for (const track of stream.getTracks()) a.addTrack(track, stream);
  await a.setLocalDescription();
  await b.setRemoteDescription(a.localDescription);
  await b.setLocalDescription();
  await a.setRemoteDescription(b.localDescription);
  const poll = async () => {
    let frames = 0;
    (await b.getStats()).forEach((s) => {
      if (s.type === "inbound-rtp" && s.kind === "video") frames += s.framesDecoded || 0;
    });
    if (frames > 0) window.__benchFirstFrames.loopback = performance.timeOrigin + performance.now();
    else setTimeout(poll, POLL_MS);
  };
  poll();
})().catch((e) => { window.__benchError = String(e); });
</script>
""".replace("POLL_MS", str(POLL_MS))


@dataclass(frozen=True)
class Sizes:
    runs: int = 5
    timeout: float = 60.0  # seconds for every page to have its frames, per run

    def __post_init__(self) -> None:
        if self.runs < 1 or self.timeout <= 0:
            raise ValueError(f"sizes must be positive: {self}")


@dataclass
class PageTiming:
    """One page of one run: when it opened and, in ms after that, when things happened."""

    kind: str  # session | floor
    run: int
    role: str  # mediator | party | floor
    opened_at: float = 0.0  # epoch ms: performance.timeOrigin of the page's first document
    first_frame_ms: dict[str, float] = field(default_factory=dict)  # from whom -> ms after open
    stages_ms: dict[str, float] = field(default_factory=dict)  # e.g. in lobby, admitted
    lost_clicks: int = 0  # admit clicks that did not take (mediator)
    participant: int = 0  # the page's own participant id (session pages)
    after_admit_ms: float | None = None  # party: the mediator's admit click to frames from all peers

    @property
    def all_frames_ms(self) -> float:
        return max(self.first_frame_ms.values())

    def mark(self, stage: str) -> None:
        self.stages_ms[stage] = round(time.time() * 1000 - self.opened_at, 1)


# --- the database and the app -------------------------------------------------------------------


def prepare_template(directory: Path) -> Path:
    """A migrated SQLite database with the demo district, made once by the hub's own commands."""
    path = directory / "template.db"
    env = hub_env(f"sqlite+aiosqlite:///{path}", directory / "template-data")
    run_hub_cli(["db", "upgrade"], env, ROOT)
    run_hub_cli(["demo", "--quiet"], env, ROOT)
    return path


async def case_in_mediation(database_url: str) -> tuple[int, str]:
    """(case id, mediator's username) of the demo's first referral in mediation with a mediator."""
    from sqlalchemy import select

    from hub.db import Database
    from hub.models import User
    from referrals.models import Referral

    db = Database(database_url)
    try:
        async with db.read() as s:
            referral = await s.scalar(
                select(Referral)
                .where(Referral.state == "in_mediation", Referral.mediator_id.isnot(None))
                .order_by(Referral.id)
                .limit(1)
            )
            if referral is None or referral.mediator_id is None:
                raise RuntimeError("the demo has no referral in mediation with a mediator")
            mediator = await s.get(User, referral.mediator_id)
            if mediator is None:
                raise RuntimeError(f"mediator {referral.mediator_id} is missing")
            return referral.case_id, mediator.username
    finally:
        await db.dispose()


async def serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app, shutdown_timeout=2)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner, f"http://127.0.0.1:{port}"


def hub_app(database_url: str, data_dir: Path) -> web.Application:
    from hub.app import create_app
    from hub.config import Config

    return create_app(Config.from_env(hub_env(database_url, data_dir)))


# --- pages ----------------------------------------------------------------------------------------


async def until(check: Callable[[], Awaitable[bool]], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:g} s waiting for {what}")
        await asyncio.sleep(0.1)


async def wait_js(page: Page, expression: str, timeout: float = 30.0) -> None:
    """Poll an expression (wait_for_function would need 'unsafe-eval', which the CSP forbids)."""

    async def holds() -> bool:
        return bool(await page.evaluate(expression))

    await until(holds, timeout, expression)


async def opened_at(page: Page) -> float:
    return float(await page.evaluate("performance.timeOrigin"))


async def login(context: BrowserContext, base: str, username: str) -> Page:
    page = await context.new_page()
    await log_in(page, base, username)
    return page


async def schedule(mediator: Page, base: str, case_id: int) -> tuple[int, dict[int, str]]:
    """Schedule a session from the page, without the ID check; (session id, party id -> link)."""
    await mediator.goto(f"{base}/mediations/new?case_id={case_id}")
    await mediator.locator("input[name=check]").uncheck()
    await mediator.get_by_test_id("schedule").click()
    await mediator.wait_for_url(f"{base}/mediations/*")
    session_id = int(mediator.url.rsplit("/", 1)[1])
    rows = mediator.locator("[data-testid=participants] tr[data-participant]")
    party_ids = []
    for i in range(await rows.count()):
        if await rows.nth(i).locator("button[data-testid^=issue-]").count():
            party_ids.append(int(await rows.nth(i).get_attribute("data-participant") or 0))
    if len(party_ids) < 2:
        raise RuntimeError(f"session {session_id} has {len(party_ids)} parties to invite, not 2")
    links = {}
    for pid in party_ids[:2]:
        await mediator.get_by_test_id(f"issue-{pid}").click()
        links[pid] = await mediator.get_by_test_id("join-url").input_value()
    return session_id, links


async def enter(page: Page) -> int:
    await page.get_by_test_id("join-room").click()
    await wait_js(page, "window.gongtiaoRoom && window.gongtiaoRoom.me !== null")
    return int(await page.evaluate("window.gongtiaoRoom.me"))


async def mediator_joins(page: Page, room_url: str, party_ids: Sequence[int], t: PageTiming) -> None:
    await page.goto(room_url)
    t.opened_at = await opened_at(page)
    t.participant = await enter(page)
    t.mark("entered")

    async def admit(pid: int) -> None:
        # The people list is rebuilt on every state message, so a click can land on a button that is
        # being replaced and be lost: click again, as a person would, and count it.
        button = page.get_by_test_id(f"admit-{pid}")
        for _ in range(ADMIT_TRIES):
            await button.wait_for(state="visible", timeout=STEP_TIMEOUT_MS)
            clicked = time.time() * 1000
            await button.click()
            try:
                await button.wait_for(state="hidden", timeout=1000)
            except PlaywrightTimeoutError:
                t.lost_clicks += 1
                continue
            t.stages_ms[f"admit clicked {pid}"] = round(clicked - t.opened_at, 1)
            return
        raise RuntimeError(f"participant {pid} was not admitted after {ADMIT_TRIES} clicks")

    await asyncio.gather(*(admit(pid) for pid in party_ids))


async def party_joins(page: Page, link: str, room_url: str, t: PageTiming) -> None:
    await page.goto(link)
    t.opened_at = await opened_at(page)
    await page.get_by_test_id("continue").click()
    await page.wait_for_url(room_url)
    t.mark("room page")
    await page.get_by_test_id("consent-yes").check()
    t.participant = await enter(page)
    await page.get_by_test_id("lobby").wait_for(state="visible", timeout=STEP_TIMEOUT_MS)
    t.mark("in lobby")


async def collect_frames(pages: dict[Page, PageTiming], others: int, timeout: float) -> None:
    """Wait until each page has decoded a frame from ``others`` peers; note when, after its open."""

    async def complete() -> bool:
        done = True
        for page, t in pages.items():
            firsts = await page.evaluate("window.__benchFirstFrames || {}")
            error = await page.evaluate("window.__benchError || ''")
            if error:
                raise RuntimeError(f"{t.role} page: {error}")
            t.first_frame_ms = {str(k): round(float(v) - t.opened_at, 1) for k, v in firsts.items()}
            done = done and len(firsts) >= others
        return done

    try:
        await until(complete, timeout, f"a first frame from {others} peer(s) on every page")
    except TimeoutError as exc:
        seen = [
            f"{t.role} {t.stages_ms}: "
            + await page.evaluate(
                "JSON.stringify({firsts: window.__benchFirstFrames || null, url: location.pathname,"
                " peers: window.gongtiaoRoom ? window.gongtiaoRoom.peers() : null,"
                " you: window.gongtiaoRoom && window.gongtiaoRoom.state"
                " ? window.gongtiaoRoom.state.you : null})"
            )
            for page, t in pages.items()
        ]
        raise TimeoutError(f"{exc}; pages: {'; '.join(seen)}") from None


# --- one run of each ------------------------------------------------------------------------------


async def session_run(
    browser: Browser, template: Path, work: Path, run_no: int, sizes: Sizes
) -> list[PageTiming]:
    data_dir = work / f"run-{run_no}"
    data_dir.mkdir()
    db_path = data_dir / "gongtiao.db"
    shutil.copyfile(template, db_path)  # every run starts from the same demo district
    database_url = f"sqlite+aiosqlite:///{db_path}"
    case_id, mediator_name = await case_in_mediation(database_url)
    runner, base = await serve(hub_app(database_url, data_dir / "data"))
    contexts: list[BrowserContext] = []
    try:
        mediator_context = await browser.new_context()
        contexts.append(mediator_context)
        await mediator_context.add_init_script(script=FIRST_FRAMES_JS)
        mediator = await login(mediator_context, base, mediator_name)
        session_id, links = await schedule(mediator, base, case_id)
        room_url = f"{base}/mediations/{session_id}/room"
        party_pages = []
        for _ in links:
            context = await browser.new_context()
            contexts.append(context)
            await context.add_init_script(script=FIRST_FRAMES_JS)
            party_pages.append(await context.new_page())
        timings = {mediator: PageTiming("session", run_no, "mediator")}
        timings.update({page: PageTiming("session", run_no, "party") for page in party_pages})
        # The three pages open together from here.
        await asyncio.gather(
            mediator_joins(mediator, room_url, list(links), timings[mediator]),
            *(
                party_joins(page, link, room_url, timings[page])
                for page, link in zip(party_pages, links.values(), strict=True)
            ),
        )
        await collect_frames(timings, 2, sizes.timeout)
        m = timings[mediator]
        for page in party_pages:
            t = timings[page]
            clicked = m.opened_at + m.stages_ms[f"admit clicked {t.participant}"]
            t.after_admit_ms = round(t.opened_at + t.all_frames_ms - clicked, 1)
        return list(timings.values())
    finally:
        for context in contexts:
            await context.close()
        await runner.cleanup()


async def floor_run(browser: Browser, base: str, run_no: int, sizes: Sizes) -> list[PageTiming]:
    contexts = [await browser.new_context() for _ in range(3)]
    try:
        pages = [await c.new_page() for c in contexts]
        timings = {page: PageTiming("floor", run_no, "floor") for page in pages}

        async def open_floor(page: Page) -> None:
            await page.goto(base + "/")
            timings[page].opened_at = await opened_at(page)

        await asyncio.gather(*(open_floor(page) for page in pages))
        await collect_frames(timings, 1, sizes.timeout)
        return list(timings.values())
    finally:
        for context in contexts:
            await context.close()


def floor_app() -> web.Application:
    async def page(_request: web.Request) -> web.Response:
        return web.Response(text=FLOOR_HTML, content_type="text/html")

    app = web.Application()
    app.router.add_get("/", page)
    return app


# --- figures --------------------------------------------------------------------------------------


def spread(values: Sequence[float]) -> dict[str, float]:
    ordered = sorted(values)
    if not ordered:
        return {"n": 0}
    return {
        "n": len(ordered),
        "p50_ms": round(percentile(ordered, 0.50), 1),
        "p95_ms": round(percentile(ordered, 0.95), 1),
        "min_ms": round(ordered[0], 1),
        "max_ms": round(ordered[-1], 1),
    }


def summary(pages: list[PageTiming]) -> dict[str, dict[str, float]]:
    """Page open to the first frame from all its peers, by role; and each peer's first frame apart."""
    out = {
        "every page, all peers": spread([p.all_frames_ms for p in pages]),
        "every page, each peer": spread([ms for p in pages for ms in p.first_frame_ms.values()]),
    }
    roles = sorted({p.role for p in pages})
    for role in roles if len(roles) > 1 else ():
        out[f"{role}, all peers"] = spread([p.all_frames_ms for p in pages if p.role == role])
    admitted = [p.after_admit_ms for p in pages if p.after_admit_ms is not None]
    if admitted:
        out["party, from admit click"] = spread(admitted)
    return out


def stages(pages: list[PageTiming]) -> dict[str, float]:
    """Median ms after page open of each named stage (party and mediator milestones)."""
    found: dict[str, list[float]] = {}
    for p in pages:
        for name, ms in p.stages_ms.items():
            key = f"{p.role}: {'admit clicked' if name.startswith('admit clicked') else name}"
            found.setdefault(key, []).append(ms)
    return {k: round(statistics.median(v), 1) for k, v in sorted(found.items())}


def table(ours: dict[str, dict[str, float]], floor: dict[str, dict[str, float]]) -> str:
    header = f"{'page open -> first remote frame':<36}{'n':>4}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}"
    lines = [header, "-" * len(header)]
    for label, row in [
        *(("ours: " + k, v) for k, v in ours.items()),
        *(("floor: " + k, v) for k, v in floor.items()),
    ]:
        if row.get("n"):
            lines.append(
                f"{label:<36}{row['n']:>4.0f}{row['p50_ms']:>10.0f}{row['p95_ms']:>10.0f}{row['max_ms']:>10.0f}"
            )
    return "\n".join(lines)


# --- the benchmark --------------------------------------------------------------------------------


async def measure(sizes: Sizes, work: Path) -> tuple[list[PageTiming], list[PageTiming], list[str]]:
    log("db upgrade and demo (once; each run gets a copy)")
    template = await asyncio.to_thread(prepare_template, work)
    ours: list[PageTiming] = []
    floor: list[PageTiming] = []
    notes: list[str] = []
    floor_runner, floor_base = await serve(floor_app())
    try:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(
                executable_path=CHROMIUM, args=BROWSER_FLAGS, headless=True
            )
            try:
                for run_no in range(1, sizes.runs + 1):
                    log(f"run {run_no}/{sizes.runs}: three-person session (load average {load_average()})")
                    try:
                        ours += await session_run(browser, template, work, run_no, sizes)
                    except Exception as exc:  # a failed run is a figure too; the others still count
                        notes.append(f"session run {run_no} failed: {type(exc).__name__}: {exc}")
                        log(notes[-1])
                    log(f"run {run_no}/{sizes.runs}: floor (load average {load_average()})")
                    floor += await floor_run(browser, floor_base, run_no, sizes)
            finally:
                await browser.close()
    finally:
        await floor_runner.cleanup()
    return ours, floor, notes


def run(options: Options, sizes: Sizes | None = None) -> str:
    """``options`` is unused (no load generator, no PostgreSQL); ``sizes`` sets the number of runs."""
    del options
    sizes = sizes or Sizes()
    started = datetime.now(UTC)
    machine = machine_note()
    log(machine)
    with tempfile.TemporaryDirectory(prefix="gongtiao-bench-") as tmp:
        ours, floor, notes = asyncio.run(measure(sizes, Path(tmp)))
    if not ours:
        raise RuntimeError("no session run completed: " + "; ".join(notes))
    elapsed = (datetime.now(UTC) - started).total_seconds()
    ours_summary, floor_summary = summary(ours), summary(floor)
    key = "every page, all peers"
    ratio = ours_summary[key]["p50_ms"] / floor_summary[key]["p50_ms"]
    ratio95 = ours_summary[key]["p95_ms"] / floor_summary[key]["p95_ms"]
    stage_medians = stages(ours)
    lost_clicks = sum(p.lost_clicks for p in ours)
    data = {
        "benchmark": "rtc_join",
        "started_at": started.isoformat(),
        "elapsed_s": round(elapsed, 1),
        "machine": machine,
        "load_average_after": load_average(),
        "sizes": asdict(sizes),
        "poll_ms": POLL_MS,
        "chromium": CHROMIUM,
        "browser_flags": BROWSER_FLAGS,
        "versions": _versions(),
        "ours": ours_summary,
        "floor": floor_summary,
        "ratio_p50_ours_over_floor": round(ratio, 2),
        "ratio_p95_ours_over_floor": round(ratio95, 2),
        "stages_median_ms": stage_medians,
        "lost_admit_clicks": lost_clicks,
        "pages": [asdict(p) for p in ours + floor],
        "notes": notes,
    }
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"rtc_join-{started.strftime('%Y%m%dT%H%M%SZ')}.json"
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    lines = [
        f"{sizes.runs} runs; ours: mediator + 2 parties opening at once (link, lobby, admission, mesh); "
        "floor: 3 bare pages at once, getUserMedia + 2 RTCPeerConnections in the page",
        table(ours_summary, floor_summary),
        f"ours / floor ({key}): p50 {ratio:.2f}, p95 {ratio95:.2f}",
        "median ms after page open: "
        + ", ".join(f"{k} {v:.0f}" for k, v in stage_medians.items())
        + f"; admit clicks lost and repeated: {lost_clicks}",
        f"(frames polled every {POLL_MS} ms in the page; the app, the browser and Playwright share the "
        f"machine: {machine} at the start, {data['load_average_after']} at the end; {elapsed:.0f} s in all; "
        f"results: {path.relative_to(ROOT)})",
        *(f"NOTE: {n}" for n in notes),
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    d = Sizes()
    parser = argparse.ArgumentParser(prog="python -m bench.rtc_join", description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=d.runs, help=f"sessions (and floors) to time ({d.runs})")
    parser.add_argument(
        "--timeout", type=float, default=d.timeout, help=f"seconds for the frames, per run ({d.timeout:g})"
    )
    args = parser.parse_args(argv)
    print(run(Options(), Sizes(runs=args.runs, timeout=args.timeout)), flush=True)


if __name__ == "__main__":
    main()
