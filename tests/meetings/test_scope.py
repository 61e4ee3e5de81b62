"""A meeting shows its manager only cases the manager may see anyway (#15, finding 1).

Inviting the district's top agencies used to widen a station admin's "proposed cases" to every
station's cases, with their summaries, while ``GET /api/v1/cases/{id}`` rightly gave the same
person 404.
"""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient

from hub.db import Database
from tests.meetings.helpers import Person, agency_ids

pytestmark = pytest.mark.pg


async def test_inviting_the_top_agencies_does_not_widen_what_a_station_admin_sees(
    client: TestClient, db: Database
) -> None:
    admin = await Person.login(client, "station_admin_ps01")
    top = await agency_ids(db, "PSB", "JB")
    status, meeting = await admin.post(
        "/api/v1/meetings",
        {
            "title": "所内例会",
            "start": "2026-12-08T09:00:00+08:00",
            "end": "2026-12-08T10:00:00+08:00",
            "invite_agency_ids": top,
        },
    )
    assert status == 201, meeting
    status, proposed = await admin.get(f"/api/v1/meetings/{meeting['meeting']['id']}/proposed-cases")
    assert status == 200, proposed
    for case in proposed["items"]:
        status, _ = await admin.get(f"/api/v1/cases/{case['case_id']}")
        assert status == 200, f"proposed case {case['case_id']} is not one this admin may open"

    # The same meeting organised by the bureau's secretary proposes cases this admin may not open:
    # the check above has something to catch.
    secretary = await Person.login(client, "secretary")
    status, theirs = await secretary.post(
        "/api/v1/meetings",
        {
            "title": "联席会议",
            "start": "2026-12-08T09:00:00+08:00",
            "end": "2026-12-08T10:00:00+08:00",
            "invite_agency_ids": top,
        },
    )
    assert status == 201, theirs
    status, wide = await secretary.get(f"/api/v1/meetings/{theirs['meeting']['id']}/proposed-cases")
    assert status == 200
    hidden = [
        c["case_id"] for c in wide["items"] if c["case_id"] not in {p["case_id"] for p in proposed["items"]}
    ]
    assert hidden, "the district's proposals should include other stations' cases"
    assert (await admin.get(f"/api/v1/cases/{hidden[0]}"))[0] == 404
