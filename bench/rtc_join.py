"""Browser join time for a three-person video session on loopback, beside bare WebRTC in a page.

Each run: a fresh copy of the demo database (migrated and loaded once), the real hub in a process of
its own (``python -m hub serve`` on a loopback port, not Playwright's process), Debian's Chromium
driven by Playwright with a fake camera and microphone: a browser for each person, as each has their
own camera. (With ``--shared-browser`` the three share one browser, hence one fake camera, as they
did before 2026-12-07. Chromium hands one capture device's frames to every page that opened it from
one pool of buffers. Until the room's hidden pre-check view let go of the camera, that pool ran dry
at about half the admissions: every page's camera stopped reaching its senders at once for 1.2-1.7
s, while the tracks' own counters showed the frames made and not delivered. Since, the two setups
give the same figures.) The mediator of a case in mediation logs in, schedules a session (no ID
check at the door) and issues two party links; none of that is timed. Then the three pages open at
once: the mediator's room page, and each party's link (continue, room page, consent to recording,
join, wait in the lobby). Two kinds of session run:

- ``admit``: the two parties wait in the lobby; once the mediator's page shows them both and every
  page's standby connections are up, a pause of ``--settle`` seconds (people wait in a lobby far
  longer than that), then one click on *let everyone in*. The figure, on each of the three pages:
  the click (an event listener in the mediator's page, so Playwright's own delay is not counted) to
  the first decoded frame from *every* peer.
- ``open``: every page clicks for itself the moment it can be used (CLICK_AT_ONCE_JS: the
  invitation's *continue*, then *join*; no Playwright round trip, no person's reading time), and the
  mediator's page lets everyone in the moment they show in the lobby (ADMIT_JS). The figure: each
  page's open (its first document's ``performance.timeOrigin``: the link page for a party) to the
  first frame from every peer; also from the party's room page.

First frames are the first frame shown from each peer (``requestVideoFrameCallback`` on its tile's
video, hooked when the room gives it its stream); all pages share the machine's clock.

The floors, three bare pages at once (in the same browsers as the session's), each with
``getUserMedia`` (the same fake camera, 640x480, and microphone) and two ``RTCPeerConnection`` of
the same page connected to each other (offer, answer and ICE candidates handed across in the page):
page open to the first decoded remote frame; and, on the same pair once connected with empty
senders, ``replaceTrack`` of the camera and microphone to the first decoded frame (what admission
does on a standby connection, with nothing around it).

The mesh floor, the admit run's join with nothing of the room around it: three bare pages (in the
session's browsers), connected pairwise as the room's standby connections are,
each showing what arrives; then every page puts its tracks on every sender at one instant. The
figure: that instant to the first decoded frame from every peer, beside the admit click's.

    python -m bench rtc_join          (or: python -m bench.rtc_join --runs 10)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from aiohttp import web
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

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
    spawn,
    wait_ready,
)
from tests.support.browser import CHROMIUM, FLAGS, MEDIA_FLAGS, log_in

# Debian's Chromium as the tests start it, with the video-room test's media flags.
BROWSER_FLAGS = FLAGS + MEDIA_FLAGS
# How often the floors' pages read their statistics, and an open run's page looks for the room's module
# (BENCH_JOIN_POLL_MS).
POLL_MS = int(os.environ.get("BENCH_JOIN_POLL_MS", "25"))
STEP_TIMEOUT_MS = 30_000
KINDS = ("admit", "open")

# BENCH_JOIN_CAMERA=160x120: the session pages ask for a smaller camera than the room's 640x480,
# to see how much of the join is the encoders' and decoders' CPU (the floors keep 640x480).
CAMERA = os.environ.get("BENCH_JOIN_CAMERA", "")
SMALL_CAMERA_JS = """
(() => {
  const [width, height] = "CAMERA".split("x").map(Number);
  const getUserMedia = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  const video = (v) => ({ ...(typeof v === "object" ? v : {}), width, height });
  navigator.mediaDevices.getUserMedia = (c) => getUserMedia(c.video ? { ...c, video: video(c.video) } : c);
})();
""".replace("CAMERA", CAMERA)

# Injected into the mediator's pages: note when *let everyone in* is clicked (epoch ms); with
# AUTO, click it whenever it shows (the ``open`` runs: let in the moment they arrive), seen by a
# MutationObserver (no polling): once each time the list of people changes, so never twice for
# one arrival.
ADMIT_JS = """
(() => {
  if (window.top !== window) return;
  window.__benchAdmitAt = null;
  document.addEventListener("click", (e) => {
    const b = e.target && e.target.closest ? e.target.closest("[data-testid=admit-all]") : null;
    if (!b || window.__benchAdmitAt !== null) return;
    window.__benchAdmitAt = performance.timeOrigin + performance.now();
  }, true);
  if (!AUTO) return;
  document.addEventListener("DOMContentLoaded", () => {
    const button = document.querySelector("[data-testid=admit-all]");
    const people = document.getElementById("people");
    if (!button || !people) return;
    let armed = true;
    const look = (records) => {
      if (records.some((r) => r.target === button || people.contains(r.target))) armed = true;
      if (armed && !button.hidden) { armed = false; button.click(); }
    };
    new MutationObserver(look).observe(document.body, { subtree: true, childList: true, attributes: true });
    look([]);
  });
})();
"""

# Injected into every document before its own scripts (CDP, so the pages' CSP does not apply): note
# when the first frame from each peer is shown, as an epoch time in ms: a frame callback
# (``requestVideoFrameCallback``) on each peer's tile, hooked the moment the room gives the tile's
# video its stream (the ``srcObject`` setter), so nothing polls. (Polling ``getStats`` every 25 ms, as
# the first version did, ran some 700 stats callbacks a second in each page; looking for new tiles
# every 25 ms, as the second did, still cost a party's page some 240 ms of its main thread in a
# 2-second join, in a Chromium trace: the measurement loaded the pages it measured.)
FIRST_FRAMES_JS = """
(() => {
  if (window.top !== window) return;
  const firsts = {};
  window.__benchFirstFrames = firsts;
  const own = Object.getOwnPropertyDescriptor(HTMLMediaElement.prototype, "srcObject");
  Object.defineProperty(HTMLMediaElement.prototype, "srcObject", {
    configurable: true,
    get() { return own.get.call(this); },
    set(stream) {
      own.set.call(this, stream);
      const tile = this.closest && this.closest(".tile");
      if (!stream || !tile || tile.classList.contains("self")) return;
      const pid = tile.dataset.participant;
      this.requestVideoFrameCallback(() => {
        if (!(pid in firsts)) firsts[pid] = performance.timeOrigin + performance.now();
      });
    },
  });
})();
"""

# Injected into the ``open`` runs' pages: a person who clicks the moment a page can be used (the
# invitation's *continue*, then the room's *join* with consent given, its default), clicked by the
# page itself at DOMContentLoaded, when the room's module has run. Playwright's clicks, a CDP round
# trip and its actionability checks each, took 200-550 ms after the page had loaded on this machine
# (2026-12-07): neither the hub's time nor a person's. Also notes the first document's open.
CLICK_AT_ONCE_JS = """
(() => {
  if (window.top !== window) return;
  if (!sessionStorage.getItem("benchOpenedAt")) {
    sessionStorage.setItem("benchOpenedAt", String(performance.timeOrigin));
  }
  const act = () => {
    const go = document.querySelector("[data-testid=continue]");
    if (go) return go.click();
    const join = document.querySelector("[data-testid=join-room]");
    if (!join) return;
    if (window.gongtiaoRoom && !join.disabled) return join.click();
    setTimeout(act, POLL_MS); // the room's module has not run yet
  };
  document.addEventListener("DOMContentLoaded", act);
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
  const firstFrame = (pc) => new Promise((resolve) => {
    const poll = async () => {
      let frames = 0;
      (await pc.getStats()).forEach((s) => {
        if (s.type === "inbound-rtp" && s.kind === "video") frames += s.framesDecoded || 0;
      });
      if (frames > 0) resolve(performance.timeOrigin + performance.now());
      else setTimeout(poll, POLL_MS);
    };
    poll();
  });
  window.__benchFirstFrames.loopback = await firstFrame(b);
  // A standby pair: connected, both transceivers sendrecv, nothing on the senders; then tracks on.
  const c = new RTCPeerConnection(), d = new RTCPeerConnection();
  c.onicecandidate = (e) => { if (e.candidate) d.addIceCandidate(e.candidate); };
  d.onicecandidate = (e) => { if (e.candidate) c.addIceCandidate(e.candidate); };
  const audio = c.addTransceiver("audio", { direction: "sendrecv" });
  const cam = c.addTransceiver("video", { direction: "sendrecv" });
  await c.setLocalDescription();
  await d.setRemoteDescription(c.localDescription);
  await d.setLocalDescription();
  await c.setRemoteDescription(d.localDescription);
  while (c.connectionState !== "connected") await new Promise((r) => setTimeout(r, POLL_MS));
  await new Promise((r) => setTimeout(r, 500));
  const on = performance.timeOrigin + performance.now();
  await audio.sender.replaceTrack(stream.getAudioTracks()[0]);
  await cam.sender.replaceTrack(stream.getVideoTracks()[0]);
  window.__benchStandby = (await firstFrame(d)) - on;
})().catch((e) => { window.__benchError = String(e); });
</script>
""".replace("POLL_MS", str(POLL_MS))


# The mesh floor: the room's join with nothing of the room around it. Three pages (one per browser
# context, as the session's), each with the camera and microphone, connected pairwise as the room's
# standby connections are (both transceivers sendrecv, no track on the senders, the answering side
# turned to sendrecv; the descriptions handed across by Playwright, ICE gathered first); each remote
# stream shown in a <video>. Then, at one instant on the machine's clock, every page puts its tracks
# on every sender (``replaceTrack``), as admission does; the figure is that instant to the first
# frame shown from every peer, taken as the room's pages' are.
MESH_HTML = """<!doctype html>
<meta charset="utf-8"><title>mesh floor</title>
<script>
const pcs = {}, firsts = {};
let stream = null;
window.__benchFirstFrames = firsts;
const gathered = (pc) => new Promise((resolve) => {
  if (pc.iceGatheringState === "complete") return resolve();
  pc.addEventListener("icegatheringstatechange", () => {
    if (pc.iceGatheringState === "complete") resolve();
  });
});
function pcFor(peer) {
  const pc = new RTCPeerConnection();
  pc.ontrack = (e) => {
    if (e.track.kind !== "video") return;
    const v = document.createElement("video");
    v.autoplay = v.muted = v.playsInline = true;
    v.srcObject = new MediaStream([e.track]);
    document.body.appendChild(v);
    // Shown, as the room's first frames are taken (nothing is sent before the tracks go on).
    v.requestVideoFrameCallback(() => {
      if (!(peer in firsts)) firsts[peer] = performance.timeOrigin + performance.now();
    });
  };
  pcs[peer] = pc;
  return pc;
}
window.meshInit = async () => {
  stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 640, height: 480 } });
};
window.meshOffer = async (peer) => {
  const pc = pcFor(peer);
  pc.addTransceiver("audio", { direction: "sendrecv" });
  pc.addTransceiver("video", { direction: "sendrecv" });
  await pc.setLocalDescription();
  await gathered(pc);
  return pc.localDescription.sdp;
};
window.meshAnswer = async (peer, sdp) => {
  const pc = pcFor(peer);
  await pc.setRemoteDescription({ type: "offer", sdp });
  for (const t of pc.getTransceivers()) t.direction = "sendrecv";
  await pc.setLocalDescription();
  await gathered(pc);
  return pc.localDescription.sdp;
};
window.meshAccept = (peer, sdp) => pcs[peer].setRemoteDescription({ type: "answer", sdp });
window.meshConnected = () => Object.values(pcs).every((pc) => pc.connectionState === "connected");
window.meshTracksOnAt = (at) => {
  setTimeout(async () => {
    for (const pc of Object.values(pcs)) {
      for (const t of pc.getTransceivers()) {
        const kind = t.receiver.track.kind;
        t.sender.replaceTrack(stream.getTracks().find((track) => track.kind === kind));
      }
    }
  }, Math.max(0, at - (performance.timeOrigin + performance.now())));
};
</script>
""".replace("POLL_MS", str(POLL_MS))


@dataclass(frozen=True)
class Sizes:
    runs: int = 5
    timeout: float = 60.0  # seconds for every page to have its frames, per run
    settle: float = 1.0  # ``admit`` runs: seconds in the lobby once the standby connections are up
    # The three people in one browser (one fake camera for all three, as before 2026-12-07) rather
    # than a browser each (a camera each, as people have): see the module's docstring.
    shared_browser: bool = False

    def __post_init__(self) -> None:
        if self.runs < 1 or self.timeout <= 0 or self.settle < 0:
            raise ValueError(f"sizes must be positive: {self}")


@dataclass
class PageTiming:
    """One page of one run: when it opened and, in ms after that, when things happened."""

    kind: str  # admit | open | floor | mesh
    run: int
    role: str  # mediator | party | floor
    opened_at: float = 0.0  # epoch ms: performance.timeOrigin of the page's first document
    first_frame_ms: dict[str, float] = field(default_factory=dict)  # from whom -> ms after open
    stages_ms: dict[str, float] = field(default_factory=dict)  # e.g. in lobby, admitted
    participant: int = 0  # the page's own participant id (session pages)
    after_admit_ms: float | None = None  # admit runs: the click to frames from all peers
    room_opened_at: float = 0.0  # a party's room page (after the link), epoch ms
    standby_ms: float | None = None  # floor: tracks put on a connected pair -> first frame
    mesh_ms: float | None = None  # mesh floor: tracks on every standby connection -> frames from all
    # admit runs: ms after the click of each step of the room's own marks (TRACE_STEPS)
    trace_ms: dict[str, float] = field(default_factory=dict)

    @property
    def from_room_page_ms(self) -> float | None:
        if not self.room_opened_at:
            return None
        return round(self.opened_at + self.all_frames_ms - self.room_opened_at, 1)

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


def start_hub(stack: ExitStack, database_url: str, data_dir: Path) -> str:
    """``python -m hub serve`` in a process of its own (stopped with ``stack``); its base URL."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = hub_env(database_url, data_dir, GONGTIAO_PORT=str(port), GONGTIAO_HOST="127.0.0.1")
    data_dir.mkdir(parents=True, exist_ok=True)
    hub = spawn(
        "hub",
        [sys.executable, "-m", "hub", "serve"],
        env=env,
        cwd=ROOT,
        log_path=data_dir.parent / "hub.log",
        stack=stack,
    )
    wait_ready(hub, base + "/healthz", timeout=300.0)  # a shared machine under load starts slowly
    return base


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
    await mediator.get_by_test_id("to-session").click()  # from the printable invitations
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


