"""Dates, small numbers and money as the printed forms write them. Pure."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from hub.plaintext import day_text

_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_UNITS = ("", "拾", "佰", "仟")
_GROUPS = ("", "万", "亿", "万亿")
_SMALL = "零一二三四五六七八九"
BLANK_DATE = "　　　　年　　月　　日"


def date_cn(value: date | None) -> str:
    """2026年12月8日 (no leading zeros, as on the printed forms); blanks to fill in by hand."""
    return day_text(value) if value else BLANK_DATE


def number_cn(n: int) -> str:
    """1 -> 一, 10 -> 十, 21 -> 二十一, 30 -> 三十 (for item numbers, copies and day counts below 100)."""
    if not 0 < n < 100:
        return str(n)
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _SMALL[tens] + "十")
    return head + (_SMALL[ones] if ones else "")


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def yuan(amount: Decimal) -> str:
    """3500 -> 3500元; 3500.5 -> 3500.50元."""
    value = cents(amount)
    text = f"{value:.0f}" if value == value.to_integral_value() else f"{value:.2f}"
    return f"{text}元"


def figures(amount: Decimal) -> str:
    """5000 -> ¥5,000.00 (the figures beside the capitals)."""
    return f"¥{cents(amount):,.2f}"


def _group_upper(g: int) -> str:
    out, zero = "", False
    for pos in (3, 2, 1, 0):
        d = g // 10**pos % 10
        if d == 0:
            zero = bool(out)
            continue
        if zero:
            out += "零"
            zero = False
        out += _DIGITS[d] + _UNITS[pos]
    return out


def _integer_upper(n: int) -> str:
    groups: list[int] = []
    while n:
        n, g = divmod(n, 10000)
        groups.append(g)
    out, gap = "", False
    for index in reversed(range(len(groups))):
        g = groups[index]
        if g == 0:
            gap = bool(out)
            continue
        if out and (gap or g < 1000):
            out += "零"
        out += _group_upper(g) + _GROUPS[index]
        gap = False
    return out


def rmb_upper(amount: Decimal) -> str:
    """The amount in capital numerals, as on cheques and agreements: 3500 -> 叁仟伍佰元整."""
    total = int(cents(amount) * 100)
    if total < 0:
        raise ValueError("amounts are not negative")
    yuan_part, rest = divmod(total, 100)
    jiao, fen = divmod(rest, 10)
    head = _integer_upper(yuan_part) + "元" if yuan_part else ""
    if not jiao and not fen:
        return (head or "零元") + "整"
    tail = ""
    if jiao:
        tail += _DIGITS[jiao] + "角"
    elif head:
        tail += "零"
    if fen:
        tail += _DIGITS[fen] + "分"
    return head + tail


def rmb(amount: Decimal) -> str:
    """人民币伍仟元整（¥5,000.00）."""
    return f"人民币{rmb_upper(amount)}（{figures(amount)}）"
