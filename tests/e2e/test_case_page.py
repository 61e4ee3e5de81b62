"""The case page in a browser: the mediator schedules a video mediation from it and gets printable
invitations with QR codes; the parties table fits its card at 1280 px and, at phone size, the page
never scrolls sideways, no phone number is cut off and no name stands one character per line."""

from __future__ import annotations

import pytest
from playwright.async_api import Page

from hub.config import Config
from hub.db import Database
from tests.e2e.test_referral_pages import Watch
from tests.rtc.helpers import case_in_mediation
from tests.support.browser import chromium, log_in
from tests.support.server import serve_in_process

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PHONE = {"width": 390, "height": 844}
DESK = {"width": 1280, "height": 900}

# Cells whose content is wider than the cell (cut off), and names taller than two lines.
CLIPPED = """() => [...document.querySelectorAll('[data-testid=parties-table] td')]
  .filter((td) => td.scrollWidth > td.clientWidth + 1).map((td) => td.textContent.trim())"""
NARROW_NAMES = """() => [...document.querySelectorAll('[data-testid=parties-table] td.name strong')]
  .filter((s) => s.getBoundingClientRect().height > 2.5 * parseFloat(getComputedStyle(s).lineHeight || 20))
  .map((s) => s.textContent)"""
SIDEWAYS = "document.documentElement.scrollWidth > window.innerWidth"


async def fits(page: Page) -> None:
    assert await page.evaluate(CLIPPED) == []
    assert await page.evaluate(NARROW_NAMES) == []
    assert not await page.evaluate(SIDEWAYS)
    table = page.get_by_test_id("parties-table")
    card = page.get_by_test_id("case-parties")
    table_box, card_box = await table.bounding_box(), await card.bounding_box()
    assert table_box and card_box
    assert table_box["x"] + table_box["width"] <= card_box["x"] + card_box["width"] + 1


async def test_scheduling_from_the_case_page_and_the_parties_table_at_desk_and_phone_size(
    config: Config, db: Database
) -> None:
    watch = Watch()
    case = await case_in_mediation(db)
    async with serve_in_process(config) as base, chromium() as browser:
        desk = watch.attach(await (await browser.new_context(viewport=DESK)).new_page())
        await log_in(desk, base, case.mediator_username)
        await desk.goto(f"{base}/cases/{case.case_id}")
        await fits(desk)
        link = desk.get_by_test_id("schedule-video")
        assert (await link.inner_text()).strip() == "视频调解"
        await link.click()
        await desk.locator("input[name=start]").fill("2026-12-09T09:30")
        async with desk.expect_navigation():  # the slips page, loaded whole before it is counted
            await desk.get_by_test_id("schedule").click()
        slips = desk.get_by_test_id("slip")
        assert await slips.count() >= 2
        assert await slips.first.locator("svg").count() == 1
        await desk.get_by_test_id("to-session").click()
        await desk.get_by_test_id("session-status").wait_for()

        phone_context = await browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
        phone = watch.attach(await phone_context.new_page())
        await log_in(phone, base, case.mediator_username)
        await phone.goto(f"{base}/cases/{case.case_id}")
        await fits(phone)
        assert await phone.get_by_test_id("party-phone-1").is_visible()
    assert watch.problems == []
