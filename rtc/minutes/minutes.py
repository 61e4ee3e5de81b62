"""The minutes of a video mediation (调解笔录). Pure: no database, clock or I/O.

``build_draft`` turns a ``SessionRecord`` (who took part and how they were let in, consent, the
timeline, speech, notes, chat, transcript, agreement, outcome) into the structured content kept in
``MediationMinutes.content``: numbered sections with paragraphs and tables. The mediator rewrites
a section's text (``edits``: section key -> text); ``render_text`` applies the edits and writes the
whole document as plain text (``#`` headings, ``|`` tables); ``content_hash`` freezes that text
when every party has confirmed it.

Private sessions (背对背) stay out of the joint minutes: speech, chat, transcript and notes of a
caucus room never appear, nor main-room speech of caucus members during their caucus (should a
recording segment switch late); only the mediator's summary is quoted, when given. Times are
shown in the session's zone (Asia/Shanghai by default).

The headings and labels are the words of an official Chinese document, not user interface: they
stay Chinese whoever reads them and live in the constants below.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from hub.plaintext import Table, day_text, normalise, table_lines
from rtc.minutes.record import (  # noqa: F401 - re-exported: the record is part of this module's API
    CONSENT_TEXT,
    MAIN,
    OUTCOME_TEXT,
    ROLE_TEXT,
    Agreement,
    Event,
    Line,
    Person,
    SessionRecord,
    Span,
    caucuses,
    joint,
    signs,
    speaking,
)

TITLE = "调解笔录"
RECORDED_BY = "系统记录（分轨录音、发言时段、文字交流），经调解员审核"
NOTHING = "无。"
NUMERALS = "一二三四五六七八九十"
SIGNATURE_LINE = "＿＿＿＿＿＿＿＿"
HEADINGS = {
    "basics": "基本情况",
    "participants": "参加人员",
    "timeline": "调解过程",
    "caucus": "背对背调解",
    "speaking": "发言统计（主会场）",
    "notes": "调解员记录",
    "transcript": "发言记录（语音转写）",
    "chat": "文字交流记录（主会场）",
    "agreement": "调解协议",
    "outcome": "调解结果",
}
PARTY_ROLE_TEXT = {"applicant": "申请人", "respondent": "被申请人", "third_party": "第三人"}
PARTICIPANT_HEADER = ("序号", "姓名", "身份", "身份核验", "录音录像", "到场情况")
SPEAKING_HEADER = ("序号", "姓名", "身份", "发言时长", "发言次数", "占比")
TIMELINE_HEADER = ("时间", "事项")
# Timeline lines: {name} is the participant, {who} the caucus members, {outcome} the outcome.
TIMELINE_TEXT = {
    "started": "调解开始",
    "joined": "{name}进入",
    "rejoined": "{name}重新连接",
    "admitted": "{name}获准进入调解室",
    "consent_given": "{name}同意录音录像",
    "consent_refused": "{name}拒绝录音录像",
    "recording_started": "开始录音",
    "recording_stopped": "停止录音",
    "caucus_started": "背对背调解开始（调解员与{who}）",
    "caucus_ended": "背对背调解结束",
    "evidence_shown": "调解员展示证据材料{evidence}",
    "removed": "{name}被请出调解室",
    "left": "{name}离开",
    "ended": "调解结束（{outcome}）",
}
OUTCOME_WORD = {"agreed": "达成协议", "not_agreed": "未达成协议", "adjourned": "中止", "": "未记录"}


def clock(at: datetime, zone: str, day: date | None = None) -> str:
    """``14:05:09`` in the zone; with the date in front when it is not ``day``."""
    local = at.astimezone(ZoneInfo(zone))
    prefix = f"{local.month}月{local.day}日 " if day is not None and local.date() != day else ""
    return prefix + local.strftime("%H:%M:%S")


def duration_text(seconds: float) -> str:
    total = int(round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}小时{minutes}分{secs}秒"
    return f"{minutes}分{secs}秒" if minutes else f"{secs}秒"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def identity_text(person: Person, zone: str, day: date | None = None) -> str:
    if person.staff:
        return "工作人员账号登录"
    if person.identity_check == "id_last4":
        text = "邀请链接＋身份证号码后四位核对"
        if person.identity_checked_at is not None:
            text += f"（{clock(person.identity_checked_at, zone, day)}核对一致）"
        else:
            text += "（未完成）"
    else:
        text = "邀请链接（未另行核对身份）"
    return text + (f"，核对不符{person.identity_failures}次" if person.identity_failures else "")


def presence_text(person: Person, zone: str, day: date | None = None) -> str:
    if person.joined_at is None:
        return "未到场"
    text = f"{clock(person.joined_at, zone, day)}进入"
    return text + (f"，{clock(person.removed_at, zone, day)}被请出" if person.removed_at else "")


def role_text(person: Person) -> str:
    side = PARTY_ROLE_TEXT.get(person.party_role, "")
    return ROLE_TEXT[person.role] + (f"（{side}）" if side else "")


# --- the draft ------------------------------------------------------------------------------------


def _numeral(n: int) -> str:
    return NUMERALS[n] if n < len(NUMERALS) else str(n + 1)


def _section(
    key: str, paragraphs: Iterable[str], header: tuple[str, ...] = (), rows: Iterable[Iterable[str]] = ()
) -> dict[str, Any]:
    table = {"header": list(header), "rows": [list(r) for r in rows]} if header else None
    return {"key": key, "heading": HEADINGS[key], "paragraphs": [p for p in paragraphs if p], "table": table}


@dataclass(frozen=True)
class _View:
    """What every section needs: the record, its zone, the day it began and people's names."""

    record: SessionRecord
    day: date | None

    def at(self, when: datetime) -> str:
        return clock(when, self.record.zone, self.day)

    def name(self, pid: int | None) -> str:
        return (
            next((p.name for p in self.record.people if p.pid == pid), "（未知）") if pid is not None else ""
        )


