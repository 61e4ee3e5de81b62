"""The case list reads its own tables (``referrals.case_index``): they agree with the referrals
after every kind of move, search finds one or two Chinese characters, and pages never repeat or
skip a case."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from alembic import command
from sqlalchemy import func, select

from hub.config import Config
from hub.db import Database
from hub.migrate import alembic_config
from hub.orm import utcnow
from hub.permissions import Scope
from referrals import case_index
from referrals.cases import queue
from referrals.models import Case, CaseAgency, CaseGram, CourtApplication, Party, Referral
from referrals.visibility import visible
from tests.referrals.helpers import Person, case_body

pytestmark = pytest.mark.pg


async def assert_in_step(db: Database, *, by_rule: bool = False) -> None:
    """Every case's copy of its current referral, who may see it and its search pieces are what
    the referrals, the court applications, the numbers and the parties say (``by_rule``: and each
    agency's list holds what ``visibility.visible`` lets it see)."""
    async with db.read() as s:
        cases = (await s.execute(select(Case))).scalars().all()
        referrals = (await s.scalars(select(Referral).order_by(Referral.id))).all()
        latest = {r.case_id: r for r in referrals}  # the last one wins
        for case in cases:
            r = latest.get(case.id)
            copied = (
                case.current_referral_id,
                case.current_state,
                case.current_receiver_id,
                case.current_due,
            )
            expected = (r.id, r.state, r.to_agency_id, case_index.current_due(r)) if r else (None,) * 4
            assert copied == expected, case.number
        may_see = {(c.created_agency_id, c.id) for c in cases}
        may_see |= {(a, r.case_id) for r in referrals for a in (r.from_agency_id, r.to_agency_id)}
        may_see |= set(
            (await s.execute(select(CourtApplication.court_agency_id, CourtApplication.case_id))).all()
        )
        assert set((await s.execute(select(CaseAgency.agency_id, CaseAgency.case_id))).all()) == may_see
        names: dict[int, list[str]] = {}
        for case_id, name in (await s.execute(select(Party.case_id, Party.name))).all():
            names.setdefault(case_id, []).append(name)
        pieces = {
            (g, c.id) for c in cases for g in case_index.grams(c.number, c.incident_no, *names.get(c.id, []))
        }
        assert set((await s.execute(select(CaseGram.gram, CaseGram.case_id))).all()) == pieces
        for agency_id in {a for a, _ in may_see} if by_rule else ():  # the rule and its rows alike
            scope = Scope(frozenset({agency_id}))
            by_rule = set((await s.scalars(select(Case.id).where(visible(scope)))).all())
            by_rows = set((await s.scalars(select(Case.id).where(queue.listed(scope)))).all())
            assert by_rule == by_rows, agency_id


async def test_the_demo_district_is_in_step(db: Database) -> None:
    """The demo moved its cases through every state (onward, expired, confirmed...) by the moves."""
    await assert_in_step(db, by_rule=True)


async def test_the_digit_pieces_are_cut_for_the_cases_already_there_when_migrating(
    db: Database, config: Config
) -> None:
    """r0013 cuts the runs of digits of the cases taken in before it (the demo's, here) as the
    flush hook does for those after it."""
    alembic = alembic_config(config.database_url)
    await asyncio.to_thread(command.downgrade, alembic, "r0012")
    async with db.read() as s:
        assert await s.scalar(select(func.count()).where(func.length(CaseGram.gram) == 4)) == 0
    await asyncio.to_thread(command.upgrade, alembic, "heads")
    async with db.read() as s:
        assert await s.scalar(select(func.count()).where(func.length(CaseGram.gram) == 4)) > 0
    await assert_in_step(db)


async def test_the_list_follows_each_move(client: TestClient, db: Database) -> None:
    police = await Person.login(client, "liaison_ps01")
    _, case = await police.post("/api/v1/cases", case_body())
    _, first = await police.post(f"/api/v1/cases/{case['id']}/referrals", {})
    await assert_in_step(db)
    room = await Person.login(client, "liaison_sr01")
    await room.post(f"/api/v1/referrals/{first['id']}/actions", {"action": "decline", "reason": "不在辖区"})
    await assert_in_step(db)
    police = await Person.login(client, "liaison_ps01")
    status, second = await police.post(f"/api/v1/cases/{case['id']}/referrals", {})
    assert status == 201
    _, listed = await police.get("/api/v1/cases?state=sent&limit=500")
    assert case["id"] in [c["id"] for c in listed["items"]]
    room = await Person.login(client, "liaison_sr01")
    status, moved = await room.post(f"/api/v1/referrals/{second['id']}/actions", {"action": "accept"})
    assert status == 200, moved
    status, extended = await room.post(
        f"/api/v1/referrals/{second['id']}/extension", {"days": 10, "reason": "当事人出差"}
    )
    assert status == 200, extended
    await assert_in_step(db)
    _, listed = await room.get("/api/v1/cases?state=accepted&limit=500")
    assert case["id"] in [c["id"] for c in listed["items"]]
    police = await Person.login(client, "liaison_ps01")
    status, moved = await police.post(
        f"/api/v1/referrals/{second['id']}/actions", {"action": "withdraw", "reason": "当事人已和解"}
    )
    assert status == 200, moved
    await assert_in_step(db)
    # An overdue acceptance expires in the sweep, which moves it like anyone else.
    _, third = await police.post(f"/api/v1/cases/{case['id']}/referrals", {})
    from hub.events import Outbox
    from referrals import sweeps

    assert await sweeps.expire_overdue(db, utcnow() + timedelta(days=30), Outbox()) >= 1
    await assert_in_step(db)
    _, listed = await police.get("/api/v1/cases?state=expired&limit=500")
    assert case["id"] in [c["id"] for c in listed["items"]]


async def test_search_finds_one_or_two_chinese_characters_and_numbers(client: TestClient) -> None:
    police = await Person.login(client, "liaison_ps01")
    parties = [
        {"role": "applicant", "name": "欧阳小明", "id_number": "33010619900101123X", "phone": "13800001111"},
        {"role": "respondent", "name": "司马光", "id_number": "330106198802022348", "phone": "13900002222"},
    ]
    _, case = await police.post("/api/v1/cases", case_body(parties=parties, incident_no="J20261207ZQ77"))
    _, party = await police.get(f"/api/v1/cases/{case['id']}")
    for q, found in (
        ("欧", True),
        ("小明", True),
        ("阳小明", True),
        ("欧阳小明", True),
        ("马光", True),
        ("光司", False),  # the pieces never run from one name into the next
        ("小光", False),
        (case["number"], True),
        (case["number"].lower(), True),
        ("zq77", True),
        ("Q7", True),
        ("%", False),
        # Runs of digits: searched by their four-digit pieces, any part of a run, or several runs.
        (case["number"][-6:], True),
        (case["number"][-4:], True),
        (case["number"][-5:-1], True),
        ("20261207", True),
        ("1207zq", True),
        ("61207", True),
        ("20261208", False),  # every pair is there, one four-digit piece is not
        ("12072026", False),
    ):
        status, listed = await police.get(f"/api/v1/cases?q={q}&limit=500")
        assert status == 200
        assert (case["id"] in [c["id"] for c in listed["items"]]) is found, q
    # A name changed is searched by its new name only.
    pid = party["parties"][0]["id"]
    response = await client.patch(
        f"/api/v1/cases/{case['id']}/parties/{pid}",
        json={"name": "诸葛亮"},
        headers={"X-CSRF-Token": police.csrf},
    )
    assert response.status == 200, await response.text()
    for q, found in (("诸葛", True), ("亮", True), ("欧阳", False)):
        _, listed = await police.get(f"/api/v1/cases?q={q}&limit=500")
        assert (case["id"] in [c["id"] for c in listed["items"]]) is found, q


async def _walk(person: Person, query: str, limit: int) -> list[int]:
    seen: list[int] = []
    after = ""
    while True:
        status, listed = await person.get(f"/api/v1/cases?limit={limit}{query}{after}")
        assert status == 200, listed
        seen += [c["id"] for c in listed["items"]]
        if listed["next_after"] is None:
            return seen
        after = f"&after={listed['next_after']}"


async def test_pages_by_cursor_have_no_repeats_and_no_gaps(client: TestClient, monkeypatch: Any) -> None:
    for username, query in (("admin", ""), ("liaison_ps01", ""), ("admin", "&category=neighbour")):
        person = await Person.login(client, username)
        _, everything = await person.get(f"/api/v1/cases?limit=500{query}")
        every_id = [c["id"] for c in everything["items"]]
        assert every_id == sorted(every_id, reverse=True) and not everything["total_capped"]
        assert await _walk(person, query, 7) == every_id
        assert everything["total"] == len(every_id)  # one page holds them all: not counted again
        _, first = await person.get(f"/api/v1/cases?limit=7{query}")
        assert first["total"] == len(every_id)  # counted
        _, by_offset = await person.get(f"/api/v1/cases?limit=7&offset=7{query}")
        assert [c["id"] for c in by_offset["items"]] == every_id[7:14]  # old clients still page
        # After a cursor: the rows below it (a station's through its visibility rows, bounded by
        # the cursor too), and the total of the whole list, not of what lies below.
        _, later = await person.get(f"/api/v1/cases?limit=7&after={every_id[9]}{query}")
        assert [c["id"] for c in later["items"]] == every_id[10:17]
        assert later["total"] == len(every_id)
    monkeypatch.setattr(queue, "COUNT_CAP", 5)
    _, capped = await person.get("/api/v1/cases?limit=3")
    assert capped["total"] == 6 and capped["total_capped"]
    _, whole = await person.get("/api/v1/cases?limit=500")  # one page, more than the cap on it
    assert whole["total"] == 6 and whole["total_capped"]
    status, html = await person.get("/cases")
    assert status == 200 and "5+" in html.decode()
