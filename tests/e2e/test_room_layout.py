"""The room as people see it, on a laptop (1280×900) and on a phone (390×844), with real WebRTC:
the waiting party is told kindly to wait, once in the check panel is gone and everyone's video is
on the first screen, the controls are real buttons, the chat says 发送 (not 移送), and a poor link
offers sound only."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, Page

from hub.config import Config
from hub.db import Database
from tests.e2e.test_video_room import enter, receives_video_from, wait_js
from tests.rtc.helpers import case_in_mediation
from tests.support.browser import MEDIA_FLAGS, chromium, log_in
from tests.support.server import serve_in_process

pytestmark = [pytest.mark.browser, pytest.mark.rtc, pytest.mark.slow]
LAPTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
SLOW = 90_000  # ms: three browsers with live video on a shared two-core machine can stall for long


async def _schedule(mediator: Page, base: str, case_id: int) -> tuple[int, list[tuple[int, str]]]:
    """A session with two parties through the API, as the session page does; their join links."""
    csrf = await mediator.locator("meta[name=csrf-token]").get_attribute("content") or ""
    headers = {"X-CSRF-Token": csrf}
    guests = [{"role": "party", "name": "王芳"}, {"role": "party", "name": "李雷"}]
    response = await mediator.request.post(
        f"{base}/api/v1/mediations", data={"case_id": case_id, "guests": guests}, headers=headers
    )
    assert response.status == 201, await response.text()
    session = await response.json()
    links = []
    for person in session["participants"]:
        if person["role"] != "party":
            continue
        invitation = await mediator.request.post(
            f"{base}/api/v1/mediations/{session['id']}/participants/{person['id']}/invitation",
            data={},
            headers=headers,
        )
        assert invitation.status == 201, await invitation.text()
        links.append((int(person["id"]), str((await invitation.json())["url"])))
    return int(session["id"]), links


async def _party_waits(browser: Browser, base: str, session_id: int, link: str, viewport: dict) -> Page:
    context = await browser.new_context(viewport=viewport)  # type: ignore[arg-type]
    context.set_default_timeout(SLOW)
    page = await context.new_page()
    await page.goto(link)
    await page.get_by_test_id("continue").click()
    await page.wait_for_url(f"{base}/mediations/{session_id}/room")
    # The consent step: two plain choices, each radio its natural size beside its text.
    radio, text = await page.get_by_test_id("consent-yes").evaluate(
        "r => [r.getBoundingClientRect(), r.nextElementSibling.getBoundingClientRect()].map(b => b.toJSON())"
    )
    assert radio["height"] < 30 and radio["width"] < 30
    assert text["left"] > radio["right"] and radio["top"] < text["bottom"] and text["top"] < radio["bottom"]
    await page.get_by_test_id("consent-yes").check()
    await enter(page)
    await page.get_by_test_id("lobby").wait_for(state="visible")
    return page


async def _video_fills_the_first_screen(page: Page, viewport: dict, others: int) -> None:
    assert await page.get_by_test_id("precheck").is_hidden()
    assert await page.get_by_test_id("lobby").is_hidden()
    tiles = page.locator(".tile:not(.self)")
    assert await tiles.count() == others
    for i in range(others):
        box = await tiles.nth(i).bounding_box()
        assert box and 0 <= box["y"] < viewport["height"] and box["height"] > 100, (viewport, i, box)
        assert await tiles.nth(i).locator("figcaption").inner_text()  # the name on the tile
    areas = []
    for i in range(others):
        box = await tiles.nth(i).bounding_box()
        assert box
        areas.append(box["width"] * box["height"])
    active = await page.locator(".tile.active").bounding_box()
    assert active and active["width"] * active["height"] == max(areas) > min(areas)  # the speaker larger
    bar = await page.get_by_test_id("controls").bounding_box()
    assert bar and bar["y"] + bar["height"] <= viewport["height"] + 1, (viewport, bar)
    assert await page.locator("#notice:has-text('错误')").count() == 0


async def test_the_room_is_video_first_on_a_laptop_and_on_a_phone(config: Config, db: Database) -> None:
    case = await case_in_mediation(db)
    async with serve_in_process(config) as base, chromium(MEDIA_FLAGS) as browser:
        context = await browser.new_context(viewport=LAPTOP)  # type: ignore[arg-type]
        context.set_default_timeout(SLOW)
        mediator = await context.new_page()
        await log_in(mediator, base, case.mediator_username)
        session_id, links = await _schedule(mediator, base, case.case_id)
        (a_id, a_link), (b_id, b_link) = links
        a = await _party_waits(browser, base, session_id, a_link, LAPTOP)
        b = await _party_waits(browser, base, session_id, b_link, PHONE)

        await mediator.goto(f"{base}/mediations/{session_id}/room")
        m_id = await enter(mediator)
        await wait_js(mediator, "document.getElementById('waiting').textContent === '2'")
        # Waiting is no mistake: by now each party has said what is on, and no error was shown.
        for page in (a, b):
            assert await page.get_by_test_id("notice").is_hidden()
            assert "错误" not in await page.locator("#room").inner_text()
        await mediator.get_by_test_id("bar-admit").click()
        for pid in (a_id, b_id):
            await mediator.get_by_test_id(f"admit-{pid}").click()
        await receives_video_from(mediator, {a_id, b_id}, 60)
        await receives_video_from(a, {m_id, b_id}, 60)
        await receives_video_from(b, {m_id, a_id}, 60)
        for page, viewport in ((mediator, LAPTOP), (a, LAPTOP), (b, PHONE)):
            await _video_fills_the_first_screen(page, viewport, 2)

        # On the laptop the chat sits beside the video; on the phone it is a drawer, opened from
        # the bar by keyboard and closed with Escape.
        assert await a.get_by_test_id("chat-send").inner_text() == "发送"
        assert await b.get_by_test_id("drawer").is_hidden()
        await b.get_by_test_id("bar-chat").focus()
        await b.keyboard.press("Enter")
        assert await b.get_by_test_id("chat-send").inner_text() == "发送"
        await b.get_by_test_id("chat-text").fill("你好")
        await b.keyboard.press("Enter")
        await a.locator("#chat li", has_text="你好").wait_for()
        await b.keyboard.press("Escape")
        assert await b.get_by_test_id("drawer").is_hidden()
        await b.get_by_test_id("toggle-audio").focus()
        await b.keyboard.press("Enter")
        assert await b.get_by_test_id("toggle-audio").get_attribute("data-off") == "yes"

        # The network hint from the real connection, and sound only offered when the link is poor.
        await wait_js(b, "Boolean(document.getElementById('net').dataset.quality)")
        # Two poor readings and the click in one turn of the page: a real reading arriving between
        # them (every few seconds, "good" on loopback) would take the offer back.
        offered = await b.evaluate(
            """() => {
              const poor = {rtt: 0.9, loss: 0.12, quality: 'poor'};
              window.gongtiaoRoom.showNetwork(poor);
              window.gongtiaoRoom.showNetwork(poor);
              const offered = !document.getElementById('net-offer').hidden;
              if (offered) document.getElementById('go-audio-only').click();
              return offered;
            }"""
        )
        assert offered
        assert await b.get_by_test_id("toggle-video").is_disabled()
        await wait_js(
            mediator,
            f"window.gongtiaoRoom.state.members.some(m => m.participant === {b_id} && !m.video)",
        )
        for context in browser.contexts:
            await context.close()
