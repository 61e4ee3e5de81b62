"""Parties as the law needs them, through the intake API: a person's sex and date of birth read
from a checked identity number, a company with its credit code and representative, an agent, each
party's own consent; a mistyped number is refused with its reason, and nothing is taken in."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from tests.referrals.agreements.test_documents import PERSON_AND_COMPANY
from tests.referrals.helpers import Person, case_body

pytestmark = pytest.mark.pg


async def test_a_person_a_company_and_an_agent_are_taken_in_with_what_a_court_needs(
    client: TestClient,
) -> None:
    police = await Person.login(client, "liaison_ps01")
    status, case = await police.post("/api/v1/cases", case_body(parties=PERSON_AND_COMPANY))
    assert status == 201, case
    person, company = case["parties"]
    assert (person["kind"], person["id_type"], person["sex"], person["birth_date"]) == (
        "person",
        "resident_id",
        "male",
        "1990-01-01",
    )
    assert (
        person["agents"][0]["law_firm"] == "青川律师事务所" and person["agents"][0]["authority"] == "special"
    )
    assert person["consent"] == "given" and company["consent"] == "pending"
    assert (company["kind"], company["id_type"], company["representative_name"]) == (
        "organisation",
        "credit_code",
        "张伟",
    )


@pytest.mark.parametrize(
    ("party", "field", "code"),
    [
        (
            {"role": "applicant", "name": "王芳", "id_number": "330106199001011234"},
            "id_number",
            "id_check_digit",
        ),
        ({"role": "applicant", "name": "王芳", "id_number": "3301061990010112"}, "id_number", "id_length"),
        (
            {"role": "applicant", "name": "王芳", "id_number": "330106199013011235"},
            "id_number",
            "id_birth_date",
        ),
        (
            {
                "role": "respondent",
                "kind": "organisation",
                "name": "某公司",
                "id_number": "9144030071526726XH",
            },
            "id_number",
            "id_check_digit",
        ),
        (
            {"role": "respondent", "kind": "organisation", "name": "某公司", "sex": "male"},
            "sex",
            "party_not_a_person",
        ),
        (
            {"role": "applicant", "name": "王芳", "representative_name": "张伟"},
            "representative_name",
            "party_not_an_organisation",
        ),
        ({"role": "applicant", "name": "王芳", "consent": "refused"}, "consent_at", "consent_incomplete"),
    ],
)
async def test_a_party_the_law_could_not_use_is_refused_at_its_field_with_its_reason(
    client: TestClient, party: dict[str, Any], field: str, code: str
) -> None:
    police = await Person.login(client, "liaison_ps01")
    before = (await police.get("/api/v1/cases?limit=1"))[1]["total"]
    status, body = await police.post("/api/v1/cases", case_body(parties=[party]))
    assert status == 422, body
    assert {(d["field"], d["type"]) for d in body["error"]["details"]} == {(f"parties.0.{field}", code)}
    assert (await police.get("/api/v1/cases?limit=1"))[1]["total"] == before  # nothing half taken in


async def test_a_mistyped_number_is_explained_in_the_readers_language(client: TestClient) -> None:
    police = await Person.login(client, "liaison_ps01")
    mistyped = case_body(parties=[{"role": "applicant", "name": "王芳", "id_number": "330106199001011234"}])
    status, body = await police.post("/api/v1/cases", mistyped)
    assert status == 422 and body["error"]["details"][0]["message"] == "校验码不符：有字符输错了。"
    response = await client.post(
        "/api/v1/cases", json=mistyped, headers={"X-CSRF-Token": police.csrf, "Accept-Language": "en"}
    )
    details = (await response.json())["error"]["details"]
    assert details[0]["message"] == "The check character does not match: a character is mistyped."


async def test_a_foreigners_passport_is_not_checked_as_an_identity_number(client: TestClient) -> None:
    police = await Person.login(client, "liaison_ps01")
    foreigner = {"role": "applicant", "name": "John Smith", "id_type": "passport", "id_number": "E12345678"}
    status, case = await police.post("/api/v1/cases", case_body(parties=[foreigner]))
    assert status == 201, case
    assert case["parties"][0]["id_type"] == "passport" and case["parties"][0]["sex"] == ""
