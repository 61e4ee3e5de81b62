"""The parties' acknowledgements of the 人民调解权利义务告知书 (People's Mediation Law arts. 23, 24):
the receiving body reads or hands the notice to each party and records who acknowledged it, when,
how, and who recorded it. One acknowledgement per party; each is audited."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub import audit
from hub.events import Outbox
from hub.i18n import N_
from referrals.agreements.agreements import FUTURE_SLACK_SECONDS, CaseAgreement
from referrals.errors import (
    RECEIVER_ONLY,
    AlreadyAcknowledged,
    BadDate,
    BadParty,
    NotReceivedYet,
    WrongSide,
)
from referrals.models import RightsAcknowledgement

OBJECT_TYPE = "party"
ACKNOWLEDGED = "rights.acknowledged"


async def record(
    s: AsyncSession,
    actor: audit.Actor,
    ca: CaseAgreement,
    party_id: int,
    method: str,
    *,
    at: datetime | None,
    now: datetime,
    outbox: Outbox,
) -> RightsAcknowledgement:
    """Record one party's acknowledgement; the receiving body of an accepted referral only."""
    referral = ca.referral
    if referral is None or not ca.receiver:
        raise WrongSide(RECEIVER_ONLY)
    if referral.accepted_at is None:
        raise NotReceivedYet()
    party = next((p for p in ca.case.parties if p.id == party_id), None)
    if party is None:
        raise BadParty()
    done = await s.scalar(select(RightsAcknowledgement.id).where(RightsAcknowledgement.party_id == party_id))
    if done is not None:
        raise AlreadyAcknowledged(name=party.name)
    at = at or now
    if (at - now).total_seconds() > FUTURE_SLACK_SECONDS:
        raise BadDate(N_("An acknowledgement cannot be recorded in the future."))
    row = RightsAcknowledgement(
        case_id=ca.case.id,
        party_id=party_id,
        acknowledged_at=at,
        method=method,
        recorded_by_id=actor.user_id,
        recorded_at=now,
    )
    s.add(row)
    await s.flush()
    await audit.record(
        s, actor, ACKNOWLEDGED, OBJECT_TYPE, party_id, {"case": ca.case.number, "method": method}
    )
    for agency_id in {referral.from_agency_id, referral.to_agency_id}:
        outbox.add(
            f"agency:{agency_id}", ACKNOWLEDGED, actor.user_id, case_id=ca.case.id, number=ca.case.number
        )
    return row
