"""What the case page tells the person using it: a message after each action (once), the evidence
with previews of its photos (for those who see the case only), a new referral not yet "due soon",
the area picker grouped by town, and a consent time in the future refused at intake with every
field kept as typed."""

from __future__ import annotations

import io
import re

import pytest
from aiohttp.test_utils import TestClient
from PIL import Image

from tests.referrals.cases.test_pages import intake_form, new_key, page, submit, take_in
from tests.referrals.evidence.test_evidence import PHOTO, upload
from tests.referrals.helpers import Person, case_body
from tests.support.clock import DEFAULT_NOW

FLASH = re.compile(r'data-testid="flash">([^<]*)<')


async def test_each_action_says_what_it_did_once_and_a_new_referral_is_not_due_soon(
    client: TestClient,
) -> None:
    police = await Person.login(client, "liaison_ps01")
    response = await submit(police, "/cases/new", intake_form(await new_key(police)))
    case_id = int(response.headers["Location"].rsplit("/", 1)[1])
    _, html = await page(police, f"/cases/{case_id}")
    assert FLASH.findall(html) == ["案件已保存。"]

    response = await submit(police, f"/cases/{case_id}/send", {})
    assert response.status == 303 and "gt_flash" in response.cookies
    _, html = await page(police, f"/cases/{case_id}")
    [sent] = FLASH.findall(html)
    assert sent.startswith("已移送至") and "派驻人民调解工作室" in sent
    assert 'data-testid="badge-due-soon"' not in html  # 24 hours to accept: not "due soon" yet
    _, again = await page(police, f"/cases/{case_id}")
    assert FLASH.findall(again) == []  # shown once

    _, case = await police.get(f"/api/v1/cases/{case_id}")
    room = await Person.login(client, "liaison_sr01")
    await submit(room, f"/referrals/{case['referral_id']}/act", {"action": "accept"})
    _, html = await page(room, f"/cases/{case_id}")
    assert FLASH.findall(html) == ["已受理，本案由您单位调解。"]


async def test_the_case_page_lists_evidence_with_previews_of_photos(client: TestClient) -> None:
    police = await Person.login(client, "liaison_ps01")
    _, created = await police.post("/api/v1/cases", case_body())
    case_id = created["id"]
    status, photo = await upload(police, case_id, PHOTO, "现场.png", description="漏水照片")
    assert status == 201, photo
    status, sketch = await upload(police, case_id, b"%PDF-1.4\n%%EOF\n", "sketch.pdf")

    _, html = await page(police, f"/cases/{case_id}")
    evidence = html.split('data-testid="case-evidence"')[1].split("</section>")[0]
    thumb = f"/cases/{case_id}/evidence/{photo['id']}/thumbnail"
    assert f'src="{thumb}"' in evidence and "现场.png" in evidence
    assert f"evidence-thumb-{sketch['id']}" not in evidence and "sketch.pdf" in evidence  # no preview

    response = await police.client.get(thumb)
    assert response.status == 200 and response.content_type == "image/jpeg"
    preview = Image.open(io.BytesIO(await response.read()))
    assert max(preview.size) <= 240
    assert (await police.get(f"/cases/{case_id}/evidence/{sketch['id']}/thumbnail"))[0] == 404

    outsider = await Person.login(client, "liaison_ps02")
    assert (await outsider.get(thumb))[0] == 404


async def test_the_area_picker_is_grouped_by_town(client: TestClient) -> None:
    police = await Person.login(client, "liaison_ps01")
    _, html = await page(police, "/cases/new")
    picker = html.split('data-testid="area-select"')[1].split("</select>")[0]
    assert picker.count("<optgroup") >= 5
    assert 'data-testid="area-filter"' in html


@pytest.mark.clock(DEFAULT_NOW)  # its data are a fixed calendar around the default instant
async def test_a_consent_time_in_the_future_is_refused_at_intake_and_the_form_keeps_every_field(
    client: TestClient,
) -> None:
    police = await Person.login(client, "liaison_ps01")
    fields = intake_form(await new_key(police), consent_at="2026-12-09T09:30", consent_method="written")
    response = await submit(police, "/cases/new", fields)
    assert response.status == 422
    html = await response.text()
    assert "同意调解的时间不能晚于现在" in html, html.split('data-testid="form-problems"')[-1][:600]
    assert 'value="2026-12-09T09:30"' in html and 'value="王芳、李雷"' in html
    assert re.search(r'<option value="written" selected>', html)  # the chosen method stays
    assert "楼上漏水，双方争吵。" in html and 'value="13800001111"' in html

    body = case_body(consent={"by": "王芳", "at": "2026-12-09T09:30:00+08:00", "method": "written"})
    status, refused = await police.post("/api/v1/cases", body)
    assert status == 422 and refused["error"]["code"] == "consent_in_future"
    assert refused["error"]["details"][0]["field"] == "consent.at"

    case_id = await take_in(police)  # and a party's own consent is refused likewise
    _, case = await police.get(f"/api/v1/cases/{case_id}")
    party = case["parties"][0]["id"]
    response = await submit(
        police,
        f"/cases/{case_id}/parties/{party}/consent",
        {"consent": "given", "at": "2026-12-20T10:00", "method": "phone"},
    )
    assert response.status == 422
    html = await response.text()
    assert "同意调解的时间不能晚于现在" in html and 'value="2026-12-20T10:00"' in html
