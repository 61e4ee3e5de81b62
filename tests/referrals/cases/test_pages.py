"""The referral pages people use every day: a police liaison takes a case in through the form and
sends it where the rules propose; the room's liaison finds it in the queue and accepts it through
the case page; an outsider cannot even see the page; a bad form keeps what was typed."""

from __future__ import annotations

import re
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from tests.referrals.helpers import Person

pytestmark = pytest.mark.pg

KEY = re.compile(r'name="idempotency_key" value="([^"]+)"')


def intake_form(key: str, **changes: Any) -> list[tuple[str, str]]:
    fields: dict[str, Any] = {
        "incident_no": "J20261128" + key[:6],
        "channel": "call_110",
        "category": "neighbour",
        "summary": "楼上漏水，双方争吵。",
        "area_id": "",
        "address": "青川区幸福路 8 号",
        "amount": "1500",
        "flags": [],
        "party_role": ["applicant", "respondent"],
        "party_name": ["王芳", "李雷"],
        "party_id_number": ["33010619900101123X", "330106198802022348"],
        "party_phone": ["13800001111", "13900002222"],
        "consent_by": "王芳、李雷",
        "consent_at": "2026-11-28T09:30",
        "consent_method": "signed_form",
        "idempotency_key": key,
    }
    fields.update(changes)
    out: list[tuple[str, str]] = []
    for name, value in fields.items():
        out.extend((name, v) for v in (value if isinstance(value, list) else [value]))
    return out


async def submit(person: Person, path: str, fields: list[tuple[str, str]] | dict[str, str]) -> Any:
    data = list(fields.items()) if isinstance(fields, dict) else list(fields)
    return await person.client.post(path, data=[*data, ("_csrf", person.csrf)], allow_redirects=False)


async def new_key(person: Person) -> str:
    status, html = await person.get("/cases/new")
    assert status == 200
    match = KEY.search(html.decode())
    assert match
    return match.group(1)


async def take_in(person: Person, **changes: Any) -> int:
    response = await submit(person, "/cases/new", intake_form(await new_key(person), **changes))
    assert response.status == 303, await response.text()
    return int(response.headers["Location"].rsplit("/", 1)[1])


async def page(person: Person, path: str) -> tuple[int, str]:
    status, body = await person.get(path)
    return status, body.decode()


async def test_the_intake_form_creates_a_case_whose_page_shows_the_proposed_body_and_why(
    client: TestClient,
) -> None:
    police = await Person.login(client, "liaison_ps01")
    case_id = await take_in(police)
    status, html = await page(police, f"/cases/{case_id}")
    assert status == 200
    assert "派驻人民调解工作室" in html  # the stationed room of the sending station
    assert "日常纠纷交本所派驻调解室" in html  # the rule
    assert "类别：邻里纠纷" in html  # and the condition that held, in words
    assert "33010619900101123X" in html  # the taking-in agency sees the full ID number
    assert 'data-testid="send-button"' in html
    # The consent time was read in Shanghai time and is shown the same way.
    assert "2026-11-28 09:30" in html


async def test_sending_from_the_page_and_accepting_from_the_queue(client: TestClient) -> None:
    police = await Person.login(client, "liaison_ps01")
    case_id = await take_in(police)
    response = await submit(police, f"/cases/{case_id}/send", {})
    assert response.status == 303 and response.headers["Location"] == f"/cases/{case_id}"
    _, html = await page(police, f"/cases/{case_id}")
    assert "已移送，待受理" in html and 'data-testid="send-button"' not in html
    _, case = await police.get(f"/api/v1/cases/{case_id}")
    referral_id = case["referral_id"]

    room = await Person.login(client, "liaison_sr01")
    status, queue = await page(room, "/referrals")
    assert status == 200
    incoming = queue.split('data-testid="queue-incoming"')[1].split("</section>")[0]
    assert f'data-referral="{referral_id}"' in incoming and case["number"] in incoming
    _, fragment = await page(room, "/referrals?fragment=1")
    assert "<html" not in fragment and f'data-referral="{referral_id}"' in fragment

    _, html = await page(room, f"/cases/{case_id}")
    assert 'data-testid="act-accept"' in html and 'data-testid="act-withdraw"' not in html
    response = await submit(room, f"/referrals/{referral_id}/act", {"action": "accept"})
    assert response.status == 303
    _, html = await page(room, f"/cases/{case_id}")
    assert 'data-state="accepted"' in html
    assert "调解期限" in html and 'data-testid="mediator-choice"' in html
    # The moves name the people who made them, not their ids.
    who = re.search(r'data-testid="who">([^<·]+) ·', html)
    assert who
    events = html.split('data-testid="events"')[1].split("</ol>")[0]
    assert who.group(1).strip() in events and "受理" in events


async def test_a_refusal_shows_on_the_case_page_in_chinese_and_changes_nothing(client: TestClient) -> None:
    police = await Person.login(client, "liaison_ps01")
    case_id = await take_in(police)
    await submit(police, f"/cases/{case_id}/send", {})
    _, case = await police.get(f"/api/v1/cases/{case_id}")
    room = await Person.login(client, "liaison_sr01")
    response = await submit(room, f"/referrals/{case['referral_id']}/act", {"action": "decline"})
    assert response.status == 422
    assert "请填写理由。" in await response.text()
    _, again = await room.get(f"/api/v1/cases/{case_id}")
    assert again["state"] == "sent"
    # The sender cannot accept its own referral.
    police = await Person.login(client, "liaison_ps01")
    response = await submit(police, f"/referrals/{case['referral_id']}/act", {"action": "accept"})
    assert response.status == 403 and "只有接收单位" in await response.text()


