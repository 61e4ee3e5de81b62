"""Parties in the pages: the intake form takes a company with its representative and a person
with an agent; a mistyped number comes back at its field with everything typed kept; the
agencies working on a case correct a party (the audit log keeps what changed, masked) while an
overseer sees identities masked and changes nothing; a party's refusal stops the case."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from hub.audit import AuditEvent
from hub.db import Database
from tests.referrals.agreements.test_agreements import case_in_mediation
from tests.referrals.cases.test_pages import intake_form, new_key, page, submit
from tests.referrals.helpers import Person, case_body

pytestmark = pytest.mark.pg

COMPANY_AND_AGENT = {
    "party_role": ["applicant", "respondent"],
    "party_kind": ["person", "organisation"],
    "party_name": ["王芳", "青川某装饰有限公司"],
    "party_id_type": ["", ""],
    "party_id_number": ["33010619900101123X", "9144030071526726XG"],
    "party_phone": ["13800001111", "13900002222"],
    "party_email": ["wang.fang@example.cn", ""],
    "party_address": ["青川区幸福路8号2单元301室", "青川区工业路8号"],
    "party_sex": ["", ""],
    "party_ethnicity": ["汉族", ""],
    "party_birth_date": ["", ""],
    "party_occupation": ["青川区第一小学教师", ""],
    "party_representative_role": ["", "legal_representative"],
    "party_representative_name": ["", "张伟"],
    "party_representative_title": ["", "总经理"],
    "party_agent_name": ["李明", ""],
    "party_agent_relation": ["", ""],
    "party_agent_law_firm": ["青川律师事务所", ""],
    "party_agent_authority": ["special", "general"],
    "party_agent_scope": ["代为承认、放弃、变更调解请求，代签调解协议", ""],
    "party_agent_phone": ["", ""],
}


async def patch(person: Person, path: str, body: Any) -> tuple[int, Any]:
    response = await person.client.patch(path, json=body, headers={"X-CSRF-Token": person.csrf})
    return response.status, await response.json()


async def test_the_intake_form_takes_a_company_with_its_representative_and_a_person_with_an_agent(
    client: TestClient,
) -> None:
    police = await Person.login(client, "liaison_ps01")
    response = await submit(police, "/cases/new", intake_form(await new_key(police), **COMPANY_AND_AGENT))
    assert response.status == 303, await response.text()
    case_id = int(response.headers["Location"].rsplit("/", 1)[1])
    _, case = await police.get(f"/api/v1/cases/{case_id}")
    person, company = case["parties"]
    assert (person["sex"], person["birth_date"], person["ethnicity"], person["address"]) == (
        "male",
        "1990-01-01",
        "汉族",
        "青川区幸福路8号2单元301室",
    )
    assert (person["email"], company["email"]) == ("wang.fang@example.cn", "")
    assert person["agents"] == [
        {
            "name": "李明",
            "relation": "",
            "law_firm": "青川律师事务所",
            "authority": "special",
            "scope": "代为承认、放弃、变更调解请求，代签调解协议",
        }
    ]
    assert (company["kind"], company["id_type"], company["representative_name"], company["agents"]) == (
        "organisation",
        "credit_code",
        "张伟",
        [],
    )
    status, html = await page(police, f"/cases/{case_id}")
    assert "张伟 总经理" in html and "李明" in html


async def test_a_mistyped_credit_code_comes_back_at_its_field_with_everything_typed_kept(
    client: TestClient,
) -> None:
    police = await Person.login(client, "liaison_ps01")
    fields = {**COMPANY_AND_AGENT, "party_id_number": ["33010619900101123X", "9144030071526726XH"]}
    response = await submit(police, "/cases/new", intake_form(await new_key(police), **fields))
    assert response.status == 422
    html = await response.text()
    assert 'data-testid="error-parties.1.id_number">校验码不符：有字符输错了。' in html
    for kept in ("9144030071526726XH", "张伟", "总经理", "李明", "青川律师事务所", "青川区工业路8号", "汉族"):
        assert kept in html
    assert '<option value="organisation" selected>' in html and '<option value="special" selected>' in html


async def test_an_organisation_cannot_have_a_sex_through_the_api_and_the_reason_names_the_field(
    client: TestClient,
) -> None:
    police = await Person.login(client, "liaison_ps01")
    _, case = await police.post("/api/v1/cases", case_body())
    pid = case["parties"][1]["id"]
    status, body = await patch(
        police, f"/api/v1/cases/{case['id']}/parties/{pid}", {"kind": "organisation", "sex": "female"}
    )
    assert status == 422
    # Checked whole: a person's identity number is no organisation's credit code either.
    assert [(d["field"], d["type"]) for d in body["error"]["details"]] == [
        ("sex", "party_not_a_person"),
        ("id_number", "id_check_digit"),
    ]


async def test_the_receiving_room_corrects_a_party_and_the_audit_log_keeps_what_changed_masked(
    client: TestClient, db: Database
) -> None:
    case_id, _rid, parties = await case_in_mediation(client)
    room = await Person.login(client, "liaison_sr01")
    status, party = await patch(
        room,
        f"/api/v1/cases/{case_id}/parties/{parties[1]}",
        {"address": "青川区幸福路8号3单元", "phone": "13900003333", "occupation": "个体工商户"},
    )
    assert status == 200, party
    assert (party["address"], party["phone"], party["occupation"]) == (
        "青川区幸福路8号3单元",
        "13900003333",
        "个体工商户",
    )
    assert party["sex"] == "female" and party["birth_date"] == "1988-02-02"  # still read from the ID
    async with db.read() as s:
        row = await s.scalar(
            select(AuditEvent).where(AuditEvent.action == "party.edited").order_by(AuditEvent.id.desc())
        )
    assert row is not None and row.object_id == str(case_id)
    assert row.data["party_id"] == parties[1]
    assert row.data["changed"] == {
        "address": ["", "青川区幸福路8号3单元"],
        "phone": ["139****2222", "139****3333"],
        "occupation": ["", "个体工商户"],
    }


async def test_an_overseer_sees_identities_masked_and_may_not_edit(client: TestClient) -> None:
    case_id, _rid, parties = await case_in_mediation(client)
    overseer = await Person.login(client, "supervisor")
    status, html = await page(overseer, f"/cases/{case_id}")
    assert status == 200 and "3301**********123X" in html and "33010619900101123X" not in html
    assert f"/cases/{case_id}/parties/{parties[0]}" not in html
    status, _ = await patch(overseer, f"/api/v1/cases/{case_id}/parties/{parties[0]}", {"address": "x"})
    assert status == 403
    other_station = await Person.login(client, "liaison_ps02")
    status, _ = await patch(other_station, f"/api/v1/cases/{case_id}/parties/{parties[0]}", {"address": "x"})
    assert status == 404


async def test_the_party_page_edits_and_keeps_the_form_on_a_mistake(client: TestClient) -> None:
    case_id, _rid, parties = await case_in_mediation(client)
    room = await Person.login(client, "liaison_sr01")
    status, html = await page(room, f"/cases/{case_id}/parties/{parties[0]}")
    assert status == 200 and 'value="33010619900101123X"' in html
    row = {f: v[0] for f, v in COMPANY_AND_AGENT.items()}
    mistyped = {**row, "party_id_number": "330106199001011234", "party_address": "新地址1号"}
    response = await submit(room, f"/cases/{case_id}/parties/{parties[0]}", mistyped)
    assert response.status == 422
    html = await response.text()
    assert 'data-testid="error-id_number"' in html and "新地址1号" in html
    response = await submit(
        room, f"/cases/{case_id}/parties/{parties[0]}", {**row, "party_address": "新地址1号"}
    )
    assert response.status == 303
    _, case = await room.get(f"/api/v1/cases/{case_id}")
    assert case["parties"][0]["address"] == "新地址1号"
    assert case["parties"][0]["agents"][0]["law_firm"] == "青川律师事务所"


async def test_a_party_s_e_mail_is_checked_on_the_party_page_and_masked_for_an_overseer(
    client: TestClient, db: Database
) -> None:
    case_id, _rid, parties = await case_in_mediation(client)
    room = await Person.login(client, "liaison_sr01")
    row = {f: v[0] for f, v in COMPANY_AND_AGENT.items()}
    path = f"/cases/{case_id}/parties/{parties[0]}"
    response = await submit(room, path, {**row, "party_email": "wang@fang"})
    assert response.status == 422
    html = await response.text()
    assert 'data-testid="error-email">请填写电子邮件地址，例如name@example.cn。' in html
    assert 'value="wang@fang"' in html
    assert (await submit(room, path, {**row, "party_email": " wang.fang@example.cn "})).status == 303
    _, case = await room.get(f"/api/v1/cases/{case_id}")
    assert case["parties"][0]["email"] == "wang.fang@example.cn"
    status, body = await patch(room, f"/api/v1/cases/{case_id}/parties/{parties[0]}", {"email": "a@b"})
    assert status == 422 and body["error"]["details"][0]["field"] == "email"
    overseer = await Person.login(client, "supervisor")
    _, seen = await overseer.get(f"/api/v1/cases/{case_id}")
    assert seen["parties"][0]["email"] == "w***@example.cn"
    async with db.read() as s:
        audit_row = await s.scalar(
            select(AuditEvent).where(AuditEvent.action == "party.edited").order_by(AuditEvent.id.desc())
        )
    assert audit_row is not None and audit_row.data["changed"]["email"] == ["", "w***@example.cn"]


async def test_a_party_refusing_mediation_stops_the_case_in_mediation(client: TestClient) -> None:
    case_id, rid, parties = await case_in_mediation(client)
    room = await Person.login(client, "liaison_sr01")
    given = {"consent": "given", "at": "2026-12-01T09:00:00+08:00", "method": "in_person"}
    status, party = await room.post(f"/api/v1/cases/{case_id}/parties/{parties[0]}/consent", given)
    assert status == 200 and party["consent"] == "given" and party["consent_method"] == "in_person"
    refusal = {"consent": "refused", "at": "2026-12-02T15:00:00+08:00", "method": "phone"}
    status, party = await room.post(f"/api/v1/cases/{case_id}/parties/{parties[1]}/consent", refusal)
    assert status == 200 and party["consent"] == "refused"
    assert datetime.fromisoformat(party["consent_at"]) == datetime.fromisoformat(refusal["at"])
    _, referral = await room.get(f"/api/v1/referrals/{rid}")
    assert (referral["state"], referral["last_reason"]) == ("failed", "当事人不同意调解")
    # The refusal stays the truth: it is not overwritten, and the case is not referred again.
    status, body = await room.post(f"/api/v1/cases/{case_id}/parties/{parties[1]}/consent", given)
    assert status == 409 and body["error"]["code"] == "consent_final"
    police = await Person.login(client, "liaison_ps01")
    status, body = await police.post(f"/api/v1/cases/{case_id}/referrals", {})
    assert status == 409 and body["error"]["code"] == "party_refused_mediation"


async def test_a_refusal_before_acceptance_declines_the_referral_through_the_party_page(
    client: TestClient,
) -> None:
    police = await Person.login(client, "liaison_ps01")
    _, case = await police.post("/api/v1/cases", case_body())
    _, referral = await police.post(f"/api/v1/cases/{case['id']}/referrals", {})
    pid = case["parties"][1]["id"]
    response = await submit(
        police,
        f"/cases/{case['id']}/parties/{pid}/consent",
        {"consent": "refused", "at": "", "method": "phone"},
    )
    assert response.status == 422 and 'data-testid="error-consent_at">请填写此项。' in await response.text()
    response = await submit(
        police,
        f"/cases/{case['id']}/parties/{pid}/consent",
        {"consent": "refused", "at": "2026-12-02T15:00", "method": "phone"},
    )
    assert response.status == 303
    _, moved = await police.get(f"/api/v1/referrals/{referral['id']}")
    assert (moved["state"], moved["last_reason"]) == ("declined", "当事人不同意调解")
    status, html = await page(police, f"/cases/{case['id']}")
    assert 'data-testid="party-consent-2">不同意调解' in html
