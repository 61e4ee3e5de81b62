"""Meeting documents: what our code costs above the libraries that do the work.

(a) The minutes PDF of a meeting with 30 attendees and 20 agenda items (each with notes, a
    decision and an action), through ``meetings.documents`` (read the stored draft, lay it out with
    the official template, WeasyPrint in a worker thread), beside
    - the same HTML given straight to WeasyPrint (what our layout costs WeasyPrint), and
    - the floor: the same text as one plain HTML page (headings, paragraphs, tables, the same CJK
      font) rendered by WeasyPrint.
(b) A subscription feed of 1000 meetings (five attendees each), through our feed code
    (``feeds.by_token``, ``feeds.meetings_of``, ``calendars.feed``: the read, the attendees looked
    up, ``calendars.ical`` writing with icalendar), beside
    - our writer alone (``ical.feed_calendar`` on events built from rows read beforehand), and
    - the floor: the same 1000 events, with the same properties, written with icalendar directly.

Each variant runs for ``--duration`` seconds (at least three times) after ``--warmup`` seconds (at
least once), in this process; medians are compared. The PDF runs on SQLite; the feed on SQLite and,
with ``--pg``, on a throwaway PostgreSQL too.
"""

from __future__ import annotations

import asyncio
import json
import platform
import statistics
import subprocess
import tempfile
import time
from collections.abc import Awaitable, Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from html import escape
from importlib import metadata
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import icalendar
from sqlalchemy import select

from bench.support import RESULTS_DIR, ROOT, Options, hub_env, log, run_hub_cli, throwaway_postgres
from hub import audit
from hub.app import static_dir
from hub.db import Database
from hub.documents import render_pdf_sync
from hub.events import Outbox
from hub.models import Agency, User
from hub.orm import utcnow
from hub.plaintext import blocks
from hub.plugins import load_models, plugins
from hub.secrets_util import token_hash
from hub.templating import make_environment
from meetings import service
from meetings.calendars import calendars, feeds
from meetings.calendars.calendars import sender_address
from meetings.calendars.ical import PARTSTAT_OF_RSVP, Attendee, CalendarEvent, Organizer, feed_calendar
from meetings.minutes import documents
from meetings.minutes import service as minutes_service
from meetings.models import Invitee, Meeting
from meetings.record import proceedings

DEFAULT_DURATION = 8.0  # measured seconds per variant
DEFAULT_WARMUP = 1.0
MIN_RUNS, MAX_RUNS = 3, 200
ATTENDEES, ITEMS, FEED_MEETINGS, FEED_ATTENDEES = 30, 20, 1000, 5
ZONE = "Asia/Shanghai"
BASE_URL = "https://gongtiao.example.cn"
T = TypeVar("T")


@dataclass
class Timing:
    part: str
    variant: str
    runs: list[float] = field(default_factory=list)
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def median(self) -> float:
        return statistics.median(self.runs)

    @property
    def best(self) -> float:
        return min(self.runs)


async def timed(
    work: Callable[[], Awaitable[T]], options: Options, cpu: list[float] | None = None
) -> tuple[list[float], T]:
    """Run ``work`` through the warm-up, then time it run by run for the measured duration (and,
    into ``cpu``, the process's CPU time of each run: every thread's, the database driver's too,
    which a shared machine's neighbours move far less than the wall clock)."""
    started = time.perf_counter()
    result = await work()
    while time.perf_counter() - started < options.warmup:
        result = await work()
    runs: list[float] = []
    started = time.perf_counter()
    while len(runs) < MIN_RUNS or (time.perf_counter() - started < options.duration and len(runs) < MAX_RUNS):
        begin, begin_cpu = time.perf_counter(), time.process_time()
        result = await work()
        runs.append(time.perf_counter() - begin)
        if cpu is not None:
            cpu.append(time.process_time() - begin_cpu)
    return runs, result


def blocking(fn: Callable[[], T]) -> Callable[[], Awaitable[T]]:
    async def call() -> T:
        return fn()

    return call


# --- (a) the minutes PDF ----------------------------------------------------------------------