def _basics(v: _View) -> dict[str, Any]:
    r = v.record
    when = "未开始"
    if r.start is not None:
        when = clock(r.start, r.zone)
        if r.end is not None:
            when += f"—{v.at(r.end)}（历时{duration_text((r.end - r.start).total_seconds())}）"
    facts = [
        ("案号", r.case_number),
        ("纠纷类型", r.category),
        ("调解日期", day_text(v.day) if v.day else "未开始"),
        ("调解时间", when),
        ("调解地点", r.place),
        ("调解组织", r.agency),
        ("调解员", "、".join(r.mediators)),
        ("记录方式", RECORDED_BY),
    ]
    return _section("basics", ["\n".join(f"{k}：{value}" for k, value in facts)])


def _participants(v: _View) -> dict[str, Any]:
    people, zone = v.record.people, v.record.zone
    refused = [p.name for p in people if p.joined_at is not None and p.consent == "refused"]
    consent = (
        f"{'、'.join(refused)}拒绝录音录像，其在场期间未录音。" if refused else "到场人员均同意录音录像。"
    )
    rows = [
        (
            str(n),
            p.name,
            role_text(p),
            identity_text(p, zone, v.day),
            CONSENT_TEXT[p.consent],
            presence_text(p, zone, v.day),
        )
        for n, p in enumerate(people, 1)
    ]
    return _section("participants", [consent], PARTICIPANT_HEADER, rows)


def _timeline(v: _View) -> dict[str, Any]:
    rows = []
    staff = {p.pid for p in v.record.people if p.role == "mediator"}
    for event in sorted(v.record.events, key=lambda e: e.at):
        if event.kind not in TIMELINE_TEXT or (event.room != MAIN and not event.kind.startswith("caucus_")):
            continue  # what happened inside a caucus room stays there
        members = sorted(int(x) for x in event.data.get("members", ()) if int(x) not in staff)
        evidence = v.record.evidence_names.get(int(event.data.get("evidence_id") or 0), "")
        text = TIMELINE_TEXT[event.kind].format(
            name=v.name(event.pid),
            who="、".join(v.name(p) for p in members),
            evidence=f"：{evidence}" if evidence else "",
            outcome=OUTCOME_WORD.get(str(event.data.get("outcome", "")), ""),
        )
        if event.kind == "joined" and event.data.get("state") == "lobby":
            text += "（候场）"
        if event.kind == "evidence_shown" and event.data.get("evidence_id") is None:
            text = "调解员停止展示证据材料"
        rows.append((v.at(event.at), text))
    return _section("timeline", [] if rows else [NOTHING], TIMELINE_HEADER, rows)


def _caucus(v: _View) -> dict[str, Any]:
    told = []
    staff = {p.pid for p in v.record.people if p.role == "mediator"}
    for n, c in enumerate(caucuses(v.record)):
        others = "、".join(v.name(p) for p in sorted(c.members - staff))
        length = duration_text((c.end - c.start).total_seconds())
        said = f"调解员摘要：{c.summary}" if c.summary else "谈话内容不纳入本笔录。"
        told.append(
            f"（{_numeral(n)}）{v.at(c.start)}—{v.at(c.end)}，调解员与{others}单独沟通，历时{length}。{said}"
        )
    if v.record.caucus_summary.strip():
        told.append(f"调解员说明：{v.record.caucus_summary.strip()}")
    return _section("caucus", told or [NOTHING])


def _speaking(v: _View) -> dict[str, Any]:
    stats = speaking(v.record)
    total = sum(s.seconds for s in stats.values())
    rows = [
        (
            str(n),
            p.name,
            role_text(p),
            duration_text(stats[p.pid].seconds),
            str(stats[p.pid].turns),
            f"{100 * stats[p.pid].seconds / total:.0f}%" if total else "—",
        )
        for n, p in enumerate((p for p in v.record.people if p.pid in stats), 1)
    ]
    note = "统计范围为主会场，背对背期间的发言不计入。" if rows else "无发言记录。"
    return _section("speaking", [note], SPEAKING_HEADER, rows)


