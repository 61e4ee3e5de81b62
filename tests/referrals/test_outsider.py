"""A liaison of another police station cannot read, list, download or act on a case: every
referrals endpoint, found from the app's own route table, answers 403 or 404 to the outsider."""

import pytest
from aiohttp.test_utils import TestClient

from hub.routing import ENDPOINTS
from tests.referrals.helpers import Person, case_body

pytestmark = pytest.mark.pg

BODIES = {
    "actions": {"action": "accept"},
    "mediator": {"user_id": 1},
    "extension": {"days": 5, "reason": "需要更多时间"},
    "referrals": {},
    "confirmations": {"party_id": 1, "method": "online"},
    "acknowledgements": {"party_id": 1, "method": "signed"},
    "{followup_id}": {"outcome": "performed"},
    "pauses": {"first_day": "2026-12-10", "last_day": "2026-12-11", "reason": "医疗损害鉴定"},
    "consent": {"consent": "refused", "at": "2026-12-01T09:00:00+08:00", "method": "phone"},
    "parties": {"address": "某地"},
}


async def test_an_outsider_is_refused_on_every_referrals_endpoint(client: TestClient) -> None:
    police = await Person.login(client, "liaison_ps01")
    _, case = await police.post("/api/v1/cases", case_body())
    _, referral = await police.post(f"/api/v1/cases/{case['id']}/referrals", {})

    outsider = await Person.login(client, "liaison_ps02")
    _, listing = await outsider.get("/api/v1/cases?limit=500")
    assert case["id"] not in [c["id"] for c in listing["items"]]
    _, referrals = await outsider.get("/api/v1/referrals?limit=500")
    assert referral["id"] not in [r["id"] for r in referrals["items"]]

    endpoints = [
        e for e in client.app[ENDPOINTS] if "{" in e.path and ("/cases" in e.path or "/referrals" in e.path)
    ]
    assert len(endpoints) >= 8
    for endpoint in endpoints:
        object_id = referral["id"] if "/referrals/" in endpoint.path else case["id"]
        path = endpoint.path.split("{")[0] + str(object_id) + endpoint.path.split("}", 1)[1]
        named = path.rstrip("/").rsplit("/", 1)[-1]
        if "{pid}" in path:  # a party of the case, named by the second placeholder
            named = "parties" if path.endswith("{pid}") else named
            path = path.replace("{pid}", str(case["parties"][0]["id"]))
        if endpoint.method == "GET":
            status, _ = await outsider.get(path)
        else:
            body = BODIES.get(named, {})
            response = await outsider.client.request(
                endpoint.method, path, json=body, headers={"X-CSRF-Token": outsider.csrf}
            )
            status = response.status
        assert status in (403, 404), f"{endpoint.method} {path} gave {status}"

    # Nothing changed for the case's own people.
    police = await Person.login(client, "liaison_ps01")
    _, still = await police.get(f"/api/v1/referrals/{referral['id']}")
    assert still["state"] == "sent"


async def test_lists_mask_identity_numbers_and_phones(client: TestClient) -> None:
    police = await Person.login(client, "liaison_ps01")
    _, case = await police.post("/api/v1/cases", case_body())
    _, listing = await police.get("/api/v1/cases")
    row = next(c for c in listing["items"] if c["id"] == case["id"])
    assert row["parties"][0]["id_number"] == "3301**********123X"
    assert row["parties"][0]["phone"] == "138****1111"
    _, detail = await police.get(f"/api/v1/cases/{case['id']}")
    assert detail["parties"][0]["id_number"] == "33010619900101123X"
