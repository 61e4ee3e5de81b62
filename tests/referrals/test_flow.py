"""A police liaison takes a case in and refers it; the stationed room takes it to an agreement."""

import pytest
from aiohttp.test_utils import TestClient

from tests.referrals.helpers import Person, case_body

pytestmark = pytest.mark.pg


async def test_a_case_goes_from_the_station_to_its_room_and_is_resolved(client: TestClient) -> None:
    police = await Person.login(client, "liaison_ps01")
    status, case = await police.post("/api/v1/cases", case_body())
    assert status == 201, case
    assert case["number"].startswith("QC") and len(case["parties"]) == 2

    status, proposal = await police.get(f"/api/v1/cases/{case['id']}/route")
    assert status == 200
    assert proposal["target_agency_name"].endswith("派驻人民调解工作室")
    assert proposal["rule_name"] == "日常纠纷交本所派驻调解室"
    assert [c["name"] for c in proposal["conditions"]] == ["category"]

    status, referral = await police.post(f"/api/v1/cases/{case['id']}/referrals", {})
    assert status == 201 and referral["state"] == "sent"
    assert referral["explanation"]["rule_name"] == proposal["rule_name"]

    room = await Person.login(client, "liaison_sr01")
    status, inbox = await room.get("/api/v1/referrals?state=sent")
    assert referral["id"] in [r["id"] for r in inbox["items"]]
    status, accepted = await room.post(f"/api/v1/referrals/{referral['id']}/actions", {"action": "accept"})
    assert status == 200 and accepted["state"] == "accepted" and accepted["mediation_due"]

    status, choices = await room.get(f"/api/v1/referrals/{referral['id']}/mediators")
    assert status == 200 and choices["items"][0]["matches_specialty"]
    mediator = choices["items"][0]["user_id"]
    status, assigned = await room.post(f"/api/v1/referrals/{referral['id']}/mediator", {"user_id": mediator})
    assert assigned["mediator_id"] == mediator
    for action in ("start_mediation", "resolve"):
        status, moved = await room.post(f"/api/v1/referrals/{referral['id']}/actions", {"action": action})
        assert status == 200, moved
    assert moved["state"] == "resolved"

    status, events = await room.get(f"/api/v1/referrals/{referral['id']}/events")
    assert [e["action"] for e in events["items"]] == ["send", "accept", "start_mediation", "resolve"]

    police = await Person.login(client, "liaison_ps01")
    status, news = await police.get("/api/v1/notifications")
    texts = [n["text"] for n in news["items"]]
    assert any("已被受理" in t for t in texts) and any("调解成功" in t for t in texts)


async def test_decline_returns_the_case_to_the_sender_with_the_reason(client: TestClient) -> None:
    police = await Person.login(client, "liaison_ps01")
    _, case = await police.post("/api/v1/cases", case_body())
    _, referral = await police.post(f"/api/v1/cases/{case['id']}/referrals", {})
    room = await Person.login(client, "liaison_sr01")
    status, body = await room.post(f"/api/v1/referrals/{referral['id']}/actions", {"action": "decline"})
    assert status == 422 and body["error"]["code"] == "reason_required"
    status, declined = await room.post(
        f"/api/v1/referrals/{referral['id']}/actions", {"action": "decline", "reason": "当事人住址不在本辖区"}
    )
    assert declined["state"] == "declined"
    police = await Person.login(client, "liaison_ps01")
    _, news = await police.get("/api/v1/notifications")
    assert any("当事人住址不在本辖区" in n["text"] for n in news["items"])
    # Back with the sender, the case may be routed again, this time elsewhere with a reason.
    _, agencies = await police.get("/api/v1/agencies?kind=judicial_office")
    office = agencies["items"][0]["id"]
    status, body = await police.post(f"/api/v1/cases/{case['id']}/referrals", {"target_agency_id": office})
    assert status == 422 and body["error"]["code"] == "reason_required"
    status, again = await police.post(
        f"/api/v1/cases/{case['id']}/referrals",
        {"target_agency_id": office, "override_reason": "由司法所统筹"},
    )
    assert status == 201 and again["to_agency_id"] == office
    assert again["explanation"]["overridden_from"] == referral["to_agency_id"]


async def test_onward_referral_keeps_the_chain(client: TestClient) -> None:
    police = await Person.login(client, "liaison_ps01")
    _, case = await police.post("/api/v1/cases", case_body())
    _, first = await police.post(f"/api/v1/cases/{case['id']}/referrals", {})
    room = await Person.login(client, "liaison_sr01")
    _, labour = await room.get("/api/v1/agencies?kind=specialised_body")
    target = next(a["id"] for a in labour["items"] if a["code"] == "SB-LABOUR")
    status, second = await room.post(
        f"/api/v1/referrals/{first['id']}/actions",
        {"action": "refer_onward", "reason": "实为劳务纠纷", "target_agency_id": target},
    )
    assert status == 200 and second["state"] == "referred_onward"
    status, chain = await room.get(f"/api/v1/cases/{case['id']}")
    assert chain["state"] == "sent" and chain["referral_id"] != first["id"]
    _, onward = await room.get(f"/api/v1/referrals/{chain['referral_id']}")
    assert onward["parent_id"] == first["id"] and onward["to_agency_id"] == target


async def test_a_group_dispute_alerts_the_supervisors_at_once(client: TestClient) -> None:
    police = await Person.login(client, "liaison_ps01")
    _, case = await police.post("/api/v1/cases", case_body(flags=["group_dispute"]))
    status, _ = await police.post(f"/api/v1/cases/{case['id']}/referrals", {})
    assert status == 201
    for supervisor in ("psb_supervisor", "supervisor"):
        person = await Person.login(client, supervisor)
        _, news = await person.get("/api/v1/notifications")
        assert any(case["number"] in n["text"] and "高风险" in n["text"] for n in news["items"]), supervisor
