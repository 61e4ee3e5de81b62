"""Calendars written with icalendar are read back by independent readers: ics (ics-py 0.7.3),
icalendar's own parser, and recurring_ical_events for the expansion of series."""

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import ics
import pytest
import recurring_ical_events
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.errors import HubError
from meetings.calendars.ical import (
    Attendee,
    CalendarEvent,
    Method,
    Organizer,
    PartStat,
    Role,
    event_calendar,
    feed_calendar,
    series_event,
)
from meetings.errors import EndBeforeStart, InvalidRule
from meetings.recurrence import Cancelled, Moved, Recurrence, expand

SH = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
STAMP = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)
YEAR = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
FIRST = datetime(2026, 1, 6, 7, 30)  # the first Tuesday of 2026, wall clock in Shanghai
MARCH = datetime(2026, 3, 3, 7, 30, tzinfo=SH)
MARCH_MOVED = datetime(2026, 3, 4, 14, 0, tzinfo=SH)
APRIL = datetime(2026, 4, 7, 7, 30, tzinfo=SH)
QUOTED = "王芳: 乙方, 被申请人"
SECRETARY = Organizer("区司法局; 秘书 王, 敏", "secretary@qc.example.cn")
PEOPLE = (
    Attendee(QUOTED, "wangfang@qc.example.cn", PartStat.ACCEPTED, Role.REQUIRED),
    Attendee("李强", "liqiang@qc.example.cn", PartStat.TENTATIVE, Role.OPTIONAL, rsvp=False),
    Attendee("赵六", "zhaoliu@qc.example.cn", PartStat.DECLINED),
    Attendee("没有邮箱的人", ""),
)


def joint_series() -> Recurrence:
    changes = [Moved(MARCH, MARCH_MOVED, MARCH_MOVED + timedelta(hours=2)), Cancelled(APRIL)]
    return Recurrence.of("FREQ=MONTHLY;BYDAY=1TU", FIRST, FIRST + timedelta(hours=2), changes=changes)


def joint_event(recurrence: Recurrence | None = None, sequence: int = 0) -> CalendarEvent:
    return series_event(
        recurrence or joint_series(),
        uid="series-7@gongtiao",
        sequence=sequence,
        summary="公调对接联席会议（每月第一个星期二）" * 2,
        stamp=STAMP,
        description="议程：\n1. 超期案件会商; 2. 上次会议任务落实, 3. 其他",
        location="青川区司法局三楼会议室",
        url="https://gongtiao.example.cn/meetings/7",
        organizer=SECRETARY,
        attendees=PEOPLE,
    )


def read(data: bytes) -> tuple[icalendar.Calendar, ics.Calendar]:
    """Both independent parsers must accept the file (pytest turns any warning into an error)."""
    text = data.decode("utf-8")
    return icalendar.Calendar.from_ical(data), ics.Calendar(text)


def ics_line(event: ics.Event, name: str) -> str | None:
    """A property ics-py keeps unparsed (SEQUENCE, RRULE, EXDATE, RECURRENCE-ID)."""
    lines = [line for line in event.extra if line.name == name]
    return lines[0].value if lines else None


def occurrences(calendar: icalendar.Calendar, start=YEAR[0], end=YEAR[1]) -> list[icalendar.Event]:
    found = recurring_ical_events.of(calendar).between(start, end)
    return sorted(found, key=lambda e: e.start)


# --- series ---------------------------------------------------------------------------------------


def test_a_monthly_first_tuesday_series_is_on_tuesday_0730_shanghai_in_every_reader() -> None:
    plain = Recurrence.of("FREQ=MONTHLY;BYDAY=1TU", FIRST, FIRST + timedelta(hours=2))
    calendar, _ = read(event_calendar(joint_event(plain), Method.REQUEST))
    found = occurrences(calendar)
    assert len(found) == 12
    for event in found:
        assert event.start.tzinfo is not None and str(event.start.tzinfo) == "Asia/Shanghai"
        assert event.start.strftime("%a %H:%M") == "Tue 07:30"
        assert event.start.astimezone(UTC).strftime("%a %H:%M") == "Mon 23:30"
        assert event.end - event.start == timedelta(hours=2)


