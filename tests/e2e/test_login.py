"""A demo liaison logs in through the real login page in Debian's Chromium and sees a Chinese
dashboard; switching to English works; the page stays usable on a phone-sized screen."""

import pytest

from hub.config import Config
from tests.support.browser import chromium, log_in
from tests.support.server import serve_in_process

pytestmark = pytest.mark.browser


async def test_a_liaison_logs_in_sees_chinese_and_switches_to_english(config: Config) -> None:
    async with serve_in_process(config) as base, chromium() as browser:
        page = await browser.new_page(locale="en-US")  # the browser's language does not override the default
        await page.goto(base + "/")
        assert page.url.startswith(base + "/login")
        await page.get_by_label("用户名").fill("liaison_ps01")
        await page.get_by_label("密码").fill("gongtiao-demo")
        await page.get_by_role("button", name="登录").click()
        await page.wait_for_url(base + "/")
        assert await page.get_by_test_id("dashboard-title").inner_text() == "工作台"
        assert "派出所" in await page.get_by_test_id("who").inner_text()

        async with page.expect_navigation():  # back to the same page, now in English
            await page.get_by_test_id("lang-en").click()
        assert await page.get_by_test_id("dashboard-title").inner_text() == "Dashboard"
        assert await page.evaluate("document.documentElement.lang") == "en"
        # The choice sticks to the person: a fresh browser context logs in to English.
        context = await browser.new_context()
        second = await context.new_page()
        await second.goto(base + "/login")
        await second.get_by_label("用户名").fill("liaison_ps01")
        await second.get_by_label("密码").fill("gongtiao-demo")
        await second.get_by_role("button", name="登录").click()
        await second.wait_for_url(base + "/")
        assert await second.get_by_test_id("dashboard-title").inner_text() == "Dashboard"

        # The dashboard's live feed names what happened, never its event code.
        await page.goto(base + "/")
        admin = await (await browser.new_context()).new_page()
        await log_in(admin, base, "admin")
        csrf = await admin.evaluate("document.querySelector('meta[name=csrf-token]').content")
        made = await admin.request.post(
            base + "/api/v1/agencies",
            data={"code": "FEED01", "name": "测试新所", "kind": "police_station"},
            headers={"X-CSRF-Token": csrf},
        )
        assert made.status == 201, await made.text()
        item = page.locator("#live-feed .feed li").first
        await item.filter(has_text="测试新所").wait_for()
        text = await item.inner_text()
        assert "New agency" in text and "agency.created" not in text


async def test_a_wrong_password_shows_a_clear_message_and_the_menu_folds_on_a_phone(config: Config) -> None:
    async with serve_in_process(config) as base, chromium() as browser:
        page = await browser.new_page(viewport={"width": 375, "height": 740}, is_mobile=True)
        await page.goto(base + "/login")
        await page.get_by_label("用户名").fill("liaison_ps01")
        await page.get_by_label("密码").fill("not-the-password")
        await page.get_by_role("button", name="登录").click()
        assert await page.get_by_test_id("login-error").inner_text() == "用户名或密码错误。"
        await page.get_by_label("密码").fill("gongtiao-demo")
        await page.get_by_role("button", name="登录").click()
        await page.wait_for_url(base + "/")
        nav = page.locator("#mainnav")
        assert not await nav.is_visible()
        await page.get_by_role("button", name="菜单").click()
        assert await nav.is_visible()
        # No console errors from CSP violations or scripts.
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375
