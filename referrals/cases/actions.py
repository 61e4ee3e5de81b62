"""What a person does to a case's referral from the case page or the API's actions endpoint: any
move of the state table but the court's steps (those have the agreement's own forms), with what
the agreements add to it (``agreements.EFFECTS``: visits before closing, scheduled on resolving)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from hub import audit
from hub.events import Outbox
from referrals import moves, sending, states
from referrals.agreements import agreements
from referrals.errors import BadTarget, UseTheCourtForm
from referrals.models import Referral


async def plain_move(
    s: AsyncSession,
    actor: audit.Actor,
    referral: Referral,
    move: moves.Move,
    *,
    sides: set[states.Side],
    now: datetime,
    outbox: Outbox,
) -> Referral:
    """An action a person picked (a button, the API's actions endpoint)."""
    if move.action in states.COURT_STEPS:
        raise UseTheCourtForm()
    return await moves.move(
        s, actor, referral, move, sides=sides, now=now, outbox=outbox, effects=agreements.EFFECTS
    )


async def act(
    s: AsyncSession,
    actor: audit.Actor,
    referral: Referral,
    move: moves.Move,
    *,
    target_agency_id: int | None,
    sides: set[states.Side],
    now: datetime,
    outbox: Outbox,
) -> Referral:
    """A plain move, or passing the case on to ``target_agency_id`` (refer_onward)."""
    if move.action != states.Action.refer_onward:
        return await plain_move(s, actor, referral, move, sides=sides, now=now, outbox=outbox)
    if target_agency_id is None:
        raise BadTarget()
    return await sending.refer_onward(
        s,
        actor,
        referral,
        target_agency_id=target_agency_id,
        reason=move.reason,
        now=now,
        outbox=outbox,
        sides=sides,
    )
