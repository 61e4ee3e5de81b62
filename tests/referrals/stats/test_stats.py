"""Statistics: the figures on known rows, the API, the page, the downloads, and who sees what."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, date, datetime, timedelta
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

import pytest
from aiohttp.test_utils import TestClient

from hub.orm import utcnow
from referrals.stats.stats import CaseRow, ReferralRow, compute, mediator_load, outcome, town_of
from tests.referrals.helpers import Person, case_body

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 11, 1, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
NS = {"x": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


def ref(
    state: str,
    *,
    to: int = 20,
    sent: float = 0,
    accepted: float | None = None,
    decided: float | None = None,
    reached: tuple[str, ...] = (),
    mediator: int | None = None,
) -> ReferralRow:
    """A referral sent ``sent`` days after T0; acceptance due a day later, mediation 30 days later."""
    start = T0 + timedelta(days=sent)
    return ReferralRow(
        id=int(sent * 100) + len(state),
        to_agency_id=to,
        state=state,
        sent_at=start,
        accept_due=start + timedelta(days=1),
        accepted_at=start + timedelta(days=accepted) if accepted is not None else None,
        mediation_due=start + timedelta(days=31),
        decided_at=start + timedelta(days=decided) if decided is not None else None,
        mediator_id=mediator,
        reached=frozenset(reached),
    )


KNOWN = [
    # resolved in 4 days, accepted in time
    CaseRow(1, T0, "neighbour", 5, 10, (ref("resolved", accepted=0.5, decided=4, reached=("accepted",)),)),
    # confirmed and closed, accepted late (after 2 days), decided in 10
    CaseRow(
        2,
        T0 + timedelta(days=1),
        "neighbour",
        5,
        10,
        (ref("closed", sent=1, accepted=2, decided=10, reached=("accepted", "resolved", "confirmed")),),
    ),
    # failed after 40 days: decided after the mediation deadline
    CaseRow(3, T0 + timedelta(days=2), "family", 6, 10, (ref("failed", sent=2, accepted=0.1, decided=40),)),
    # expired, then referred to another body where it is in mediation
    CaseRow(
        4,
        T0 + timedelta(days=2),
        "family",
        None,
        10,
        (ref("expired", sent=2), ref("in_mediation", to=21, sent=4, accepted=0.2, mediator=7)),
    ),
    # never referred
    CaseRow(5, T0 + timedelta(days=3), "labour", 6, 11),
    # outside the period
    CaseRow(6, T0 + timedelta(days=60), "labour", 6, 11),
]


def test_the_figures_on_known_data() -> None:
    result = compute(KNOWN, date(2026, 11, 1), date(2026, 11, 30), SHANGHAI, {5: 50, 6: 50})
    t = result.total
    assert (t.received, t.referred, t.accepted, t.resolved, t.failed, t.confirmed) == (5, 4, 4, 2, 1, 1)
    assert t.resolution_rate == round(2 / 3, 4)
    assert t.avg_days_to_resolve == 7.0  # (4 + 10) / 2
    assert (t.late_acceptance, t.expired, t.late_decision, t.breaches) == (1, 1, 1, 3)

    assert result.by_category["neighbour"].resolved == 2
    assert result.by_category["family"].failed == 1
    assert result.by_category["labour"].referred == 0
    # the handling body: the latest referral's receiver, or the taking-in agency when not referred
    assert {k: v.received for k, v in result.by_agency.items()} == {20: 3, 21: 1, 11: 1}
    assert {k: v.received for k, v in result.by_area.items()} == {50: 4, None: 1}

    by_day = {d.day: (d.received, d.resolved) for d in result.daily}
    assert len(result.daily) == 30
    assert by_day[date(2026, 11, 1)] == (1, 0)
    assert by_day[date(2026, 11, 3)] == (2, 0)
    assert by_day[date(2026, 11, 5)] == (0, 1)  # case 1 decided 4 days after T0
    assert by_day[date(2026, 11, 12)] == (0, 1)  # case 2 decided 10 days after it was sent


@pytest.mark.parametrize(
    ("referrals", "resolved", "failed", "confirmed"),
    [
        ((), False, False, False),
        ((ref("failed"), ref("resolved", sent=1)), True, False, False),  # failed, then settled elsewhere
        ((ref("resolved"), ref("failed", sent=1)), True, False, False),
        ((ref("confirmation_refused", reached=("resolved",)),), True, False, False),
        ((ref("failed"), ref("sent", sent=1)), False, False, False),  # referred again, still open
        ((ref("closed", reached=("confirmed",)),), True, False, True),
    ],
)
def test_a_case_outcome(
    referrals: tuple[ReferralRow, ...], resolved: bool, failed: bool, confirmed: bool
) -> None:
    o = outcome(CaseRow(1, T0, "other", None, 10, referrals))
    assert (o.resolved, o.failed, o.confirmed) == (resolved, failed, confirmed)


def test_local_days_decide_the_period() -> None:
    late_evening = CaseRow(1, datetime(2026, 11, 30, 17, 0, tzinfo=UTC), "other", None, 1)  # 01:00 on 1 Dec
    assert compute([late_evening], date(2026, 11, 1), date(2026, 11, 30), SHANGHAI).total.received == 0
    assert compute([late_evening], date(2026, 12, 1), date(2026, 12, 1), SHANGHAI).total.received == 1
    with pytest.raises(ValueError):
        compute([], date(2026, 12, 2), date(2026, 12, 1), SHANGHAI)


def test_mediator_load_counts_open_referrals_only() -> None:
    pairs = [(7, "accepted"), (7, "in_mediation"), (7, "resolved"), (8, "in_mediation"), (None, "accepted")]
    assert mediator_load(pairs) == {7: 2, 8: 1}


def test_areas_are_grouped_by_town() -> None:
    parents = {1: None, 2: 1, 3: 2, 4: 3}
    levels = {1: "district", 2: "town", 3: "village", 4: "grid"}
    assert [town_of(a, parents, levels) for a in (1, 2, 3, 4)] == [1, 2, 2, 2]


# --- through the app --------------------------------------------------------------------------------


async def test_an_outsiders_stats_do_not_include_other_stations_cases(client: TestClient) -> None:
    outsider = await Person.login(client, "liaison_ps02")
    _, before = await outsider.get("/api/v1/stats")
    _, cases = await outsider.get("/api/v1/cases?limit=500")
    start = date.fromisoformat(before["start"])
    in_period = [
        c
        for c in cases["items"]
        if datetime.fromisoformat(c["created_at"]).astimezone(SHANGHAI).date() >= start
    ]
    assert before["total"]["received"] == len(in_period)

    police = await Person.login(client, "liaison_ps01")
    _, mine_before = await police.get("/api/v1/stats")
    status, _ = await police.post("/api/v1/cases", case_body())
    assert status == 201
    _, mine_after = await police.get("/api/v1/stats")
    assert mine_after["total"]["received"] == mine_before["total"]["received"] + 1

    outsider = await Person.login(client, "liaison_ps02")
    _, after = await outsider.get("/api/v1/stats")
    assert after["total"] == before["total"]
    assert "城关派出所派驻人民调解工作室" not in [g["name"] for g in after["by_agency"]]


async def test_a_supervisor_sees_the_subtree(client: TestClient) -> None:
    station = await Person.login(client, "liaison_ps01")
    _, own = await station.get("/api/v1/stats")
    bureau = await Person.login(client, "psb_supervisor")
    _, subtree = await bureau.get("/api/v1/stats")
    assert subtree["total"]["received"] > own["total"]["received"]


async def test_a_bad_period_is_refused(client: TestClient) -> None:
    person = await Person.login(client, "liaison_ps01")
    status, body = await person.get("/api/v1/stats?start=2026-11-10&end=2026-11-01")
    assert status == 422
    status, body = await person.get("/api/v1/stats?start=2020-01-01&end=2026-11-01")
    assert status == 422


def _sheet_rows(data: bytes) -> list[list[str]]:
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        names = set(book.namelist())
        assert {
            "[Content_Types].xml",
            "_rels/.rels",
            "xl/workbook.xml",
            "xl/_rels/workbook.xml.rels",
            "xl/worksheets/sheet1.xml",
        } <= names
        ElementTree.fromstring(book.read("xl/workbook.xml"))
        sheet = ElementTree.fromstring(book.read("xl/worksheets/sheet1.xml"))
    rows = []
    for row in sheet.iterfind(".//x:sheetData/x:row", NS):
        cells = []
        for c in row.iterfind("x:c", NS):
            text = c.find("x:is/x:t", NS) if c.get("t") == "inlineStr" else c.find("x:v", NS)
            cells.append(text.text or "" if text is not None else "")
        rows.append(cells)
    return rows


async def test_the_csv_and_the_xlsx_read_back_with_the_same_figures(client: TestClient) -> None:
    await Person.login(client, "psb_supervisor")
    today = utcnow().astimezone(SHANGHAI).date()  # the demo's cases are dated relative to "now"
    query = f"?start={today - timedelta(days=364)}&end={today}"
    api = await (await client.get(f"/api/v1/stats{query}")).json()

    response = await client.get(f"/stats.csv{query}")
    assert response.status == 200 and response.content_type == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    raw = await response.read()
    assert raw.startswith(b"\xef\xbb\xbf")
    csv_rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))

    response = await client.get(f"/stats.xlsx{query}")
    assert response.status == 200
    xlsx_rows = _sheet_rows(await response.read())

    assert (
        len(csv_rows)
        == len(xlsx_rows)
        == 1 + 1 + len(api["by_category"]) + len(api["by_agency"]) + len(api["by_area"])
    )
    total = api["total"]
    expected = [total[k] for k in ("received", "referred", "accepted", "resolved", "failed", "confirmed")]
    assert total["received"] > 0  # the demo's cases are inside the period
    for rows in (csv_rows, xlsx_rows):
        assert [int(float(v)) for v in rows[1][2:8]] == expected
        assert int(float(rows[1][13])) == total["breaches"]
    by_category = {g["name"]: g["received"] for g in api["by_category"]}
    for rows in (csv_rows, xlsx_rows):
        exported = {r[1]: int(float(r[2])) for r in rows[2 : 2 + len(by_category)]}
        assert exported == by_category


async def test_the_page_draws_its_charts_without_style_attributes(client: TestClient) -> None:
    await Person.login(client, "liaison_ps01")
    response = await client.get("/stats")
    assert response.status == 200
    page = await response.text()
    assert page.count("<svg") == 2
    assert "style=" not in page
    assert "/stats.csv" in page and "/stats.xlsx" in page


async def test_the_downloads_are_in_the_openapi_document(client: TestClient) -> None:
    document = await (await client.get("/api/v1/openapi.json")).json()
    assert "/stats.csv" in document["paths"] and "/stats.xlsx" in document["paths"]
    assert "/api/v1/stats" in document["paths"]
