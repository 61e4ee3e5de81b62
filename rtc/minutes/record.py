"""The record a mediation session's minutes are drafted from, video or face to face (plain
dataclasses), and the arithmetic on it: caucuses, what counts as the joint session, speaking time
and turns. Pure: no database, clock or I/O. ``minutes`` builds the document from it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

MAIN = "main"
DEFAULT_ZONE = "Asia/Shanghai"
PLACE = "视频调解（线上）"
VIDEO, IN_PERSON = "video", "in_person"
MEDIA = ("", "audio", "video")  # what was recorded: nothing, sound, sound and pictures
RECUSAL = ("", "none", "requested")  # 回避 not asked, nobody asks, someone asks
ROLE_TEXT = {
    "mediator": "调解员",
    "party": "当事人",
    "interpreter": "翻译人员",
    "lawyer": "代理律师",
    "grid_worker": "网格员",
    "observer": "旁听人员",
}
CONSENT_TEXT = {"given": "同意", "refused": "拒绝", "": "未表示"}
OUTCOME_TEXT = {
    "agreed": "经调解，双方达成调解协议。",
    "not_agreed": "经调解，双方未能达成调解协议。",
    "adjourned": "本次调解未结束，另行安排时间继续调解。",
    "": "调解结果未记录。",
}


def _aware(*values: datetime | None) -> None:
    for value in values:
        if value is not None and value.tzinfo is None:
            raise ValueError("times in a session record must be aware (UTC)")


# --- the record -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    pid: int
    name: str
    role: str  # a key of ROLE_TEXT
    party_role: str = ""  # applicant, respondent, third_party (parties of the case)
    staff: bool = False  # came in with an account (the mediator), not through a link
    identity_check: str = "none"  # none, id_last4
    identity_checked_at: datetime | None = None
    identity_failures: int = 0
    consent: str = ""
    joined_at: datetime | None = None  # present (face to face: the session's start)
    removed_at: datetime | None = None
    rights_acknowledged_at: datetime | None = None

    def __post_init__(self) -> None:
        if self.role not in ROLE_TEXT or self.consent not in CONSENT_TEXT:
            raise ValueError(f"unknown role or consent: {self.role!r}, {self.consent!r}")
        _aware(self.identity_checked_at, self.joined_at, self.removed_at, self.rights_acknowledged_at)


@dataclass(frozen=True)
class Event:
    at: datetime
    kind: str
    pid: int | None = None
    room: str = MAIN
    data: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _aware(self.at)


@dataclass(frozen=True)
class Span:
    """A stretch of one person's speech (``text`` empty) or of the transcript."""

    pid: int
    room: str
    start: datetime
    end: datetime
    text: str = ""

    def __post_init__(self) -> None:
        _aware(self.start, self.end)
        if self.end < self.start:
            raise ValueError("a span ends before it starts")


@dataclass(frozen=True)
class Line:
    """A chat message (``pid`` is its author) or a note of the mediator (``pid`` None)."""

    at: datetime
    room: str
    text: str
    pid: int | None = None

    def __post_init__(self) -> None:
        _aware(self.at)


@dataclass(frozen=True)
class Statement:
    """What one person said (陈述), as the minutes give it; ``at`` when drafted from the transcript."""

    pid: int
    text: str
    at: datetime | None = None

    def __post_init__(self) -> None:
        _aware(self.at)


@dataclass(frozen=True)
class Agreement:
    """The agreement as the minutes quote it (never by its id or address: it has its own paper)."""

    facts: str = ""
    terms: tuple[str, ...] = ()
    effective_date: str = ""


@dataclass(frozen=True)
class SessionRecord:
    case_number: str
    category: str  # in words
    agency: str
    mediators: tuple[str, ...]
    start: datetime | None
    end: datetime | None
    people: tuple[Person, ...]
    events: tuple[Event, ...] = ()
    speech: tuple[Span, ...] = ()
    transcript: tuple[Span, ...] = ()
    notes: tuple[Line, ...] = ()
    chat: tuple[Line, ...] = ()
    agreement: Agreement | None = None
    outcome: str = ""
    outcome_note: str = ""
    caucus_summary: str = ""  # the mediator's words about the private sessions, for everyone
    evidence_names: Mapping[int, str] = field(default_factory=dict)
    zone: str = DEFAULT_ZONE
    place: str = PLACE
    mode: str = VIDEO
    recorder: str = ""  # the 记录人's name; empty: the mediator records
    recorded: str = ""  # what was recorded (MEDIA)
    record_video: bool = False  # what a video session was set to record (consent is asked for it)
    recusal: str = ""  # RECUSAL
    recusal_note: str = ""
    statements: tuple[Statement, ...] = ()  # typed or corrected by the 记录人, in order

    def __post_init__(self) -> None:
        _aware(self.start, self.end)
        if self.outcome not in OUTCOME_TEXT:
            raise ValueError(f"unknown outcome {self.outcome!r}")
        if self.mode not in (VIDEO, IN_PERSON) or self.recorded not in MEDIA or self.recusal not in RECUSAL:
            raise ValueError(f"unknown mode, media or recusal: {self.mode!r}, {self.recorded!r}")
        ZoneInfo(self.zone)