async def minutes_meeting(db: Database) -> int:
    """A held meeting with 30 attendees and 20 agenda items, each with notes, a decision and an
    action, and its draft minutes stored; built with the real use cases."""

    async with db.write() as s:
        codes = dict((await s.execute(select(Agency.code, Agency.id))).all())
        jb, psb = codes["JB"], codes["PSB"]
        staff = dict((await s.execute(select(User.username, User.id))).all())
        secretary, chair = staff["secretary"], staff["supervisor"]
        people = [i for name, i in sorted(staff.items()) if name != "secretary"][:ATTENDEES]
        actor = audit.Actor(user_id=secretary, agency_id=jb)
        start = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)
        data = service.MeetingInput(
            "城关片区公调对接联席会议",
            jb,
            start,
            start + timedelta(hours=3),
            ZONE,
            "区司法局三楼会议室",
            secretary,
            chair,
        )
        meeting = await service.create_meeting(s, actor, data)
        await service.invite(s, actor, meeting, user_ids=people, outbox=Outbox(), quiet=True)
        for n, invitee in enumerate(meeting.invitees):
            status = ("present", "present", "present", "absent", "excused", "proxy")[n % 6]
            proxy = "李明（代）" if status == "proxy" else ""
            await proceedings.record_attendance(s, actor, meeting, invitee.id, status, proxy)
        for n in range(ITEMS):
            kind = ("report", "discussion", "decision")[n % 3]
            item = await proceedings.add_agenda_item(
                s,
                actor,
                meeting,
                kind=kind,
                title=f"第{n + 1}项：辖区矛盾纠纷排查化解情况通报",
                presenter="王芳",
            )
            notes = "各单位通报了本月受理、移送和化解情况，对超期未办结案件逐件分析原因。" * 4
            await proceedings.set_item_notes(s, actor, meeting, item.id, notes)
            await proceedings.add_decision(
                s, actor, meeting, f"对第{n + 1}批超期案件实行挂牌督办，限期办结。", item.id
            )
            await proceedings.add_action(
                s,
                actor,
                meeting,
                text=f"报送第{n + 1}批督办案件办理情况",
                due=date(2026, 12, 15) + timedelta(days=n),
                outbox=Outbox(),
                owner_agency_id=psb if n % 2 else jb,
                agenda_item_id=item.id,
            )
        await minutes_service.draft(s, actor, meeting, utcnow())
        return meeting.id


def plain_html(text: str) -> str:
    """The floor's page: the minutes text as bare HTML, the same CJK font, nothing else."""
    out = [
        "<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'><style>"
        "@page { size: A4; margin: 25mm 22mm; }"
        "html { font-family: 'Noto Serif CJK SC', serif; font-size: 12pt; }"
        "table { border-collapse: collapse; width: 100%; } th, td { border: .5pt solid #000; padding: 1mm; }"
        "</style></head><body>"
    ]
    for block in blocks(text):
        if block.kind == "heading":
            level = min(block.level, 3)
            out.append(f"<h{level}>{escape(block.text)}</h{level}>")
        elif block.kind == "table" and block.table is not None:
            head = "".join(f"<th>{escape(c)}</th>" for c in block.table.header)
            rows = "".join(
                "<tr>" + "".join(f"<td>{escape(c)}</td>" for c in r) + "</tr>" for r in block.table.rows
            )
            out.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
        else:
            out.extend(f"<p>{escape(line)}</p>" for line in block.text.split("\n"))
    out.append("</body></html>")
    return "".join(out)


