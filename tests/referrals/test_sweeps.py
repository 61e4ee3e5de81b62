"""The sweeps: one process at a time runs them, and each run after the first looks only at what
fell due since the one before."""

from __future__ import annotations

from datetime import timedelta

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from hub.db import Database
from hub.events import Outbox
from hub.leader import leading
from hub.orm import utcnow
from referrals import sweeps
from referrals.models import Referral
from referrals.reports.sweep import open_referrals
from tests.referrals.agreements.test_agreements import case_in_mediation

pytestmark = pytest.mark.pg


async def test_one_process_at_a_time_leads_a_sweep(db: Database) -> None:
    other = Database(db.url)  # another hub process: its own engine and connections
    try:
        async with leading(db, "referrals-sweep") as first:
            async with leading(other, "referrals-sweep") as second:
                assert first
                assert second is db.is_sqlite  # SQLite's one process always leads
            async with leading(other, "meetings-sweep") as another_job:
                assert another_job
        async with leading(other, "referrals-sweep") as after:
            assert after  # released when the run ended
    finally:
        await other.dispose()


async def test_a_run_after_the_first_looks_only_at_what_fell_due_since(
    client: TestClient, db: Database
) -> None:
    _case_id, rid, _parties = await case_in_mediation(client)
    now = utcnow()
    last_run = now - timedelta(minutes=1)
    assert await sweeps.run_all(db, now, Outbox(), zone="Asia/Shanghai") is not None  # catch up
    async with db.write() as s:
        referral = await s.get(Referral, rid)
        assert referral is not None
        referral.mediation_due = now - timedelta(hours=1)  # fell due long before the last run
    assert await sweeps.warn_overdue_mediation(db, now, since=last_run) == 0
    async with db.write() as s:
        referral = await s.get(Referral, rid)
        assert referral is not None
        referral.mediation_due = now - timedelta(seconds=30)  # fell due since
    assert await sweeps.warn_overdue_mediation(db, now, since=last_run) == 1
    assert await sweeps.warn_overdue_mediation(db, now) == 0  # the full look finds it warned of
    # Stuck: only the referrals whose resting time ran out since the last run.
    rest = timedelta(days=14)
    async with db.write() as s:
        referral = await s.get(Referral, rid)
        assert referral is not None
        moved = max(referral.state_changed_at, referral.sent_at)
    async with db.read() as s:
        later = moved + rest + timedelta(minutes=1)
        found = [r.id for r in await open_referrals(s, (later - rest - timedelta(minutes=2), later - rest))]
        assert rid in found
        much_later = later + timedelta(days=3)
        window = (much_later - rest - timedelta(minutes=2), much_later - rest)
        assert rid not in [r.id for r in await open_referrals(s, window)]
        assert rid in [r.id for r in await open_referrals(s)]
        open_count = len(
            (
                await s.scalars(
                    select(Referral.id).where(Referral.state.in_(["sent", "accepted", "in_mediation"]))
                )
            ).all()
        )
        assert len(await open_referrals(s)) == open_count