async def in_room(page: Page) -> int:
    """The page's participant id, once the room has welcomed it."""
    await wait_js(page, "window.gongtiaoRoom && window.gongtiaoRoom.me !== null")
    return int(await page.evaluate("window.gongtiaoRoom.me"))


async def enter(page: Page) -> int:
    await page.get_by_test_id("join-room").click()
    return await in_room(page)


async def mediator_joins(page: Page, room_url: str, t: PageTiming, settle: float | None) -> None:
    """Enter the room; with ``settle``, click *let everyone in* once both parties have waited that
    long in the lobby (otherwise the page's own scripts join at once and let them in as they come:
    CLICK_AT_ONCE_JS and ADMIT_JS)."""
    if settle is None:
        await page.goto(room_url, wait_until="commit")
        t.opened_at = await opened_at(page)
        t.participant = await in_room(page)
        t.mark("entered")
        return
    await page.goto(room_url)
    t.opened_at = await opened_at(page)
    t.participant = await enter(page)
    t.mark("entered")
    if settle is None:
        return
    await wait_js(page, "document.getElementById('waiting').textContent === '2'", STEP_TIMEOUT_MS / 1000)
    t.mark("both waiting")


STANDBY_READY_JS = """(async () => {
  const rows = Object.values(await window.gongtiaoRoom.inbound());
  return rows.length === 2 && rows.every((r) => r.standby && r.state === "connected");
})()"""


