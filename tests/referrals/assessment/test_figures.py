"""The assessment's pure parts: the figures per group, the ranking, the ledger's rows, the subsidy."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from referrals.assessment import figures, ledger, subsidy
from referrals.assessment.figures import AssessRow, Visit, assess, months, ranking
from referrals.stats.stats import CaseRow, ReferralRow

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
NOW = T0 + timedelta(days=60)
STATION_A, STATION_B, ROOM, BODY, VILLAGE = 1, 2, 20, 21, 30
TOWN_A, TOWN_B = 100, 200


def ref(
    state: str,
    *,
    to: int = ROOM,
    sent: float = 0,
    accepted: float | None = None,
    decided: float | None = None,
    reached: tuple[str, ...] = (),
) -> ReferralRow:
    start = T0 + timedelta(days=sent)
    return ReferralRow(
        id=int(sent * 1000) + to,
        to_agency_id=to,
        state=state,
        sent_at=start,
        accept_due=start + timedelta(days=1),
        accepted_at=start + timedelta(hours=accepted) if accepted is not None else None,
        mediation_due=start + timedelta(days=30),
        decided_at=start + timedelta(days=decided) if decided is not None else None,
        reached=frozenset(reached),
    )


ROWS = [
    # A: resolved, confirmed, visited twice, the last visit found it performed
    AssessRow(
        CaseRow(
            1,
            T0,
            "neighbour",
            11,
            STATION_A,
            (ref("closed", accepted=2, decided=5, reached=("accepted", "resolved", "confirmed")),),
        ),
        (Visit(T0 + timedelta(days=10), "partly"), Visit(T0 + timedelta(days=20), "performed")),
    ),
    # A: resolved, never visited
    AssessRow(
        CaseRow(
            2,
            T0,
            "family",
            11,
            STATION_A,
            (ref("resolved", sent=1, accepted=4, decided=6, reached=("accepted",)),),
        )
    ),
    # A: failed
    AssessRow(CaseRow(3, T0, "family", 12, STATION_A, (ref("failed", sent=1, accepted=6, decided=8),))),
    # A: still in mediation, past its mediation deadline at NOW
    AssessRow(CaseRow(4, T0, "labour", 12, STATION_A, (ref("in_mediation", to=BODY, accepted=30),))),
    # A: never referred
    AssessRow(CaseRow(5, T0, "other", 12, STATION_A)),
    # B: resolved at the specialised body, visited, not performed
    AssessRow(
        CaseRow(
            6,
            T0,
            "labour",
            21,
            STATION_B,
            (ref("resolved", to=BODY, accepted=1, decided=3, reached=("accepted",)),),
        ),
        (Visit(T0 + timedelta(days=9), "not_performed"), Visit(None)),
    ),
    # a village committee took this one in: not a station
    AssessRow(CaseRow(7, T0, "neighbour", 21, VILLAGE)),
    # outside the period
    AssessRow(CaseRow(8, T0 + timedelta(days=40), "other", 11, STATION_A)),
]
TOWNS = {11: TOWN_A, 12: TOWN_A, 21: TOWN_B}


def run() -> figures.Assessment:
    return assess(
        ROWS,
        date(2026, 11, 1),
        date(2026, 11, 30),
        now=NOW,
        zone=SHANGHAI,
        town_of_area=TOWNS,
        incidents={STATION_A: 40, STATION_B: 10},
        station_town={STATION_A: TOWN_A, STATION_B: TOWN_B},
        stations=frozenset({STATION_A, STATION_B}),
    )


def test_the_figures_of_a_station_on_known_rows() -> None:
    a = run().by_station[STATION_A]
    assert (a.taken_in, a.referred, a.incidents) == (5, 4, 40)
    assert a.referral_rate == 0.1
    assert (a.resolved, a.failed, a.success_rate) == (2, 1, round(2 / 3, 4))
    assert (a.followed_up, a.followup_rate) == (1, 0.5)
    assert (a.performed, a.performance_rate) == (1, 1.0)
    assert (a.confirmed, a.confirmation_rate) == (1, 0.5)
    assert a.hours_to_accept == round((2 + 4 + 6 + 30) / 4, 1)
    assert a.overdue == 2  # case 4: accepted after its day, and past its mediation deadline at NOW


def test_the_total_towns_and_bodies() -> None:
    result = run()
    assert result.total.taken_in == 7  # the village committee's case counts in the total
    assert set(result.by_station) == {STATION_A, STATION_B}
    assert result.by_town[TOWN_A].taken_in == 5 and result.by_town[TOWN_A].incidents == 40
    assert result.by_town[TOWN_B].taken_in == 2 and result.by_town[TOWN_B].incidents == 10
    body = result.by_body[BODY]
    assert (body.taken_in, body.resolved, body.visited, body.performed) == (2, 1, 1, 0)
    assert body.performance_rate == 0.0 and body.incidents is None and body.referral_rate is None
    assert sum(g.taken_in for g in result.by_town.values()) == result.total.taken_in


def test_every_case_counts_once_in_each_breakdown() -> None:
    result = run()
    assert sum(g.referred for g in result.by_body.values()) == result.total.referred
    assert sum(g.taken_in for g in result.by_station.values()) == result.total.taken_in - 1


def test_a_ranking_puts_the_best_first_and_ties_share_a_rank() -> None:
    groups = {
        1: figures.Group(taken_in=3, resolved=1),
        2: figures.Group(taken_in=2, resolved=1, failed=1),
        3: figures.Group(taken_in=1),
        4: figures.Group(taken_in=4, resolved=2),
    }
    ranked = ranking(groups, "success_rate")
    assert [(r, k) for r, k, _g in ranked] == [(1, 4), (1, 1), (3, 2), (4, 3)]
    assert [k for _r, k, _g in ranking(groups, "overdue")] == [4, 1, 2, 3]
    with pytest.raises(ValueError):
        ranking(groups, "nonsense")


def test_a_period_touches_its_months() -> None:
    assert months(date(2026, 11, 15), date(2027, 1, 3)) == [
        date(2026, 11, 1),
        date(2026, 12, 1),
        date(2027, 1, 1),
    ]


def test_the_ledger_writes_a_case_as_bureaus_keep_it() -> None:
    case = ledger.LedgerCase(
        number="QC2026-0001",
        created_at=datetime(2026, 11, 30, 17, 0, tzinfo=UTC),  # 1 December in Shanghai
        incident_no="J1",
        category_name="邻里纠纷",
        parties=(("applicant", "王芳"), ("respondent", "李雷"), ("respondent", "张三")),
        summary="漏水",
        address="幸福路8号",
        source="城关派出所",
        receiver="城关派出所派驻人民调解工作室",
        mediator="赵调解",
        state="confirmed",
        agreed_amount=Decimal("1500.50"),
        confirmation="confirmed",
        visits=((datetime(2026, 12, 20, tzinfo=UTC), "performed"),),
        closed_at=datetime(2026, 12, 5, tzinfo=UTC),
        flags=("group_dispute",),
        onward=1,
    )
    header, rows = ledger.table([case], SHANGHAI)
    assert header[:3] == ["序号", "登记日期", "案件编号"] and len(header) == len(rows[0])
    row = dict(zip(header, rows[0], strict=True))
    assert row["登记日期"] == "2026-12-01"
    assert row["当事人"] == "申请人：王芳；被申请人：李雷、张三"
    assert row["调解结果"] == "调解成功" and row["是否司法确认"] == "是"
    assert row["协议金额（元）"] == 1500.5
    assert row["回访情况"] == "已回访1次，已履行"
    assert row["备注"] == "群体性纠纷；移交2次"


@pytest.mark.parametrize(
    ("category", "amount", "group", "parties", "level"),
    [
        ("neighbour", None, False, 2, "simple"),
        ("neighbour", Decimal("1000"), False, 2, "ordinary"),
        ("family", None, False, 3, "ordinary"),
        ("labour", None, False, 2, "hard"),
        ("neighbour", Decimal("20000"), False, 2, "hard"),
        ("neighbour", None, True, 2, "major"),
        ("neighbour", Decimal("100000"), False, 2, "major"),
        ("medical", None, False, 10, "major"),
    ],
)
def test_a_settled_case_is_classified_by_rule(
    category: str, amount: Decimal | None, group: bool, parties: int, level: str
) -> None:
    assert subsidy.classify(category, amount, group, parties) == level


def test_the_subsidy_sums_per_mediator_per_month() -> None:
    def settled(
        case_id: int, mediator: int | None, day: datetime, rule: str, chosen: str | None = None
    ) -> subsidy.SettledCase:
        return subsidy.SettledCase(case_id, f"C{case_id}", mediator, day, rule, chosen)

    nov = datetime(2026, 11, 10, tzinfo=UTC)
    dec_local = datetime(2026, 11, 30, 17, 0, tzinfo=UTC)  # 1 December in Shanghai
    cases = [
        settled(1, 7, nov, "simple"),
        settled(2, 7, nov, "simple", "hard"),  # a person's choice replaces the rule's
        settled(3, 7, dec_local, "major"),
        settled(4, 8, nov, "ordinary"),
        settled(5, None, nov, "gone"),  # a level since removed: counted, no amount
    ]
    sums = subsidy.sums(cases, subsidy.amounts(subsidy.DEFAULT_LEVELS), SHANGHAI)
    found = {(m.mediator_id, m.month): (m.cases, m.amount) for m in sums}
    assert found == {
        (7, date(2026, 11, 1)): ({"simple": 1, "hard": 1}, Decimal("600")),
        (8, date(2026, 11, 1)): ({"ordinary": 1}, Decimal("200")),
        (None, date(2026, 11, 1)): ({"gone": 1}, Decimal("0")),
        (7, date(2026, 12, 1)): ({"major": 1}, Decimal("1000")),
    }
    assert [m.month for m in sums] == sorted(m.month for m in sums)


def test_a_level_refuses_a_negative_amount() -> None:
    with pytest.raises(ValueError):
        subsidy.Level("x", "x", Decimal("-1"))
