"""Minutes (会议纪要) of a joint liaison meeting. Pure: no database, clock or I/O.

``assemble`` turns the record of a meeting (identity, attendance, agenda with notes, decisions,
action items, the last meeting's open actions) into a structured ``Draft``; ``render_text`` writes
it as the plain text the secretary edits (a small Markdown: ``#`` headings, ``|`` tables, numbered
lines); ``blocks`` reads such text back into headings, paragraphs and tables for the PDF. Approved
minutes are frozen by the SHA-256 of their text (``freeze``); a change after approval is a new,
numbered revision (``revision_for_edit``).

The headings and labels are the content of an official Chinese document, not user interface: they
stay in Chinese whatever the reader's language, and live in the constants below.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from hub import plaintext
from hub.plaintext import Table, day_text, table_lines
from meetings.errors import MinutesFrozen
from meetings.timezones import DEFAULT_ZONE, in_zone

# --- the document's words -------------------------------------------------------------------------
TITLE_SUFFIX = "纪要"
HEADINGS = {
    "basics": "会议基本情况",
    "attendance": "出席情况",
    "carried": "上次会议工作任务落实情况",
    "agenda": "议题及讨论",
    "decisions": "会议决定",
    "actions": "工作任务分工",
}
NUMERALS = "一二三四五六七八九十"
WEEKDAYS = "一二三四五六日"
BASICS = ("时间", "地点", "主办单位", "主持人", "记录人")
ATTENDANCE_HEADER = ("序号", "姓名", "单位", "出席情况")
ATTENDANCE_TEXT = {"present": "出席", "absent": "缺席", "excused": "请假", "proxy": "委托{proxy}代为出席"}
UNRECORDED = "未登记"
ACTION_HEADER = ("序号", "工作任务", "责任单位（人）", "完成时限", "办理状态", "关联案件")
ACTION_STATUS_TEXT = {"open": "待办", "in_progress": "办理中", "done": "已办结", "dropped": "已撤销"}
OVERDUE = "（已逾期）"
KIND_TEXT = {
    "report": "情况通报",
    "discussion": "讨论事项",
    "decision": "审议事项",
    "case_review": "案件会商",
}
PRESENTER, LENGTH, CASES, GENERAL = "汇报人", "时长", "涉及案件", "其他事项"
NOTHING = "无。"
SIGNATURES = ("主持人（签字）", "记录人（签字）")
SIGNATURE_LINE = "＿＿＿＿＿＿＿＿"


class Attendance(StrEnum):
    present = "present"
    absent = "absent"
    excused = "excused"
    proxy = "proxy"
    unrecorded = ""


class MinutesStatus(StrEnum):
    draft = "draft"
    circulated = "circulated"
    approved = "approved"


# --- the record -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MeetingIdentity:
    title: str
    number: str  # e.g. "2026年第11次"; may be empty
    start: datetime  # aware (a naive time is read as UTC)
    end: datetime
    place: str
    organiser: str
    chair: str
    secretary: str
    zone: str = DEFAULT_ZONE


@dataclass(frozen=True)
class AttendeeRecord:
    name: str
    agency: str
    status: Attendance = Attendance.unrecorded
    proxy_name: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", Attendance(self.status))
        if self.status is Attendance.proxy and not self.proxy_name.strip():
            raise ValueError("attendance by proxy needs the proxy's name")


@dataclass(frozen=True)
class ActionRecord:
    text: str
    owner: str  # the owner agency's or person's name
    due: date
    status: str = "open"
    case_number: str = ""

    def __post_init__(self) -> None:
        if self.status not in ACTION_STATUS_TEXT:
            raise ValueError(f"unknown action status {self.status!r}")


@dataclass(frozen=True)
class AgendaRecord:
    kind: str
    title: str
    presenter: str = ""
    minutes: int = 0
    notes: str = ""
    case_numbers: tuple[str, ...] = ()
    decisions: tuple[str, ...] = ()
    actions: tuple[ActionRecord, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in KIND_TEXT:
            raise ValueError(f"unknown agenda item kind {self.kind!r}")


@dataclass(frozen=True)
class MinutesRecord:
    meeting: MeetingIdentity
    attendance: tuple[AttendeeRecord, ...] = ()
    agenda: tuple[AgendaRecord, ...] = ()  # in order
    decisions: tuple[str, ...] = ()  # taken outside any agenda item
    actions: tuple[ActionRecord, ...] = ()  # given outside any agenda item
    carried: tuple[ActionRecord, ...] = ()  # the last meeting's actions still open


# --- the draft ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Section:
    key: str
    heading: str  # numbered: "二、出席情况" or "（一）案件会商：……"
    paragraphs: tuple[str, ...] = ()
    table: Table | None = None
    subsections: tuple[Section, ...] = ()


@dataclass(frozen=True)
class Draft:
    title: str
    subtitle: str
    sections: tuple[Section, ...]
    signatures: tuple[str, ...] = field(default=SIGNATURES)

    def as_dict(self) -> dict[str, Any]:
        """Plain data for a JSON column (``Minutes.structure``)."""
        return asdict(self)


def when_text(meeting: MeetingIdentity) -> str:
    """``2026年11月3日（星期二）07:30—09:30`` in the meeting's zone."""
    start, end = in_zone(meeting.start, meeting.zone), in_zone(meeting.end, meeting.zone)
    text = f"{day_text(start.date())}（星期{WEEKDAYS[start.weekday()]}）{start:%H:%M}—"
    return text + (f"{end:%H:%M}" if end.date() == start.date() else f"{day_text(end.date())} {end:%H:%M}")


