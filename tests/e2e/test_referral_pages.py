"""A police liaison takes a case in through the intake form in Chromium, attaches a photo of the
scene, sees where the rules send it and why, and sends it. The mediation room's liaison, with the
queue already open in another browser, sees the referral appear without reloading, accepts it and
assigns a mediator. The mediator starts the mediation, writes the agreement, records both parties'
confirmations and concludes the mediation with it; the agreement and the application for judicial
confirmation download as PDFs that name the parties, the terms and the last day to apply."""

from __future__ import annotations

import asyncio
import hashlib
import re
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urljoin

import pytest
from PIL import Image
from playwright.async_api import Browser, ConsoleMessage, Page, Response

from hub.config import Config
from hub.demo_data import person_name
from hub.orm import utcnow
from referrals import deadlines
from tests.support.browser import chromium, log_in
from tests.support.server import serve_in_process

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PARTIES = [("王芳", "33010619900101123X", "13800001111"), ("李雷", "330106198802022348", "13900002222")]
MEDIATOR = person_name(1)  # mediator01 of the demo district, stationed in SR01


class Watch:
    """What a healthy page never reports: console errors (CSP violations among them), uncaught
    script errors and answers of 400 or more. Nothing is ignored: the favicon is a data: URL."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def attach(self, page: Page) -> Page:
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        page.on("response", self._response)
        return page

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.problems.append(f"console: {message.text} {message.location.get('url', '')}")

    def _response(self, response: Response) -> None:
        if response.status >= 400:
            self.problems.append(f"{response.status} {response.url}")


async def logged_in(browser: Browser, base: str, username: str, watch: Watch) -> Page:
    page = watch.attach(await (await browser.new_context()).new_page())
    await log_in(page, base, username)
    return page


async def take_in(police: Page, base: str) -> tuple[str, str]:
    """Fills in the intake form with two parties; returns the case page's URL and the case number."""
    await police.goto(base + "/cases/new")
    await police.get_by_label("警情号").fill("J202611280042")
    await police.get_by_label("类别").select_option("neighbour")
    await police.get_by_label("简要案情").fill("楼上装修噪音扰民，双方争执。")
    await police.locator('input[name="address"]').fill("青川区幸福路 8 号")
    await police.get_by_label("争议金额（元）").fill("3500")
    names = police.locator('input[name="party_name"]')
    ids = police.locator('input[name="party_id_number"]')
    phones = police.locator('input[name="party_phone"]')
    for i, (name, id_number, phone) in enumerate(PARTIES):
        await names.nth(i).fill(name)
        await ids.nth(i).fill(id_number)
        await phones.nth(i).fill(phone)
    # The "add party" button clones a row; a row left empty is not a party.
    await police.get_by_test_id("add-party").click()
    assert await police.locator("[data-party]").count() == 3
    assert await names.nth(2).input_value() == ""
    await police.get_by_label("同意人").fill("王芳、李雷")
    await police.get_by_label("同意时间").fill("2026-11-28T09:30")
    await police.get_by_label("同意方式").select_option("signed_form")
    await police.get_by_test_id("save-case").click()
    await police.wait_for_url(re.compile(r".*/cases/\d+$"))
    number = re.sub(r"^\D*", "", await police.get_by_test_id("case-number").inner_text())
    return police.url, number


async def upload_evidence(police: Page, case_url: str, tmp_path: Path) -> None:
    photo = tmp_path / "现场照片.png"
    Image.new("RGB", (64, 48), (200, 80, 40)).save(photo)
    sha256 = hashlib.sha256(photo.read_bytes()).hexdigest()
    await police.get_by_test_id("link-evidence").click()
    await police.wait_for_url(case_url + "/evidence")
    await police.get_by_label("说明").fill("楼道内装修现场")
    await police.get_by_test_id("evidence-file").set_input_files(photo)
    await police.get_by_test_id("evidence-submit").click()
    await police.wait_for_url(re.compile(r".*/evidence\?added=\d+"))
    assert sha256 in await police.get_by_test_id("evidence-added").inner_text()
    listed = police.get_by_test_id("evidence-list").locator("tbody tr")
    assert await listed.count() == 1
    assert await listed.get_by_test_id("evidence-download").inner_text() == photo.name
    assert await listed.locator("code").get_attribute("title") == sha256
    await police.goto(case_url)