async def admit_when_ready(mediator: Page, pages: dict[Page, PageTiming], settle: float) -> None:
    """Once every page's standby connections are up (or 20 s went by), wait ``settle``, then one
    click on *let everyone in*."""
    for page, t in pages.items():
        try:
            await wait_js(page, STANDBY_READY_JS, 20)
            t.mark("standby connected")
        except TimeoutError:
            t.mark("standby not connected after 20 s")
    await asyncio.sleep(settle)
    await mediator.get_by_test_id("admit-all").click()


async def party_joins_at_once(page: Page, link: str, room_url: str, t: PageTiming) -> None:
    """The ``open`` runs: the page's own script clicks as soon as each page can be used
    (CLICK_AT_ONCE_JS); this only follows."""
    await page.goto(link, wait_until="commit")
    await page.wait_for_url(room_url)
    t.opened_at = float(await page.evaluate("Number(sessionStorage.getItem('benchOpenedAt'))"))
    t.room_opened_at = await opened_at(page)
    t.mark("room page")
    t.participant = await in_room(page)
    t.mark("joined")


async def party_joins(page: Page, link: str, room_url: str, t: PageTiming) -> None:
    await page.goto(link)
    t.opened_at = await opened_at(page)
    await page.get_by_test_id("continue").click()
    await page.wait_for_url(room_url)
    t.room_opened_at = await opened_at(page)
    t.mark("room page")
    await page.get_by_test_id("consent-yes").check()
    t.participant = await enter(page)
    t.mark("joined")


