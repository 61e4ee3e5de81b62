"""Repeat rules in words, for people: ``FREQ=MONTHLY;BYDAY=1TU`` at 09:30 is
"每月第一个星期二 09:30" or "Monthly on the first Tuesday at 09:30". Pure. (A time zone in words:
``hub.i18n.zone_name``.)

The two languages are written here rather than through the catalog: their word order differs
too much for message ids ("第一个星期二" and "the first Tuesday" are built from different parts).
A rule with parts this module does not put into words (BYSETPOS, BYWEEKNO, hours or minutes lists,
a frequency under a day) is named as a custom rule, never shown as its code.
"""

from __future__ import annotations

from datetime import datetime

from meetings.errors import InvalidRule, UnknownTimeZone
from meetings.rules import WEEKDAYS, Rule, parse_rule
from meetings.timezones import DEFAULT_ZONE, to_local

__all__ = ["rule_in_words"]

# Parts a rule may have and still be said in words.
_SAID = {"BYMONTHDAY", "BYMONTH"}

_ZH_DAY = dict(
    zip(WEEKDAYS, ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日"), strict=True)
)
_EN_DAY = dict(
    zip(WEEKDAYS, ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"), strict=True)
)
_ZH_NTH = {1: "第一个", 2: "第二个", 3: "第三个", 4: "第四个", 5: "第五个", -1: "最后一个"}
_EN_NTH = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", -1: "last"}
_EN_MONTH = "January February March April May June July August September October November December".split()
_ZH_UNIT = {"DAILY": "天", "WEEKLY": "周", "MONTHLY": "个月", "YEARLY": "年"}
_ZH_EVERY = {"DAILY": "每天", "WEEKLY": "每周", "MONTHLY": "每月", "YEARLY": "每年"}
_EN_EVERY = {"DAILY": "Daily", "WEEKLY": "Weekly", "MONTHLY": "Monthly", "YEARLY": "Yearly"}
_EN_UNIT = {"DAILY": "days", "WEEKLY": "weeks", "MONTHLY": "months", "YEARLY": "years"}


def _nth_zh(n: int) -> str:
    return _ZH_NTH.get(n) or (f"倒数第{-n}个" if n < 0 else f"第{n}个")


def _nth_en(n: int) -> str:
    return _EN_NTH.get(n) or (f"{-n}th from last" if n < 0 else f"{n}th")


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _zh(rule: Rule, start: datetime | None, until: datetime | None) -> str:
    by = dict(rule.by)
    out = _ZH_EVERY[rule.freq] if rule.interval == 1 else f"每{rule.interval}{_ZH_UNIT[rule.freq]}"
    if "BYMONTH" in by:
        out += "、".join(f"{m}月" for m in by["BYMONTH"])
    elif rule.freq == "YEARLY" and start is not None and not rule.byday:
        out += f"{start.month}月"
    days = [f"{_nth_zh(n)}{_ZH_DAY[d]}" if n else _ZH_DAY[d] for n, d in rule.byday]
    if days:
        every = rule.freq in ("MONTHLY", "YEARLY") and not any(n for n, _d in rule.byday)
        of = "的" if rule.interval > 1 and rule.freq != "WEEKLY" else ""
        out += ("的每个" if every else of) + "、".join(days)
    elif "BYMONTHDAY" in by:
        out += "、".join(
            "最后一天" if d == -1 else f"倒数第{-d}天" if d < 0 else f"{d}日" for d in by["BYMONTHDAY"]
        )
    elif start is not None and rule.freq == "WEEKLY":
        out += _ZH_DAY[WEEKDAYS[start.weekday()]]
    elif start is not None and rule.freq in ("MONTHLY", "YEARLY"):
        out += f"{start.day}日"
    if start is not None:
        out += f" {start:%H:%M}"
    if rule.count is not None:
        out += f"，共{rule.count}次"
    elif until is not None:
        out += f"，至{until.year}年{until.month}月{until.day}日"
    return out


def _en(rule: Rule, start: datetime | None, until: datetime | None) -> str:
    by = dict(rule.by)
    out = _EN_EVERY[rule.freq] if rule.interval == 1 else f"Every {rule.interval} {_EN_UNIT[rule.freq]}"
    months = [_EN_MONTH[m - 1] for m in by.get("BYMONTH", ())]
    if not months and rule.freq == "YEARLY" and start is not None and not rule.byday:
        months = [_EN_MONTH[start.month - 1]]
    days = [f"the {_nth_en(n)} {_EN_DAY[d]}" if n else _EN_DAY[d] for n, d in rule.byday]
    dates = [d for d in by.get("BYMONTHDAY", () if start is None else (start.day,)) if d > 0]
    if rule.freq == "YEARLY" and months and not days and dates:
        out += " on " + _and([f"{d} {m}" for m in months for d in dates])
        months = []
    elif days:
        every = rule.freq in ("MONTHLY", "YEARLY") and not any(n for n, _d in rule.byday)
        out += " on " + ("every " if every else "") + _and(days)
    elif "BYMONTHDAY" in by:
        named = [
            "the last day" if d == -1 else f"day {-d} from the end" if d < 0 else f"day {d}"
            for d in by["BYMONTHDAY"]
        ]
        out += " on " + _and(named)
    elif start is not None and rule.freq == "WEEKLY":
        out += f" on {_EN_DAY[WEEKDAYS[start.weekday()]]}"
    elif start is not None and rule.freq in ("MONTHLY", "YEARLY"):
        out += f" on day {start.day}"
    if months:
        out += " in " + _and(months)
    if start is not None:
        out += f" at {start:%H:%M}"
    if rule.count is not None:
        out += f", {rule.count} times" if rule.count != 1 else ", once"
    elif until is not None:
        out += f", until {until.day} {_EN_MONTH[until.month - 1]} {until.year}"
    return out


def rule_in_words(
    rule: Rule | str, locale: str, start: datetime | None = None, zone_name: str = DEFAULT_ZONE
) -> str:
    """The rule as a sentence in ``locale`` (``zh_CN`` or ``en``). ``start``: the series' first
    start (an aware instant or a wall-clock time in ``zone_name``), for the hour and for the day a
    rule without BYDAY or BYMONTHDAY falls on."""
    chinese = locale.startswith("zh")
    try:
        parsed = rule if isinstance(rule, Rule) else parse_rule(rule, zone_name)
        local = None if start is None else (to_local(start, zone_name) if start.tzinfo else start)
        until = None if parsed.until is None else to_local(parsed.until, zone_name)
    except (InvalidRule, UnknownTimeZone):
        return "按自定义规则重复" if chinese else "Repeats by a custom rule"
    if parsed.freq not in _ZH_EVERY or any(name not in _SAID for name, _v in parsed.by):
        return "按自定义规则重复" if chinese else "Repeats by a custom rule"
    return _zh(parsed, local, until) if chinese else _en(parsed, local, until)