async def write_agreement(mediator: Page, effective: date) -> None:
    """The art. 29 sections and two terms of different kinds (the second row comes from the "add a
    term" button); no effective date: the last party's confirmation sets it."""
    await mediator.get_by_label("纠纷主要事实").fill("李雷装修期间噪音扰民，并损坏王芳家天花板。")
    await mediator.get_by_label("争议事项").fill("天花板维修费用的承担。")
    await mediator.get_by_label("各方当事人的责任").fill("李雷装修不当，应承担全部责任。")
    rows = mediator.locator("#term-rows tr")
    terms = [
        ("给付金钱", "李雷", "王芳", "天花板维修费用", "3500", (effective + timedelta(days=14)).isoformat()),
        ("赔礼道歉", "李雷", "王芳", "当面", "", ""),
    ]
    for i, (kind, obligor, obligee, what, amount, due) in enumerate(terms):
        if i >= await rows.count():
            await mediator.get_by_role("button", name="添加条款").click()
        row = rows.nth(i)
        await row.get_by_label("条款种类").select_option(label=kind)
        await row.get_by_label("义务人").select_option(label=obligor)
        await row.get_by_label("权利人").select_option(label=obligee)
        await row.get_by_label("内容").fill(what)
        await row.get_by_label("金额（元）").fill(amount)
        await row.get_by_label("履行期限").fill(due)
        if amount:
            await row.get_by_label("支付方式").select_option(label="银行转账")
    await mediator.get_by_label("记录人").fill("陈晓")
    await mediator.get_by_test_id("agreement-save").click()
    await mediator.wait_for_url(re.compile(r".*/agreement#confirmations$"))
    assert "城关调字" in await mediator.get_by_test_id("agreement-number").inner_text()


async def confirm_both_and_resolve(mediator: Page, case_url: str) -> None:
    confirm = mediator.locator('[data-testid^="confirm-"]')
    assert await confirm.count() == 2
    for _ in range(2):
        async with mediator.expect_navigation(url=re.compile(r".*/agreement#confirmations$")):
            await confirm.first.click()
    await mediator.get_by_test_id("agreement-locked").wait_for()
    assert await confirm.count() == 0
    await mediator.get_by_test_id("agreement-resolve").click()
    await mediator.wait_for_url(case_url + "/agreement#court")
    await mediator.get_by_test_id("referral-state").filter(has_text="调解成功").wait_for()


async def pdf_text(page: Page, testid: str, tmp_path: Path) -> str:
    """Fetches the document a link points to with the browser's session and returns `pdftotext
    -layout` of it, white space removed (the layout pads justified Chinese lines). The documents
    are served inline, and Chromium shows them in its viewer rather than as a download."""
    href = await page.get_by_test_id(testid).get_attribute("href")
    assert href
    response = await page.context.request.get(urljoin(page.url, href))
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    body = await response.body()
    assert body.startswith(b"%PDF-")
    path = tmp_path / f"{testid}.pdf"
    path.write_bytes(body)
    process = await asyncio.create_subprocess_exec(
        "pdftotext", "-layout", "-enc", "UTF-8", str(path), "-", stdout=asyncio.subprocess.PIPE
    )
    out, _ = await process.communicate()
    assert process.returncode == 0
    return re.sub(r"\s+", "", out.decode())


