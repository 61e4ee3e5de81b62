"""Demo data of video mediation: an upcoming session for a case in mediation, with its parties
invited (``gongtiao mediation invite SESSION`` prints their links), so a newcomer can try the room
from two browser windows; and a finished session with its recordings and minutes (demo_session)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from hub import audit
from hub.demo_context import DemoContext
from hub.models import Setting
from hub.permissions import Scope
from referrals import for_mediation
from rtc import demo_session, service

MARK = "demo.rtc"


async def load(ctx: DemoContext) -> None:
    async with ctx.db.read() as s:
        if await s.scalar(select(Setting.id).where(Setting.key == MARK)):
            return
    async with ctx.db.write() as s:
        found = await for_mediation.cases_in_mediation(s, ["in_mediation"])
        info = await for_mediation.case_for_mediation(s, Scope(None), found[0]) if found else None
        if info is not None and info.mediator_id is not None:
            start = (ctx.now + timedelta(days=1)).replace(
                hour=2, minute=0, second=0, microsecond=0
            )  # 10:00 Beijing
            await service.schedule(
                s,
                audit.Actor(info.mediator_id, info.mediating_agency_id),
                info,
                mediator_id=info.mediator_id,
                start=start,
                # No ID check in the demo: a newcomer does not know the fictitious ID numbers.
                guests=[service.GuestSpec("party", p.name, p.party_id) for p in info.parties],
                record_video=False,
                now=ctx.now,
            )
        s.add(Setting(key=MARK, value="1"))
    await demo_session.load(ctx)