async def test_an_outsider_gets_404_on_the_case_page(client: TestClient) -> None:
    police = await Person.login(client, "liaison_ps01")
    case_id = await take_in(police)
    outsider = await Person.login(client, "liaison_ps02")
    status, html = await page(outsider, f"/cases/{case_id}")
    assert status == 404 and "王芳" not in html
    response = await submit(outsider, f"/cases/{case_id}/send", {})
    assert response.status == 404


async def test_a_bad_form_keeps_what_was_typed_and_says_what_is_wrong_in_chinese(client: TestClient) -> None:
    police = await Person.login(client, "liaison_ps01")
    key = await new_key(police)
    fields = intake_form(
        key,
        summary="",
        amount="一千五",
        party_id_number=["3301-0619", ""],
        consent_at="",
    )
    response = await submit(police, "/cases/new", fields)
    html = await response.text()
    assert response.status == 422
    assert "王芳" in html and "李雷" in html and "青川区幸福路 8 号" in html and "一千五" in html
    assert f'value="{key}"' in html  # the same key: fixing the form cannot make two cases
    assert "简要案情：请填写此项。" in html
    assert "争议金额：请输入金额" in html
    assert "当事人 1：身份证号：只能填写数字和字母。" in html
    assert "同意时间：请填写此项。" in html
    _, listing = await police.get("/api/v1/cases?q=王芳&limit=500")
    assert all(c["incident_no"] != "J20261128" + key[:6] for c in listing["items"])


async def test_a_double_submit_with_the_same_key_creates_one_case(client: TestClient) -> None:
    police = await Person.login(client, "liaison_ps01")
    fields = intake_form(await new_key(police))
    first = await submit(police, "/cases/new", fields)
    second = await submit(police, "/cases/new", fields)
    assert first.status == second.status == 303
    assert first.headers["Location"] == second.headers["Location"]
    incident = dict(fields)["incident_no"]
    _, listing = await police.get(f"/api/v1/cases?q={incident}")
    assert listing["total"] == 1


async def test_a_third_party_row_is_taken_and_empty_rows_are_left_out(client: TestClient) -> None:
    police = await Person.login(client, "liaison_ps01")
    case_id = await take_in(
        police,
        party_role=["applicant", "respondent", "third_party", "third_party"],
        party_name=["王芳", "李雷", "韩梅梅", ""],
        party_id_number=["", "", "", ""],
        party_phone=["", "", "", ""],
    )
    _, case = await police.get(f"/api/v1/cases/{case_id}")
    assert [p["name"] for p in case["parties"]] == ["王芳", "李雷", "韩梅梅"]


async def test_the_case_list_filters_and_masks_identity(client: TestClient) -> None:
    police = await Person.login(client, "liaison_ps01")
    case_id = await take_in(police, category="family", party_name=["独特家", "李雷"])
    status, html = await page(police, "/cases?category=family&q=独特家")
    assert status == 200
    assert f'data-case="{case_id}"' in html
    assert "3301**********123X" in html and "33010619900101123X" not in html
    _, html = await page(police, "/cases?category=labour&q=独特家")
    assert f'data-case="{case_id}"' not in html
    status, html = await page(police, "/cases?overdue=1&state=nonsense&page=x")
    assert status == 200


async def test_the_dashboard_shows_each_person_their_referral_cards(client: TestClient) -> None:
    room = await Person.login(client, "liaison_sr01")
    _, html = await page(room, "/")
    assert 'data-testid="panel-queue"' in html
    police = await Person.login(client, "liaison_ps01")
    _, html = await page(police, "/")
    returned = html.split('data-testid="panel-returned"')[1].split("</section>")[0]
    assert "不属于本室受理范围" in returned  # the demo's declined consumer case came back
    assert 'data-testid="panel-queue"' not in html
    mediator = await Person.login(client, "mediator01")
    _, html = await page(mediator, "/")
    assert 'data-testid="panel-assigned"' in html


async def test_a_cut_queue_keeps_the_most_urgent_and_its_counts_cover_everything(
    client: TestClient, db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy import select

    from hub.models import Agency
    from hub.orm import utcnow
    from hub.permissions import Scope
    from referrals import states
    from referrals.cases import queue, views
    from referrals.models import Referral

    police = await Person.login(client, "liaison_ps01")
    for _ in range(2):  # two more referrals to the stationed room, after the demo's
        _, case = await police.post("/api/v1/cases", {**_api_case()})
        assert (await police.post(f"/api/v1/cases/{case['id']}/referrals", {}))[0] == 201
    now = utcnow()
    async with db.read() as s:
        room = await s.scalar(select(Agency.id).where(Agency.code == "SR01"))
        open_ = (
            await s.scalars(
                select(Referral).where(Referral.to_agency_id == room, Referral.state.in_(list(states.OPEN)))
            )
        ).all()
        dues = sorted(
            (due, r.id)
            for r in open_
            if (due := views.current_due(r.state, r.accept_due, r.mediation_due)) is not None
        )
        monkeypatch.setattr(queue, "QUEUE_LIMIT", 1)
        shown = (await queue.queue(s, Scope(frozenset({room})), now)).incoming
        stmt = queue.open_to(room)
        counted = await queue.tally(s, stmt, now)
    assert len(open_) >= 3 and [r.referral_id for r in shown] == [dues[0][1]]
    assert counted.waiting == sum(r.state == states.State.sent for r in open_)
    assert counted.working == sum(r.state in views.WORKING for r in open_)
    assert counted.overdue == sum(due < now for due, _ in dues)


def _api_case() -> dict[str, Any]:
    from tests.referrals.helpers import case_body

    return case_body()
