"""At phone size (390×844) in Chromium: a grid worker reports a hidden risk with a photo and the
phone's location from /cases/new; the village committee's liaison receives it, and the
committee's mediator settles it; the worker follows it to the end and files the committee's zero
report. Every grid worker page fits the phone's width and weighs under 100 KB."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PIL import Image
from playwright.async_api import Browser, Geolocation, Page, ViewportSize

from hub.config import Config
from hub.demo_data import AGENCY_NAMES
from tests.e2e.test_referral_pages import Watch
from tests.support.browser import chromium, log_in
from tests.support.server import serve_in_process

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PHONE = ViewportSize(width=390, height=844)
PAGE_LIMIT = 100 * 1024
COMMITTEE = AGENCY_NAMES["MC-T01V01"]
HERE = Geolocation(latitude=30.2741, longitude=120.1552, accuracy=20)


async def on_phone(browser: Browser, base: str, username: str, watch: Watch) -> Page:
    context = await browser.new_context(
        viewport=PHONE,
        device_scale_factor=3,
        is_mobile=True,
        has_touch=True,
        geolocation=HERE,
        permissions=["geolocation"],
        locale="zh-CN",
    )
    page = watch.attach(await context.new_page())
    await log_in(page, base, username)
    return page


async def fits_the_phone(page: Page) -> None:
    """No sideways scrolling, and the page with its styles and scripts under 100 KB."""
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide"
    weight = await page.evaluate(
        """() => [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')]
              .reduce((sum, e) => sum + (e.decodedBodySize || 0), 0)"""
    )
    assert 0 < weight < PAGE_LIMIT, f"{page.url} weighs {weight} bytes"


async def test_a_grid_worker_reports_a_risk_from_the_phone_and_the_committee_settles_it(
    config: Config, tmp_path: Path
) -> None:
    watch = Watch()
    photo = tmp_path / "隐患现场.png"
    Image.new("RGB", (120, 90), (90, 140, 60)).save(photo)
    async with serve_in_process(config) as base, chromium() as browser:
        worker = await on_phone(browser, base, "grid_worker01", watch)
        await fits_the_phone(worker)  # the dashboard, with the grid card
        await worker.get_by_test_id("panel-grid").wait_for()

        await worker.goto(base + "/cases/new")
        await worker.wait_for_url(base + "/grid/new")
        await fits_the_phone(worker)
        await worker.get_by_label("隐患", exact=True).check()
        await worker.get_by_label("事项类别").select_option("neighbour")
        await worker.get_by_label("看到或听到的情况").fill("两户村民因院墙滴水争执，一方扬言要拆墙。")
        await worker.get_by_label("地址").fill("幸福社区3组12号")
        await worker.get_by_test_id("locate").click()
        await worker.get_by_test_id("locate-status").filter(has_text="已添加位置").wait_for()
        await worker.locator('input[name="party_name"]').first.fill("周桂兰")
        await worker.get_by_test_id("grid-photos").set_input_files(photo)
        await fits_the_phone(worker)
        await worker.get_by_test_id("grid-submit").click()
        await worker.wait_for_url(re.compile(r".*/grid/items/\d+\?new=1$"))
        await fits_the_phone(worker)
        number = await worker.get_by_test_id("grid-number").inner_text()
        assert await worker.get_by_test_id("grid-receiver").inner_text() == COMMITTEE
        assert await worker.get_by_test_id("grid-photos-count").inner_text() == "1"
        assert "30.274100" in await worker.get_by_test_id("grid-location").inner_text()
        item_url = worker.url.removesuffix("?new=1")

        # The committee's liaison finds it in the queue and accepts it; the mediator settles it.
        liaison = await on_phone(browser, base, "liaison_mc_t01v01", watch)
        await liaison.goto(base + "/referrals")
        await liaison.get_by_role("link", name=number).first.click()
        await liaison.wait_for_url(re.compile(r".*/cases/\d+$"))
        case_url = liaison.url
        await liaison.get_by_test_id("act-accept").click()
        await liaison.get_by_test_id("referral-state").filter(has_text="已受理").wait_for()
        await liaison.get_by_test_id("mediator-choice").select_option(index=0)
        await liaison.get_by_test_id("act-assign_mediator").click()
        await liaison.get_by_test_id("referral-mediator").wait_for()

        mediator = await on_phone(browser, base, "mc_t01v01_mediator", watch)
        await mediator.goto(case_url)
        await mediator.get_by_test_id("act-start_mediation").click()
        await mediator.get_by_test_id("referral-state").filter(has_text="调解中").wait_for()
        await mediator.get_by_test_id("act-resolve").click()
        await mediator.get_by_test_id("referral-state").filter(has_text="调解成功").wait_for()

        await worker.goto(item_url)
        assert await worker.get_by_test_id("grid-state").inner_text() == "调解成功"
        steps = await worker.get_by_test_id("grid-steps").inner_text()
        for step in ("已受理", "调解中", "调解成功"):
            assert step in steps
        await fits_the_phone(worker)
        await worker.goto(base + "/grid")
        assert number in await worker.get_by_test_id("grid-items").inner_text()
        await fits_the_phone(worker)

        # The committee's daily report, from the phone: nothing else to report today.
        await worker.goto(base + "/grid/daily")
        await fits_the_phone(worker)
        async with worker.expect_navigation(url=base + "/grid/daily"):  # the same page, reported
            await worker.get_by_test_id("zero-report").click()
        assert "零报告" in await worker.get_by_test_id("daily-done").inner_text()
        await fits_the_phone(worker)
    assert watch.problems == []
