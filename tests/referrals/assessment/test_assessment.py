"""The assessment against the database: the page's and the API's figures, the 台账 XLSX row by row,
the subsidy's sums, each checked with queries of its own; incident counts; who may change what."""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile
from collections import Counter
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

from aiohttp.test_utils import TestClient
from sqlalchemy import distinct, func, select

from hub.db import Database
from hub.documents import fonts_available
from hub.models import Agency, AgencyKind, User
from hub.orm import utcnow
from referrals.assessment import subsidy
from referrals.models import Case, FollowUp, Party, Referral, ReferralEvent
from referrals.stats.stats import AGREED
from tests.referrals.helpers import Person
from tests.support.web import csrf_token

SHANGHAI = ZoneInfo("Asia/Shanghai")
NS = {"x": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


def period() -> tuple[date, date, datetime, datetime]:
    end = utcnow().astimezone(SHANGHAI).date()
    start = end - timedelta(days=364)
    first = datetime.combine(start, datetime.min.time(), SHANGHAI)
    last = datetime.combine(end + timedelta(days=1), datetime.min.time(), SHANGHAI)
    return start, end, first, last


def sheet(data: bytes) -> list[list[str]]:
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        root = ElementTree.fromstring(book.read("xl/worksheets/sheet1.xml"))
    rows = []
    for row in root.iterfind(".//x:sheetData/x:row", NS):
        cells: dict[int, str] = {}
        for c in row.iterfind("x:c", NS):
            ref = "".join(ch for ch in c.get("r", "") if ch.isalpha())
            index = 0
            for ch in ref:
                index = index * 26 + ord(ch) - 64
            text = c.find("x:is/x:t", NS) if c.get("t") == "inlineStr" else c.find("x:v", NS)
            cells[index - 1] = (text.text or "") if text is not None else ""
        width = max(cells) + 1 if cells else 0
        rows.append([cells.get(i, "") for i in range(width)])
    return rows


async def test_the_assessment_agrees_with_the_database(client: TestClient, db: Database) -> None:
    start, end, first, last = period()
    await Person.login(client, "admin")
    response = await client.get(f"/api/v1/assessment?start={start}&end={end}")
    assert response.status == 200
    out = await response.json()

    window = (Case.created_at >= first) & (Case.created_at < last)
    async with db.read() as s:
        taken_in = await s.scalar(select(func.count(Case.id)).where(window))
        referred = await s.scalar(
            select(func.count(distinct(Referral.case_id)))
            .join(Case, Case.id == Referral.case_id)
            .where(window)
        )
        per_station = dict(
            (
                await s.execute(
                    select(Case.created_agency_id, func.count(Case.id))
                    .join(Agency, Agency.id == Case.created_agency_id)
                    .where(window, Agency.kind == AgencyKind.police_station)
                    .group_by(Case.created_agency_id)
                )
            ).all()
        )
        confirmed = await s.scalar(
            select(func.count(distinct(Referral.case_id)))
            .join(Case, Case.id == Referral.case_id)
            .outerjoin(ReferralEvent, ReferralEvent.referral_id == Referral.id)
            .where(window, (Referral.state == "confirmed") | (ReferralEvent.to_state == "confirmed"))
        )
        visited = await s.scalar(
            select(func.count(distinct(FollowUp.case_id)))
            .join(Case, Case.id == FollowUp.case_id)
            .join(Referral, Referral.case_id == Case.id)
            .where(window, FollowUp.done_at.is_not(None), Referral.state.in_(list(AGREED)))
        )
    total = out["total"]
    assert total["taken_in"] == taken_in and taken_in > 0
    assert total["referred"] == referred
    assert total["confirmed"] == confirmed
    assert total["followed_up"] == visited
    assert {int(g["key"]): g["taken_in"] for g in out["by_station"]} == per_station
    # Each breakdown sums back to the total, both ways.
    assert sum(g["taken_in"] for g in out["by_town"]) == total["taken_in"]
    assert sum(g["referred"] for g in out["by_body"]) == total["referred"]
    assert sum(g["resolved"] for g in out["by_body"]) == total["resolved"]
    assert [g["rank"] for g in out["by_station"]] == sorted(g["rank"] for g in out["by_station"])

    # The XLSX export carries the same figures: the total row, then each ranked group.
    rows = sheet(await (await client.get(f"/assessment.xlsx?start={start}&end={end}")).read())
    assert len(rows) == 2 + len(out["by_station"]) + len(out["by_town"]) + len(out["by_body"])
    assert [int(float(v)) for v in rows[1][3:5]] == [total["taken_in"], total["referred"]]
    stations = {r[2]: int(float(r[3])) for r in rows[2 : 2 + len(out["by_station"])]}
    assert stations == {g["name"]: g["taken_in"] for g in out["by_station"]}


async def test_the_ledger_lists_every_case_as_the_database_has_it(client: TestClient, db: Database) -> None:
    start, end, first, last = period()
    await Person.login(client, "admin")
    response = await client.get(f"/assessment/ledger.xlsx?start={start}&end={end}")
    assert response.status == 200
    assert "attachment" in response.headers["Content-Disposition"]
    rows = sheet(await response.read())
    header, body = rows[0], rows[1:]
    assert header[:6] == ["序号", "登记日期", "案件编号", "警情号", "纠纷类型", "当事人"]
    column = {name: i for i, name in enumerate(header)}

    async with db.read() as s:
        cases = {
            c.number: c
            for c in (
                await s.scalars(select(Case).where(Case.created_at >= first, Case.created_at < last))
            ).all()
        }
        latest: dict[int, Referral] = {}
        for r in (await s.scalars(select(Referral).order_by(Referral.id))).all():
            latest[r.case_id] = r
        names = dict((await s.execute(select(Agency.id, Agency.name))).all())
        people = dict((await s.execute(select(User.id, User.display_name))).all())
        parties = Counter((await s.scalars(select(Party.case_id))).all())
    assert len(body) == len(cases) > 0
    assert [int(float(r[0])) for r in body] == list(range(1, len(body) + 1))
    for row in body:
        row = row + [""] * (len(header) - len(row))
        case = cases[row[column["案件编号"]]]
        assert row[column["登记日期"]] == case.created_at.astimezone(SHANGHAI).date().isoformat()
        assert row[column["警情号"]] == case.incident_no
        assert row[column["纠纷简要情况"]] == case.summary
        named = row[column["当事人"]]
        # A grid worker's report may name nobody yet: an empty cell, no parties.
        assert (named.count("、") + named.count("；") + 1 if named else 0) == parties.get(case.id, 0)
        referral = latest.get(case.id)
        assert row[column["受理单位"]] == (names[referral.to_agency_id] if referral else "")
        assert row[column["调解员"]] == (
            people[referral.mediator_id] if referral and referral.mediator_id else ""
        )
        if referral is None:
            assert row[column["调解结果"]] == "未移交"
        elif referral.state in AGREED:
            assert row[column["调解结果"]] == "调解成功" and row[column["是否司法确认"]] in (
                "是",
                "否",
                "已申请",
                "不予确认",
            )
        elif referral.state == "failed":
            assert row[column["调解结果"]] == "调解不成功"
    dates = [r[column["登记日期"]] for r in body]
    assert dates == sorted(dates)


async def test_the_subsidy_sums_agree_with_the_settled_cases(client: TestClient, db: Database) -> None:
    start, end, first, last = period()
    admin = await Person.login(client, "admin")
    status, _ = await admin.post("/api/v1/assessment/subsidy/levels", {})
    assert status == 405  # levels are replaced with PUT
    levels = [
        {"code": "simple", "name": "简易", "amount": "50"},
        {"code": "ordinary", "name": "一般", "amount": "150"},
        {"code": "hard", "name": "疑难", "amount": "300"},
        {"code": "major", "name": "重大", "amount": "600"},
    ]
    response = await client.put(
        "/api/v1/assessment/subsidy/levels", json={"levels": levels}, headers={"X-CSRF-Token": admin.csrf}
    )
    assert response.status == 200
    amounts = {lv["code"]: Decimal(lv["amount"]) for lv in levels}

    async with db.read() as s:
        settled = (
            await s.execute(
                select(Referral.case_id, Referral.mediator_id, Referral.decided_at, Referral.id)
                .where(
                    Referral.state.in_(list(AGREED)), Referral.decided_at >= first, Referral.decided_at < last
                )
                .order_by(Referral.decided_at, Referral.id)
            )
        ).all()
        first_settled: dict[int, Any] = {}
        for row in settled:
            first_settled.setdefault(row.case_id, row)
        facts = {
            c.id: (c.category, c.amount, c.group_dispute, len(c.parties))
            for c in (await s.scalars(select(Case).where(Case.id.in_(list(first_settled))))).all()
        }
    assert first_settled, "the demo settles cases within the year"
    chosen = next(iter(first_settled))
    response = await client.put(
        f"/api/v1/cases/{chosen}/difficulty",
        json={"level": "major", "reason": "涉众"},
        headers={"X-CSRF-Token": admin.csrf},
    )
    assert response.status == 200

    expected: dict[tuple[int | None, str], Decimal] = {}
    counts: Counter[tuple[int | None, str]] = Counter()
    for case_id, row in first_settled.items():
        level = "major" if case_id == chosen else subsidy.classify(*facts[case_id])
        key = (row.mediator_id, row.decided_at.astimezone(SHANGHAI).strftime("%Y-%m"))
        expected[key] = expected.get(key, Decimal(0)) + amounts[level]
        counts[key] += 1

    status, out = await admin.get(f"/api/v1/assessment/subsidy?start={start}&end={end}")
    assert status == 200
    found = {(m["mediator_id"], m["month"][:7]): Decimal(str(m["amount"])) for m in out["months"]}
    assert found == expected
    assert {(m["mediator_id"], m["month"][:7]): m["count"] for m in out["months"]} == dict(counts)

    rows = sheet(await (await client.get(f"/assessment/subsidy.xlsx?start={start}&end={end}")).read())
    assert len(rows) == 1 + len(expected)
    assert sum(Decimal(r[-1]) for r in rows[1:]) == sum(expected.values())
    assert sum(int(float(r[-2])) for r in rows[1:]) == len(first_settled)


async def test_incident_counts_make_the_referral_rate(client: TestClient, db: Database) -> None:
    today = utcnow().astimezone(SHANGHAI).date()
    month = today.strftime("%Y-%m")
    async with db.read() as s:
        station = await s.scalar(select(Agency.id).where(Agency.code == "PS01"))
    supervisor = await Person.login(client, "psb_supervisor")
    response = await client.put(
        "/api/v1/assessment/incidents",
        json={"items": [{"agency_id": station, "month": month, "count": 200}]},
        headers={"X-CSRF-Token": supervisor.csrf},
    )
    assert response.status == 200 and (await response.json())["saved"] == 1
    status, out = await supervisor.get(f"/api/v1/assessment?start={today.replace(day=1)}&end={today}")
    assert status == 200
    row = next(g for g in out["by_station"] if g["key"] == str(station))
    assert row["incidents"] == 200
    assert row["referral_rate"] == round(row["referred"] / 200, 4)

    # The page imports a CSV; a line that does not parse imports nothing.
    token = await csrf_token(client, "/assessment/incidents")
    bad = await client.post(
        "/assessment/incidents", data={"_csrf": token, "csv": f"PS01,{month},10\nPS99,{month},3"}
    )
    assert bad.status == 422
    good = await client.post(
        "/assessment/incidents", data={"_csrf": token, "csv": f"站点,月份,警情数\nPS01,{month},120\n"}
    )
    assert good.status == 200 and "incidents-saved" in await good.text()
    status, out = await supervisor.get(f"/api/v1/assessment?start={today.replace(day=1)}&end={today}")
    assert next(g for g in out["by_station"] if g["key"] == str(station))["incidents"] == 120


async def test_who_may_change_the_assessment(client: TestClient, db: Database) -> None:
    async with db.read() as s:
        station = await s.scalar(select(Agency.id).where(Agency.code == "PS02"))
    month = utcnow().astimezone(SHANGHAI).strftime("%Y-%m")
    liaison = await Person.login(client, "liaison_ps01")
    response = await client.put(
        "/api/v1/assessment/incidents",
        json={"items": [{"agency_id": station, "month": month, "count": 5}]},
        headers={"X-CSRF-Token": liaison.csrf},
    )
    assert response.status == 403
    status, _ = await liaison.get("/api/v1/assessment")
    assert status == 200  # everyone who sees cases sees the figures of their cases
    station_admin = await Person.login(client, "station_admin_ps01")
    response = await client.put(
        "/api/v1/assessment/incidents",
        json={"items": [{"agency_id": station, "month": month, "count": 5}]},
        headers={"X-CSRF-Token": station_admin.csrf},
    )
    assert response.status == 403  # another station's count
    response = await client.put(
        "/api/v1/assessment/subsidy/levels",
        json={"levels": [{"code": "simple", "name": "简易", "amount": "1"}]},
        headers={"X-CSRF-Token": station_admin.csrf},
    )
    assert response.status == 403  # the district's table, set by the bureaus


async def test_the_page_draws_its_charts_and_the_pdf_reads_back(client: TestClient, tmp_path: Path) -> None:
    start, end, _first, _last = period()
    await Person.login(client, "psb_supervisor")
    response = await client.get(f"/assessment?start={start}&end={end}&rank=success_rate")
    assert response.status == 200
    page = await response.text()
    assert page.count("<svg") == 2 and "style=" not in page
    assert "/assessment/ledger.xlsx" in page and "/assessment.pdf" in page
    assert fonts_available() and shutil.which("pdftotext")
    response = await client.get(f"/assessment.pdf?start={start}&end={end}")
    assert response.status == 200 and response.content_type == "application/pdf"
    path = tmp_path / "assessment.pdf"
    path.write_bytes(await response.read())
    text = "".join(
        subprocess.run(
            ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout.split()
    )
    assert "公调对接工作考核排名" in text and "派出所" in text


async def test_the_subsidy_page_sets_levels_and_a_cases_difficulty(client: TestClient, db: Database) -> None:
    start, end, first, last = period()
    await Person.login(client, "supervisor")  # the justice bureau's
    response = await client.get(f"/assessment/subsidy?start={start}&end={end}")
    assert response.status == 200
    page = await response.text()
    assert "levels-form" in page and "subsidy-cases" in page
    token = await csrf_token(client, "/assessment/subsidy")
    form = {"_csrf": token, "code": ["simple", "major"], "name": ["简易", "重大"], "amount": ["80", "-1"]}
    bad = await client.post(
        "/assessment/subsidy/levels",
        data=[(k, v) for k, vs in form.items() for v in (vs if isinstance(vs, list) else [vs])],
    )
    assert bad.status == 422
    form["amount"] = ["80", "900"]
    good = await client.post(
        "/assessment/subsidy/levels",
        data=[(k, v) for k, vs in form.items() for v in (vs if isinstance(vs, list) else [vs])],
    )
    assert good.status == 200  # followed the redirect back to the page
    async with db.read() as s:
        case_id = await s.scalar(
            select(Referral.case_id)
            .where(Referral.state.in_(list(AGREED)), Referral.decided_at >= first)
            .limit(1)
        )
    response = await client.post(
        f"/assessment/cases/{case_id}/difficulty",
        data={"_csrf": token, "level": "major", "back": "/assessment/subsidy"},
    )
    assert response.status == 200
    out = await (await client.get(f"/api/v1/assessment/subsidy?start={start}&end={end}")).json()
    assert [lv["code"] for lv in out["levels"]] == ["simple", "major"]
    assert sum(m["cases"].get("major", 0) for m in out["months"]) >= 1