def test_recurring_ical_events_finds_the_same_instants_as_our_expansion() -> None:
    series = joint_series()
    calendar, _ = read(event_calendar(joint_event(series), Method.REQUEST))
    theirs = [(e.start.astimezone(UTC), e.end.astimezone(UTC)) for e in occurrences(calendar)]
    ours = [(o.start, o.end) for o in expand(series, *YEAR)]
    assert theirs == ours
    assert len(ours) == 11  # twelve first Tuesdays, one cancelled


def test_the_moved_occurrence_is_at_its_new_time_and_the_cancelled_one_is_absent() -> None:
    calendar, parsed = read(event_calendar(joint_event(), Method.REQUEST))
    starts = [e.start for e in occurrences(calendar)]
    assert MARCH_MOVED in starts and MARCH not in starts
    assert APRIL not in starts
    (moved,) = [e for e in occurrences(calendar) if e.start == MARCH_MOVED]
    assert moved["RECURRENCE-ID"].dt == MARCH
    assert moved.end == MARCH_MOVED + timedelta(hours=2)
    # ics-py does not expand series, but reads both components and their identifying lines.
    by_recurrence = {ics_line(e, "RECURRENCE-ID"): e for e in parsed.events}
    assert set(by_recurrence) == {None, "20260303T073000"}
    assert by_recurrence["20260303T073000"].begin.datetime == MARCH_MOVED
    assert ics_line(by_recurrence[None], "EXDATE") == "20260407T073000"
    assert ics_line(by_recurrence[None], "RRULE") == "FREQ=MONTHLY;BYDAY=1TU"


def test_times_carry_the_zone_and_every_zone_used_has_its_vtimezone() -> None:
    one_off = CalendarEvent(
        uid="berlin-1@gongtiao",
        sequence=0,
        summary="Exchange visit",
        start=datetime(2026, 6, 1, 9, 0, tzinfo=BERLIN),
        end=datetime(2026, 6, 1, 11, 0, tzinfo=BERLIN),
        stamp=STAMP,
        zone="Europe/Berlin",
    )
    data = feed_calendar([joint_event(), one_off], "联席会议")
    calendar, parsed = read(data)
    assert {tz["TZID"] for tz in calendar.walk("VTIMEZONE")} == {"Asia/Shanghai", "Europe/Berlin"}
    assert calendar.get_missing_tzids() == set()
    events = data.decode().split("BEGIN:VEVENT")[1:]
    assert [re.search(r"^DTSTART[;:].*?(?=\r$)", e, re.M)[0] for e in events] == [
        "DTSTART;TZID=Asia/Shanghai:20260106T073000",
        "DTSTART;TZID=Asia/Shanghai:20260304T140000",
        "DTSTART;TZID=Europe/Berlin:20260601T090000",
    ]
    berlin = next(e for e in parsed.events if e.uid == "berlin-1@gongtiao")
    assert berlin.begin.datetime == datetime(2026, 6, 1, 7, 0, tzinfo=UTC)


def test_a_series_in_a_daylight_saving_zone_keeps_its_hour_in_recurring_ical_events() -> None:
    weekly = Recurrence.of(
        "FREQ=WEEKLY;BYDAY=MO;COUNT=4", datetime(2026, 3, 16, 9), datetime(2026, 3, 16, 10), "Europe/Berlin"
    )
    calendar, _ = read(event_calendar(joint_event(weekly), Method.REQUEST))
    found = occurrences(calendar)
    assert [e.start.strftime("%m-%d %H:%M") for e in found] == [
        "03-16 09:00",
        "03-23 09:00",
        "03-30 09:00",
        "04-06 09:00",
    ]
    assert [e.start.astimezone(UTC).hour for e in found] == [8, 8, 7, 7]
    assert [e.start.astimezone(UTC) for e in found] == [o.start for o in expand(weekly)]


# --- people ---------------------------------------------------------------------------------------