async def collect_frames(
    pages: dict[Page, PageTiming], others: int, timeout: float
) -> dict[Page, dict[str, float]]:
    """Wait until each page has decoded a frame from ``others`` peers; note when, after its open.
    Returns each page's first frames as epoch ms, by peer."""
    seen: dict[Page, dict[str, float]] = {}

    async def complete() -> bool:
        done = True
        for page, t in pages.items():
            firsts = await page.evaluate("window.__benchFirstFrames || {}")
            error = await page.evaluate("window.__benchError || ''")
            if error:
                raise RuntimeError(f"{t.role} page: {error}")
            seen[page] = {str(k): float(v) for k, v in firsts.items()}
            t.first_frame_ms = {k: round(v - t.opened_at, 1) for k, v in seen[page].items()}
            done = done and len(firsts) >= others
        return done

    try:
        await until(complete, timeout, f"a first frame from {others} peer(s) on every page")
    except TimeoutError as exc:
        states = [
            f"{t.role} {t.stages_ms}: "
            + await page.evaluate(
                "JSON.stringify({firsts: window.__benchFirstFrames || null, url: location.pathname,"
                " peers: window.gongtiaoRoom ? window.gongtiaoRoom.peers() : null,"
                " standby: window.gongtiaoRoom ? window.gongtiaoRoom.standby() : null,"
                " you: window.gongtiaoRoom && window.gongtiaoRoom.state"
                " ? window.gongtiaoRoom.state.you : null})"
            )
            for page, t in pages.items()
        ]
        raise TimeoutError(f"{exc}; pages: {'; '.join(states)}") from None
    return seen