def attendance_text(person: AttendeeRecord) -> str:
    if person.status is Attendance.unrecorded:
        return UNRECORDED
    return ATTENDANCE_TEXT[person.status.value].format(proxy=person.proxy_name.strip())


def action_status_text(action: ActionRecord, today: date | None = None) -> str:
    text = ACTION_STATUS_TEXT[action.status]
    late = today is not None and action.status in ("open", "in_progress") and action.due < today
    return text + OVERDUE if late else text


def _numbered(heading_key: str, index: int) -> str:
    return f"{NUMERALS[index] if index < len(NUMERALS) else index + 1}、{HEADINGS[heading_key]}"


def _sub(index: int) -> str:
    return f"（{NUMERALS[index] if index < len(NUMERALS) else index + 1}）"


def _action_table(actions: Iterable[ActionRecord], today: date | None) -> Table:
    rows = tuple(
        (str(n), a.text, a.owner, day_text(a.due), action_status_text(a, today), a.case_number)
        for n, a in enumerate(actions, 1)
    )
    return Table(ACTION_HEADER, rows)


def _summary(people: tuple[AttendeeRecord, ...]) -> str:
    count = {status: sum(p.status is status for p in people) for status in Attendance}
    came = count[Attendance.present] + count[Attendance.proxy]
    text = f"应到{len(people)}人，实到{came}人"
    if count[Attendance.proxy]:
        text += f"（其中委托代表{count[Attendance.proxy]}人）"
    text += f"，请假{count[Attendance.excused]}人，缺席{count[Attendance.absent]}人"
    if count[Attendance.unrecorded]:
        text += f"，{count[Attendance.unrecorded]}人{UNRECORDED}"
    return text + "。"


def _item(index: int, item: AgendaRecord) -> Section:
    facts = []
    if item.presenter.strip():
        facts.append(f"{PRESENTER}：{item.presenter.strip()}")
    if item.minutes:
        facts.append(f"{LENGTH}：{item.minutes}分钟")
    paragraphs = ["；".join(facts) + "。"] if facts else []
    if item.case_numbers:
        paragraphs.append(f"{CASES}：{'、'.join(item.case_numbers)}。")
    paragraphs += [p.strip() for p in re.split(r"\n\s*\n", item.notes) if p.strip()]
    heading = f"{_sub(index)}{KIND_TEXT[item.kind]}：{item.title.strip()}"
    return Section(f"item-{index + 1}", heading, tuple(paragraphs))


