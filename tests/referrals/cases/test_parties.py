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
    ("party", "reason"),
    [
        ({"role": "applicant", "name": "王芳", "id_number": "330106199001011234"}, "check character"),
        ({"role": "applicant", "name": "王芳", "id_number": "3301061990010112"}, "wrong length"),
        ({"role": "applicant", "name": "王芳", "id_number": "330106199013011235"}, "date of birth"),
        (
            {
                "role": "respondent",
                "kind": "organisation",
                "name": "某公司",
                "id_number": "9144030071526726XH",
            },
            "check character",
        ),
        ({"role": "respondent", "kind": "organisation", "name": "某公司", "sex": "male"}, "no sex"),
        ({"role": "applicant", "name": "王芳", "representative_name": "张伟"}, "choose kind organisation"),
        ({"role": "applicant", "name": "王芳", "consent": "refused"}, "consent_at"),
    ],
)
async def test_a_party_the_law_could_not_use_is_refused_with_its_reason(
    client: TestClient, party: dict[str, Any], reason: str
) -> None:
    police = await Person.login(client, "liaison_ps01")
    before = (await police.get("/api/v1/cases?limit=1"))[1]["total"]
    status, body = await police.post("/api/v1/cases", case_body(parties=[party]))
    assert status == 422, body
    assert reason in str(body["error"]), body
    assert (await police.get("/api/v1/cases?limit=1"))[1]["total"] == before  # nothing half taken in


async def test_a_foreigners_passport_is_not_checked_as_an_identity_number(client: TestClient) -> None:
    police = await Person.login(client, "liaison_ps01")
    foreigner = {"role": "applicant", "name": "John Smith", "id_type": "passport", "id_number": "E12345678"}
    status, case = await police.post("/api/v1/cases", case_body(parties=[foreigner]))
    assert status == 201, case
    assert case["parties"][0]["id_type"] == "passport" and case["parties"][0]["sex"] == ""
