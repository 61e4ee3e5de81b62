"""The minutes of a mediation session (调解笔录), video or face to face: a legal record. Pure: no
database, clock or I/O.

``build_draft`` turns a ``SessionRecord`` (time, place, mediator and 记录人; who was present and
absent and how they were let in; the rights read and acknowledged and 回避 asked (``legal``); the
timeline, speech, notes and chat of a video session; each party's statements; agreement, outcome)
into the structured content kept in
``MediationMinutes.content``: numbered sections with paragraphs and tables. The mediator rewrites
a section's text (``edits``: section key -> text); ``render_text`` applies the edits and writes the
whole document as plain text (``#`` headings, ``|`` tables); ``content_hash`` freezes that text
when every party has confirmed it.

A face-to-face session has no timeline, speaking time, notes or chat: the 记录人 typed its
statements. No section names a database id or an address inside the hub.

Private sessions (背对背) stay out of the joint minutes: speech, chat, transcript and notes of a
caucus room never appear, nor main-room speech of caucus members during their caucus (should a
recording segment switch late); only the mediator's summary is quoted, when given. Times are
shown in the session's zone (Asia/Shanghai by default).

The headings and labels are the words of an official Chinese document, not user interface: they
stay Chinese whoever reads them and live in the constants below.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from hub.plaintext import day_text
from rtc.minutes import legal
from rtc.minutes.record import (  # noqa: F401 - re-exported: the record is part of this module's API
    CONSENT_TEXT,
    IN_PERSON,
    MAIN,
    OUTCOME_TEXT,
    PLACE,
    ROLE_TEXT,
    Agreement,
    Event,
    Line,
    Person,
    SessionRecord,
    Span,
    Statement,
    caucuses,
    joint,
    signs,
    speaking,
)
from rtc.minutes.text import (  # noqa: F401 - re-exported: the text of the minutes
    SIGNATURE_LINE,
    TITLE,
    UnknownSection,
    apply_edits,
    bodies,
    content_hash,
    render_text,
    section_body,
)

READ_BACK = "以上笔录经当事人阅读（或向其宣读），确认无误。"
NOTHING = "无。"
NUMERALS = "一二三四五六七八九十"
HEADINGS = {
    "basics": "基本情况",
    "participants": "参加人员",
    "rights": "权利义务告知及回避",
    "timeline": "调解过程",
    "caucus": "背对背调解",
    "speaking": "发言统计（主会场）",
    "notes": "调解员记录",
    "statements": "当事人陈述",
    "chat": "文字交流记录（主会场）",
    "agreement": "调解协议",
    "outcome": "调解结果",
}
PARTY_ROLE_TEXT = legal.PARTY_SIDE_TEXT
# {media}: 录音 or 录音录像, as the session recorded (``legal.media_word``).
PARTICIPANT_HEADER = ("序号", "姓名", "身份", "身份核验", "{media}", "到场情况")
IN_PERSON_HEADER = ("序号", "姓名", "身份", "到场情况")
PRESENT_TEXT = {True: "到场", False: "未到场"}
SPEAKING_HEADER = ("序号", "姓名", "身份", "发言时长", "发言次数", "占比")
TIMELINE_HEADER = ("时间", "事项")
# Timeline lines: {name} is the participant, {who} the caucus members, {outcome} the outcome.
TIMELINE_TEXT = {
    "started": "调解开始",
    "joined": "{name}进入",
    "rejoined": "{name}重新连接",
    "admitted": "{name}获准进入调解室",
    "consent_given": "{name}同意{media}",
    "consent_refused": "{name}拒绝{media}",
    "recording_started": "开始{media}",
    "recording_stopped": "停止{media}",
    "caucus_started": "背对背调解开始（调解员与{who}）",
    "caucus_ended": "背对背调解结束",
    "evidence_shown": "调解员展示证据材料{evidence}",
    "removed": "{name}被请出调解室",
    "left": "{name}离开",
    "ended": "调解结束（{outcome}）",
}
OUTCOME_WORD = {
    "agreed": "达成协议",
    "not_agreed": "未达成协议",
    "adjourned": "另行安排继续调解",
    "": "未记录",
}


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

    @property
    def video(self) -> bool:
        return self.record.mode != IN_PERSON

    @property
    def media(self) -> str:
        return legal.media_word(self.record)

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
        ("调解方式", legal.MODE_TEXT[r.mode]),
        ("调解日期", day_text(v.day) if v.day else "未开始"),
        ("调解时间", when),
        ("调解地点", r.place.strip() or "—"),
        ("调解组织", r.agency),
        ("调解员", "、".join(r.mediators)),
        ("记录人", legal.recorder(r)),
        ("记录方式", legal.record_way(r)),
        ("同步录制", legal.MEDIA_TEXT[r.recorded]),
    ]
    return _section("basics", ["\n".join(f"{k}：{value}" for k, value in facts)])


def _participants(v: _View) -> dict[str, Any]:
    people, zone = v.record.people, v.record.zone
    attendance = legal.attendance(v.record)
    if not v.video:
        here = [
            (str(n), p.name, role_text(p), PRESENT_TEXT[legal.present(p)]) for n, p in enumerate(people, 1)
        ]
        return _section("participants", attendance, IN_PERSON_HEADER, here)
    refused = [p.name for p in people if p.joined_at is not None and p.consent == "refused"]
    consent = (
        f"{'、'.join(refused)}拒绝{v.media}，其在场期间未录音。" if refused else f"到场人员均同意{v.media}。"
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
    header = tuple(h.format(media=v.media) for h in PARTICIPANT_HEADER)
    return _section("participants", [*attendance, consent], header, rows)


def _rights(v: _View) -> dict[str, Any]:
    return _section("rights", legal.rights(v.record, v.at))


def _statements(v: _View) -> dict[str, Any]:
    return _section("statements", legal.statement_lines(v.record) or [NOTHING])


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
            media=v.media,
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
    chat = [
        f"{v.at(c.at)} {v.name(c.pid)}：{_one_line(c.text)}"
        for c in sorted(r.chat, key=lambda c: c.at)
        if c.room == MAIN and c.text.strip()
    ]
    return [_section("notes", notes or [NOTHING]), _section("chat", ["\n".join(chat) or NOTHING])]


def _agreement(a: Agreement, record: SessionRecord) -> dict[str, Any]:
    terms = "\n".join(f"{n}. {_one_line(t)}" for n, t in enumerate(a.terms, 1))
    return _section(
        "agreement",
        [
            legal.AGREEMENT_LEAD.format(who=legal.agreed_by(record)),
            f"基本事实：{a.facts.strip()}" if a.facts.strip() else "",
            f"协议内容：\n{terms}" if terms else "",
            f"生效日期：{a.effective_date}" if a.effective_date else "",
        ],
    )


def build_draft(record: SessionRecord) -> dict[str, Any]:
    """The structured draft (JSON-ready) of the minutes of one session."""
    day = record.start.astimezone(ZoneInfo(record.zone)).date() if record.start else None
    v = _View(record, day)
    sections = [_basics(v), _participants(v), _rights(v)]
    if v.video:
        sections += [_timeline(v), _caucus(v), _speaking(v)]
    sections.append(_statements(v))
    if v.video:
        sections += _said(v)
    if record.agreement is not None and record.outcome == "agreed":  # not an agreement of another day
        sections.append(_agreement(record.agreement, record))
    sections.append(_section("outcome", [legal.outcome_text(record) + record.outcome_note.strip()]))
    for n, section in enumerate(sections):
        section["heading"] = f"{_numeral(n)}、{section['heading']}"
    people = record.people
    signers = [p for p in people if signs(p.role, p.joined_at, p.removed_at)] or [
        p for p in people if p.role == "party"
    ]
    recorder = legal.recorder_name(record)
    return {
        "version": 2,
        "title": TITLE,
        "case_number": record.case_number,
        "sections": sections,
        "closing": READ_BACK,
        "signatures": [{"label": "当事人", "name": p.name} for p in signers]
        + [{"label": "调解员", "name": m} for m in record.mediators]
        + ([{"label": "记录人", "name": recorder}] if recorder else []),
    }
