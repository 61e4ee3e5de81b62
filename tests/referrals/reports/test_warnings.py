"""Early warnings: the pure checks (table-driven), the sweep that raises them once, and the page
where supervisors acknowledge them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from aiohttp.test_utils import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from hub.audit import SYSTEM
from hub.db import Database
from hub.early_warnings import EarlyWarning
from hub.events import Outbox
from hub.models import Agency
from hub.permissions import Scope
from referrals.reports import filing
from referrals.reports.checks import (
    CaseFacts,
    CheckSettings,
    PartyFacts,
    ReferralFacts,
    hotspots,
    missed_reports,
    normalise_address,
    repeat_address,
    repeat_parties,
    same_parties,
    stuck,
)
from referrals.reports.sweep import sweep
from tests.referrals.helpers import Person
from tests.support.web import csrf_token

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
SHANGHAI = ZoneInfo("Asia/Shanghai")
A = PartyFacts("王芳", "33010619900101123X")
B = PartyFacts("李雷", "330106198802022348")
C = PartyFacts("韩梅", "")
D = PartyFacts("赵刚", "")


def case(
    id: int,
    days_ago: float,
    address: str = "",
    area: int | None = None,
    parties: tuple[PartyFacts, ...] = (),
    agency: int = 1,
    handler: int | None = None,
) -> CaseFacts:
    return CaseFacts(id, f"QC-{id}", NOW - timedelta(days=days_ago), agency, address, area, parties, handler)


@pytest.mark.parametrize(
    ("address", "normal"),
    [
        ("青川区幸福路 8 号", "青川区幸福路8号"),
        ("青川区幸福路８号", "青川区幸福路8号"),  # full-width digit
        ("青川区某街道某号", ""),  # no house number: not a place
        ("", ""),
        ("Room 3-2, No. 5", "room32no5"),
    ],
)
def test_addresses_are_compared_loosely_and_need_a_house_number(address: str, normal: str) -> None:
    assert normalise_address(address) == normal


@pytest.mark.parametrize(
    ("cases", "expected"),
    [
        # two disputes at one address within 30 days: the later one is flagged
        ([case(1, 20, "幸福路8号"), case(2, 1, "幸福路 8 号")], ["repeat_address:case:2"]),
        # more than 30 days apart: no repeat
        ([case(1, 45, "幸福路8号"), case(2, 1, "幸福路8号")], []),
        # a placeholder address never repeats
        ([case(1, 3, "某街道某号"), case(2, 1, "某街道某号")], []),
        # three at one place: the second and the third
        (
            [case(1, 9, "幸福路8号"), case(2, 5, "幸福路8号"), case(3, 1, "幸福路8号")],
            ["repeat_address:case:2", "repeat_address:case:3"],
        ),
        # different addresses
        ([case(1, 3, "幸福路8号"), case(2, 1, "幸福路9号")], []),
    ],
)
def test_repeat_disputes_at_one_address(cases: list[CaseFacts], expected: list[str]) -> None:
    assert [f.key for f in repeat_address(cases, NOW, days=30)] == expected


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ((A, B), (B, C), True),  # a shared ID number
        ((C, D), (D, C), True),  # the same pair of names
        ((C, D), (C, PartyFacts("孙浩")), False),  # one name in common is not the same pair
        ((PartyFacts("王芳", ""), D), (PartyFacts("王芳", ""), C), False),
        ((PartyFacts("x", "33010619900101123X"),), (PartyFacts("y", "33010619900101123X"),), True),
    ],
)
def test_same_parties_means_a_shared_id_number_or_the_same_pair_of_names(
    a: tuple[PartyFacts, ...], b: tuple[PartyFacts, ...], same: bool
) -> None:
    assert same_parties(case(1, 1, parties=a), case(2, 1, parties=b)) is same


@pytest.mark.parametrize(
    ("cases", "days", "expected"),
    [
        ([case(1, 10, parties=(A, B)), case(2, 1, parties=(B, C))], 30, ["repeat_parties:case:2"]),
        ([case(1, 10, parties=(A, B)), case(2, 1, parties=(B, C))], 7, []),
        ([case(1, 10, parties=(C, D)), case(2, 1, parties=(D, C))], 30, ["repeat_parties:case:2"]),
        ([case(1, 10, parties=(A,)), case(2, 1, parties=(C, D))], 30, []),
    ],
)
def test_repeat_disputes_between_the_same_parties(
    cases: list[CaseFacts], days: int, expected: list[str]
) -> None:
    assert [f.key for f in repeat_parties(cases, NOW, days=days)] == expected


@pytest.mark.parametrize(
    ("cases", "expected"),
    [
        # three in one grid cell within 7 days: the third makes it hot
        ([case(1, 6, area=9), case(2, 3, area=9), case(3, 1, area=9)], ["hotspot:area:9:case:3"]),
        # a fourth while still hot is not a new hotspot
        (
            [case(1, 6, area=9), case(2, 3, area=9), case(3, 2, area=9), case(4, 1, area=9)],
            ["hotspot:area:9:case:3"],
        ),
        # spread over more than 7 days: never three at once
        ([case(1, 13, area=9), case(2, 6, area=9), case(3, 0.5, area=9)], []),
        # in different areas, or with no area
        ([case(1, 3, area=9), case(2, 2, area=8), case(3, 1), case(4, 1)], []),
    ],
)
def test_hotspots(cases: list[CaseFacts], expected: list[str]) -> None:
    assert [f.key for f in hotspots(cases, NOW, min_cases=3, days=7)] == expected


def test_a_hotspot_names_its_area_and_reaches_both_sides() -> None:
    cases = [case(i, i, area=9, agency=1, handler=2) for i in (3, 2, 1)]
    (found,) = hotspots(cases, NOW, area_names={9: "幸福社区第一网格"})
    assert found.params["area"] == "幸福社区第一网格" and found.params["count"] == 3
    assert found.agency_ids == (1, 2)


def referral(state: str, idle_days: float, id: int = 7) -> ReferralFacts:
    return ReferralFacts(id, 70, "QC-70", state, 2, 1, NOW - timedelta(days=idle_days))


@pytest.mark.parametrize(
    ("referrals", "count"),
    [
        ([referral("in_mediation", 15)], 1),
        ([referral("accepted", 20)], 1),
        ([referral("in_mediation", 13)], 0),
        ([referral("resolved", 40)], 0),  # closed states never get stuck
        ([referral("sent", 30), referral("failed", 30, id=8)], 1),
    ],
)
def test_cases_stuck_in_an_open_state(referrals: list[ReferralFacts], count: int) -> None:
    found = stuck(referrals, NOW, days=14)
    assert len(found) == count
    assert all(f.agency_ids == (2,) for f in found)


@pytest.mark.parametrize(
    ("reported", "past_due", "expected"),
    [
        ({1}, True, ["missed_report:agency:2:2026-11-28", "missed_report:agency:3:2026-11-28"]),
        ({1, 2, 3}, True, []),
        (set(), False, []),  # before the deadline, nobody has missed it
    ],
)
def test_missed_reports(reported: set[int], past_due: bool, expected: list[str]) -> None:
    agencies = {1: "甲所", 2: "乙所", 3: "丙室"}
    found = missed_reports(agencies, reported, date(2026, 11, 28), past_due)
    assert [f.key for f in found] == expected


def test_settings_refuse_nonsense() -> None:
    with pytest.raises(ValueError):
        CheckSettings(hotspot_min_cases=1)
    assert CheckSettings().lookback_days == 30


# --- the sweep ------------------------------------------------------------------------------------


async def missed(db: Database, day: str) -> list[int | None]:
    async with db.read() as s:
        rows = await s.scalars(
            select(EarlyWarning.agency_id).where(
                EarlyWarning.kind == "missed_report", EarlyWarning.key.like(f"%:{day}")
            )
        )
        return list(rows.all())


@pytest.mark.pg
async def test_after_six_the_sweep_raises_one_missed_report_warning_per_agency(db: Database) -> None:
    day = date(2030, 3, 4)
    async with db.write() as s:
        office = await s.scalar(select(Agency.id).where(Agency.code == "JO01"))
        assert office is not None
        await filing.file_report(
            s,
            SYSTEM,
            Scope(None),
            filing.ReportInput("zero", office),
            now=datetime(2030, 3, 4, 9, 0, tzinfo=SHANGHAI),
            zone=SHANGHAI,
            outbox=Outbox(),
        )
        expected = await filing.reporting_agencies(s, None)

    before = await sweep(db, datetime(2030, 3, 4, 17, 59, tzinfo=SHANGHAI))
    assert before["missed_report"] == 0
    first = await sweep(db, datetime(2030, 3, 4, 18, 1, tzinfo=SHANGHAI))
    second = await sweep(db, datetime(2030, 3, 4, 18, 2, tzinfo=SHANGHAI))

    agencies = await missed(db, day.isoformat())
    assert first["missed_report"] == len(expected) - 1
    assert second["missed_report"] == 0
    assert sorted(agencies) == sorted(a for a in expected if a != office)  # one each, JO01 none


@pytest.mark.pg
async def test_the_sweep_raises_each_warning_once(db: Database) -> None:
    await sweep(db, NOW)
    async with db.read() as s:
        count = await s.scalar(select(func.count(EarlyWarning.id)))
    again = await sweep(db, NOW)
    async with db.read() as s:
        assert await s.scalar(select(func.count(EarlyWarning.id))) == count
    assert not any(again.values())


# --- the page -------------------------------------------------------------------------------------


@pytest.mark.pg
async def test_a_supervisor_sees_the_demo_warnings_and_acknowledges_one(client: TestClient) -> None:
    supervisor = await Person.login(client, "supervisor")
    status, listing = await supervisor.get("/api/v1/warnings")
    assert status == 200
    kinds = {w["kind"] for w in listing["items"]}
    assert {"repeat_address", "repeat_parties", "hotspot"} <= kinds
    hotspot = next(w for w in listing["items"] if w["kind"] == "hotspot")
    assert "幸福社区第一网格" in hotspot["text"]

    page = await client.get("/warnings?kind=hotspot")
    assert page.status == 200
    text = await page.text()
    assert f'action="/warnings/{hotspot["id"]}/acknowledge"' in text
    token = await csrf_token(client, "/warnings")
    response = await client.post(
        f"/warnings/{hotspot['id']}/acknowledge",
        data={"_csrf": token, "note": "已安排联合走访", "kind": "hotspot"},
        allow_redirects=False,
    )
    assert response.status == 303 and response.headers["Location"] == "/warnings?kind=hotspot"
    _, listing = await supervisor.get("/api/v1/warnings?kind=hotspot")
    assert hotspot["id"] not in [w["id"] for w in listing["items"]]


@pytest.mark.pg
async def test_a_supervisor_cannot_acknowledge_a_warning_outside_their_scope(client: TestClient) -> None:
    police_side = await Person.login(client, "psb_supervisor")
    _, listing = await police_side.get("/api/v1/warnings?kind=repeat_address")
    station_warning = listing["items"][0]

    justice_side = await Person.login(client, "supervisor")
    _, theirs = await justice_side.get("/api/v1/warnings?kind=repeat_address")
    assert station_warning["id"] not in [w["id"] for w in theirs["items"]]
    status, body = await justice_side.post(
        f"/api/v1/warnings/{station_warning['id']}/acknowledge", {"note": "不是我的"}
    )
    assert status == 403
    assert body["error"]["code"] == "out_of_scope"


def _naive_repeat_parties(cases: list[CaseFacts], now: datetime, days: int = 30) -> list[tuple[int, str]]:
    """Every case against every earlier one: the definition the indexed check must keep."""
    from referrals.reports.checks import same_parties

    window = timedelta(days=days)
    ordered = sorted(
        (c for c in cases if now - 2 * window <= c.created_at <= now), key=lambda c: (c.created_at, c.id)
    )
    out = []
    for i, case in enumerate(ordered):
        if case.created_at < now - window:
            continue
        earlier = [
            c for c in ordered[:i] if case.created_at - c.created_at <= window and same_parties(case, c)
        ]
        if earlier:
            out.append((case.id, ", ".join(c.number for c in earlier)))
    return out


@given(
    st.lists(
        st.tuples(
            st.integers(0, 70),  # days ago
            st.lists(
                st.tuples(
                    st.sampled_from("王芳 李雷 张伟 刘洋 陈静".split()), st.sampled_from(["", "1234", "5678"])
                ),
                max_size=3,
            ),
        ),
        max_size=25,
    )
)
@settings(max_examples=150, deadline=None)
def test_the_indexed_repeat_check_finds_exactly_what_comparing_every_pair_finds(rows) -> None:  # type: ignore[no-untyped-def]
    now = datetime(2026, 11, 29, 8, tzinfo=UTC)
    cases = [
        CaseFacts(
            n + 1,
            f"QC-{n + 1}",
            now - timedelta(days=ago, minutes=n),
            1,
            parties=tuple(PartyFacts(name, f"33010619900101{num}" if num else "") for name, num in parties),
        )
        for n, (ago, parties) in enumerate(rows)
    ]
    got = [(f.case_id, f.params["previous"]) for f in repeat_parties(cases, now)]
    assert got == _naive_repeat_parties(cases, now)


async def test_a_mediation_past_its_deadline_is_warned_of_once(client: TestClient, db: Database) -> None:
    from hub.orm import utcnow
    from referrals.models import Referral
    from referrals.sweeps import warn_overdue_mediation
    from tests.referrals.agreements.test_agreements import case_in_mediation

    _case_id, rid, _parties = await case_in_mediation(client)
    now = utcnow()
    await warn_overdue_mediation(db, now)  # the demo's overdue ones, if any, first
    async with db.write() as s:
        referral = await s.get(Referral, rid)
        assert referral is not None
        referral.mediation_due = now - timedelta(hours=1)
    assert await warn_overdue_mediation(db, now) == 1
    assert await warn_overdue_mediation(db, now) == 0  # no second warning for the same deadline
    async with db.read() as s:
        keys = (
            await s.scalars(select(EarlyWarning.key).where(EarlyWarning.key.like(f"%:referral:{rid}:%")))
        ).all()
    assert len(keys) == 1 and keys[0].startswith("overdue_mediation:")