async def test_a_case_goes_from_the_intake_form_to_a_resolved_mediation_with_its_agreement(
    config: Config, tmp_path: Path
) -> None:
    watch = Watch()
    effective = utcnow().astimezone(config.zone).date()
    last_day = deadlines.confirmation_deadline(effective)  # 30 days, moved past a holiday
    async with serve_in_process(config) as base, chromium() as browser:
        police = await logged_in(browser, base, "liaison_ps01", watch)
        case_url, number = await take_in(police, base)
        await upload_evidence(police, case_url, tmp_path)
        target = await police.get_by_test_id("proposal-target").inner_text()
        assert target.endswith("派驻人民调解工作室")
        why = await police.get_by_test_id("proposal-why").inner_text()
        assert "日常纠纷交本所派驻调解室" in why and "类别：邻里纠纷" in why
        assert await police.locator('[data-testid="case-parties"] tbody tr').count() == 2

        # The room's liaison has the queue open before the referral is sent.
        room = await logged_in(browser, base, "liaison_sr01", watch)
        async with room.expect_response(lambda r: r.url.endswith("/events")):
            await room.goto(base + "/referrals")
        await room.evaluate("window.stillTheSamePage = true")

        async with police.expect_navigation(url=case_url):  # the same page again, after the send
            await police.get_by_test_id("send-button").click()
        assert await police.get_by_test_id("referral-state").inner_text() == "已移送，待受理"

        row = room.locator('[data-testid="queue-incoming"] tr[data-referral]', has_text=number)
        await row.wait_for(timeout=10_000)
        assert await room.evaluate("window.stillTheSamePage === true")  # it came without a reload
        assert "new" in (await row.get_attribute("class") or "")

        await row.get_by_role("link", name=number).click()
        await room.wait_for_url(case_url)
        await room.get_by_test_id("act-accept").click()
        await room.get_by_test_id("referral-state").filter(has_text="已受理").wait_for()
        choice = room.get_by_test_id("mediator-choice")
        mediator_id = await choice.locator("option", has_text=MEDIATOR).get_attribute("value")
        assert mediator_id
        await choice.select_option(mediator_id)
        await room.get_by_test_id("act-assign_mediator").click()
        assert await room.get_by_test_id("referral-mediator").inner_text() == MEDIATOR

        mediator = await logged_in(browser, base, "mediator01", watch)
        await mediator.goto(case_url)
        await mediator.get_by_test_id("act-start_mediation").click()
        await mediator.get_by_test_id("referral-state").filter(has_text="调解中").wait_for()
        await mediator.get_by_test_id("link-agreement").click()
        await mediator.wait_for_url(case_url + "/agreement")
        await write_agreement(mediator, effective)
        assert await mediator.get_by_test_id("confirmation-clock").count() == 0  # nobody has signed yet
        await confirm_both_and_resolve(mediator, case_url)
        clock = mediator.get_by_test_id("confirmation-clock")  # the last signature started it
        assert last_day.isoformat() in await clock.inner_text()

        agreement = await pdf_text(mediator, "agreement-pdf", tmp_path)
        confirmation = await pdf_text(mediator, "confirmation-pdf", tmp_path)
        deadline = f"申请期限至{last_day.year}年{last_day.month}月{last_day.day}日（含当日）止"
        for text in (agreement, confirmation):
            for name, _, _ in PARTIES:
                assert name in text
            assert "向王芳支付天花板维修费用人民币叁仟伍佰元整（¥3,500.00），以银行转账方式支付。" in text
            assert "李雷当面向王芳赔礼道歉。" in text
            assert deadline in text
            assert "青川区城关街道人民调解委员会（印章）" in text
        assert "人民调解协议书" in agreement and "司法确认申请书" in confirmation
        assert "争议事项：天花板维修费用的承担。" in agreement and "记录人：陈晓" in agreement
        assert MEDIATOR in agreement

        await mediator.goto(case_url)
        events = await mediator.get_by_test_id("events").inner_text()
        for move in ("移送", "受理", "开始调解", "调解成功"):
            assert move in events, move

        # The police liaison's page heard of the moves and offers the latest.
        await police.get_by_test_id("case-changed").wait_for()
    assert watch.problems == []
