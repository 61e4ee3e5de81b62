"""Minutes drafts assembled from the record of a meeting, their text, and freezing on approval."""

import json
from datetime import UTC, date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.plaintext import Table, blocks
from meetings.errors import MinutesFrozen
from meetings.minutes.minutes import (
    ActionRecord,
    AgendaRecord,
    AttendeeRecord,
    MeetingIdentity,
    MinutesRecord,
    assemble,
    freeze,
    intact,
    normalise,
    render_text,
    revision_for_edit,
)

MEETING = MeetingIdentity(
    title="2026年11月公调对接联席会议",
    number="2026年第11次",
    start=datetime(2026, 11, 2, 23, 30, tzinfo=UTC),  # Tuesday 3 November, 07:30 in Shanghai
    end=datetime(2026, 11, 3, 1, 30, tzinfo=UTC),
    place="青川区司法局三楼会议室",
    organiser="青川区司法局",
    chair="李明",
    secretary="王敏",
)
PEOPLE = (
    AttendeeRecord("王芳", "青川区司法局", "present"),
    AttendeeRecord("赵强", "城关派出所", "proxy", proxy_name="孙丽"),
    AttendeeRecord("钱伟", "青川区人民法院", "excused"),
    AttendeeRecord("周杰", "东山派出所", "absent"),
)
REMEDIATE = ActionRecord("组织双方再次调解", "城关派出所", date(2026, 11, 20), case_number="QC-2026-0107")
VISIT = ActionRecord("回访当事人并报告结果", "第一人民调解委员会", date(2026, 11, 30), "in_progress")
RECORD = MinutesRecord(
    meeting=MEETING,
    attendance=PEOPLE,
    agenda=(
        AgendaRecord(
            "case_review",
            "超期未受理案件会商",
            presenter="张三",
            minutes=20,
            notes="城关所两起邻里纠纷超过受理时限。\n\n与会单位同意再次调解。",
            case_numbers=("QC-2026-0107", "QC-2026-0112"),
            decisions=("由城关派出所牵头，人民调解委员会配合，再次组织调解",),
            actions=(REMEDIATE,),
        ),
        AgendaRecord("report", "十月份公调对接工作通报", presenter="李四", minutes=10),
        AgendaRecord("decision", "调整联席会议时间", decisions=("自2027年起改为每月第一个星期三召开",)),
    ),
    decisions=("下次会议于12月1日召开",),
    actions=(VISIT,),
    carried=(ActionRecord("完善转办台账", "东山派出所", date(2026, 10, 31)),),
)


def positions(text: str, *parts: str) -> list[int]:
    found = [text.find(part) for part in parts]
    assert -1 not in found, [p for p, at in zip(parts, found, strict=True) if at == -1]
    return found


def test_the_draft_names_the_meeting_in_chinese() -> None:
    text = render_text(assemble(RECORD))
    assert text.startswith("# 2026年11月公调对接联席会议纪要\n\n（2026年第11次）\n")
    assert "时间：2026年11月3日（星期二）07:30—09:30" in text  # the meeting's zone, not UTC
    for fact in ("地点：青川区司法局三楼会议室", "主办单位：青川区司法局", "主持人：李明", "记录人：王敏"):
        assert fact in text


def test_the_sections_come_in_the_official_order_with_chinese_numbering() -> None:
    draft = assemble(RECORD)
    assert [s.heading for s in draft.sections] == [
        "一、会议基本情况",
        "二、出席情况",
        "三、上次会议工作任务落实情况",
        "四、议题及讨论",
        "五、会议决定",
        "六、工作任务分工",
    ]
    without_carried = assemble(MinutesRecord(MEETING, PEOPLE))
    assert [s.heading for s in without_carried.sections][2:] == [
        "三、议题及讨论",
        "四、会议决定",
        "五、工作任务分工",
    ]