# --- one run of each ------------------------------------------------------------------------------


async def session_run(
    browsers: Sequence[Browser], template: Path, work: Path, kind: str, run_no: int, sizes: Sizes
) -> list[PageTiming]:
    """One session: the mediator in ``browsers[0]``, the parties in ``browsers[1]`` and ``[2]``."""
    data_dir = work / f"{kind}-{run_no}"
    data_dir.mkdir()
    db_path = data_dir / "gongtiao.db"
    shutil.copyfile(template, db_path)  # every run starts from the same demo district
    database_url = f"sqlite+aiosqlite:///{db_path}"
    case_id, mediator_name = await case_in_mediation(database_url)
    contexts: list[BrowserContext] = []
    with ExitStack() as stack:
        base = await asyncio.to_thread(start_hub, stack, database_url, data_dir / "data")
        try:
            mediator_context = await browsers[0].new_context()
            contexts.append(mediator_context)
            await mediator_context.add_init_script(script=FIRST_FRAMES_JS)
            if CAMERA:
                await mediator_context.add_init_script(script=SMALL_CAMERA_JS)
            auto = "true" if kind == "open" else "false"
            await mediator_context.add_init_script(script=ADMIT_JS.replace("AUTO", auto))
            # The parties' windows first: a new window of a browser lays out Chromium's own pages
            # (its omnibox's WebUI), 0.8-0.9 s of a core each in a trace, which must be done before
            # anything is timed. The mediator's login and scheduling give them the time.
            party_pages = []
            for party_browser in browsers[1:]:
                context = await party_browser.new_context()
                contexts.append(context)
                await context.add_init_script(script=FIRST_FRAMES_JS)
                if CAMERA:
                    await context.add_init_script(script=SMALL_CAMERA_JS)
                if kind == "open":
                    await context.add_init_script(script=CLICK_AT_ONCE_JS)
                party_pages.append(await context.new_page())
            mediator = await login(mediator_context, base, mediator_name)
            session_id, links = await schedule(mediator, base, case_id)
            if kind == "open":  # from the room page on (nothing before it is timed)
                await mediator_context.add_init_script(script=CLICK_AT_ONCE_JS)
            room_url = f"{base}/mediations/{session_id}/room"
            timings = {mediator: PageTiming(kind, run_no, "mediator")}
            timings.update({page: PageTiming(kind, run_no, "party") for page in party_pages})
            # The three pages open together from here.
            joins = party_joins if kind == "admit" else party_joins_at_once
            await asyncio.gather(
                mediator_joins(
                    mediator, room_url, timings[mediator], sizes.settle if kind == "admit" else None
                ),
                *(
                    joins(page, link, room_url, timings[page])
                    for page, link in zip(party_pages, links.values(), strict=True)
                ),
            )
            if kind == "admit":
                await admit_when_ready(mediator, timings, sizes.settle)
            firsts = await collect_frames(timings, 2, sizes.timeout)
            if kind == "admit":
                clicked = float(await mediator.evaluate("window.__benchAdmitAt || 0"))
                if not clicked:
                    raise RuntimeError("the admit click was not seen by the page")
                for page, t in timings.items():
                    t.after_admit_ms = round(max(firsts[page].values()) - clicked, 1)
                    t.trace_ms = await trace(page, t, firsts[page], clicked)
            return list(timings.values())
        finally:
            for context in contexts:
                await context.close()