def test_names_with_colons_commas_and_semicolons_reach_both_readers_intact() -> None:
    data = event_calendar(joint_event(), Method.REQUEST)
    calendar, parsed = read(data)
    master = next(e for e in calendar.walk("VEVENT") if "RECURRENCE-ID" not in e)
    names = {str(a.params["CN"]): a.params for a in master["ATTENDEE"]}
    assert set(names) == {QUOTED, "李强", "赵六"}  # no e-mail address: not an ATTENDEE
    assert (names[QUOTED]["PARTSTAT"], names[QUOTED]["ROLE"], names[QUOTED]["RSVP"]) == (
        "ACCEPTED",
        "REQ-PARTICIPANT",
        "TRUE",
    )
    assert (names["李强"]["PARTSTAT"], names["李强"]["RSVP"]) == ("TENTATIVE", "FALSE")
    assert master["ORGANIZER"].params["CN"] == SECRETARY.name
    for event in parsed.events:
        assert {a.common_name for a in event.attendees} == {QUOTED, "李强", "赵六"}
        assert {a.email for a in event.attendees} >= {"wangfang@qc.example.cn"}
        assert event.organizer.common_name == SECRETARY.name
        assert event.organizer.email == SECRETARY.email
    assert f'CN="{QUOTED}"' in data.decode().replace("\r\n ", "")


def test_text_with_line_breaks_commas_and_semicolons_reads_back_the_same() -> None:
    event = joint_event()
    calendar, parsed = read(event_calendar(event, Method.REQUEST))
    master = next(e for e in calendar.walk("VEVENT") if "RECURRENCE-ID" not in e)
    assert str(master["DESCRIPTION"]) == event.description
    assert str(master["SUMMARY"]) == event.summary
    assert {e.description for e in parsed.events} == {event.description}
    assert {e.location for e in parsed.events} == {event.location}
    assert {e.url for e in parsed.events} == {event.url}


def test_every_line_is_folded_to_75_octets_and_ends_with_crlf() -> None:
    data = feed_calendar([joint_event()], "青川区公调对接联席会议日程" * 4)
    assert data.endswith(b"\r\n") and b"\n" not in data.replace(b"\r\n", b"")
    lines = data.split(b"\r\n")
    assert max(len(line) for line in lines) <= 75
    assert any(line.startswith(b" ") for line in lines)  # long Chinese lines were folded
    for line in lines:
        line.decode("utf-8")  # folding never splits a character


# --- methods and sequence -------------------------------------------------------------------------


def test_an_invitation_its_update_and_its_cancellation_share_the_uid_and_carry_the_sequence() -> None:
    sent = []
    for sequence, method in [(0, Method.REQUEST), (1, Method.REQUEST), (2, Method.CANCEL)]:
        calendar, parsed = read(event_calendar(joint_event(sequence=sequence), method))
        assert calendar["METHOD"] == method.value and parsed.method == method.value
        vevents = calendar.walk("VEVENT")
        assert {e["UID"] for e in vevents} == {"series-7@gongtiao"}
        assert {e["SEQUENCE"] for e in vevents} == {sequence}
        assert {ics_line(e, "SEQUENCE") for e in parsed.events} == {str(sequence)}
        sent.append((method, [str(e["STATUS"]) for e in vevents]))
    assert sent == [
        (Method.REQUEST, ["CONFIRMED", "CONFIRMED"]),  # the series and its moved March meeting
        (Method.REQUEST, ["CONFIRMED", "CONFIRMED"]),
        (Method.CANCEL, ["CANCELLED"]),  # the whole series, which cancels every occurrence
    ]


def test_one_occurrence_is_cancelled_by_its_recurrence_id() -> None:
    june = datetime(2026, 6, 2, 7, 30, tzinfo=SH)
    occurrence = CalendarEvent(
        uid="series-7@gongtiao",
        sequence=3,
        summary="公调对接联席会议",
        start=june,
        end=june + timedelta(hours=2),
        stamp=STAMP,
        recurrence_id=june,
        organizer=SECRETARY,
        attendees=PEOPLE,
    )
    calendar, parsed = read(event_calendar(occurrence, Method.CANCEL))
    (vevent,) = calendar.walk("VEVENT")
    assert (vevent["RECURRENCE-ID"].dt, str(vevent["STATUS"]), vevent["SEQUENCE"]) == (june, "CANCELLED", 3)
    (event,) = parsed.events
    assert (event.status, ics_line(event, "RECURRENCE-ID")) == ("CANCELLED", "20260602T073000")


