"""What makes the minutes (调解笔录) a legal record, for video and face-to-face sessions alike: who
was present and who was absent, the rights and duties read and each party's acknowledgement
(权利义务告知), the question whether anyone asks a mediator to withdraw (回避), what was recorded
(录音 or 录音录像, as it was), and each party's statements (陈述) in order under their name.

Pure: no database, clock or I/O. The words are those of the official document (Chinese constants);
``rtc.minutes.minutes`` puts them in its sections.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from rtc.minutes.record import (
    IN_PERSON,
    OUTCOME_TEXT,
    ROLE_TEXT,
    Person,
    SessionRecord,
    Statement,
    joint,
)

PARTY_SIDE_TEXT = {"applicant": "申请人", "respondent": "被申请人", "third_party": "第三人"}
MODE_TEXT = {"video": "视频调解", IN_PERSON: "现场调解"}
# What was recorded, exactly: a session that recorded sound only says 录音.
MEDIA_TEXT = {"audio": "录音", "video": "录音录像", "": "未录音录像"}
RECORDER_DEFAULT_NOTE = "（由调解员兼任）"
VIDEO_RECORD_WAY = "分轨{media}（每人一轨），发言由语音转写起草，经记录人校对"
IN_PERSON_RECORD_WAY = "记录人现场记录"
RIGHTS_READ = (
    "调解员告知：人民调解委员会依照《中华人民共和国人民调解法》调解民间纠纷，遵循自愿、平等、"
    "合法的原则，尊重当事人的权利。当事人在调解活动中享有下列权利：选择或者接受人民调解员；"
    "接受调解、拒绝调解或者要求终止调解；要求调解公开进行或者不公开进行；自主表达意愿、"
    "自愿达成调解协议。当事人在调解活动中履行下列义务：如实陈述纠纷事实；遵守调解现场秩序，"
    "尊重人民调解员；尊重对方当事人行使权利。"
)
RIGHTS_ASKED = "调解员问：上述权利义务是否听清楚了？"
RIGHTS_ACKNOWLEDGED = "{who}：听清楚了。（{at}确认）"
RIGHTS_NOT_ACKNOWLEDGED = "{who}：未确认。"
RECUSAL_ASKED = "调解员问：当事人是否申请调解员、记录人回避？"
RECUSAL_ANSWER = {
    "none": "各方当事人均表示不申请回避。",
    "requested": "当事人申请回避：{note}",
    "": "（未询问回避。）",
}
STATEMENTS_FROM_TRANSCRIPT = "（以下陈述根据各人分轨录音自动转写起草，经记录人校对。）"
NOBODY = "无"


def present(person: Person) -> bool:
    return person.joined_at is not None


def side_text(person: Person) -> str:
    """申请人 / 被申请人 / 第三人 for a party of the case, else the role in the session."""
    return PARTY_SIDE_TEXT.get(person.party_role, "") or ROLE_TEXT[person.role]


def labelled(person: Person) -> str:
    """``王芳（申请人）``: a name as the minutes write it."""
    return f"{person.name}（{side_text(person)}）"


def media_word(record: SessionRecord) -> str:
    """录音 or 录音录像, as the session recorded (or, before anything was, as it was set to)."""
    if record.recorded:
        return MEDIA_TEXT[record.recorded]
    return MEDIA_TEXT["video" if record.record_video else "audio"]


def recorder(record: SessionRecord) -> str:
    """The 记录人: the one the mediator named, or the mediator."""
    if record.recorder:
        return record.recorder
    return (record.mediators[0] + RECORDER_DEFAULT_NOTE) if record.mediators else NOBODY


def recorder_name(record: SessionRecord) -> str:
    return record.recorder or (record.mediators[0] if record.mediators else "")


def record_way(record: SessionRecord) -> str:
    if record.mode == IN_PERSON:
        return IN_PERSON_RECORD_WAY + ("" if not record.recorded else f"，同步{MEDIA_TEXT[record.recorded]}")
    if not record.recorded:
        return "系统记录（发言时段、文字交流），经记录人校对"
    return VIDEO_RECORD_WAY.format(media=MEDIA_TEXT[record.recorded])


def attendance(record: SessionRecord) -> list[str]:
    """到场 and 未到场 lines: parties, agents and others by their role; then the mediator and 记录人."""
    guests = [p for p in record.people if p.role != "mediator"]
    here = [labelled(p) for p in guests if present(p)]
    staff = [f"{m}（调解员）" for m in record.mediators]
    name = recorder_name(record)
    if name and name not in record.mediators:
        staff.append(f"{name}（记录人）")
    away = [labelled(p) for p in guests if not present(p)]
    return [
        f"到场人员：{'、'.join(here + staff) or NOBODY}",
        f"未到场人员：{'、'.join(away) or NOBODY}",
    ]


def rights(record: SessionRecord, at: Callable[[datetime], str]) -> list[str]:
    """The rights and duties read, each present party's acknowledgement with its time, and 回避."""
    parties = [p for p in record.people if p.role == "party" and present(p)]
    answers = [
        RIGHTS_ACKNOWLEDGED.format(who=labelled(p), at=at(p.rights_acknowledged_at))
        if p.rights_acknowledged_at is not None
        else RIGHTS_NOT_ACKNOWLEDGED.format(who=labelled(p))
        for p in parties
    ]
    recusal = RECUSAL_ANSWER[record.recusal].format(note=record.recusal_note.strip())
    return [RIGHTS_READ, "\n".join([RIGHTS_ASKED, *answers]), "\n".join([RECUSAL_ASKED, recusal])]


