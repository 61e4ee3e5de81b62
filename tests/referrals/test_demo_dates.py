"""The demo district is built relative to "now", so that on whatever day `make run` loads it there
are open cases with clocks running: some near their deadline, some past it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from hub.db import Database
from hub.orm import utcnow
from referrals.models import Referral


async def test_the_demo_has_open_cases_near_and_past_their_deadlines(db: Database) -> None:
    now = utcnow()
    async with db.read() as s:
        referrals = (await s.scalars(select(Referral))).all()
    dues = [
        due
        for r in referrals
        if r.state in ("sent", "accepted", "in_mediation")
        for due in (r.accept_due if r.state == "sent" else r.mediation_due,)
        if due is not None
    ]
    assert any(now <= due <= now + timedelta(days=7) for due in dues), "nothing due within the week"
    assert any(due < now for due in dues), "nothing overdue to warn about"
    assert any(due > now + timedelta(days=7) for due in dues), "every clock is about to run out"