# The room's own marks (performance.mark in static/js/room.js and room-mesh.js), as epoch ms.
MARKS_JS = 'performance.getEntriesByType("mark").map((m) => [m.name, performance.timeOrigin + m.startTime])'
# Where the time between the click and the last first frame goes, on each page (ms after the click;
# "last": the later of the two peers).
TRACE_STEPS = (
    "state: admitted",
    "tracks on (last peer)",
    "peer's audio arrives (last)",
    "peer's video arrives (last)",
    "video decoded (last)",
)


async def trace(page: Page, t: PageTiming, firsts: dict[str, float], clicked: float) -> dict[str, float]:
    marks: dict[str, float] = {}
    for name, at in await page.evaluate(MARKS_JS):
        marks.setdefault(str(name), float(at))  # the first of each name
    peers = [pid for pid in firsts if pid != str(t.participant)]

    def last(prefix: str, suffix: str = "") -> float | None:
        found = [marks[name] for pid in peers if (name := f"{prefix}{pid}{suffix}") in marks]
        return max(found) - clicked if peers and len(found) == len(peers) else None

    steps = {
        "state: admitted": marks["room:admitted"] - clicked if "room:admitted" in marks else None,
        "tracks on (last peer)": last("mesh:live:"),
        "peer's audio arrives (last)": last("mesh:unmute:", ":audio"),
        "peer's video arrives (last)": last("mesh:unmute:", ":video"),
        "video decoded (last)": max(firsts[pid] for pid in peers) - clicked if peers else None,
    }
    return {k: round(v, 1) for k, v in steps.items() if v is not None}


async def floor_run(browsers: Sequence[Browser], base: str, run_no: int, sizes: Sizes) -> list[PageTiming]:
    contexts = [await browser.new_context() for browser in browsers]
    try:
        pages = [await c.new_page() for c in contexts]
        timings = {page: PageTiming("floor", run_no, "floor") for page in pages}

        async def open_floor(page: Page) -> None:
            await page.goto(base + "/")
            timings[page].opened_at = await opened_at(page)

        await asyncio.gather(*(open_floor(page) for page in pages))
        await collect_frames(timings, 1, sizes.timeout)
        for page, t in timings.items():
            try:
                await wait_js(page, "window.__benchStandby !== undefined", sizes.timeout)
            except TimeoutError:
                error = await page.evaluate("window.__benchError || 'no frame'")
                log(f"floor run {run_no}: the standby pair gave no figure ({error})")
                continue
            t.standby_ms = round(float(await page.evaluate("window.__benchStandby")), 1)
        return list(timings.values())
    finally:
        for context in contexts:
            await context.close()


async def mesh_run(browsers: Sequence[Browser], base: str, run_no: int, sizes: Sizes) -> list[PageTiming]:
    """The mesh floor (``MESH_HTML``): three pages connected pairwise with nothing sent, then every
    page's tracks on at one instant."""
    contexts = [await browser.new_context() for browser in browsers]
    try:
        pages = [await c.new_page() for c in contexts]
        await asyncio.gather(*(page.goto(base + "/mesh") for page in pages))
        await asyncio.gather(*(page.evaluate("meshInit()") for page in pages))
        for i, j in ((0, 1), (0, 2), (1, 2)):
            offer = await pages[i].evaluate("(peer) => meshOffer(peer)", str(j))
            answer = await pages[j].evaluate("([peer, sdp]) => meshAnswer(peer, sdp)", [str(i), offer])
            await pages[i].evaluate("([peer, sdp]) => meshAccept(peer, sdp)", [str(j), answer])
        for page in pages:
            await wait_js(page, "meshConnected()", sizes.timeout)
        await asyncio.sleep(sizes.settle)  # as the admit runs wait in the lobby once connected
        at = time.time() * 1000 + 500  # far enough ahead for all three to have been told
        await asyncio.gather(*(page.evaluate("(at) => meshTracksOnAt(at)", at) for page in pages))
        timings = []
        for page in pages:
            t = PageTiming("mesh", run_no, "floor")
            try:
                await wait_js(page, "Object.keys(window.__benchFirstFrames).length === 2", sizes.timeout)
            except TimeoutError:
                log(f"mesh floor run {run_no}: a page saw no frame from a peer")
                continue
            firsts = await page.evaluate("window.__benchFirstFrames")
            t.mesh_ms = round(max(firsts.values()) - at, 1)
            timings.append(t)
        return timings
    finally:
        for context in contexts:
            await context.close()


