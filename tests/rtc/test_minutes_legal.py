"""The minutes (调解笔录) as a legal record, drafted by the pure builder: time, place, mediator and
记录人; who was present and who was absent; the rights and duties read and each party's
acknowledgement with its time; the 回避 question and its answer; each party's statements in order
under their name; the result; signatures of the parties, the mediator and the 记录人; "录音" or
"录音录像" exactly as recorded; and never a database id or an address inside the hub."""

from __future__ import annotations

import re
from typing import Any

import pytest

from rtc.minutes.minutes import (
    Agreement,
    Event,
    Person,
    SessionRecord,
    Span,
    Statement,
    bodies,
    build_draft,
    render_text,
)
from tests.rtc.test_minutes import LAWYER, LI, MEDIATOR, WANG, at, people, record

ABSENT = 5


def in_person(**changes: Any) -> SessionRecord:
    base: dict[str, Any] = {
        "case_number": "青公调〔2026〕118号",
        "category": "邻里纠纷",
        "agency": "城关派驻调解室",
        "mediators": ("赵调解",),
        "start": at(0),
        "end": at(3600),
        "people": (
            Person(MEDIATOR, "赵调解", "mediator", staff=True, joined_at=at(0)),
            Person(
                WANG, "王芳", "party", party_role="applicant", joined_at=at(0), rights_acknowledged_at=at(120)
            ),
            Person(LI, "李雷", "party", party_role="respondent", joined_at=at(0)),
            Person(LAWYER, "孙律师", "lawyer", joined_at=at(0)),
            Person(ABSENT, "周某", "party", party_role="third_party"),
        ),
        "mode": "in_person",
        "place": "城关派出所调解室",
        "recorder": "钱记录",
        "recusal": "none",
        "statements": (
            Statement(WANG, "楼上漏水三次，要求赔偿维修费一千五百元。"),
            Statement(LI, "漏水属实，\n但金额过高。"),
            Statement(WANG, "可以分两期支付。"),
        ),
        "outcome": "agreed",
    }
    base.update(changes)
    return SessionRecord(**base)


def section(r: SessionRecord, key: str) -> str:
    return next(body for k, _h, body, _e in bodies(build_draft(r)) if k == key)


def test_a_face_to_face_record_has_every_element_of_the_minutes() -> None:
    content = build_draft(in_person())
    assert [s["key"] for s in content["sections"]] == [
        "basics",
        "participants",
        "rights",
        "statements",
        "outcome",
    ]
    basics = section(in_person(), "basics")
    for line in (
        "调解方式：现场调解",
        "调解日期：2026年11月3日",
        "调解时间：14:00:00—15:00:00（历时1小时0分0秒）",
        "调解地点：城关派出所调解室",
        "调解员：赵调解",
        "记录人：钱记录",
        "记录方式：记录人现场记录",
        "同步录制：未录音录像",
    ):
        assert line in basics.splitlines(), basics
    people = section(in_person(), "participants")
    assert (
        "到场人员：王芳（申请人）、李雷（被申请人）、孙律师（代理律师）、赵调解（调解员）、钱记录（记录人）"
        in people
    )
    assert "未到场人员：周某（第三人）" in people
    assert "| 5 | 周某 | 当事人（第三人） | 未到场 |" in people
    rights = section(in_person(), "rights")
    assert "调解员告知：人民调解委员会依照《中华人民共和国人民调解法》" in rights
    assert "王芳（申请人）：听清楚了。（14:02:00确认）" in rights
    assert "李雷（被申请人）：未确认。" in rights
    assert "周某" not in rights  # absent: not asked
    assert "调解员问：当事人是否申请调解员、记录人回避？\n各方当事人均表示不申请回避。" in rights
    said = section(in_person(), "statements").split("\n\n")
    assert said == [
        "王芳（申请人）：楼上漏水三次，要求赔偿维修费一千五百元。",
        "李雷（被申请人）：漏水属实，\n但金额过高。",
        "王芳（申请人）：可以分两期支付。",
    ]
    # A third party was absent: the minutes name who agreed, never "双方" (issue #14).
    assert section(in_person(), "outcome") == (
        "经调解，王芳（申请人）、李雷（被申请人）达成调解协议。周某（第三人）未到场。"
    )
    assert content["signatures"] == [
        {"label": "当事人", "name": "王芳"},
        {"label": "当事人", "name": "李雷"},
        {"label": "调解员", "name": "赵调解"},
        {"label": "记录人", "name": "钱记录"},
    ]
    text = render_text(content)
    assert "以上笔录经当事人阅读（或向其宣读），确认无误。" in text
    assert "记录人（签字）：＿＿＿＿＿＿＿＿（钱记录）" in text


