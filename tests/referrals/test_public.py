"""The published function meetings use to propose cases for a joint review."""

import pytest

from hub.db import Database
from hub.orm import utcnow
from hub.permissions import Scope
from referrals.public import cases_for_joint_review

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