def test_each_attendee_appears_with_their_status_in_order() -> None:
    draft = assemble(RECORD)
    attendance = draft.sections[1]
    assert attendance.table is not None
    assert attendance.table.rows == (
        ("1", "王芳", "青川区司法局", "出席"),
        ("2", "赵强", "城关派出所", "委托孙丽代为出席"),
        ("3", "钱伟", "青川区人民法院", "请假"),
        ("4", "周杰", "东山派出所", "缺席"),
    )
    assert attendance.paragraphs == ("应到4人，实到2人（其中委托代表1人），请假1人，缺席1人。",)
    text = render_text(draft)
    positions(text, "| 1 | 王芳 | 青川区司法局 | 出席 |", "| 2 | 赵强 | 城关派出所 | 委托孙丽代为出席 |")


def test_agenda_items_keep_their_order_presenter_cases_and_notes() -> None:
    text = render_text(assemble(RECORD))
    at = positions(
        text,
        "### （一）案件会商：超期未受理案件会商",
        "汇报人：张三；时长：20分钟。",
        "涉及案件：QC-2026-0107、QC-2026-0112。",
        "城关所两起邻里纠纷超过受理时限。",
        "与会单位同意再次调解。",
        "### （二）情况通报：十月份公调对接工作通报",
        "### （三）审议事项：调整联席会议时间",
    )
    assert at == sorted(at)


def test_each_decision_appears_under_its_item_in_order_then_the_others() -> None:
    text = render_text(assemble(RECORD))
    decisions = text[text.index("五、会议决定") :]
    at = positions(
        decisions,
        "（一）超期未受理案件会商",
        "1. 由城关派出所牵头，人民调解委员会配合，再次组织调解",
        "（二）调整联席会议时间",
        "1. 自2027年起改为每月第一个星期三召开",
        "（三）其他事项",
        "1. 下次会议于12月1日召开",
    )
    assert at == sorted(at)


def test_each_action_shows_its_owner_and_due_date_in_order() -> None:
    draft = assemble(RECORD)
    actions = draft.sections[-1].table
    assert actions is not None
    assert actions.header == ("序号", "工作任务", "责任单位（人）", "完成时限", "办理状态", "关联案件")
    assert actions.rows == (
        ("1", "组织双方再次调解", "城关派出所", "2026年11月20日", "待办", "QC-2026-0107"),
        ("2", "回访当事人并报告结果", "第一人民调解委员会", "2026年11月30日", "办理中", ""),
    )
    text = render_text(draft)
    positions(text, "| 1 | 组织双方再次调解 | 城关派出所 | 2026年11月20日 | 待办 | QC-2026-0107 |")


def test_last_meetings_open_actions_are_listed_and_marked_overdue_as_of_the_day_given() -> None:
    carried = assemble(RECORD, today=date(2026, 11, 3)).sections[2]
    assert carried.table is not None
    assert carried.table.rows == (
        ("1", "完善转办台账", "东山派出所", "2026年10月31日", "待办（已逾期）", ""),
    )
    assert assemble(RECORD).sections[2].table.rows[0][4] == "待办"  # type: ignore[union-attr]


def test_an_empty_record_still_gives_every_section_saying_none() -> None:
    text = render_text(assemble(MinutesRecord(MEETING)))
    assert text.count("无。") == 3
    assert "应到0人，实到0人" in text
    assert text.rstrip().endswith("记录人（签字）：＿＿＿＿＿＿＿＿")


def test_the_structure_is_plain_data_for_a_json_column() -> None:
    data = json.loads(json.dumps(assemble(RECORD).as_dict(), ensure_ascii=False))
    assert data["title"] == "2026年11月公调对接联席会议纪要"
    assert data["sections"][1]["table"]["rows"][1] == ["2", "赵强", "城关派出所", "委托孙丽代为出席"]


def test_text_reads_back_into_headings_paragraphs_and_tables_for_the_pdf() -> None:
    draft = assemble(RECORD)
    found = blocks(render_text(draft))
    assert found[0].kind == "heading" and found[0].level == 1 and found[0].text == draft.title
    tables = [b.table for b in found if b.kind == "table"]
    assert tables == [s.table for s in draft.sections if s.table is not None and s.table.rows]
    headings = [(b.level, b.text) for b in found if b.kind == "heading" and b.level == 2]
    assert [text for _, text in headings] == [s.heading for s in draft.sections]
    assert found[-1].text == "主持人（签字）：＿＿＿＿＿＿＿＿\n记录人（签字）：＿＿＿＿＿＿＿＿"


