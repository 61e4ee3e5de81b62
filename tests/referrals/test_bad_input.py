"""Bad input on referrals: a clear 4xx in the user's language, and nothing changed."""

import asyncio

import pytest
from aiohttp.test_utils import TestClient

from tests.referrals.helpers import Person, case_body

pytestmark = pytest.mark.pg


async def count_cases(person: Person) -> int:
    _, listing = await person.get("/api/v1/cases?limit=1")
    return int(listing["total"])


async def test_no_referral_without_consent(client: TestClient) -> None:
    police = await Person.login(client, "liaison_ps01")
    _, case = await police.post("/api/v1/cases", case_body(consent=None))
    status, body = await police.post(f"/api/v1/cases/{case['id']}/referrals", {})
    assert status == 422 and body["error"]["code"] == "consent_missing"
    assert "同意调解" in body["error"]["message"]
    _, referrals = await police.get(f"/api/v1/cases/{case['id']}")
    assert referrals["state"] is None


@pytest.mark.parametrize(
    "changes",
    [
        {"category": "alien_abduction"},
        {"parties": []},
        {"channel": "pigeon"},
        {"amount": "-5"},
        {"consent": {"by": "王芳", "at": "2026-11-28T09:30:00", "method": "signed_form"}},
    ],
)
async def test_bad_intake_is_refused_and_nothing_is_created(
    client: TestClient, changes: dict[str, object]
) -> None:
    police = await Person.login(client, "liaison_ps01")
    before = await count_cases(police)
    status, body = await police.post("/api/v1/cases", case_body(**changes))
    assert status == 422 and body["error"]["code"] == "validation_error"
    assert await count_cases(police) == before


async def test_a_duplicate_submission_changes_nothing(client: TestClient) -> None:
    police = await Person.login(client, "liaison_ps01")
    body = case_body(idempotency_key="incident-J2026-0001")
    status, first = await police.post("/api/v1/cases", body)
    assert status == 201
    before = await count_cases(police)
    status, again = await police.post("/api/v1/cases", body)
    assert status == 409 and again["error"]["code"] == "duplicate_submission"
    assert first["number"] in again["error"]["message"]
    assert await count_cases(police) == before


async def test_a_transition_out_of_turn_is_refused(client: TestClient) -> None:
    police = await Person.login(client, "liaison_ps01")
    _, case = await police.post("/api/v1/cases", case_body())
    _, referral = await police.post(f"/api/v1/cases/{case['id']}/referrals", {})
    room = await Person.login(client, "liaison_sr01")
    status, body = await room.post(f"/api/v1/referrals/{referral['id']}/actions", {"action": "resolve"})
    assert status == 409 and body["error"]["code"] == "transition_not_allowed"
    assert "已移送，待受理" in body["error"]["message"]
    # The sender may not accept its own referral either.
    police = await Person.login(client, "liaison_ps01")
    status, body = await police.post(f"/api/v1/referrals/{referral['id']}/actions", {"action": "accept"})
    assert status == 403 and body["error"]["code"] == "wrong_side"
    _, still = await police.get(f"/api/v1/referrals/{referral['id']}")
    assert still["state"] == "sent"


async def test_a_second_open_referral_is_refused(client: TestClient) -> None:
    police = await Person.login(client, "liaison_ps01")
    _, case = await police.post("/api/v1/cases", case_body())
    await police.post(f"/api/v1/cases/{case['id']}/referrals", {})
    status, body = await police.post(f"/api/v1/cases/{case['id']}/referrals", {})
    assert status == 409 and body["error"]["code"] == "already_referred"


async def test_two_sends_of_one_case_at_once_make_one_referral(client: TestClient) -> None:
    """A double click, or two liaisons: the case's row is locked as it is read, so the second
    send waits for the first and then finds it open."""
    police = await Person.login(client, "liaison_ps01")
    _, case = await police.post("/api/v1/cases", case_body())
    url = f"/api/v1/cases/{case['id']}/referrals"
    answers = await asyncio.gather(*(police.post(url, {}) for _ in range(4)))
    assert sorted(status for status, _ in answers) == [201, 409, 409, 409]
    assert {body["error"]["code"] for status, body in answers if status == 409} == {"already_referred"}
    _, referrals = await police.get("/api/v1/referrals?limit=100")
    assert [r["case_id"] for r in referrals["items"]].count(case["id"]) == 1