def statements(record: SessionRecord) -> list[Statement]:
    """What the minutes give as said, in order: what the 记录人 typed or corrected; for a video
    session nobody corrected yet, the main-room transcript, one statement per run of one speaker
    (the tracks are per participant, so the speaker is exact)."""
    if record.statements or record.mode == IN_PERSON:
        return [s for s in record.statements if s.text.strip()]
    found: list[Statement] = []
    for span in joint(record, record.transcript, clip=False):
        text = " ".join(span.text.split())
        if not text:
            continue
        if found and found[-1].pid == span.pid:
            joined = found[-1].text[-1] in "，。？！；：" or not text[0].isascii()
            found[-1] = Statement(span.pid, found[-1].text + ("" if joined else " ") + text, found[-1].at)
        else:
            found.append(Statement(span.pid, text, span.start))
    return found


def statement_lines(record: SessionRecord) -> list[str]:
    """One paragraph per statement: ``王芳（申请人）：……``."""
    by_pid = {p.pid: p for p in record.people}
    lines = []
    for s in statements(record):
        person = by_pid.get(s.pid)
        who = labelled(person) if person is not None else "（未知）"
        said = "\n".join(line.strip() for line in s.text.splitlines() if line.strip())
        lines.append(f"{who}：{said}")
    if lines and not record.statements:
        lines.insert(0, STATEMENTS_FROM_TRANSCRIPT)
    return lines


# --- who agreed -------------------------------------------------------------------------------------
# "双方" only when the case has two parties and both were there; otherwise the minutes name who
# was there, and who was not: an absent party agreed to nothing.
AGREED_BY = "经调解，{who}达成调解协议。"
NOT_AGREED_BY = "经调解，{who}未能达成调解协议。"
BOTH = "双方"
ABSENT_NOTE = "{who}未到场。"
AGREEMENT_LEAD = "{who}达成调解协议，另行制作调解协议书。"


def parties(record: SessionRecord) -> tuple[list[Person], list[Person]]:
    """The case's parties in the session: those present and those absent."""
    everyone = [p for p in record.people if p.role == "party"]
    return [p for p in everyone if present(p)], [p for p in everyone if not present(p)]


def agreed_by(record: SessionRecord) -> str:
    """``双方`` when both of two parties were there, else the present parties by name."""
    here, away = parties(record)
    if len(here) == 2 and not away:
        return BOTH
    return "、".join(labelled(p) for p in here) or NOBODY


def absent_note(record: SessionRecord) -> str:
    away = parties(record)[1]
    return ABSENT_NOTE.format(who="、".join(labelled(p) for p in away)) if away else ""


def outcome_text(record: SessionRecord) -> str:
    """The 调解结果 sentence: who agreed (or failed to), never a party who was not there."""
    if record.outcome == "agreed":
        text = AGREED_BY.format(who=agreed_by(record))
    elif record.outcome == "not_agreed":
        text = NOT_AGREED_BY.format(who=agreed_by(record))
    else:
        text = OUTCOME_TEXT[record.outcome]
    return text + absent_note(record)
