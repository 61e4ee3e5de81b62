"""Video mediation hands the 调解笔录 of a case's ended sessions to the case file (一案一档):
listed in its contents and laid out from the page the list gives; sessions without minutes are
left out."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from aiohttp.test_utils import TestClient
from sqlalchemy import select

from hub import audit
from hub.db import Database
from hub.orm import utcnow
from referrals.models import Referral
from rtc.casefile import TITLES
from rtc.minutes import service as minutes_service
from rtc.models import MediationSession
from tests.referrals.agreements.test_agreements import case_in_mediation
from tests.referrals.casefile.helpers import listed, pdf_pages
from tests.referrals.helpers import Person

TITLE = TITLES["video"]


async def held(db: Database, case_id: int, *, minutes: bool) -> None:
    now = utcnow()
    async with db.write() as s:
        referral = await s.scalar(select(Referral).where(Referral.case_id == case_id))
        assert referral is not None and referral.mediator_id is not None
        session = MediationSession(
            case_id=case_id,
            referral_id=referral.id,
            agency_id=referral.to_agency_id,
            mediator_id=referral.mediator_id,
            title="第一次调解",
            status="ended",
            started_at=now - timedelta(hours=2),
            ended_at=now - timedelta(hours=1),
        )
        s.add(session)
        await s.flush()
        if minutes:
            actor = audit.Actor(referral.mediator_id, referral.to_agency_id)
            await minutes_service.draft(s, actor, session, now=now, zone="Asia/Shanghai")


async def test_the_minutes_of_a_video_session_are_in_the_case_file(
    client: TestClient, db: Database, tmp_path: Path
) -> None:
    case_id, _rid, _parties = await case_in_mediation(client)
    await held(db, case_id, minutes=True)
    await held(db, case_id, minutes=False)  # ended, nothing drafted: not filed
    room = await Person.login(client, "liaison_sr01")
    response = await room.client.get(f"/cases/{case_id}/casefile.pdf")
    assert response.status == 200
    pdf = await response.read()
    pages = pdf_pages(pdf, tmp_path)
    entries = listed(pdf, tmp_path)
    assert [title for title, _first, _last in entries].count(TITLE) == 1  # the undrafted one is not filed
    rows = {title: first for title, first, _last in entries}
    first = rows[TITLE]
    assert "调解笔录" in pages[first - 1] and f"第{first}页" in pages[first - 1]
    assert list(rows).index(TITLE) == list(rows).index("人民调解权利义务告知书") + 1