def floor_app() -> web.Application:
    async def page(_request: web.Request) -> web.Response:
        return web.Response(text=FLOOR_HTML, content_type="text/html")

    async def mesh(_request: web.Request) -> web.Response:
        return web.Response(text=MESH_HTML, content_type="text/html")

    app = web.Application()
    app.router.add_get("/", page)
    app.router.add_get("/mesh", mesh)
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
    """The figures, each over every page of every run of its kind."""
    admit = [p for p in pages if p.kind == "admit"]
    opened = [p for p in pages if p.kind == "open"]
    floor = [p for p in pages if p.kind == "floor"]
    out = {
        "admit click -> frames from all peers": spread(
            [p.after_admit_ms for p in admit if p.after_admit_ms is not None]
        ),
        "  mediator's page": spread(
            [p.after_admit_ms for p in admit if p.role == "mediator" and p.after_admit_ms is not None]
        ),
        "  a party's page": spread(
            [p.after_admit_ms for p in admit if p.role == "party" and p.after_admit_ms is not None]
        ),
        "page open -> frames from all peers": spread([p.all_frames_ms for p in opened]),
        "  mediator's room page": spread([p.all_frames_ms for p in opened if p.role == "mediator"]),
        "  party: link page": spread([p.all_frames_ms for p in opened if p.role == "party"]),
        "  party: room page": spread([ms for p in opened if (ms := p.from_room_page_ms) is not None]),
        **{
            f"  trace: {step}": spread([p.trace_ms[step] for p in admit if step in p.trace_ms])
            for step in TRACE_STEPS
        },
        "floor: page open -> first frame": spread([p.all_frames_ms for p in floor]),
        "floor: tracks on a standby pair -> frame": spread(
            [p.standby_ms for p in floor if p.standby_ms is not None]
        ),
        "mesh floor: tracks on, 3 pages -> frames from all": spread(
            [p.mesh_ms for p in pages if p.kind == "mesh" and p.mesh_ms is not None]
        ),
    }
    return out


def stages(pages: list[PageTiming]) -> dict[str, float]:
    """Median ms after page open of each named stage (party and mediator milestones)."""
    found: dict[str, list[float]] = {}
    for p in pages:
        for name, ms in p.stages_ms.items():
            found.setdefault(f"{p.kind} {p.role}: {name}", []).append(ms)
    return {k: round(statistics.median(v), 1) for k, v in sorted(found.items())}


def table(figures: dict[str, dict[str, float]]) -> str:
    header = f"{'':<44}{'n':>4}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}"
    lines = [header, "-" * len(header)]
    for label, row in figures.items():
        if row.get("n"):
            lines.append(
                f"{label:<44}{row['n']:>4.0f}{row['p50_ms']:>10.0f}{row['p95_ms']:>10.0f}{row['max_ms']:>10.0f}"
            )
    return "\n".join(lines)


# --- the benchmark --------------------------------------------------------------------------------


async def measure(sizes: Sizes, work: Path) -> tuple[list[PageTiming], list[str], list[str]]:
    log("db upgrade and demo (once; each run gets a copy)")
    template = await asyncio.to_thread(prepare_template, work)
    pages: list[PageTiming] = []
    notes: list[str] = []
    loads: list[str] = []
    floor_runner, floor_base = await serve(floor_app())
    try:
        async with async_playwright() as playwright:
            launched = [
                await playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_FLAGS, headless=True)
                for _ in range(1 if sizes.shared_browser else 3)
            ]
            browsers = launched * 3 if sizes.shared_browser else launched
            try:
                for run_no in range(1, sizes.runs + 1):
                    for kind in KINDS:
                        loads.append(f"{kind} {run_no}: {load_average()}")
                        log(f"run {run_no}/{sizes.runs}: {kind} (load average {load_average()})")
                        try:
                            pages += await session_run(browsers, template, work, kind, run_no, sizes)
                        except Exception as exc:  # a failed run is a figure too; the others still count
                            notes.append(f"{kind} run {run_no} failed: {type(exc).__name__}: {exc}")
                            log(notes[-1])
                    log(f"run {run_no}/{sizes.runs}: floor (load average {load_average()})")
                    pages += await floor_run(browsers, floor_base, run_no, sizes)
                    log(f"run {run_no}/{sizes.runs}: mesh floor (load average {load_average()})")
                    try:
                        pages += await mesh_run(browsers, floor_base, run_no, sizes)
                    except Exception as exc:
                        notes.append(f"mesh floor run {run_no} failed: {type(exc).__name__}: {exc}")
                        log(notes[-1])
            finally:
                for browser in launched:
                    await browser.close()
    finally:
        await floor_runner.cleanup()
    return pages, notes, loads


