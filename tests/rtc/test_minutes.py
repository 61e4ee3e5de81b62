"""The minutes (调解笔录) drafted from a session's record: who took part and how they were let in,
consent, the timeline with its caucus, speaking time per person, notes, chat, transcript, the
agreement and the outcome; the mediator's edits per section and the hash that freezes the text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rtc.minutes.minutes import (
    Agreement,
    Event,
    Line,
    Person,
    SessionRecord,
    Span,
    UnknownSection,
    apply_edits,
    bodies,
    build_draft,
    content_hash,
    duration_text,
    render_text,
    speaking,
)

T0 = datetime(2026, 11, 3, 6, 0, tzinfo=UTC)  # 14:00 in Shanghai
MEDIATOR, WANG, LI, LAWYER = 1, 2, 3, 4
SECRET = "私下可以多让一千元"


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def people(**changes: Any) -> tuple[Person, ...]:
    return (
        Person(MEDIATOR, "赵调解", "mediator", staff=True, consent="given", joined_at=at(0)),
        Person(
            WANG,
            "王芳",
            "party",
            party_role="applicant",
            identity_check="id_last4",
            identity_checked_at=at(30),
            consent="given",
            joined_at=at(40),
        ),
        Person(LI, "李雷", "party", party_role="respondent", consent="given", joined_at=at(50)),
        Person(LAWYER, "孙律师", "lawyer", consent=changes.get("lawyer_consent", "given"), joined_at=at(55)),
    )


def caucus_events(summary: str = "") -> tuple[Event, ...]:
    return (
        Event(at(600), "caucus_started", MEDIATOR, "caucus-1", {"members": [MEDIATOR, WANG]}),
        Event(at(900), "caucus_ended", MEDIATOR, "caucus-1", {"summary": summary}),
    )


def record(**changes: Any) -> SessionRecord:
    base: dict[str, Any] = {
        "case_number": "青公调〔2026〕118号",
        "category": "邻里纠纷",
        "agency": "城关派驻调解室",
        "mediators": ("赵调解",),
        "start": at(0),
        "end": at(1800),
        "people": people(),
        "events": (
            Event(at(0), "started"),
            Event(at(40), "joined", WANG, data={"state": "lobby"}),
            Event(at(45), "admitted", WANG),
            Event(at(50), "joined", LI, data={"state": "lobby"}),
            Event(at(52), "admitted", LI),
            *caucus_events(),
            Event(at(1800), "ended", MEDIATOR, data={"outcome": "agreed"}),
        ),
        "outcome": "agreed",
    }
    base.update(changes)
    return SessionRecord(**base)


def text_of(r: SessionRecord) -> str:
    return render_text(build_draft(r))


def section(r: SessionRecord, key: str) -> str:
    return next(body for k, _h, body, _e in bodies(build_draft(r)) if k == key)


# --- speaking time --------------------------------------------------------------------------------

SPEAKING_CASES = [
    # (spans as (who, room, start s, end s), expected {who: (seconds, turns)})
    ([(WANG, "main", 100, 110)], {WANG: (10, 1)}),
    ([(WANG, "main", 100, 110), (WANG, "main", 112, 120)], {WANG: (18, 1)}),
    (
        [(WANG, "main", 100, 110), (LI, "main", 111, 115), (WANG, "main", 116, 120)],
        {WANG: (14, 2), LI: (4, 1)},
    ),
    # one person's overlapping segments are counted once
    ([(WANG, "main", 100, 110), (WANG, "main", 105, 115)], {WANG: (15, 1)}),
    # caucus speech is not counted in the joint minutes
    ([(WANG, "caucus-1", 650, 700), (MEDIATOR, "caucus-1", 700, 760)], {}),
    # main-room speech of a caucus member during the caucus is cut (600-900 s)
    ([(WANG, "main", 550, 650)], {WANG: (50, 1)}),
    # people outside the caucus still talk in the main room
    ([(LI, "main", 650, 700), (LAWYER, "main", 700, 730)], {LI: (50, 1), LAWYER: (30, 1)}),
]


@pytest.mark.parametrize(("spans", "expected"), SPEAKING_CASES)
def test_speaking_time_and_turns_per_person_come_from_the_main_room_segments(
    spans: list[tuple[int, str, float, float]], expected: dict[int, tuple[float, int]]
) -> None:
    r = record(speech=tuple(Span(p, room, at(a), at(b)) for p, room, a, b in spans))
    found = {pid: (round(s.seconds, 3), s.turns) for pid, s in speaking(r).items()}
    assert found == expected


def test_the_speaking_table_shows_each_speakers_time_turns_and_share() -> None:
    r = record(
        speech=(
            Span(WANG, "main", at(100), at(190)),  # 1 min 30 s
            Span(LI, "main", at(200), at(230)),
            Span(WANG, "main", at(240), at(270)),
        )
    )
    table = section(r, "speaking")
    assert "| 1 | 王芳 | 当事人（申请人） | 2分0秒 | 2 | 80% |" in table
    assert "| 2 | 李雷 | 当事人（被申请人） | 30秒 | 1 | 20% |" in table
    assert "背对背期间的发言不计入" in table


@pytest.mark.parametrize(
    ("seconds", "text"), [(0, "0秒"), (59.6, "1分0秒"), (125, "2分5秒"), (3725, "1小时2分5秒")]
)
def test_durations_read_in_chinese(seconds: float, text: str) -> None:
    assert duration_text(seconds) == text


# --- what stays out of the joint minutes ----------------------------------------------------------


def caucus_everything(summary: str = "") -> SessionRecord:
    """A record where the caucus room has speech, chat, transcript and a note, all secret."""
    return record(
        events=record().events[:5] + caucus_events(summary),
        speech=(Span(WANG, "caucus-1", at(610), at(700)), Span(WANG, "main", at(100), at(120))),
        chat=(Line(at(620), "caucus-1", SECRET, WANG), Line(at(130), "main", "我同意先赔偿", LI)),
        transcript=(
            Span(WANG, "caucus-1", at(610), at(700), SECRET),
            Span(WANG, "main", at(880), at(920), SECRET),  # touches the caucus: dropped whole
            Span(LI, "main", at(130), at(140), "漏水的事情我负责"),
        ),
        notes=(Line(at(630), "caucus-1", SECRET), Line(at(140), "main", "双方情绪平稳")),
    )


def test_caucus_speech_chat_transcript_and_notes_never_appear_in_the_joint_minutes() -> None:
    text = text_of(caucus_everything())
    assert SECRET not in text
    assert "李雷：我同意先赔偿" in text
    assert "李雷（被申请人）：漏水的事情我负责" in text
    assert "双方情绪平稳" in text
    assert "谈话内容不纳入本笔录" in text
    assert "| 14:10:00 | 背对背调解开始（调解员与王芳） |" in text
    assert "| 14:15:00 | 背对背调解结束 |" in text
    assert "| 1 | 王芳 | 当事人（申请人） | 20秒 | 1 | 100% |" in text


def test_the_mediators_caucus_summary_is_quoted_when_given() -> None:
    text = text_of(caucus_everything(summary="王芳同意分期赔偿"))
    assert "调解员摘要：王芳同意分期赔偿" in text
    assert "谈话内容不纳入本笔录" not in text
    assert SECRET not in text
    extra = text_of(record(caucus_summary="背对背期间双方各自陈述了意见"))
    assert "调解员说明：背对背期间双方各自陈述了意见" in extra


def test_a_caucus_still_running_when_the_session_ended_lasts_until_the_end() -> None:
    r = record(events=(Event(at(600), "caucus_started", MEDIATOR, "caucus-1", {"members": [MEDIATOR, LI]}),))
    assert "14:10:00—14:30:00，调解员与李雷单独沟通，历时20分0秒" in section(r, "caucus")


spans = st.lists(
    st.tuples(
        st.sampled_from([WANG, LI, LAWYER]),
        st.sampled_from(["main", "caucus-1"]),
        st.integers(0, 1800),
        st.integers(0, 120),
    ),
    max_size=25,
)


@settings(max_examples=60, deadline=None)
@given(spans)
def test_speech_in_caucus_rooms_never_changes_the_joint_statistics(
    raw: list[tuple[int, str, int, int]],
) -> None:
    all_spans = tuple(Span(p, room, at(a), at(a + n)) for p, room, a, n in raw)
    main_only = tuple(s for s in all_spans if s.room == "main")
    stats = speaking(record(speech=all_spans))
    assert stats == speaking(record(speech=main_only))
    for pid, found in stats.items():  # never more than what the person said in the main room
        assert (
            found.seconds <= sum((s.end - s.start).total_seconds() for s in main_only if s.pid == pid) + 1e-6
        )


# --- people, times, agreement, outcome ------------------------------------------------------------


def test_participants_show_role_how_identity_was_checked_consent_and_presence() -> None:
    table = section(record(people=people(lawyer_consent="refused")), "participants")
    assert "| 1 | 赵调解 | 调解员 | 工作人员账号登录 | 同意 | 14:00:00进入 |" in table
    assert (
        "| 2 | 王芳 | 当事人（申请人） | 邀请链接＋身份证号码后四位核对（14:00:30核对一致） | 同意 |" in table
    )
    assert "| 3 | 李雷 | 当事人（被申请人） | 邀请链接（未另行核对身份） | 同意 |" in table
    assert "孙律师拒绝录音，" in table  # only sound was to be recorded
    video = section(record(people=people(lawyer_consent="refused"), record_video=True), "participants")
    assert "孙律师拒绝录音录像" in video and "| 身份核验 | 录音录像 |" in video


def test_times_are_shown_in_shanghai_and_the_date_appears_when_a_session_passes_midnight() -> None:
    late = datetime(2026, 11, 3, 15, 50, tzinfo=UTC)  # 23:50 in Shanghai
    r = record(
        start=late,
        end=late + timedelta(minutes=20),
        events=(Event(late + timedelta(minutes=15), "left", LI),),
    )
    text = text_of(r)
    assert "调解日期：2026年11月3日" in text
    assert "调解时间：23:50:00—11月4日 00:10:00（历时20分0秒）" in text
    assert "| 11月4日 00:05:00 | 李雷离开 |" in text
    assert "14:00:00" in text_of(record())


def test_the_agreement_is_quoted_without_its_id_or_address_only_when_there_is_one() -> None:
    agreement = Agreement("楼上漏水", ("李雷: 赔偿维修费 (1500.00)",), "2026-11-03")
    text = text_of(record(agreement=agreement))
    assert "双方达成调解协议，另行制作调解协议书。" in text and "/cases" not in text
    assert "1. 李雷: 赔偿维修费 (1500.00)" in text
    assert "经调解，双方达成调解协议。" in text
    none = build_draft(record(outcome="not_agreed"))
    assert "agreement" not in [s["key"] for s in none["sections"]]


def test_signature_lines_are_for_the_mediator_and_each_party_present() -> None:
    content = build_draft(record())
    assert content["signatures"] == [
        {"label": "当事人", "name": "王芳"},
        {"label": "当事人", "name": "李雷"},
        {"label": "调解员", "name": "赵调解"},
        {"label": "记录人", "name": "赵调解"},
    ]
    assert content["case_number"] == "青公调〔2026〕118号"
    assert [s["heading"] for s in content["sections"]][:4] == [
        "一、基本情况",
        "二、参加人员",
        "三、权利义务告知及回避",
        "四、调解过程",
    ]


def test_a_record_refuses_naive_times_and_unknown_outcomes() -> None:
    with pytest.raises(ValueError):
        record(start=datetime(2026, 11, 3, 14, 0))
    with pytest.raises(ValueError):
        record(outcome="won")
    with pytest.raises(ValueError):
        Span(WANG, "main", at(10), at(5))


# --- edits and the hash ---------------------------------------------------------------------------

EDIT_CASES = [
    # (changes, sections edited afterwards); the notes were edited before
    ({"notes": "调解员补充：双方同意下周回访。"}, {"notes"}),
    ({"notes": "   "}, set()),  # blank: back to the drafted text
    ({"notes": "无。"}, set()),  # the drafted text itself: no edit kept
    ({"outcome": "经调解，双方达成调解协议。"}, {"notes"}),  # other sections keep their edits
    ({"outcome": "经调解，双方达成调解协议。赔偿已当场支付。"}, {"notes", "outcome"}),
]


@pytest.mark.parametrize(("changes", "edited"), EDIT_CASES)
def test_edits_replace_a_sections_text_and_blank_or_unchanged_text_drops_the_edit(
    changes: dict[str, str], edited: set[str]
) -> None:
    content = build_draft(record())
    edits = apply_edits(content, {"notes": "旧的修改"}, changes)
    assert set(edits) == edited
    for key, _heading, body, was_edited in bodies(content, edits):
        assert was_edited == (key in edited)
        if key in changes and key in edited:
            assert body == changes[key]
            assert body in render_text(content, edits)


def test_an_edit_of_an_unknown_section_is_refused() -> None:
    with pytest.raises(UnknownSection):
        apply_edits(build_draft(record()), {}, {"secrets": "x"})


def test_the_hash_follows_the_text_not_the_browsers_line_ends() -> None:
    content = build_draft(record())
    plain = content_hash(content, {})
    edits = apply_edits(content, {}, {"notes": "第一行\r\n第二行  \r\n"})
    assert content_hash(content, edits) != plain
    assert content_hash(content, edits) == content_hash(content, {"notes": "第一行\n第二行"})
    assert content_hash(build_draft(record()), {}) == plain  # drafting is deterministic
