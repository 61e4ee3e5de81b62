"""The plain iCalendar writer, read back by icalendar's parser (which did not write it): text and
names arrive as written, long Chinese lines fold at 75 octets without splitting a character, the
series keeps its RRULE, EXDATE, SEQUENCE and UID, and each event is written once."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
from hypothesis import given, settings
from hypothesis import strategies as st

from meetings.calendars import writer
from meetings.calendars.ical import (
    Attendee,
    CalendarEvent,
    Method,
    Organizer,
    event_calendar,
    feed_calendar,
    series_event,
    written,
)
from meetings.recurrence import Cancelled, Recurrence

SH = ZoneInfo("Asia/Shanghai")
STAMP = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)
FIRST = datetime(2026, 1, 6, 7, 30)
LONG_TITLE = "青川区公调对接联席会议：超期案件会商、上次会议任务落实情况通报；其他事项，" * 6


def meeting(**changes: object) -> CalendarEvent:
    fields: dict[str, object] = {
        "uid": "m-1@gongtiao",
        "sequence": 4,
        "summary": LONG_TITLE,
        "start": datetime(2026, 12, 8, 9, 30, tzinfo=SH),
        "end": datetime(2026, 12, 8, 11, 30, tzinfo=SH),
        "stamp": STAMP,
        "description": "议程：\r\n1. 会商; 2. 通报, 3. 其他\\完",
        "location": "区司法局三楼会议室",
        "organizer": Organizer("区司法局; 秘书 王, 敏", "secretary@qc.example.cn"),
        "attendees": (Attendee("王芳: 乙方, 被申请人" * 3, "wf@qc.example.cn"),),
    }
    return CalendarEvent(**(fields | changes))  # type: ignore[arg-type]


def test_long_chinese_lines_fold_at_75_octets_and_unfold_to_the_text() -> None:
    data = feed_calendar([meeting()], "联席会议日程" * 10)
    lines = data.split(b"\r\n")
    assert data.endswith(b"\r\n") and lines[-1] == b""
    assert b"\n" not in data.replace(b"\r\n", b"") and b"\r" not in data.replace(b"\r\n", b"")
    assert max(len(line) for line in lines) == 75  # folded, and as full as a character allows
    for line in lines:
        line.decode("utf-8")  # never split inside a character
    (vevent,) = icalendar.Calendar.from_ical(data).walk("VEVENT")
    assert str(vevent["SUMMARY"]) == LONG_TITLE
    assert str(vevent["DESCRIPTION"]) == "议程：\n1. 会商; 2. 通报, 3. 其他\\完"
    assert str(vevent["ATTENDEE"].params["CN"]) == "王芳: 乙方, 被申请人" * 3
    assert str(vevent["ORGANIZER"].params["CN"]) == "区司法局; 秘书 王, 敏"


def test_folding_keeps_every_character_whole_at_every_offset() -> None:
    for pad in range(4):  # the 75th octet falls on each byte of a three-byte character in turn
        text = "x" * pad + "调解" * 60
        folded = writer.fold(f"SUMMARY:{text}")
        parts = folded[:-2].split(b"\r\n ")
        assert all(len(p) <= 75 for p in parts) and len(parts[0]) >= 73
        assert b"".join(parts).decode("utf-8") == f"SUMMARY:{text}"


def test_a_series_keeps_its_rule_exdate_sequence_and_uid() -> None:
    april = datetime(2026, 4, 7, 7, 30, tzinfo=SH)
    series = Recurrence.of(
        "FREQ=MONTHLY;BYDAY=1TU", FIRST, FIRST + timedelta(hours=2), changes=[Cancelled(april)]
    )
    event = series_event(
        series,
        uid="series-7@gongtiao",
        sequence=3,
        summary="联席会议",
        stamp=STAMP,
        organizer=Organizer("区司法局", "secretary@qc.example.cn"),
    )
    for data in (event_calendar(event, Method.REQUEST), feed_calendar([event], "日程")):
        calendar = icalendar.Calendar.from_ical(data)
        (vevent,) = calendar.walk("VEVENT")
        assert (str(vevent["UID"]), vevent["SEQUENCE"]) == ("series-7@gongtiao", 3)
        assert vevent["DTSTART"].dt == FIRST.replace(tzinfo=SH)
        assert vevent["DTSTART"].params["TZID"] == "Asia/Shanghai"
        assert vevent["RRULE"]["FREQ"] == ["MONTHLY"] and vevent["RRULE"]["BYDAY"] == ["1TU"]
        assert [d.dt for d in vevent["EXDATE"].dts] == [april]
        assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Asia/Shanghai"]
    cancelled = icalendar.Calendar.from_ical(event_calendar(event, Method.CANCEL))
    assert (str(cancelled["METHOD"]), str(cancelled.walk("VEVENT")[0]["STATUS"])) == ("CANCEL", "CANCELLED")


def test_each_event_is_written_once_and_a_changed_one_again() -> None:
    written.cache_clear()
    first = feed_calendar([meeting(), meeting(uid="m-2@gongtiao")], "日程")
    assert feed_calendar([meeting(), meeting(uid="m-2@gongtiao")], "日程") == first
    assert (written.cache_info().misses, written.cache_info().hits) == (2, 2)
    renamed = meeting(attendees=(Attendee("王芳", "wf@qc.example.cn"),))
    again = feed_calendar([renamed, meeting(uid="m-2@gongtiao")], "日程")
    assert written.cache_info().misses == 3 and again != first and b"CN=" + "王芳".encode() in again


def test_durations_are_written_as_rfc_5545_says() -> None:
    assert [
        writer.duration(timedelta(**d)) for d in ({"hours": 1}, {"days": 14}, {"days": 1, "minutes": 90})
    ] == [
        "PT1H",
        "P2W",
        "P1DT1H30M",
    ]


TEXT = st.text(
    st.sampled_from(list("王芳调解协议；，：;,:\\\"'\n\r\t ab1") + ["\x07", "😀"]), min_size=1, max_size=120
)


@settings(max_examples=60, deadline=None)
@given(summary=TEXT, name=TEXT.filter(lambda s: s.strip()))
def test_any_text_and_name_reach_icalendar_as_written(summary: str, name: str) -> None:
    data = event_calendar(
        meeting(summary=summary, description=summary, organizer=Organizer(name, "o@qc.example.cn")),
        Method.REQUEST,
    )
    assert all(len(line) <= 75 for line in data.split(b"\r\n"))
    (vevent,) = icalendar.Calendar.from_ical(data).walk("VEVENT")
    expected = summary.replace("\r\n", "\n").replace("\r", "\n").replace("\x07", " ")
    assert str(vevent["SUMMARY"]) == expected == str(vevent["DESCRIPTION"])
    cn = " ".join(name.replace("\x07", " ").split()).replace('"', "＂").replace("\\", "＼")
    assert str(vevent["ORGANIZER"].params["CN"]) == cn
