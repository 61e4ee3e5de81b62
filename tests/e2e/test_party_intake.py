"""At phone size (390 px wide), a police liaison takes in a dispute between a person, who has a
lawyer as agent, and a company with its legal representative. The form never scrolls sideways,
shows each kind's own fields, keeps everything after a mistyped credit code (whose reason stands
next to the field), and the case page then names the company's representative and the agent."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Page, expect

from hub.config import Config
from tests.e2e.test_referral_pages import Watch
from tests.support.browser import chromium, log_in
from tests.support.server import serve_in_process

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PHONE = {"width": 390, "height": 844}
WIDER_THAN_THE_SCREEN = """() => [...document.querySelectorAll('*')]
  .filter((e) => e.getBoundingClientRect().right > 391).slice(0, 8)
  .map((e) => `${e.tagName}[${e.getAttribute('name') || ''}] ${e.getBoundingClientRect().width}`)"""


async def no_sideways_scroll(page: Page) -> None:
    width = await page.evaluate("document.documentElement.scrollWidth")
    wide = await page.evaluate(WIDER_THAN_THE_SCREEN)
    assert width <= PHONE["width"], f"the page is {width} px wide: {wide}"


async def test_a_company_and_a_person_with_an_agent_are_taken_in_on_a_phone(config: Config) -> None:
    watch = Watch()
    async with serve_in_process(config) as base, chromium() as browser:
        context = await browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
        police = watch.attach(await context.new_page())
        await log_in(police, base, "liaison_ps01")
        await police.goto(base + "/cases/new")
        await no_sideways_scroll(police)
        await police.get_by_label("类别").select_option("contract")
        await police.get_by_label("简要案情").fill("装修合同纠纷：橱柜尺寸不符，双方就拆除和退款争执。")
        person, company = police.locator("[data-party]").nth(0), police.locator("[data-party]").nth(1)

        await person.locator('input[name="party_name"]').fill("王芳")
        await person.locator('input[name="party_id_number"]').fill("33010619900101123X")
        await person.locator('input[name="party_phone"]').fill("13800001111")
        await person.locator('input[name="party_address"]').fill("青川区幸福路8号2单元301室")
        await person.locator('input[name="party_ethnicity"]').fill("汉族")
        assert await person.locator('input[name="party_representative_name"]').is_hidden()
        await person.locator("details.agent summary").click()
        await person.locator('input[name="party_agent_name"]').fill("李明")
        await person.locator('input[name="party_agent_law_firm"]').fill("青川律师事务所")
        await person.locator('select[name="party_agent_authority"]').select_option("special")
        await person.locator('input[name="party_agent_scope"]').fill(
            "代为承认、放弃、变更调解请求，代签调解协议"
        )

        await company.locator('select[name="party_kind"]').select_option("organisation")
        assert await company.locator('input[name="party_ethnicity"]').is_hidden()
        await company.locator('input[name="party_name"]').fill("青川某装饰有限公司")
        await company.locator('input[name="party_id_number"]').fill("9144030071526726XH")  # mistyped
        await company.locator('input[name="party_address"]').fill("青川区工业路8号")
        await company.locator('select[name="party_representative_role"]').select_option(
            "legal_representative"
        )
        await company.locator('input[name="party_representative_name"]').fill("张伟")
        await company.locator('input[name="party_representative_title"]').fill("总经理")
        await no_sideways_scroll(police)
        # The refused form comes back as a new page; wait for its load (stylesheets included), or
        # the checks below can read it half-styled, with every kind's fields still showing.
        async with police.expect_navigation(wait_until="load"):
            await police.get_by_test_id("save-case").click()

        # Refused at the credit code, in Chinese, with everything typed still there.
        problem = police.get_by_test_id("error-parties.1.id_number")
        assert await problem.inner_text() == "校验码不符：有字符输错了。"
        company = police.locator("[data-party]").nth(1)
        assert await company.locator('input[name="party_representative_name"]').input_value() == "张伟"
        await expect(company.locator('input[name="party_ethnicity"]')).to_be_hidden()
        person = police.locator("[data-party]").nth(0)
        assert await person.locator('input[name="party_agent_law_firm"]').input_value() == "青川律师事务所"
        await no_sideways_scroll(police)

        await company.locator('input[name="party_id_number"]').fill("9144030071526726XG")
        async with police.expect_navigation(url=re.compile(r".*/cases/\d+$")):
            await police.get_by_test_id("save-case").click()
        parties = police.get_by_test_id("case-parties")
        text = await parties.inner_text()
        assert "青川某装饰有限公司" in text and "张伟 总经理" in text and "李明" in text
        await no_sideways_scroll(police)
    # The refused submission answered 422 on purpose; nothing else went wrong.
    assert [p for p in watch.problems if "422" not in p] == []
