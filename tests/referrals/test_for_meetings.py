"""The published function meetings use to propose cases for a joint review."""

import pytest

from hub.db import Database
from hub.orm import utcnow
from hub.permissions import Scope
from referrals.for_meetings import cases_for_joint_review

pytestmark = pytest.mark.pg


async def test_the_demo_cases_needing_joint_attention_are_proposed_with_their_reasons(db: Database) -> None:
    async with db.read() as s:
        found = await cases_for_joint_review(s, Scope(None), utcnow(), limit=50)
    reasons = {r for case in found for r in case.reasons}
    assert {"escalated", "failed", "group_dispute"} <= reasons
    assert all(case.reasons for case in found)
    assert [len(c.reasons) for c in found] == sorted((len(c.reasons) for c in found), reverse=True)


async def test_an_agency_sees_only_its_own_cases_for_review(db: Database) -> None:
    async with db.read() as s:
        everything = await cases_for_joint_review(s, Scope(None), utcnow(), limit=50)
        nobody = await cases_for_joint_review(s, Scope(frozenset({-1})), utcnow(), limit=50)
    assert everything and not nobody


async def test_a_failure_long_past_is_no_longer_proposed(db: Database) -> None:
    from datetime import timedelta

    from sqlalchemy import select, update

    from hub.early_warnings import EarlyWarning
    from referrals.for_meetings import REVIEW_DAYS
    from referrals.models import Referral

    now = utcnow()
    async with db.read() as s:
        failed = [
            c for c in await cases_for_joint_review(s, Scope(None), now, limit=500) if c.state == "failed"
        ]
    assert failed
    case_id = failed[0].case_id
    async with db.write() as s:
        await s.execute(
            update(Referral)
            .where(Referral.case_id == case_id)
            .values(state_changed_at=now - timedelta(days=REVIEW_DAYS + 1), escalated_at=None)
        )
        warned = (await s.scalars(select(EarlyWarning).where(EarlyWarning.case_id == case_id))).all()
        for warning in warned:
            warning.acknowledged_at = now
    async with db.read() as s:
        later = await cases_for_joint_review(s, Scope(None), now, limit=500)
    assert case_id not in {c.case_id for c in later}
