"""The terms of an agreement (协议内容) as sentences, one kind of obligation at a time. Pure.

Kinds (``Kind``):

- payment: 王芳于2026年12月20日前（含当日）向李明支付赔偿款人民币伍仟元整（¥5,000.00），以银行转账方式支付。
  The description names what is paid (赔偿款, 维修费); in instalments each is listed with its
  last day and amount.
- act: 王芳于2026年12月20日前（含当日）配合拆除橱柜。 The description is the act, obligee included
  where it matters (向谢东退回所购家电): the builder never forces "向Y" before a verb.
- omission: 李明今后不得在楼道堆放杂物。 (自…起不得… with a date.)
- apology: 张三于2026年12月10日前（含当日）当面向李四赔礼道歉。 The description is the manner, if any.
- other: the description, as written.

Last days are written inclusive ("…前（含当日）"): "…前" alone leaves the day itself in doubt.
A term is anything with the attributes of ``TermLike`` (a saved ``AgreementTerm`` or a new one).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any, Protocol

from referrals.agreements.numerals import date_cn, number_cn, rmb


class Kind(StrEnum):
    payment = "payment"
    act = "act"
    omission = "omission"
    apology = "apology"
    other = "other"


class Method(StrEnum):
    """How money changes hands (the place and instalments are apart)."""

    transfer = "transfer"
    cash = "cash"


MANNER = {Method.transfer: "以银行转账方式支付", Method.cash: "以现金方式支付"}
_END = "。；;，, "
_PAY_VERBS = ("支付", "给付")
_NOT = ("今后不得", "今后不再", "不得", "不再")


class TermLike(Protocol):
    @property
    def kind(self) -> str | None: ...
    @property
    def obligor_party_id(self) -> int: ...
    @property
    def obligee_party_id(self) -> int | None: ...
    @property
    def description(self) -> str: ...
    @property
    def amount(self) -> Decimal | None: ...
    @property
    def due_date(self) -> date | None: ...
    @property
    def method(self) -> str | None: ...
    @property
    def place(self) -> str | None: ...
    @property
    def instalments(self) -> Sequence[Mapping[str, Any]] | None: ...


def infer_kind(description: str, amount: Decimal | None, instalments: bool = False) -> Kind:
    """The kind of a term written before kinds existed (or sent without one)."""
    text = description.strip()
    if amount is not None or instalments:
        return Kind.payment
    if "道歉" in text:
        return Kind.apology
    if text.startswith(_NOT):
        return Kind.omission
    return Kind.act


def kind_of(term: TermLike) -> Kind:
    if term.kind and term.kind in Kind.__members__:
        return Kind(term.kind)
    return infer_kind(term.description or "", term.amount, bool(term.instalments))


def count_cn(n: int) -> str:
    """A count of things: 两 for 2 (分两期), else as ``number_cn``."""
    return "两" if n == 2 else number_cn(n)


def by(day: date | None) -> str:
    """于2026年12月20日前（含当日）, or nothing without a day."""
    return f"于{date_cn(day)}前（含当日）" if day else ""


def at(place: str | None) -> str:
    place = (place or "").strip()
    return f"在{place}" if place else ""


def _clean(text: str) -> str:
    return (text or "").strip().rstrip(_END)


def instalments_of(term: TermLike) -> list[tuple[date, Decimal]]:
    """(last day, amount) of each instalment, in order of the days."""
    rows = []
    for row in term.instalments or ():
        due, amount = row.get("due"), row.get("amount")
        if due and amount is not None:
            rows.append((date.fromisoformat(str(due)), Decimal(str(amount))))
    return sorted(rows)


def total(term: TermLike) -> Decimal | None:
    """The amount owed: as given, or the sum of the instalments."""
    if term.amount is not None:
        return Decimal(term.amount)
    parts = instalments_of(term)
    return sum((a for _d, a in parts), Decimal(0)) if parts else None


def manner(term: TermLike) -> str:
    """以银行转账方式支付 / 在东湖调解室以现金方式支付 / 在…支付, or nothing."""
    method = term.method or ""
    if method == Method.transfer:
        return MANNER[Method.transfer]
    if method == Method.cash:
        return at(term.place) + MANNER[Method.cash]
    return at(term.place) + "支付" if (term.place or "").strip() else ""


def _payment(term: TermLike, who: str, to: str) -> str:
    what = _clean(term.description)
    for verb in _PAY_VERBS:
        what = what.removeprefix(verb)
    what = what or "款项"
    amount = total(term)
    money = rmb(amount) if amount is not None else ""
    how = manner(term)
    to = f"向{to}" if to else ""
    parts = instalments_of(term)
    if not parts:
        return f"{who}{by(term.due_date)}{to}支付{what}{money}" + (f"，{how}" if how else "") + "。"
    steps = "；".join(
        f"第{number_cn(i)}期{by(due)}支付{rmb(amount)}" for i, (due, amount) in enumerate(parts, start=1)
    )
    tail = f"以上款项均{how}。" if how else ""
    return f"{who}{to}支付{what}{money}，分{count_cn(len(parts))}期支付：{steps}。{tail}"


def sentence(term: TermLike, names: Mapping[int, str]) -> str:
    """The term as one sentence of the agreement (ends with 。)."""
    who = names.get(term.obligor_party_id, "")
    to = names.get(term.obligee_party_id, "") if term.obligee_party_id else ""
    kind = kind_of(term)
    text = _clean(term.description)
    if kind == Kind.payment:
        return _payment(term, who, to)
    if kind == Kind.omission:
        for word in _NOT:
            if text.startswith(word):
                text = text.removeprefix(word)
                break
        since = f"自{date_cn(term.due_date)}起" if term.due_date else "今后"
        return f"{who}{since}不得{text}。"
    if kind == Kind.apology:
        how = text.replace("赔礼道歉", "").replace("道歉", "").strip("，, ")
        if to and how.startswith(f"向{to}"):
            how = how.removeprefix(f"向{to}")
        toward = f"向{to}" if to else ""
        return f"{who}{by(term.due_date)}{at(term.place)}{how}{toward}赔礼道歉。"
    if kind == Kind.other:
        return text + "。" if text else ""
    return f"{who}{by(term.due_date)}{at(term.place)}{text}。"


def last_day(term: TermLike) -> date | None:
    """The day by which the whole term is performed (the last instalment's, for instalments)."""
    parts = instalments_of(term)
    return parts[-1][0] if parts else term.due_date


def performance_line(position: int, term: TermLike, names: Mapping[int, str]) -> str:
    """履行方式、时限 of one term: 第一项由王芳以银行转账方式分三期履行，于…前（含当日）履行完毕."""
    who = names.get(term.obligor_party_id, "")
    kind = kind_of(term)
    if kind == Kind.omission:
        since = f"自{date_cn(term.due_date)}起" if term.due_date else "自本协议生效之日起"
        return f"第{number_cn(position)}项由{who}{since}持续遵守"
    how = ""
    if kind == Kind.payment:
        how = manner(term).removesuffix("支付")
        parts = instalments_of(term)
        if len(parts) > 1:
            how += f"分{count_cn(len(parts))}期"
    elif kind in (Kind.act, Kind.apology):
        how = at(term.place)
    day = last_day(term)
    when = f"{by(day)}履行完毕" if day else "自本协议生效之日起履行"
    return f"第{number_cn(position)}项由{who}{how}{when}"
