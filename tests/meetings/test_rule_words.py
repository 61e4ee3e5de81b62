"""Repeat rules read as sentences, in Chinese and in English: the form's presets, what a custom
rule can say, and a custom rule beyond words named as such, never as its code."""

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.i18n import zone_name
from meetings.rule_words import rule_in_words
from meetings.views import PRESETS

START = datetime(2026, 12, 1, 9, 30)  # a Tuesday, on the wall clock of Asia/Shanghai

CASES = [
    ("FREQ=MONTHLY;BYDAY=1TU", "每月第一个星期二 09:30", "Monthly on the first Tuesday at 09:30"),
    ("FREQ=MONTHLY;BYDAY=1WE", "每月第一个星期三 09:30", "Monthly on the first Wednesday at 09:30"),
    (
        "FREQ=MONTHLY;INTERVAL=3;BYDAY=1TU",
        "每3个月的第一个星期二 09:30",
        "Every 3 months on the first Tuesday at 09:30",
    ),
    ("FREQ=WEEKLY", "每周星期二 09:30", "Weekly on Tuesday at 09:30"),
    (
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH;COUNT=6",
        "每2周星期二、星期四 09:30，共6次",
        "Every 2 weeks on Tuesday and Thursday at 09:30, 6 times",
    ),
    (
        "FREQ=MONTHLY;BYMONTHDAY=15,-1;UNTIL=20270630",
        "每月15日、最后一天 09:30，至2027年6月30日",
        "Monthly on day 15 and the last day at 09:30, until 30 June 2027",
    ),
    ("FREQ=MONTHLY;BYDAY=-1FR", "每月最后一个星期五 09:30", "Monthly on the last Friday at 09:30"),
    ("FREQ=MONTHLY;BYDAY=TU", "每月的每个星期二 09:30", "Monthly on every Tuesday at 09:30"),
    ("FREQ=DAILY;COUNT=1", "每天 09:30，共1次", "Daily at 09:30, once"),
    ("FREQ=YEARLY", "每年12月1日 09:30", "Yearly on 1 December at 09:30"),
    (
        "FREQ=YEARLY;BYMONTH=3,9;BYDAY=1MO",
        "每年3月、9月第一个星期一 09:30",
        "Yearly on the first Monday in March and September at 09:30",
    ),
]


@pytest.mark.parametrize(("rule", "chinese", "english"), CASES, ids=[c[0] for c in CASES])
def test_a_rule_reads_as_a_sentence(rule: str, chinese: str, english: str) -> None:
    assert rule_in_words(rule, "zh_CN", START) == chinese
    assert rule_in_words(rule, "en", START) == english


def test_every_preset_of_the_form_reads_without_its_code() -> None:
    for rule, _name in PRESETS:
        for locale in ("zh_CN", "en"):
            assert "FREQ" not in rule_in_words(rule, locale, START)


def test_the_hour_is_read_on_the_series_wall_clock() -> None:
    # 01:30 UTC is 09:30 in Beijing
    assert (
        rule_in_words("FREQ=WEEKLY", "zh_CN", datetime(2026, 12, 1, 1, 30, tzinfo=UTC)) == "每周星期二 09:30"
    )
    assert rule_in_words("FREQ=MONTHLY;BYDAY=1TU", "en") == "Monthly on the first Tuesday"


@pytest.mark.parametrize(
    "rule", ["FREQ=HOURLY", "FREQ=MONTHLY;BYDAY=TU;BYSETPOS=2", "FREQ=YEARLY;BYWEEKNO=20", "not a rule"]
)
def test_a_rule_beyond_words_is_named_a_custom_rule(rule: str) -> None:
    assert rule_in_words(rule, "zh_CN", START) == "按自定义规则重复"
    assert rule_in_words(rule, "en", START) == "Repeats by a custom rule"


@given(
    freq=st.sampled_from(["DAILY", "WEEKLY", "MONTHLY", "YEARLY"]),
    interval=st.integers(1, 12),
    days=st.lists(
        st.sampled_from(["MO", "TU", "WE", "TH", "FR", "SA", "SU"]), min_size=0, max_size=3, unique=True
    ),
)
def test_no_rule_the_form_can_take_shows_a_code(freq: str, interval: int, days: list[str]) -> None:
    rule = f"FREQ={freq};INTERVAL={interval}" + (f";BYDAY={','.join(days)}" if days else "")
    for locale in ("zh_CN", "en"):
        text = rule_in_words(rule, locale, START)
        assert "FREQ" not in text and "BYDAY" not in text and "_" not in text


def test_zones_are_named_as_people_here_name_them() -> None:
    assert zone_name("Asia/Shanghai", "zh_CN") == "北京时间"
    assert zone_name("Asia/Shanghai", "en") == "China Standard Time"
    assert zone_name("America/New_York", "en") == "America / New York"
