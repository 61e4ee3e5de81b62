"""The statutory calendar's page and API: everyone reads a year; only the platform operator enters
one; in December the dashboard warns when next year's holidays are missing."""

from __future__ import annotations

import re
from datetime import date

import pytest
from aiohttp.test_utils import TestClient

from hub.workdays import BUILTIN
from tests.support.web import csrf_token, login

# The first year the chinese-calendar package does not know, and a December morning before it.
UNKNOWN = next(y for y in range(2020, 2100) if not BUILTIN.knows(y))
DECEMBER_BEFORE = f"{UNKNOWN - 1}-12-07T10:00:00+08:00"


async def test_anyone_reads_a_years_holidays(client: TestClient) -> None:
    await login(client, "liaison_ps01")
    response = await client.get("/api/v1/calendar/2026")
    assert response.status == 200
    year = await response.json()
    assert year["known"] is True
    days = {d["day"]: d for d in year["days"]}
    assert days["2026-10-01"] == {
        "day": "2026-10-01",
        "working": False,
        "name": "国庆节",
        "origin": "package",
    }
    assert days["2026-10-10"]["working"] is True  # the Saturday worked for the National Day
    assert "2026-10-12" not in days  # an ordinary Monday is not listed


@pytest.mark.pg
async def test_only_the_platform_operator_enters_a_year(client: TestClient) -> None:
    body = {"days": [{"day": f"{UNKNOWN}-01-01", "working": False, "name": "元旦"}], "source": "通知"}
    csrf = await login(client, "psb_admin")
    refused = await client.put(f"/api/v1/calendar/{UNKNOWN}", json=body, headers={"X-CSRF-Token": csrf})
    assert refused.status == 403

    client.session.cookie_jar.clear()
    csrf = await login(client, "admin")
    before = await (await client.get(f"/api/v1/calendar/{UNKNOWN}")).json()
    assert before["known"] is False
    saved = await client.put(f"/api/v1/calendar/{UNKNOWN}", json=body, headers={"X-CSRF-Token": csrf})
    assert saved.status == 200, await saved.text()
    year = await saved.json()
    assert year["known"] is True and year["source"] == "通知"
    assert {"day": f"{UNKNOWN}-01-01", "working": False, "name": "元旦", "origin": "administrator"} in year[
        "days"
    ]

    wrong_year = {"days": [{"day": f"{UNKNOWN + 1}-01-01", "working": False}]}
    response = await client.put(
        f"/api/v1/calendar/{UNKNOWN}", json=wrong_year, headers={"X-CSRF-Token": csrf}
    )
    assert response.status == 422
    assert (await client.get("/api/v1/calendar/1999")).status == 422


async def test_the_admin_page_keeps_a_bad_line_and_saves_good_ones(client: TestClient) -> None:
    await login(client, "admin")
    page = await client.get(f"/admin/calendar?year={UNKNOWN}")
    assert page.status == 200 and 'data-testid="unknown-year"' in await page.text()
    csrf = await csrf_token(client, f"/admin/calendar?year={UNKNOWN}")
    typed = f"{UNKNOWN}-01-01 休 元旦\n{UNKNOWN}-13-01 休 不存在"
    bad = await client.post("/admin/calendar", data={"_csrf": csrf, "year": str(UNKNOWN), "days": typed})
    html = await bad.text()
    assert bad.status == 422 and "第2行" in html and f"{UNKNOWN}-13-01 休 不存在" in html  # nothing lost

    good = f"{UNKNOWN}-01-01 休 元旦\n{UNKNOWN}-02-06 班 春节"
    saved = await client.post(
        "/admin/calendar", data={"_csrf": csrf, "year": str(UNKNOWN), "days": good}, allow_redirects=False
    )
    assert saved.status == 303
    html = await (await client.get(saved.headers["Location"])).text()
    assert 'data-testid="saved"' in html and 'data-testid="unknown-year"' not in html
    table = html.split('data-testid="calendar-days"', 1)[1]
    assert re.search(rf"{UNKNOWN}-01-01</td><td>休息日</td>\s*<td>元旦", table)
    assert date(UNKNOWN, 2, 6).weekday() < 5 or "工作日" in table


@pytest.mark.clock(DECEMBER_BEFORE)
async def test_in_december_the_dashboard_warns_of_next_years_missing_holidays(client: TestClient) -> None:
    await login(client, "admin")
    html = await (await client.get("/")).text()
    assert 'data-testid="calendar-missing"' in html and f"{UNKNOWN}年的法定节假日安排尚未录入" in html
    client.session.cookie_jar.clear()
    await login(client, "liaison_ps01")  # the warning is for those who can act on it
    assert 'data-testid="calendar-missing"' not in await (await client.get("/")).text()


@pytest.mark.clock(f"{UNKNOWN - 1}-11-30T10:00:00+08:00")
async def test_before_december_there_is_no_warning(client: TestClient) -> None:
    await login(client, "admin")
    assert 'data-testid="calendar-missing"' not in await (await client.get("/")).text()