def pages(pdf: bytes) -> int:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(pdf)
        handle.flush()
        info = subprocess.run(["pdfinfo", handle.name], capture_output=True, text=True, check=False).stdout
    found = [line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")]
    return int(found[0]) if found else -1


async def pdf_part(db: Database, options: Options) -> list[Timing]:

    env = make_environment([p.templates for p in plugins() if p.templates is not None], static_dir())
    meeting_id = await minutes_meeting(db)

    async def ours() -> bytes:
        async with db.read() as s:
            meeting = await s.get(Meeting, meeting_id)
            assert meeting is not None
            document = await documents.minutes_document(s, env, meeting, utcnow())
        return await document.pdf()

    async with db.read() as s:
        meeting = await s.get(Meeting, meeting_id)
        assert meeting is not None
        ours_html = (await documents.minutes_document(s, env, meeting, utcnow())).html
        latest = await minutes_service.latest(s, meeting_id)
        assert latest is not None
        floor_html = plain_html(latest.text)

    def floor() -> bytes:
        import weasyprint

        return bytes(weasyprint.HTML(string=floor_html).write_pdf())

    out = []
    for variant, work in (
        ("ours: documents.minutes_document + pdf()", ours),
        ("ours: same HTML straight to WeasyPrint", blocking(lambda: render_pdf_sync(ours_html))),
        ("floor: plain HTML page, WeasyPrint", blocking(floor)),
    ):
        log(f"minutes PDF: {variant}")
        runs, pdf = await timed(work, options)
        out.append(Timing("minutes PDF", variant, runs, {"bytes": len(pdf), "pages": pages(pdf)}))
    return out


# --- (b) the subscription feed ----------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One meeting as both writers get it, read beforehand."""

    uid: str
    title: str
    start: datetime
    end: datetime
    place: str
    sequence: int
    created: datetime
    updated: datetime
    url: str
    attendees: tuple[tuple[str, str, str], ...]  # name, e-mail, rsvp


async def feed_meetings(db: Database) -> str:
    """1000 meetings of one person (five attendees with addresses each); the person's feed token."""

    now = utcnow()
    async with db.write() as s:
        jb = await s.scalar(select(Agency.id).where(Agency.code == "JB"))
        secretary = await s.scalar(select(User.id).where(User.username == "secretary"))
        people = [
            User(
                username=f"bench_feed_{k}",
                display_name=f"联络员{k}号",
                agency_id=jb,
                email=f"feed{k}@qc.example.cn",
            )
            for k in range(FEED_ATTENDEES)
        ]
        s.add_all(people)
        await s.flush()
        first = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
        for n in range(FEED_MEETINGS):
            start = first + timedelta(days=n, hours=1, minutes=30)  # 09:30 in Shanghai
            meeting = Meeting(
                uid=f"bench-{n}@gongtiao",
                title=f"公调对接联席会议（第{n + 1}次）",
                organiser_agency_id=jb,
                secretary_id=secretary,
                start=start,
                end=start + timedelta(hours=2),
                time_zone=ZONE,
                place="区司法局三楼会议室",
                status="scheduled",
                invitees=[
                    Invitee(
                        user_id=p.id,
                        rsvp=("accepted", "needs_action", "tentative")[(n + k) % 3],
                        rsvp_token_hash=token_hash(f"bench-{n}-{k}"),
                    )
                    for k, p in enumerate(people)
                ],
                agenda=[],
            )
            s.add(meeting)
        await s.flush()
        _, token = await feeds.create(s, audit.Actor(secretary, jb), user_id=people[0].id, agency_id=None)
    return token


async def feed_rows(db: Database, token: str) -> tuple[list[Row], str, tuple[str, str]]:
    """What both writers need, read once: the meetings, the feed's name, the organizer."""

    async with db.read() as s:
        row = await feeds.by_token(s, token)
        meetings = await feeds.meetings_of(s, row, utcnow())
        name = await feeds.name_of(s, row)
        users = {
            u.id: u for u in (await s.scalars(select(User).where(User.username.like("bench_feed_%")))).all()
        }
        organiser = await s.scalar(select(Agency.name).where(Agency.code == "JB")) or ""
        rows = [
            Row(
                m.uid,
                m.title,
                m.start,
                m.end,
                m.place,
                m.sequence,
                m.created_at,
                m.updated_at,
                f"{BASE_URL}/meetings/{m.id}",
                tuple((users[i.user_id].display_name, users[i.user_id].email, i.rsvp) for i in m.invitees),
            )
            for m in meetings
        ]
    return rows, name, (organiser, sender_address(BASE_URL))


def our_writer(rows: list[Row], name: str, organizer: tuple[str, str]) -> bytes:

    events = [
        CalendarEvent(
            uid=r.uid,
            sequence=r.sequence,
            summary=r.title,
            start=r.start,
            end=r.end,
            stamp=r.updated,
            zone=ZONE,
            location=r.place,
            url=r.url,
            organizer=Organizer(*organizer),
            attendees=tuple(Attendee(n, e, PARTSTAT_OF_RSVP[rsvp]) for n, e, rsvp in r.attendees),
            created=r.created,
            last_modified=r.updated,
        )
        for r in rows
    ]
    return feed_calendar(events, name)


def floor_writer(rows: list[Row], name: str, organizer: tuple[str, str]) -> bytes:
    """The same events, the same properties, written with icalendar and nothing of ours."""

    partstat = {"accepted": "ACCEPTED", "needs_action": "NEEDS-ACTION", "tentative": "TENTATIVE"}
    local = ZoneInfo(ZONE)
    calendar = icalendar.Calendar()
    for key, value in (("prodid", "-//bench//floor//ZH"), ("version", "2.0"), ("calscale", "GREGORIAN")):
        calendar.add(key, value)
    calendar.add("name", name)
    calendar.add("x-wr-calname", name)
    calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    for r in rows:
        event = icalendar.Event()
        event.add("uid", r.uid)
        event.add("dtstamp", r.updated)
        event.add("created", r.created)
        event.add("last-modified", r.updated)
        event.add("sequence", r.sequence)
        event.add("dtstart", r.start.astimezone(local))
        event.add("dtend", r.end.astimezone(local))
        event.add("summary", r.title)
        event.add("location", r.place)
        event.add("url", r.url)
        event.add("status", "CONFIRMED")
        event.add("transp", "OPAQUE")
        boss = icalendar.vCalAddress(f"mailto:{organizer[1]}")
        boss.params["CN"] = organizer[0]
        event.add("organizer", boss)
        for person, email, rsvp in r.attendees:
            address = icalendar.vCalAddress(f"mailto:{email}")
            address.params.update({"CN": person, "PARTSTAT": partstat[rsvp], "ROLE": "REQ-PARTICIPANT"})
            address.params["RSVP"] = "TRUE"
            event.add("attendee", address)
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return bytes(calendar.to_ical())


def shape(body: bytes) -> dict[str, Any]:
    """What a reader finds in a calendar: its events, their UIDs and their properties."""

    events = [c for c in icalendar.Calendar.from_ical(body).walk("VEVENT")]
    return {
        "bytes": len(body),
        "events": len(events),
        "uids": sorted(str(e["UID"]) for e in events),
        "properties": sorted({k for e in events for k in e}),
        "attendees": sum(len(e.get("ATTENDEE", [])) for e in events),
    }


async def feed_part(db: Database, backend: str, options: Options) -> list[Timing]:

    token = await feed_meetings(db)

    async def ours() -> bytes:
        async with db.read() as s:
            row = await feeds.by_token(s, token)
            meetings = await feeds.meetings_of(s, row, utcnow())
            return await calendars.feed(s, meetings, await feeds.name_of(s, row), BASE_URL)

    rows, name, organizer = await feed_rows(db, token)
    out = []
    shapes = []
    for variant, work in (
        (f"ours: feeds + calendars.feed ({backend})", ours),
        ("ours: ical.feed_calendar alone", blocking(lambda: our_writer(rows, name, organizer))),
        ("floor: icalendar directly", blocking(lambda: floor_writer(rows, name, organizer))),
    ):
        log(f"feed of {FEED_MEETINGS}: {variant}")
        runs, body = await timed(work, options)
        found = shape(body)
        shapes.append(found)
        notes = {k: found[k] for k in ("bytes", "events", "attendees")}
        out.append(Timing(f"feed of {FEED_MEETINGS} ({backend})", variant, runs, notes))
    if len({tuple(s["uids"]) for s in shapes}) != 1 or shapes[0]["events"] != FEED_MEETINGS:
        raise RuntimeError("the feeds do not hold the same events")
    if shapes[0]["properties"] != shapes[2]["properties"]:
        out[-1].notes["differs"] = sorted(set(shapes[0]["properties"]) ^ set(shapes[2]["properties"]))
    return out


# --- running ----------------------------------------------------------------------------------


async def measure_backend(database_url: str, backend: str, options: Options, with_pdf: bool) -> list[Timing]:

    load_models()
    db = Database(database_url)
    try:
        found = await pdf_part(db, options) if with_pdf else []
        return found + await feed_part(db, backend, options)
    finally:
        await db.dispose()


def table(timings: list[Timing]) -> str:
    header = f"{'part':<27}{'variant':<46}{'median s':>10}{'best s':>9}{'runs':>6}{'x floor':>9}  notes"
    lines = [header, "-" * len(header)]
    for part in dict.fromkeys(t.part for t in timings):
        group = [t for t in timings if t.part == part]
        floor = group[-1].median
        for t in group:
            notes = ", ".join(f"{k} {v}" for k, v in t.notes.items())
            ratio = t.median / floor if floor else float("nan")
            figures = f"{t.median:>10.3f}{t.best:>9.3f}{len(t.runs):>6}{ratio:>9.2f}"
            lines.append(f"{part:<27}{t.variant:<46}{figures}  {notes}")
    return "\n".join(lines)


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for package in ("weasyprint", "pydyf", "icalendar", "sqlalchemy", "aiosqlite", "asyncpg"):
        try:
            out[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            pass
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    if commit.returncode == 0:
        out["commit"] = commit.stdout.strip()
    return out


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
            timings += asyncio.run(
                measure_backend(database_url, backend, options, with_pdf=backend == "sqlite")
            )
    data = {
        "benchmark": "meetings_docs",
        "started_at": started.isoformat(),
        "minutes": {"attendees": ATTENDEES, "agenda_items": ITEMS},
        "feed": {"meetings": FEED_MEETINGS, "attendees_each": FEED_ATTENDEES},
        "duration_s": options.duration,
        "warmup_s": options.warmup,
        "versions": _versions(),
        "timings": [
            {
                "part": t.part,
                "variant": t.variant,
                "median_s": t.median,
                "best_s": t.best,
                "runs": t.runs,
                **t.notes,
            }
            for t in timings
        ],
    }
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"meetings_docs-{started.strftime('%Y%m%dT%H%M%SZ')}.json"
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return "\n".join(
        [
            table(timings),
            f"(medians of runs over {options.duration:g} s after {options.warmup:g} s warm-up; "
            f"x floor = median / the floor's; results: {path.relative_to(ROOT)})",
        ]
    )