def _said(v: _View) -> list[dict[str, Any]]:
    r = v.record
    notes = [f"{v.at(n.at)}　{n.text.strip()}" for n in sorted(r.notes, key=lambda n: n.at) if n.room == MAIN]
    said = [
        f"{v.at(s.start)} {v.name(s.pid)}：{_one_line(s.text)}"
        for s in joint(r, r.transcript, clip=False)
        if s.text.strip()
    ]
    chat = [
        f"{v.at(c.at)} {v.name(c.pid)}：{_one_line(c.text)}"
        for c in sorted(r.chat, key=lambda c: c.at)
        if c.room == MAIN and c.text.strip()
    ]
    return [
        _section("notes", notes or [NOTHING]),
        _section("transcript", ["\n".join(said) or NOTHING]),
        _section("chat", ["\n".join(chat) or NOTHING]),
    ]


def _agreement(a: Agreement) -> dict[str, Any]:
    terms = "\n".join(f"{n}. {_one_line(t)}" for n, t in enumerate(a.terms, 1))
    return _section(
        "agreement",
        [
            f"双方达成调解协议（协议编号：{a.agreement_id}，见{a.link}）。",
            f"基本事实：{a.facts.strip()}" if a.facts.strip() else "",
            f"协议内容：\n{terms}" if terms else "",
            f"生效日期：{a.effective_date}" if a.effective_date else "",
        ],
    )


def build_draft(record: SessionRecord) -> dict[str, Any]:
    """The structured draft (JSON-ready) of the minutes of one session."""
    day = record.start.astimezone(ZoneInfo(record.zone)).date() if record.start else None
    v = _View(record, day)
    sections = [_basics(v), _participants(v), _timeline(v), _caucus(v), _speaking(v), *_said(v)]
    if record.agreement is not None:
        sections.append(_agreement(record.agreement))
    sections.append(_section("outcome", [OUTCOME_TEXT[record.outcome] + record.outcome_note.strip()]))
    for n, section in enumerate(sections):
        section["heading"] = f"{_numeral(n)}、{section['heading']}"
    people = record.people
    signers = [p for p in people if signs(p.role, p.joined_at, p.removed_at)] or [
        p for p in people if p.role == "party"
    ]
    return {
        "version": 1,
        "title": TITLE,
        "case_number": record.case_number,
        "agreement_link": record.agreement.link if record.agreement else "",
        "sections": sections,
        "signatures": [{"label": "调解员", "name": m} for m in record.mediators]
        + [{"label": "当事人", "name": p.name} for p in signers],
    }


# --- text, edits and the hash ---------------------------------------------------------------------


class UnknownSection(ValueError):
    """An edit names a section the draft does not have."""


def section_body(section: Mapping[str, Any]) -> str:
    """The drafted text of a section: paragraphs, then its table as ``|`` lines."""
    parts = [normalise(str(p)) for p in section.get("paragraphs", ())]
    table = section.get("table")
    if table and table.get("rows"):
        rows = tuple(tuple(str(c) for c in row) for row in table["rows"])
        parts.append("\n".join(table_lines(Table(tuple(table["header"]), rows), empty="—")))
    return "\n\n".join(parts)


def bodies(
    content: Mapping[str, Any], edits: Mapping[str, Any] | None = None
) -> list[tuple[str, str, str, bool]]:
    """(key, heading, text, edited) per section, the mediator's text where there is one."""
    edits = edits or {}
    out = []
    for section in content.get("sections", ()):
        edited = edits.get(section["key"])
        if isinstance(edited, str) and edited.strip():
            out.append((section["key"], section["heading"], normalise(edited), True))
        else:
            out.append((section["key"], section["heading"], section_body(section), False))
    return out


def apply_edits(
    content: Mapping[str, Any], edits: Mapping[str, Any], changes: Mapping[str, str]
) -> dict[str, str]:
    """The edits after the mediator saved ``changes``. A blank text, or the drafted text itself,
    drops the edit, so the next redraft updates that section again."""
    drafted = {s["key"]: section_body(s) for s in content.get("sections", ())}
    result = {k: str(v) for k, v in edits.items() if isinstance(v, str)}
    for key, text in changes.items():
        if key not in drafted:
            raise UnknownSection(key)
        if not text.strip() or normalise(text) == drafted[key]:
            result.pop(key, None)
        else:
            result[key] = normalise(text)
    return result


def render_text(content: Mapping[str, Any], edits: Mapping[str, Any] | None = None) -> str:
    """The whole document as text, with the mediator's edits applied."""
    lines = [f"# {content.get('title', TITLE)}", "", f"案号：{content.get('case_number', '')}", ""]
    for _key, heading, body, _edited in bodies(content, edits):
        lines += [f"## {heading}", "", body, ""]
    lines += [f"{s['label']}（签字）：{SIGNATURE_LINE}（{s['name']}）" for s in content.get("signatures", ())]
    return normalise("\n".join(lines)) + "\n"


def content_hash(content: Mapping[str, Any], edits: Mapping[str, Any] | None = None) -> str:
    """SHA-256 (hex) of the rendered text: what the parties confirm and what is frozen."""
    return hashlib.sha256(render_text(content, edits).encode("utf-8")).hexdigest()
