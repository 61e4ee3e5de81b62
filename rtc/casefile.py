"""What mediation sessions add to a case's file (一案一档): the 调解笔录 of each ended session of the
case that has minutes, video or face to face, filled in as ``/mediations/{id}/minutes.pdf`` is
(``rtc.minutes.documents``). Handed to the core as ``Plugin.casefile_sections``; referrals lays the
sections out in the file."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.keys import CONFIG
from hub.plugins import CaseFileSection
from hub.templating import JINJA
from rtc.minutes import documents
from rtc.minutes import service as minutes_service
from rtc.models import MediationSession

TITLES = {"video": "调解笔录（视频调解）", "in_person": "调解笔录（现场调解）"}


async def sections(app: web.Application, s: AsyncSession, case_id: int) -> list[CaseFileSection]:
    """One section per ended session with minutes, the earliest first."""
    zone = app[CONFIG].time_zone
    held = (
        await s.scalars(
            select(MediationSession)
            .where(MediationSession.case_id == case_id, MediationSession.status == "ended")
            .order_by(MediationSession.started_at, MediationSession.id)
        )
    ).all()
    out: list[CaseFileSection] = []
    for session in held:
        minutes = await minutes_service.get(s, session.id)
        if minutes is None:  # nothing drafted: no record to file yet
            continue
        document = await documents.minutes_document(s, app[JINJA], session, minutes, zone=zone)
        at = session.started_at or session.ended_at
        day = at.astimezone(ZoneInfo(zone)).date() if at else None
        out.append(CaseFileSection(TITLES.get(session.mode, "调解笔录"), day, document.html))
    return out
