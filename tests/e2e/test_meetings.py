"""A secretary runs a joint liaison meeting in Chromium: she creates a monthly series with two
agencies invited, puts an overdue referral the hub proposes on the agenda, records attendance, a
decision and an action during the meeting, and generates the minutes; the chair approves them;
the PDF downloads and pdftotext shows the title, the attendees, the decision and the action's
owner and due date in Chinese.

During the meeting the page keeps itself up to date: with the secretary's page open (and a note
half typed in it), a second secretary records attendance and decisions, the chair approves the
minutes, and the first page shows it all without a reload, keeping what was being typed."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.async_api import BrowserContext, ConsoleMessage, Page, expect
from sqlalchemy import select

from hub.config import Config
from hub.db import Database
from hub.models import User
from tests.meetings.helpers import SERIES
from tests.support.browser import chromium, log_in
from tests.support.server import serve_in_process

pytestmark = [pytest.mark.browser, pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler")]
TITLE = "城关片区公调对接联席会议"
DECISION = "对超期未受理案件实行挂牌督办"
ACTION = "报送超期案件督办情况"


async def logged_in(context: BrowserContext, base: str, username: str, errors: list[str]) -> Page:
    page = await context.new_page()
    page.on("console", lambda m: _keep_errors(m, errors))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    await log_in(page, base, username)
    return page


def _keep_errors(message: ConsoleMessage, errors: list[str]) -> None:
    url = message.location.get("url", "")
    if message.type == "error" and not url.endswith("/favicon.ico"):
        errors.append(f"{message.text} {url}")


async def names(config: Config, *usernames: str) -> dict[str, str]:
    db = Database(config.database_url)
    try:
        async with db.read() as s:
            rows = await s.execute(
                select(User.username, User.display_name).where(User.username.in_(usernames))
            )
            return dict(rows.all())
    finally:
        await db.dispose()


async def test_a_secretary_runs_a_joint_meeting_and_the_chair_approves_the_minutes(
    config: Config, tmp_path: Path
) -> None:
    errors: list[str] = []
    people = await names(config, "supervisor", "psb_supervisor", "liaison_jb")
    async with serve_in_process(config) as base, chromium() as browser:
        secretary = await logged_in(await browser.new_context(), base, "secretary", errors)
        await secretary.goto(base + "/meetings")
        await secretary.get_by_test_id("new-meeting").click()
        await secretary.get_by_label("标题").fill(TITLE)
        await secretary.get_by_label("首次会议开始时间").fill("2026-12-01T15:00")
        await secretary.get_by_label("提前安排（月数）").fill("6")
        await secretary.get_by_label("地点").fill("区司法局三楼会议室")
        await secretary.get_by_label("主持人").select_option(label=people["supervisor"])
        await secretary.get_by_test_id("invite-agencies").select_option(
            label=["青川区公安分局", "青川区司法局"]
        )
        await secretary.get_by_role("button", name="安排会议").click()
        await secretary.wait_for_url(re.compile(r".*/meetings/\d+$"))
        meeting_url = secretary.url
        assert await secretary.get_by_test_id("meeting-title").inner_text() == TITLE

        # The hub proposes an overdue referral; it goes on the agenda as a case review.
        overdue = secretary.get_by_test_id("proposed-cases").locator('li[data-reasons*="overdue"]').first
        number = await overdue.locator("strong").inner_text()
        async with secretary.expect_navigation():
            await overdue.get_by_role("button").click()
        item = secretary.locator("[data-item]").first
        assert number in await item.locator("h3").inner_text()
        item_id = await item.get_attribute("data-item")

        # During the meeting: everyone present (each tick saves itself), a decision, an action.
        for invitee in await secretary.locator("[data-invitee]").all():
            invitee_id = await invitee.get_attribute("data-invitee")
            async with secretary.expect_navigation():
                await secretary.get_by_test_id(f"attendance-{invitee_id}-present").check()
        assert await secretary.get_by_test_id("meeting-status").inner_text() == "已举行"
        await secretary.get_by_test_id(f"decision-text-{item_id}").fill(DECISION)
        async with secretary.expect_navigation():
            await secretary.get_by_test_id(f"decision-text-{item_id}").press("Enter")
        await secretary.get_by_test_id(f"action-text-{item_id}").fill(ACTION)
        await secretary.get_by_test_id(f"action-owner-{item_id}").select_option(label="青川区公安分局")
        await secretary.get_by_test_id(f"action-due-{item_id}").fill("2026-12-18")
        async with secretary.expect_navigation():
            await secretary.get_by_role("button", name="布置工作任务").first.click()
        assert DECISION in await secretary.get_by_test_id("decision").first.inner_text()
        assert ACTION in await secretary.get_by_test_id("action").first.inner_text()

        await secretary.get_by_test_id("minutes-link").click()
        async with secretary.expect_navigation():  # the draft's page, loaded whole before it is read
            await secretary.get_by_test_id("minutes-assemble").click()
        typed = await secretary.locator("[data-testid=minutes-fields] textarea").evaluate_all(
            "boxes => boxes.map(b => b.value).join('\\n')"
        )
        assert DECISION in typed and "|" not in typed  # sections as fields, never Markdown
        printed = secretary.frame_locator("[data-testid=doc-preview]")
        await expect(printed.get_by_text(DECISION)).to_be_visible()
        # The document's own styles apply in the frame (the page's policy lets exactly them in).
        assert await printed.locator("h1").evaluate("h => getComputedStyle(h).textAlign") == "center"
        # The preview follows the fields as they are typed, before any saving.
        box = secretary.locator("[data-testid=minutes-fields] textarea").last
        await box.fill(await box.input_value() + "\n\n会后补充：各单位月底前反馈。")
        await expect(printed.get_by_text("会后补充：各单位月底前反馈。")).to_be_visible()
        assert await printed.locator("h1").evaluate("h => getComputedStyle(h).textAlign") == "center"

        chair = await logged_in(await browser.new_context(), base, "supervisor", errors)
        await chair.goto(meeting_url + "/minutes")
        async with chair.expect_navigation(url=meeting_url + "/minutes"):
            await chair.get_by_test_id("minutes-approve").click()
        assert await chair.get_by_test_id("minutes-status").inner_text() == "已审定"

        await secretary.reload()
        async with secretary.expect_download() as download_info:
            await secretary.get_by_test_id("minutes-pdf").click()
        download = await download_info.value
        pdf = tmp_path / "minutes.pdf"
        await download.save_as(pdf)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = "".join(text.split())
    assert TITLE + "纪要" in flat
    for name in people.values():
        assert name in flat
    assert DECISION in flat and "青川区公安分局" in flat and "2026年12月18日" in flat
    assert errors == []


async def ids(config: Config, *usernames: str) -> list[int]:
    db = Database(config.database_url)
    try:
        async with db.read() as s:
            found = dict(
                (await s.execute(select(User.username, User.id).where(User.username.in_(usernames)))).all()
            )
            return [found[name] for name in usernames]
    finally:
        await db.dispose()


async def api(page: Page, method: str, path: str, body: dict[str, Any]) -> Any:
    """A call to the JSON API from a logged-in page (its cookies, its CSRF token)."""
    token = await page.locator('meta[name="csrf-token"]').get_attribute("content")
    response = await page.request.fetch(
        "{0.scheme}://{0.netloc}{1}".format(urlsplit(page.url), path),
        method=method,
        data=body,
        headers={"X-CSRF-Token": token or ""},
    )
    assert response.ok, await response.text()
    return await response.json()


async def test_the_meeting_page_shows_what_others_record_without_a_reload(config: Config) -> None:
    errors: list[str] = []
    chair_id, *invited = await ids(config, "supervisor", "psb_supervisor", "liaison_jb")
    async with serve_in_process(config) as base, chromium() as browser:
        first = await logged_in(await browser.new_context(), base, "secretary", errors)
        created = await api(
            first,
            "POST",
            "/api/v1/meetings/series",
            {**SERIES, "chair_id": chair_id, "invite_user_ids": [chair_id, *invited]},
        )
        meeting = created["meetings"][0]["id"]
        item = await api(
            first,
            "POST",
            f"/api/v1/meetings/{meeting}/agenda",
            {"kind": "discussion", "title": "超期案件督办"},
        )
        async with first.expect_response(lambda r: r.url.endswith("/events")):
            await first.goto(f"{base}/meetings/{meeting}")
        await first.evaluate("window.stillTheSamePage = true")
        notes = first.get_by_test_id(f"notes-{item['id']}")
        await notes.click()
        await notes.type("城关所报告：")  # typed, not saved: this part must not be swapped

        second = await logged_in(await browser.new_context(), base, "secretary", errors)
        shown = await api(second, "GET", f"/api/v1/meetings/{meeting}", {})
        invitee = shown["invitees"][0]["id"]
        await api(
            second,
            "POST",
            f"/api/v1/meetings/{meeting}/attendance",
            {"invitee_id": invitee, "status": "present"},
        )
        await expect(first.get_by_test_id(f"attendance-{invitee}-present")).to_be_checked()
        await expect(first.get_by_test_id("meeting-status")).to_have_text("已举行")
        await api(
            second,
            "POST",
            f"/api/v1/meetings/{meeting}/decisions",
            {"text": DECISION, "agenda_item_id": item["id"]},
        )
        await api(second, "POST", f"/api/v1/meetings/{meeting}/decisions", {"text": "下次会议在公安分局召开"})
        decisions = first.get_by_test_id("decision")
        await expect(decisions).to_have_count(2)
        await expect(first.locator(f'[data-item="{item["id"]}"]').get_by_test_id("decision")).to_contain_text(
            DECISION
        )
        # The note being typed is still there, still focused; nothing asked to reload.
        await expect(notes).to_have_value("城关所报告：")
        await expect(notes).to_be_focused()
        await expect(first.get_by_test_id("meeting-changed")).to_be_hidden()

        # Someone saves notes on the very item being typed in: that item waits, and the page says so.
        await api(
            second, "PUT", f"/api/v1/meetings/{meeting}/agenda/{item['id']}/notes", {"notes": "分局补充意见"}
        )
        await expect(first.get_by_test_id("meeting-changed")).to_be_visible()
        await expect(notes).to_have_value("城关所报告：")

        # The chair approves the minutes on her own page; the secretary's page shows it.
        await api(second, "POST", f"/api/v1/meetings/{meeting}/minutes/draft", {})
        chair = await logged_in(await browser.new_context(), base, "supervisor", errors)
        await chair.goto(f"{base}/meetings/{meeting}/minutes")
        async with chair.expect_navigation(url=f"{base}/meetings/{meeting}/minutes"):
            await chair.get_by_test_id("minutes-approve").click()
        await expect(first.get_by_test_id("minutes-link")).to_contain_text("已审定")
        assert await first.evaluate("window.stillTheSamePage") is True
    assert errors == []