def signs(role: str, joined_at: datetime | None, removed_at: datetime | None) -> bool:
    """Whether a participant is a party who signs and confirms: present, and not sent away."""
    return role == "party" and joined_at is not None and removed_at is None


# --- what the record says -------------------------------------------------------------------------


@dataclass(frozen=True)
class Caucus:
    room: str
    members: frozenset[int]
    start: datetime
    end: datetime
    summary: str


def caucuses(record: SessionRecord) -> list[Caucus]:
    """Private sessions from the timeline; one still open when the session ended lasts to its end."""
    running: dict[str, tuple[datetime, frozenset[int]]] = {}
    found: list[Caucus] = []
    for event in sorted(record.events, key=lambda e: e.at):
        if event.kind == "caucus_started":
            running[event.room] = (event.at, frozenset(int(p) for p in event.data.get("members", ())))
        elif event.kind == "caucus_ended" and event.room in running:
            start, members = running.pop(event.room)
            found.append(
                Caucus(event.room, members, start, event.at, str(event.data.get("summary") or "").strip())
            )
    last = record.end or max((e.at for e in record.events), default=None)
    for room, (start, members) in running.items():
        found.append(Caucus(room, members, start, max(last or start, start), ""))
    return sorted(found, key=lambda c: c.start)


def _outside(
    start: datetime, end: datetime, holes: Iterable[tuple[datetime, datetime]]
) -> list[tuple[datetime, datetime]]:
    pieces = [(start, end)]
    for hole_start, hole_end in holes:
        kept: list[tuple[datetime, datetime]] = []
        for a, b in pieces:
            if hole_end <= a or hole_start >= b:
                kept.append((a, b))
                continue
            if a < hole_start:
                kept.append((a, hole_start))
            if hole_end < b:
                kept.append((hole_end, b))
        pieces = kept
    return pieces


def joint(record: SessionRecord, spans: Iterable[Span], *, clip: bool = True) -> list[Span]:
    """The main-room part of spans, in time order. Speech is clipped around its speaker's caucus;
    a transcript piece that touches it is dropped whole (its words cannot be cut by time)."""
    holes: dict[int, list[tuple[datetime, datetime]]] = {}
    for caucus in caucuses(record):
        for pid in caucus.members:
            holes.setdefault(pid, []).append((caucus.start, caucus.end))
    out = []
    for span in spans:
        if span.room != MAIN:
            continue
        pieces = _outside(span.start, span.end, holes.get(span.pid, []))
        if clip:
            out += [Span(span.pid, MAIN, a, b, span.text) for a, b in pieces if b > a]
        elif pieces == [(span.start, span.end)]:
            out.append(span)
    return sorted(out, key=lambda s: (s.start, s.pid))


@dataclass(frozen=True)
class Speaking:
    pid: int
    seconds: float
    turns: int


def speaking(record: SessionRecord) -> dict[int, Speaking]:
    """Speaking time (overlaps of one person counted once) and turns (runs of one speaker) per
    person, in the main room only."""
    spans = joint(record, record.speech)
    seconds: dict[int, float] = {}
    reach: dict[int, datetime] = {}
    turns: dict[int, int] = {}
    last: int | None = None
    for span in spans:
        covered = reach.get(span.pid)
        start = max(span.start, covered) if covered else span.start
        if span.end > start:
            seconds[span.pid] = seconds.get(span.pid, 0.0) + (span.end - start).total_seconds()
            reach[span.pid] = span.end
        if span.pid != last:
            turns[span.pid] = turns.get(span.pid, 0) + 1
            last = span.pid
    return {pid: Speaking(pid, seconds.get(pid, 0.0), turns[pid]) for pid in turns}
