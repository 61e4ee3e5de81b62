"""Each party's own consent to mediation (People's Mediation Law art. 17: mediation needs the
parties' consent, and when one of them expressly refuses, there is no mediation).

Who recorded it, when it was given or refused and how (in person, by phone, in writing, online)
are kept on the party (``Party.consent``, ``consent_at``, ``consent_method``,
``consent_recorded_by_id``): the 不予受理 and 终止调解 papers are printed from them, so a refusal,
once recorded, is not overwritten.

A refusal stops the case at once, through the state table (``moves.move``), on behalf of the
receiving body whatever agency heard it, with the reason ``当事人不同意调解``:

- ``sent`` -> ``declined`` (the body does not take the case in: 不予受理);
- ``accepted`` or ``in_mediation`` -> ``failed`` (the mediation ends: 终止调解).

Both hand the case back to the sender, and ``sending.send`` refuses to refer it again while a
party's refusal stands. A case not yet referred is only marked; any other state (resolved, closed,
with the court) has had its mediation, and a refusal then moves nothing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from hub import audit
from hub.events import Outbox
from referrals import moves, states
from referrals.cases import actions
from referrals.cases.intake import CLOCK_SKEW
from referrals.errors import ConsentFinal, ConsentInFuture
from referrals.models import Case, Party, Referral
from referrals.visibility import latest_referral

REFUSAL_REASON = "当事人不同意调解"
STOPS: dict[str, states.Action] = {
    states.State.sent: states.Action.decline,
    states.State.accepted: states.Action.fail,
    states.State.in_mediation: states.Action.fail,
}


async def record(
    s: AsyncSession,
    actor: audit.Actor,
    case: Case,
    party: Party,
    *,
    consent: str,
    at: datetime,
    method: str,
    now: datetime,
    outbox: Outbox,
) -> Referral | None:
    """Record the party's answer; on a refusal, the referral it stopped (None if none moved)."""
    if party.consent == "refused":
        raise ConsentFinal(name=party.name)
    if at > now + CLOCK_SKEW:
        raise ConsentInFuture.at("at")
    party.consent, party.consent_at, party.consent_method = consent, at, method
    party.consent_recorded_by_id = actor.user_id
    await s.flush()
    await audit.record(
        s,
        actor,
        "party.consent_recorded",
        "case",
        case.id,
        {"party_id": party.id, "consent": consent, "method": method, "at": at.isoformat()},
    )
    if consent != "refused":
        return None
    return await stop(s, actor, case, party, now=now, outbox=outbox)


async def stop(
    s: AsyncSession, actor: audit.Actor, case: Case, party: Party, *, now: datetime, outbox: Outbox
) -> Referral | None:
    referral = await latest_referral(s, case.id)
    if referral is None or referral.state not in STOPS:
        return None
    move = moves.Move(STOPS[referral.state], REFUSAL_REASON, data={"party_id": party.id})
    return await actions.plain_move(
        s, actor, referral, move, sides={states.Side.receiver}, now=now, outbox=outbox
    )