def run(options: Options, sizes: Sizes | None = None) -> str:
    """``options`` is unused (no load generator, no PostgreSQL); ``sizes`` sets the number of runs."""
    del options
    sizes = sizes or Sizes()
    started = datetime.now(UTC)
    machine = machine_note()
    log(machine)
    with tempfile.TemporaryDirectory(prefix="gongtiao-bench-") as tmp:
        pages, notes, loads = asyncio.run(measure(sizes, Path(tmp)))
    if not any(p.kind in KINDS for p in pages):
        raise RuntimeError("no session run completed: " + "; ".join(notes))
    elapsed = (datetime.now(UTC) - started).total_seconds()
    figures = summary(pages)
    admit = figures["admit click -> frames from all peers"]
    opened = figures["page open -> frames from all peers"]
    bare = figures["floor: page open -> first frame"]
    standby = figures["floor: tracks on a standby pair -> frame"]
    mesh = figures["mesh floor: tracks on, 3 pages -> frames from all"]
    ratios = {
        "admit p50 / standby floor p50": round(admit["p50_ms"] / standby["p50_ms"], 2)
        if admit.get("n")
        else None,
        "admit p50 / mesh floor p50": round(admit["p50_ms"] / mesh["p50_ms"], 2)
        if admit.get("n") and mesh.get("n")
        else None,
        "open p50 / bare floor p50": round(opened["p50_ms"] / bare["p50_ms"], 2) if opened.get("n") else None,
    }
    stage_medians = stages(pages)
    data = {
        "benchmark": "rtc_join",
        "started_at": started.isoformat(),
        "elapsed_s": round(elapsed, 1),
        "machine": machine,
        "load_averages": loads,
        "load_average_after": load_average(),
        "sizes": asdict(sizes),
        "poll_ms": POLL_MS,
        "chromium": CHROMIUM,
        "browser_flags": BROWSER_FLAGS,
        "versions": _versions(),
        "figures": figures,
        "ratios": ratios,
        "stages_median_ms": stage_medians,
        "pages": [asdict(p) for p in pages],
        "notes": notes,
    }
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"rtc_join-{started.strftime('%Y%m%dT%H%M%SZ')}.json"
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    lines = [
        f"{sizes.runs} runs of each: mediator + 2 parties opening at once, the hub in its own process, "
        f"{'one browser (one fake camera) for all three' if sizes.shared_browser else 'a browser each'}; "
        f"admit = one click after both waited {sizes.settle:g} s in the lobby; open = let in on arrival; "
        "floor: 3 bare pages at once, getUserMedia + 2 RTCPeerConnections in the page; mesh floor: 3 bare "
        "pages connected pairwise with nothing sent, then every page's tracks on at one instant",
        table(figures),
        "ratios: " + ", ".join(f"{k} {v}" for k, v in ratios.items()),
        "median ms after page open: " + ", ".join(f"{k} {v:.0f}" for k, v in stage_medians.items()),
        "(first frames shown, by frame callbacks on the tiles; the hub, "
        f"the browser and Playwright share the machine: {machine} at the start, "
        f"{data['load_average_after']} at the end; {elapsed:.0f} s in all; "
        f"results: {path.relative_to(ROOT)})",
        *(f"NOTE: {n}" for n in notes),
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    d = Sizes()
    parser = argparse.ArgumentParser(prog="python -m bench.rtc_join", description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=d.runs, help=f"runs of each kind and floors ({d.runs})")
    parser.add_argument(
        "--timeout", type=float, default=d.timeout, help=f"seconds for the frames, per run ({d.timeout:g})"
    )
    parser.add_argument(
        "--settle",
        type=float,
        default=d.settle,
        help=f"seconds in the lobby before admit runs' click ({d.settle:g})",
    )
    parser.add_argument(
        "--shared-browser",
        action="store_true",
        help="the three people in one browser, sharing its one fake camera (the setup before 2026-12-07)",
    )
    args = parser.parse_args(argv)
    sizes = Sizes(
        runs=args.runs, timeout=args.timeout, settle=args.settle, shared_browser=args.shared_browser
    )
    print(run(Options(), sizes), flush=True)


if __name__ == "__main__":
    main()
