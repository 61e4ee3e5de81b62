"""The terms of an agreement read as natural sentences, whatever their kind; last days inclusive."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from referrals.agreements import terms
from referrals.agreements.terms import Kind
from referrals.models import AgreementTerm

NAMES = {1: "王芳", 2: "李明", 3: "青川某装饰有限公司", 4: "张三", 5: "李四"}
DAY = date(2026, 12, 20)


def term(**fields: Any) -> AgreementTerm:
    defaults: dict[str, Any] = {
        "obligor_party_id": 1,
        "obligee_party_id": None,
        "description": "",
        "amount": None,
        "due_date": None,
        "method": "",
        "place": "",
        "instalments": [],
    }
    return AgreementTerm(**{**defaults, **fields})


@pytest.mark.parametrize(
    ("fields", "text"),
    [
        (
            {
                "kind": "payment",
                "obligee_party_id": 2,
                "description": "赔偿款",
                "amount": Decimal(5000),
                "due_date": DAY,
                "method": "transfer",
            },
            "王芳于2026年12月20日前（含当日）向李明支付赔偿款人民币伍仟元整（¥5,000.00），以银行转账方式支付。",
        ),
        (
            {
                "kind": "payment",
                "obligee_party_id": 2,
                "description": "支付维修费",
                "amount": Decimal("1500.5"),
                "due_date": DAY,
                "method": "cash",
                "place": "东湖街道人民调解委员会",
            },
            "王芳于2026年12月20日前（含当日）向李明支付维修费人民币壹仟伍佰元伍角（¥1,500.50），"
            "在东湖街道人民调解委员会以现金方式支付。",
        ),
        (
            {"kind": "payment", "obligee_party_id": 2, "description": "", "amount": Decimal(800)},
            "王芳向李明支付款项人民币捌佰元整（¥800.00）。",
        ),
        (
            {"kind": "act", "obligee_party_id": 3, "description": "配合拆除橱柜", "due_date": DAY},
            "王芳于2026年12月20日前（含当日）配合拆除橱柜。",
        ),
        (
            {"kind": "act", "description": "恢复院墙原状", "due_date": DAY, "place": "青川区幸福路8号"},
            "王芳于2026年12月20日前（含当日）在青川区幸福路8号恢复院墙原状。",
        ),
        (
            {"kind": "omission", "obligor_party_id": 2, "description": "在楼道堆放杂物"},
            "李明今后不得在楼道堆放杂物。",
        ),
        (
            {"kind": "omission", "obligor_party_id": 2, "description": "不得在楼道堆放杂物。"},
            "李明今后不得在楼道堆放杂物。",
        ),
        (
            {"kind": "omission", "obligor_party_id": 2, "description": "在22时后弹奏钢琴", "due_date": DAY},
            "李明自2026年12月20日起不得在22时后弹奏钢琴。",
        ),
        (
            {
                "kind": "apology",
                "obligor_party_id": 4,
                "obligee_party_id": 5,
                "description": "赔礼道歉",
                "due_date": date(2026, 12, 10),
            },
            "张三于2026年12月10日前（含当日）向李四赔礼道歉。",
        ),
        (
            {"kind": "apology", "obligor_party_id": 4, "obligee_party_id": 5, "description": "当面"},
            "张三当面向李四赔礼道歉。",
        ),
        (
            {"kind": "apology", "obligor_party_id": 4, "obligee_party_id": 5, "description": "以书面形式"},
            "张三以书面形式向李四赔礼道歉。",
        ),
        ({"kind": "other", "description": "双方今后和睦相处"}, "双方今后和睦相处。"),
    ],
)
def test_each_kind_of_term_reads_as_a_sentence(fields: dict[str, Any], text: str) -> None:
    assert terms.sentence(term(**fields), NAMES) == text


def test_an_act_for_an_organisation_never_reads_to_it_before_the_verb() -> None:
    text = terms.sentence(
        term(kind="act", obligee_party_id=3, description="配合拆除橱柜", due_date=DAY), NAMES
    )
    assert "向青川某装饰有限公司配合" not in text


def test_instalments_are_listed_each_with_its_last_day_and_amount() -> None:
    t = term(
        kind="payment",
        obligee_party_id=2,
        description="赔偿款",
        method="transfer",
        instalments=[{"due": "2027-01-20", "amount": "3000"}, {"due": "2026-12-20", "amount": "2000.00"}],
    )
    assert terms.sentence(t, NAMES) == (
        "王芳向李明支付赔偿款人民币伍仟元整（¥5,000.00），分两期支付："
        "第一期于2026年12月20日前（含当日）支付人民币贰仟元整（¥2,000.00）；"
        "第二期于2027年1月20日前（含当日）支付人民币叁仟元整（¥3,000.00）。以上款项均以银行转账方式支付。"
    )
    assert terms.last_day(t) == date(2027, 1, 20)
    assert (
        terms.performance_line(1, t, NAMES)
        == "第一项由王芳以银行转账方式分两期于2027年1月20日前（含当日）履行完毕"
    )


@pytest.mark.parametrize(
    ("fields", "text"),
    [
        (
            {"kind": "payment", "amount": Decimal(5), "due_date": DAY, "method": "transfer"},
            "第二项由王芳以银行转账方式于2026年12月20日前（含当日）履行完毕",
        ),
        ({"kind": "act", "description": "修复防水层"}, "第二项由王芳自本协议生效之日起履行"),
        ({"kind": "omission", "description": "堆放杂物"}, "第二项由王芳自本协议生效之日起持续遵守"),
        (
            {"kind": "apology", "description": "", "due_date": DAY, "place": "东湖派出所"},
            "第二项由王芳在东湖派出所于2026年12月20日前（含当日）履行完毕",
        ),
    ],
)
def test_the_manner_and_time_of_performance_of_each_kind(fields: dict[str, Any], text: str) -> None:
    assert terms.performance_line(2, term(**fields), NAMES) == text


@pytest.mark.parametrize(
    ("description", "amount", "kind"),
    [
        ("支付维修费", Decimal(1), Kind.payment),
        ("当面赔礼道歉", None, Kind.apology),
        ("不得再骚扰对方", None, Kind.omission),
        ("修复卫生间防水层", None, Kind.act),
    ],
)
def test_a_term_without_a_kind_gets_one_from_its_text(
    description: str, amount: Decimal | None, kind: Kind
) -> None:
    assert terms.infer_kind(description, amount) == kind
    assert terms.kind_of(term(kind=None, description=description, amount=amount)) == kind


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    kind=st.sampled_from(list(Kind)),
    description=st.text(alphabet="修复拆除围墙赔偿款道歉不得堆放", max_size=12),
    amount=st.none() | st.decimals(min_value=0, max_value=10**9, places=2),
    due=st.none() | st.dates(min_value=date(2020, 1, 1), max_value=date(2040, 12, 31)),
    obligee=st.sampled_from([None, 2, 3]),
)
def test_every_sentence_ends_once_and_writes_a_last_day_inclusive(
    kind: Kind, description: str, amount: Decimal | None, due: date | None, obligee: int | None
) -> None:
    t = term(kind=kind, description=description, amount=amount, due_date=due, obligee_party_id=obligee)
    text = terms.sentence(t, NAMES)
    if kind == Kind.other and not description:
        assert text == ""
        return
    assert text.endswith("。") and not text.endswith("。。")
    assert "前向" not in text or kind in (Kind.payment, Kind.apology)
    if due and kind in (Kind.payment, Kind.act, Kind.apology):
        assert f"{due.year}年{due.month}月{due.day}日前（含当日）" in text
    assert "（即" not in text