def test_a_feed_is_named_says_how_often_to_refresh_and_has_no_method() -> None:
    calendar, parsed = read(feed_calendar([joint_event()], "王芳的联席会议", refresh=timedelta(hours=2)))
    assert "METHOD" not in calendar and parsed.method is None
    assert (str(calendar["X-WR-CALNAME"]), str(calendar["NAME"])) == ("王芳的联席会议", "王芳的联席会议")
    assert calendar["REFRESH-INTERVAL"].dt == timedelta(hours=2)
    assert calendar["REFRESH-INTERVAL"].params["VALUE"] == "DURATION"
    assert str(calendar["X-PUBLISHED-TTL"]) == "PT2H"
    assert len(occurrences(calendar)) == 11


def test_an_empty_feed_is_still_a_calendar() -> None:
    calendar, parsed = read(feed_calendar([], "无会议"))
    assert calendar.walk("VEVENT") == [] and len(parsed.events) == 0


# --- refusals -------------------------------------------------------------------------------------


def test_an_invitation_needs_an_organizer_with_an_address() -> None:
    nobody = CalendarEvent(
        "x@gongtiao", 0, "会议", FIRST.replace(tzinfo=SH), FIRST.replace(tzinfo=SH, hour=9), STAMP
    )
    with pytest.raises(ValueError, match="organizer"):
        event_calendar(nobody, Method.REQUEST)


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"end": FIRST.replace(tzinfo=SH, hour=7)}, EndBeforeStart),
        ({"zone": "Asia/Beijing"}, HubError),  # there is no such zone: Shanghai is the name
        ({"rrule": "FREQ=MONTHLY;BYDAY=9TU"}, InvalidRule),
        ({"rrule": "FREQ=DAILY", "recurrence_id": FIRST.replace(tzinfo=SH)}, ValueError),
        ({"exdates": (FIRST.replace(tzinfo=SH),)}, ValueError),
        ({"uid": "two\r\nlines"}, ValueError),
        ({"sequence": -1}, ValueError),
    ],
)
def test_events_that_would_make_a_wrong_calendar_are_refused(fields, error) -> None:
    base = {
        "uid": "x@gongtiao",
        "sequence": 0,
        "summary": "会议",
        "start": FIRST.replace(tzinfo=SH),
        "end": FIRST.replace(tzinfo=SH, hour=9),
        "stamp": STAMP,
    }
    with pytest.raises(error):
        CalendarEvent(**(base | fields))


# --- properties -----------------------------------------------------------------------------------

NAME_CHARS = st.sampled_from(
    list("王芳李强赵钱孙被申请人乙方甲调解员") + list(":;,.-()（）：；，abc XYZ'\\/\"@")
)


@settings(max_examples=80, deadline=None)
@given(name=st.text(NAME_CHARS, min_size=1, max_size=40).filter(lambda s: s.strip()))
def test_any_name_reaches_both_readers_as_written(name: str) -> None:
    expected = " ".join(name.split()).replace('"', "＂").replace("\\", "＼")
    event = CalendarEvent(
        uid="p@gongtiao",
        sequence=0,
        summary=name,
        start=FIRST.replace(tzinfo=SH),
        end=FIRST.replace(tzinfo=SH, hour=9),
        stamp=STAMP,
        organizer=Organizer(name, "o@qc.example.cn"),
        attendees=(Attendee(name, "a@qc.example.cn"),),
    )
    calendar, parsed = read(event_calendar(event, Method.REQUEST))
    (vevent,) = calendar.walk("VEVENT")
    assert str(vevent["ATTENDEE"].params["CN"]) == expected
    assert str(vevent["SUMMARY"]) == name
    (read_back,) = parsed.events
    assert [a.common_name for a in read_back.attendees] == [expected]
    assert read_back.organizer.common_name == expected
    assert read_back.name == name
