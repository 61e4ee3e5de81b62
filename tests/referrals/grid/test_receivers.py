"""Village committees and specialised bodies receive cases for real: each of the six fields routes
to its body, a group dispute goes to the body of its field with the bureau and the station told,
and the demo gives every receiving kind its people and its settled cases."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from hub.db import Database
from hub.demo_data import AGENCY_NAMES
from hub.models import Agency, AgencyKind, Role, User, UserRole
from hub.notifications import Notification
from referrals.agencies import RECEIVING_KINDS
from referrals.models import Case, Referral, RoutingRule
from tests.referrals.helpers import Person, case_body

FIELDS = {
    "labour": "SB-LABOUR",
    "land_acquisition": "SB-LAND",
    "medical": "SB-MEDICAL",
    "environmental": "SB-ENV",
    "enterprise_restructuring": "SB-ENTERPRISE",
    "education": "SB-EDU",
}


async def _route(person: Person, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    status, case = await person.post("/api/v1/cases", body)
    assert status == 201, case
    status, proposal = await person.get(f"/api/v1/cases/{case['id']}/route")
    assert status == 200, proposal
    return int(case["id"]), dict(proposal)


@pytest.mark.parametrize("category", sorted(FIELDS))
async def test_a_case_of_each_specialised_field_goes_to_its_body(client: TestClient, category: str) -> None:
    police = await Person.login(client, "liaison_ps01")
    _, proposal = await _route(police, case_body(category=category))
    assert proposal["target_agency_name"] == AGENCY_NAMES[FIELDS[category]]


async def test_a_group_wage_claim_goes_to_the_labour_body_and_the_bureau_and_station_are_told(
    client: TestClient, db: Database
) -> None:
    police = await Person.login(client, "liaison_ps01")
    case_id, proposal = await _route(police, case_body(category="labour", flags=["group_dispute"]))
    assert proposal["target_agency_name"] == AGENCY_NAMES["SB-LABOUR"]
    status, referral = await police.post(f"/api/v1/cases/{case_id}/referrals", {})
    assert status == 201, referral
    async with db.read() as s:
        told = set(
            (
                await s.scalars(
                    select(User.username)
                    .join(Notification, Notification.user_id == User.id)
                    .where(
                        Notification.kind == "case.group_dispute", Notification.link == f"/cases/{case_id}"
                    )
                )
            ).all()
        )
    assert {"liaison_jb", "liaison_ps01", "station_admin_ps01"} <= told
    assert "liaison_ps02" not in told


async def test_a_group_dispute_no_field_claims_goes_to_the_bureau(client: TestClient) -> None:
    police = await Person.login(client, "liaison_ps01")
    _, proposal = await _route(police, case_body(category="neighbour", flags=["group_dispute"]))
    assert proposal["target_agency_name"] == AGENCY_NAMES["JB"]


async def test_the_api_takes_every_category_of_the_seed(client: TestClient) -> None:
    police = await Person.login(client, "liaison_ps01")
    for category in ("education", "enterprise_restructuring"):
        status, case = await police.post("/api/v1/cases", case_body(category=category))
        assert status == 201 and case["category"] == category


async def test_every_receiving_kind_has_its_people_and_every_body_settled_a_demo_case(db: Database) -> None:
    async with db.read() as s:
        staffed = {
            (kind, role)
            for kind, role in (
                await s.execute(
                    select(Agency.kind, UserRole.role)
                    .join(User, User.agency_id == Agency.id)
                    .join(UserRole, UserRole.user_id == User.id)
                )
            ).all()
        }
        settled = set(
            (
                await s.scalars(
                    select(Agency.code)
                    .join(Referral, Referral.to_agency_id == Agency.id)
                    .where(Referral.state.in_(["resolved", "confirmed", "closed"]))
                )
            ).all()
        )
        states_by_kind: dict[str, set[str]] = {}
        for kind, state in (
            await s.execute(
                select(Agency.kind, Referral.state).join(Referral, Referral.to_agency_id == Agency.id)
            )
        ).all():
            states_by_kind.setdefault(kind, set()).add(state)
        committee_rules = (
            await s.scalars(
                select(RoutingRule.name)
                .join(Agency, Agency.id == RoutingRule.target_agency_id)
                .where(Agency.kind == AgencyKind.mediation_committee)
            )
        ).all()
        grid_cases = await s.scalar(select(Case.id).where(Case.channel == "grid_report").limit(1))
    for kind in RECEIVING_KINDS:
        assert (kind, Role.liaison) in staffed and (kind, Role.mediator) in staffed, kind
        assert len(states_by_kind.get(kind, set())) >= 2, (kind, states_by_kind.get(kind))
    assert set(FIELDS.values()) <= settled
    assert "MC-T01V01" in settled
    assert len(committee_rules) >= 3 and grid_cases is not None