def assemble(record: MinutesRecord, today: date | None = None) -> Draft:
    """The draft minutes of a meeting, in the order of its record. ``today`` marks overdue actions."""
    meeting = record.meeting
    keys = ["basics", "attendance"] + (["carried"] if record.carried else []) + ["agenda"]
    keys += ["decisions", "actions"]
    heading = {key: _numbered(key, n) for n, key in enumerate(keys)}
    facts = (when_text(meeting), meeting.place, meeting.organiser, meeting.chair, meeting.secretary)
    basics = "\n".join(f"{label}：{value}" for label, value in zip(BASICS, facts, strict=True))
    sections = [
        Section("basics", heading["basics"], (basics,)),
        Section(
            "attendance",
            heading["attendance"],
            (_summary(record.attendance),),
            Table(
                ATTENDANCE_HEADER,
                tuple(
                    (str(n), p.name, p.agency, attendance_text(p)) for n, p in enumerate(record.attendance, 1)
                ),
            ),
        ),
    ]
    if record.carried:
        sections.append(Section("carried", heading["carried"], table=_action_table(record.carried, today)))
    items = tuple(_item(n, item) for n, item in enumerate(record.agenda))
    sections.append(Section("agenda", heading["agenda"], () if items else (NOTHING,), subsections=items))
    with_decisions = [item for item in record.agenda if item.decisions]
    decided = [
        Section(f"decisions-{n + 1}", f"{_sub(n)}{item.title.strip()}", _listed(item.decisions))
        for n, item in enumerate(with_decisions)
    ]
    if record.decisions:
        general = f"{_sub(len(decided))}{GENERAL}"
        decided.append(Section("decisions-general", general, _listed(record.decisions)))
    sections.append(
        Section("decisions", heading["decisions"], () if decided else (NOTHING,), subsections=tuple(decided))
    )
    actions = [a for item in record.agenda for a in item.actions] + list(record.actions)
    sections.append(
        Section("actions", heading["actions"], () if actions else (NOTHING,), _action_table(actions, today))
    )
    subtitle = f"（{meeting.number.strip()}）" if meeting.number.strip() else ""
    return Draft(meeting.title.strip() + TITLE_SUFFIX, subtitle, tuple(sections))


def _listed(lines: Iterable[str]) -> tuple[str, ...]:
    """Numbered lines, as one paragraph."""
    return ("\n".join(f"{n}. {' '.join(line.split())}" for n, line in enumerate(lines, 1)),)


# --- text -----------------------------------------------------------------------------------------


def _section_lines(section: Section, level: int) -> list[str]:
    lines = ["#" * level + " " + section.heading, ""]
    for paragraph in section.paragraphs:
        lines += [paragraph, ""]
    if section.table is not None and section.table.rows:
        lines += table_lines(section.table) + [""]
    for sub in section.subsections:
        lines += _section_lines(sub, level + 1)
    return lines


def render_text(draft: Draft) -> str:
    """The editable text: ``#`` title, ``##`` sections, ``###`` agenda items, ``|`` tables."""
    lines = ["# " + draft.title, ""]
    if draft.subtitle:
        lines += [draft.subtitle, ""]
    for section in draft.sections:
        lines += _section_lines(section, 2)
    lines += [f"{label}：{SIGNATURE_LINE}" for label in draft.signatures]
    return "\n".join(lines) + "\n"


# --- freezing -------------------------------------------------------------------------------------


def normalise(text: str) -> str:
    """One form of the whole text whatever the browser sent (``hub.plaintext.normalise``), ending
    in one newline."""
    return plaintext.normalise(text) + "\n"


def freeze(text: str) -> str:
    """The SHA-256 (hex) of the normalised text: stored when minutes are approved."""
    return hashlib.sha256(normalise(text).encode("utf-8")).hexdigest()


def intact(text: str, digest: str) -> bool:
    """Whether approved text still has the hash stored when it was approved."""
    return hmac.compare_digest(freeze(text), digest)


def revision_for_edit(revision: int, status: str, *, new_revision: bool = False) -> int:
    """The revision an edit is saved as. Draft and circulated minutes are edited in place; approved
    minutes are frozen: an edit is refused (``MinutesFrozen``) unless a new revision is asked for,
    which is numbered ``revision + 1`` and starts as a draft."""
    if revision < 1:
        raise ValueError("revisions are numbered from 1")
    if MinutesStatus(status) is not MinutesStatus.approved:
        return revision
    if not new_revision:
        raise MinutesFrozen()
    return revision + 1