def test_a_pipe_or_line_break_in_a_cell_cannot_break_the_table() -> None:
    odd = ActionRecord("核实|补充\n证据", "甲|乙", date(2026, 12, 1))
    draft = assemble(MinutesRecord(MEETING, actions=(odd,)))
    (table,) = [b.table for b in blocks(render_text(draft)) if b.kind == "table"]
    assert table == Table(table.header, (("1", "核实｜补充 证据", "甲｜乙", "2026年12月1日", "待办", ""),))


def test_bad_records_are_refused() -> None:
    with pytest.raises(ValueError, match="proxy"):
        AttendeeRecord("赵强", "城关派出所", "proxy")
    with pytest.raises(ValueError):
        AttendeeRecord("赵强", "城关派出所", "sleeping")
    with pytest.raises(ValueError):
        ActionRecord("x", "y", date(2026, 1, 1), status="forgotten")
    with pytest.raises(ValueError):
        AgendaRecord("gossip", "x")


# --- freezing and revisions -----------------------------------------------------------------------


def test_the_hash_of_approved_text_ignores_how_the_browser_ended_its_lines() -> None:
    text = render_text(assemble(RECORD))
    digest = freeze(text)
    assert len(digest) == 64 and int(digest, 16) >= 0
    assert freeze(text.replace("\n", "\r\n")) == digest
    assert freeze(text + "\n\n") == digest
    assert intact(text.replace("\n", "\r\n"), digest)
    assert not intact(text.replace("王芳", "王方"), digest)
    assert freeze(text.replace("2026年11月20日", "2026年11月21日")) != digest


@pytest.mark.parametrize(
    ("revision", "status", "new_revision", "expected"),
    [
        (1, "draft", False, 1),
        (1, "circulated", False, 1),
        (1, "draft", True, 1),  # nothing approved to branch from: the draft is edited
        (1, "approved", True, 2),
        (3, "approved", True, 4),
    ],
)
def test_edits_go_to_the_same_revision_until_approval_then_to_the_next(
    revision: int, status: str, new_revision: bool, expected: int
) -> None:
    assert revision_for_edit(revision, status, new_revision=new_revision) == expected


def test_approved_minutes_cannot_be_edited_in_place() -> None:
    with pytest.raises(MinutesFrozen) as refused:
        revision_for_edit(2, "approved")
    assert refused.value.code == "minutes_frozen"
    with pytest.raises(ValueError):
        revision_for_edit(0, "draft")
    with pytest.raises(ValueError):
        revision_for_edit(1, "lost")


TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=200)


@settings(max_examples=100, deadline=None)
@given(text=TEXT)
def test_normalising_is_idempotent_and_the_hash_follows_it(text: str) -> None:
    assert normalise(normalise(text)) == normalise(text)
    assert freeze(text) == freeze(normalise(text))


@settings(max_examples=200, deadline=None)
@given(text=st.text(st.sampled_from(list("#|-: \n\r王a1")), max_size=80) | TEXT)
def test_any_edited_text_reads_into_blocks_without_error(text: str) -> None:
    for block in blocks(text):
        assert block.kind in ("heading", "paragraph", "table")
        assert block.kind != "table" or (block.table is not None and block.table.header)


NAMES = st.text(st.sampled_from(list("王芳李强赵钱孙|派出所司法局 \n-:#")), min_size=1, max_size=12)
STATUS = st.sampled_from(["present", "absent", "excused"])


@settings(max_examples=60, deadline=None)
@given(
    people=st.lists(st.tuples(NAMES, NAMES, st.sampled_from(["present", "absent", "excused"])), max_size=8)
)
def test_every_attendee_survives_text_and_back(people) -> None:
    record = MinutesRecord(MEETING, tuple(AttendeeRecord(n, a, s) for n, a, s in people))
    draft = assemble(record)
    parsed = [b.table for b in blocks(render_text(draft)) if b.kind == "table"]
    if people:
        expected = draft.sections[1].table
        assert expected is not None
        clean = tuple(
            tuple(" ".join(c.split()).replace("|", "｜") or "" for c in row) for row in expected.rows
        )
        assert parsed[0] == Table(expected.header, clean)
    else:
        assert parsed == []
