"""The court at the table, in Chromium: the court's liaison opens its queue, accepts the demo's fresh
application with a case number (案号), asks for a correction (补正); the room sees what is missing,
supplies it and resubmits; the court confirms by its ruling and the room sees the outcome. Another
application is refused; the room takes the case back to mediation and ends it with a new agreement
that all parties confirm, while the refused one stays on file."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Page

from hub.config import Config
from tests.e2e.test_referral_pages import Watch, logged_in
from tests.support.browser import chromium
from tests.support.server import serve_in_process

pytestmark = [pytest.mark.browser, pytest.mark.slow]
CASE_NUMBER = "（2026）浙0106民特501号"


async def open_from_queue(court: Page, base: str, state: str) -> str:
    """Opens the first application in ``state`` from the court's queue; returns its page's URL."""
    await court.goto(base + "/court")
    row = court.locator(f'[data-testid="court-row"][data-state="{state}"]').first
    await row.locator("a").click()
    await court.wait_for_url(re.compile(r".*/cases/\d+/court$"))
    return court.url


async def test_the_court_accepts_asks_for_a_correction_and_confirms_and_the_room_sees_it(
    config: Config,
) -> None:
    watch = Watch()
    async with serve_in_process(config) as base, chromium() as browser:
        court = await logged_in(browser, base, "liaison_court", watch)
        await court.goto(base + "/court")
        assert await court.get_by_test_id("court-queue-warning").count() == 1  # the demo's late one
        url = await open_from_queue(court, base, "confirmation_applied")

        # 受理 without a case number is refused with the reason, then with one it is accepted.
        await court.get_by_test_id("court-accept").click()
        assert "案号" in await court.get_by_test_id("court-error").inner_text()
        watch.problems.clear()  # the refused form answers 422 on purpose
        await court.get_by_test_id("court-case-number-input").fill(CASE_NUMBER)
        await court.get_by_test_id("court-accept").click()
        await court.get_by_test_id("court-case-number").filter(has_text=CASE_NUMBER).wait_for()
        assert re.search(
            r"应于\d{4}-\d{2}-\d{2}前作出决定", await court.get_by_test_id("court-clock").inner_text()
        )

        await court.get_by_test_id("correction-input").fill("请补交租赁合同复印件")
        await court.get_by_test_id("court-correction").click()
        await court.get_by_test_id("correction-note").filter(has_text="租赁合同").wait_for()
        assert await court.get_by_test_id("court-confirm").count() == 0  # waits for the room

        room = await logged_in(browser, base, "liaison_sr01", watch)
        await room.goto(url)
        assert "请补交租赁合同复印件" in await room.get_by_test_id("correction-note").inner_text()
        await room.get_by_test_id("resubmit-input").fill("已补交租赁合同复印件一份")
        await room.get_by_test_id("court-resubmit").click()
        await room.get_by_test_id("correction-reply").filter(has_text="已补交").wait_for()

        await court.goto(url)
        assert await court.get_by_test_id("ruling-number-input").input_value() == CASE_NUMBER
        await court.get_by_test_id("court-confirm").click()
        await court.get_by_test_id("court-outcome").filter(has_text=CASE_NUMBER).wait_for()

        await room.goto(url)
        outcome = await room.get_by_test_id("court-outcome").inner_text()
        assert CASE_NUMBER in outcome
        await room.goto(url.removesuffix("/court") + "/agreement")
        assert CASE_NUMBER in await room.get_by_test_id("court-outcome").inner_text()
    assert watch.problems == []


async def test_a_refusal_goes_back_to_mediation_and_ends_in_a_new_agreement(config: Config) -> None:
    watch = Watch()
    async with serve_in_process(config) as base, chromium() as browser:
        court = await logged_in(browser, base, "liaison_court", watch)
        url = await open_from_queue(court, base, "correction_requested")
        await court.get_by_test_id("refuse-input").fill("协议约定的押金数额与租赁合同不符，权利义务不明确")
        await court.get_by_test_id("court-refuse").click()
        await court.get_by_test_id("court-outcome").filter(has_text="权利义务不明确").wait_for()

        room = await logged_in(browser, base, "liaison_sr01", watch)
        await room.goto(url)
        guidance = await room.get_by_test_id("refusal-guidance").inner_text()
        assert "起诉" in guidance
        await room.get_by_test_id("reopen-reason").fill("双方同意按租赁合同重新核定押金数额")
        await room.get_by_test_id("court-reopen").click()
        await room.get_by_test_id("court-state").filter(has_text="调解").wait_for()

        agreement_url = url.removesuffix("/court") + "/agreement"
        await room.goto(agreement_url)
        await room.locator('textarea[name="facts"]').fill("双方对押金数额重新核对后达成新的协议。")
        await room.get_by_test_id("agreement-save").click()
        await room.wait_for_url(re.compile(r".*/agreement#confirmations$"))
        confirm = room.locator('[data-testid^="confirm-"]')
        for _ in range(await confirm.count()):
            async with room.expect_navigation(url=re.compile(r".*/agreement#confirmations$")):
                await confirm.first.click()
        await room.get_by_test_id("agreement-locked").wait_for()
        await room.get_by_test_id("agreement-resolve").click()
        await room.wait_for_url(agreement_url + "#court")
        assert await room.get_by_test_id("apply-confirmation").count() == 1  # may apply again
        await room.goto(url)
        assert await room.get_by_test_id("court-outcome").count() == 1  # the refusal stays on file
    assert watch.problems == []
