"""Follow-up visits (回访) as the receiving agency records them, and closing the case after them.

A visit that finds the agreement partly or not performed raises one early warning per visit (kind
``nonperformance``, keyed on the visit) and tells the supervisors of the receiving agency and of every
agency above it. The referral may be closed only when no visit is left
(``agreements.require_visits_done``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub import audit
from hub.directory import overseers
from hub.early_warnings import raise_warning
from hub.errors import NotFound
from hub.events import Outbox
from hub.i18n import N_
from hub.models import Role
from hub.notifications import notify
from referrals import moves
from referrals.agreements import agreements, followups
from referrals.agreements.agreements import FUTURE_SLACK_SECONDS, CaseAgreement
from referrals.agreements.schemas import FollowUpOut
from referrals.errors import RECEIVER_ONLY, BadDate, FollowUpDone, WrongSide
from referrals.models import FollowUp, Referral

WARNING_KIND = "nonperformance"
WARNING_TITLES = {
    followups.Outcome.partly: N_(
        "Agreement of case %(number)s was only partly performed (visit due %(due)s)"
    ),
    followups.Outcome.not_performed: N_("Agreement of case %(number)s was not performed (visit due %(due)s)"),
}


async def for_case(s: AsyncSession, case_id: int) -> Sequence[FollowUp]:
    return (
        await s.scalars(
            select(FollowUp).where(FollowUp.case_id == case_id).order_by(FollowUp.due_date, FollowUp.id)
        )
    ).all()


def out(row: FollowUp, today: date) -> FollowUpOut:
    result = FollowUpOut.model_validate(row)
    result.overdue = followups.is_overdue(row.due_date, row.done_at is not None, today)
    return result


async def record_visit(
    s: AsyncSession,
    actor: audit.Actor,
    ca: CaseAgreement,
    followup_id: int,
    outcome: str,
    notes: str,
    *,
    visited_at: datetime | None,
    now: datetime,
    outbox: Outbox,
) -> FollowUp:
    row = await s.scalar(
        select(FollowUp).where(FollowUp.id == followup_id, FollowUp.case_id == ca.case.id).with_for_update()
    )
    if row is None:
        raise NotFound()
    if not ca.receiver:
        raise WrongSide(RECEIVER_ONLY)
    if row.done_at is not None:
        raise FollowUpDone()
    visited_at = visited_at or now
    if (visited_at - now).total_seconds() > FUTURE_SLACK_SECONDS:
        raise BadDate(N_("A visit cannot be recorded in the future."))
    row.done_at = visited_at
    row.outcome = followups.Outcome(outcome)
    row.notes = notes[:1000]
    row.visited_by_id = actor.user_id
    await s.flush()
    await audit.record(
        s,
        actor,
        "followup.visited",
        "followup",
        row.id,
        {"case": ca.case.number, "outcome": outcome, "notes": notes[:200]},
    )
    link = f"/cases/{ca.case.id}/followups"
    if followups.raises_warning(outcome):
        title = WARNING_TITLES[followups.Outcome(outcome)]
        params = {"number": ca.case.number, "due": row.due_date.isoformat()}
        await raise_warning(
            s,
            key=f"{WARNING_KIND}:followup:{row.id}",
            kind=WARNING_KIND,
            severity="critical" if outcome == followups.Outcome.not_performed else "warning",
            title=title,
            agency_id=row.agency_id,
            case_id=ca.case.id,
            area_id=ca.case.area_id,
            link=link,
            now=now,
            **params,
        )
        supervisors = await overseers(s, [row.agency_id], Role.supervisor)
        await notify(s, outbox, supervisors, "followup.nonperformance", title, link, **params)
    outbox.add(f"agency:{row.agency_id}", "followup.visited", actor.user_id, case_id=ca.case.id)
    return row


async def close(
    s: AsyncSession, actor: audit.Actor, ca: CaseAgreement, *, now: datetime, outbox: Outbox
) -> Referral:
    if ca.referral is None or not ca.receiver:
        raise WrongSide(RECEIVER_ONLY)
    await agreements.require_visits_done(s, ca.referral)
    return await moves.move(
        s,
        actor,
        ca.referral,
        moves.Move("close"),
        sides=ca.sides,
        now=now,
        outbox=outbox,
        effects=agreements.EFFECTS,
    )
