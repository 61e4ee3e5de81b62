"""The court's side of the demo: an application in every state the court can hold it in.

``referrals.demo`` plays each story's court steps as the court (``COURT_SIDE``, as ``liaison_court``)
while the agreements do not exist yet; once ``agreements.demo`` wrote them, ``load`` gives every
application made its ``CourtApplication`` from the referral's own events: received, accepted with a
case number, a correction asked for, the ruling or the refusal, the superseded agreement of the
case mediated again. Dates follow the events, so they stay relative to the demo's "now": the case
accepted four weeks ago (case 10) is past its decision day and shows the warning.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub import audit
from hub.demo_context import DemoContext
from referrals import deadlines
from referrals.models import Agreement, CourtApplication, FollowUp, ReferralEvent
from referrals.states import Action

ZONE = ZoneInfo("Asia/Shanghai")
COURT_SIDE = frozenset(
    {Action.accept_application, Action.request_correction, Action.confirm, Action.refuse_confirmation}
)
PRESIDENT = "周正"  # who approves a longer decision period in the demo court


def court_actor(ctx: DemoContext) -> audit.Actor:
    return audit.Actor(ctx.users.get("liaison_court"), ctx.agencies["COURT"])


async def _events(s: AsyncSession, referral_id: int) -> dict[str, ReferralEvent]:
    rows = (
        await s.scalars(
            select(ReferralEvent).where(ReferralEvent.referral_id == referral_id).order_by(ReferralEvent.id)
        )
    ).all()
    return {e.action: e for e in rows}


async def load(ctx: DemoContext) -> None:
    court = ctx.agencies["COURT"]
    judge = ctx.users.get("liaison_court")
    async with ctx.db.write() as s:
        agreements = (
            await s.scalars(
                select(Agreement).where(Agreement.confirmation_applied_at.isnot(None)).order_by(Agreement.id)
            )
        ).all()
        for serial, agreement in enumerate(agreements, start=101):
            if await s.scalar(
                select(CourtApplication.id).where(CourtApplication.agreement_id == agreement.id)
            ):
                continue
            events = await _events(s, agreement.referral_id)
            applied = events["apply_confirmation"]
            application = CourtApplication(
                case_id=agreement.case_id,
                agreement_id=agreement.id,
                referral_id=agreement.referral_id,
                court_agency_id=court,
                applied_at=applied.at,
                applied_by_id=applied.actor_user_id,
            )
            accepted = events.get("accept_application")
            if accepted is not None:
                application.court_case_number = f"（{accepted.at.astimezone(ZONE).year}）浙0106民特{serial}号"
                application.accepted_at = accepted.at
                application.accepted_by_id = judge
                application.decision_due = deadlines.court_decision_due(
                    accepted.at.astimezone(ZONE).date(), False
                )
            correction = events.get("request_correction")
            if correction is not None:
                application.correction_note = correction.reason
                application.correction_requested_at = correction.at
                # The president allowed ten more days while the parties gather what is missing.
                _extend(application, correction.at)
            for action, outcome in (("confirm", "confirmed"), ("refuse_confirmation", "refused")):
                decided = events.get(action)
                if decided is None:
                    continue
                application.outcome = outcome
                application.decided_at = decided.at
                application.decided_by_id = judge
                if outcome == "confirmed":
                    application.ruling_number = application.court_case_number
                    application.ruling_date = decided.at.astimezone(ZONE).date()
                else:
                    application.refusal_reason = decided.reason
                agreement.court_reference = application.court_case_number
            reopened = events.get("reopen_mediation")
            if reopened is not None:
                agreement.superseded_at = reopened.at
                await s.execute(
                    delete(FollowUp)
                    .where(FollowUp.agreement_id == agreement.id, FollowUp.done_at.is_(None))
                    .execution_options(synchronize_session=False)
                )
            s.add(application)
        await s.flush()


def _extend(application: CourtApplication, at: datetime) -> None:
    assert application.accepted_at is not None
    application.extension_approved_by = PRESIDENT
    application.extension_approved_at = at
    application.extension_reason = "当事人需补正材料"
    application.decision_due = deadlines.court_decision_due(
        application.accepted_at.astimezone(ZONE).date(), True
    )