@pytest.mark.parametrize(
    ("recusal", "note", "said"),
    [
        ("", "", "（未询问回避。）"),
        (
            "requested",
            "李雷申请调解员赵调解回避，经调解委员会决定更换调解员。",
            "当事人申请回避：李雷申请调解员",
        ),
    ],
)
def test_the_recusal_answer_is_written_as_given(recusal: str, note: str, said: str) -> None:
    assert said in section(in_person(recusal=recusal, recusal_note=note), "rights")


@pytest.mark.parametrize(
    ("changes", "media"),
    [
        ({"recorded": "audio"}, "录音"),
        ({"recorded": "video"}, "录音录像"),
        ({"recorded": "audio", "record_video": True}, "录音"),  # set to video, only sound came
        ({"recorded": "", "record_video": True}, "录音录像"),  # nothing yet: as it was set
    ],
)
def test_a_video_session_says_录音_or_录音录像_exactly_as_recorded(
    changes: dict[str, Any], media: str
) -> None:
    r = record(people=people(lawyer_consent="refused"), **changes)
    participants = section(r, "participants")
    assert f"孙律师拒绝{media}，" in participants and f"| 身份核验 | {media} |" in participants
    if media == "录音":
        assert "录音录像" not in render_text(build_draft(r))
    if changes["recorded"]:
        assert f"同步录制：{media}" in section(r, "basics")
        assert f"分轨{media}（每人一轨）" in section(r, "basics")


def test_a_face_to_face_session_recorded_says_so() -> None:
    basics = section(in_person(recorded="audio"), "basics")
    assert "记录方式：记录人现场记录，同步录音" in basics and "录音录像" not in basics


def test_a_video_sessions_statements_are_drafted_from_each_persons_track_in_order() -> None:
    transcript = (
        Span(WANG, "main", at(100), at(104), "楼上漏水了，"),
        Span(WANG, "main", at(105), at(108), "要求赔偿。"),
        Span(LI, "main", at(110), at(115), "我同意赔偿。"),
        Span(WANG, "caucus-1", at(620), at(640), "私下可以多让一千元"),  # a caucus stays out
        Span(LAWYER, "main", at(116), at(118), "   "),
    )
    r = record(transcript=transcript, recorded="audio")
    assert section(r, "statements").split("\n\n") == [
        "（以下陈述根据各人分轨录音自动转写起草，经记录人校对。）",
        "王芳（申请人）：楼上漏水了，要求赔偿。",
        "李雷（被申请人）：我同意赔偿。",
    ]
    corrected = record(transcript=transcript, statements=(Statement(WANG, "楼上漏水，要求赔偿。"),))
    assert section(corrected, "statements") == "王芳（申请人）：楼上漏水，要求赔偿。"
    assert section(record(), "statements") == "无。"
    assert "记录人：赵调解（由调解员兼任）" in section(record(), "basics")
    assert "调解地点：视频调解（线上）" in section(record(), "basics")


def test_the_minutes_name_no_database_id_and_no_address_inside_the_hub() -> None:
    r = record(
        agreement=Agreement("楼上漏水", ("李雷: 赔偿维修费 (1500.00)",), "2026-11-03"),
        events=(Event(at(300), "evidence_shown", MEDIATOR, data={"evidence_id": 4242}),),
        evidence_names={4242: "漏水照片.jpg"},
        transcript=(Span(WANG, "main", at(100), at(104), "你好"),),
    )
    for content in (build_draft(r), build_draft(in_person())):
        text = render_text(content)
        assert not re.search(r"https?://|/cases|/mediations|/api/|编号|\bid\b", text, re.IGNORECASE), text
        assert "4242" not in text and "调解员展示证据材料：漏水照片.jpg" in render_text(build_draft(r))
        assert set(content) == {"version", "title", "case_number", "sections", "closing", "signatures"}


def test_a_record_refuses_an_unknown_mode_media_or_recusal() -> None:
    for changes in ({"mode": "phone"}, {"recorded": "film"}, {"recusal": "maybe"}):
        with pytest.raises(ValueError):
            in_person(**changes)
