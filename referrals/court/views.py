"""What the court's API and pages share: the queue, an application's JSON shape and what the caller
may do with it, the enforcement clock after confirmation."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Select, and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.models import Agency
from hub.orm import utcnow
from hub.permissions import Scope
from hub.routing import Ctx
from referrals import deadlines, states
from referrals.agencies import policy_for
from referrals.court.clock import CourtClock, court_clock
from referrals.court.schemas import CourtApplicationOut, CourtClockOut, EnforcementOut
from referrals.court.steps import CourtCase, court_sides
from referrals.models import Agreement, AgreementTerm, Case, CourtApplication, FollowUp, Referral
from referrals.states import Side

EXTEND = "extend"
NOT_PERFORMED = ("not_performed", "partly")


def today(ctx: Ctx) -> date:
    return utcnow().astimezone(ctx.config.zone).date()


def clock_of(app: CourtApplication, today_: date, ctx: Ctx) -> CourtClock | None:
    """The running clock; the decision's last day as the court's step recorded it."""
    zone = ctx.config.zone
    if app.decision_due is not None and app.accepted_at is not None and not app.outcome:
        extended = app.extension_approved_at is not None
        return CourtClock(
            "decision", app.decision_due, deadlines.days_left(app.decision_due, today_), extended
        )
    return court_clock(
        received=app.applied_at.astimezone(zone).date(),
        accepted=app.accepted_at.astimezone(zone).date() if app.accepted_at else None,
        extended=app.extension_approved_at is not None,
        decided=bool(app.outcome),
        today=today_,
    )


def steps_for(cc: CourtCase) -> list[str]:
    """The court-side and room-side steps the caller may take in the referral's state."""
    found = [
        str(a)
        for a in states.allowed_actions(cc.referral.state)
        if a in states.COURT_STEPS
        and states.ACTIONS[a].side in cc.sides
        and a != states.Action.apply_confirmation
    ]
    app = cc.application
    if cc.court and app.accepted_at and not app.outcome and app.extension_approved_at is None:
        found.append(EXTEND)
    return found


def addressed_to(scope: Scope) -> Select[CourtApplication, Case, Referral]:
    """Applications addressed to the scope's courts (every one for the platform's operators)."""
    stmt = (
        select(CourtApplication, Case, Referral)
        .join(Case, Case.id == CourtApplication.case_id)
        .join(Referral, Referral.id == CourtApplication.referral_id)
    )
    if scope.agency_ids is not None:
        stmt = stmt.where(CourtApplication.court_agency_id.in_(list(scope.agency_ids)))
    return stmt


async def enforcement_of(s: AsyncSession, app: CourtApplication, today_: date) -> EnforcementOut | None:
    """Confirmed, and a visit found the agreement not (fully) performed: the two-year clock."""
    if app.outcome != "confirmed":
        return None
    missed = await s.scalar(
        select(FollowUp.id).where(
            FollowUp.agreement_id == app.agreement_id, FollowUp.outcome.in_(NOT_PERFORMED)
        )
    )
    if missed is None:
        return None
    last = await s.scalar(
        select(AgreementTerm.due_date)
        .where(AgreementTerm.agreement_id == app.agreement_id, AgreementTerm.due_date.isnot(None))
        .order_by(AgreementTerm.due_date.desc())
        .limit(1)
    )
    if last is None:
        last = await s.scalar(select(Agreement.effective_date).where(Agreement.id == app.agreement_id))
    if last is None:
        return None
    calendar = (await policy_for(s, app.court_agency_id)).calendar
    deadline = deadlines.enforcement_deadline(last, calendar)
    return EnforcementOut(deadline=deadline, days_left=deadlines.days_left(deadline, today_))


async def application_out(
    s: AsyncSession, ctx: Ctx, app: CourtApplication, case: Case, referral: Referral, sides: set[Side]
) -> CourtApplicationOut:
    agreement = await s.get(Agreement, app.agreement_id)
    assert agreement is not None
    court = await s.scalar(select(Agency.name).where(Agency.id == app.court_agency_id))
    today_ = today(ctx)
    clock = clock_of(app, today_, ctx)
    # Steps only on the case's current application and referral.
    current = app.referral_id == referral.id and agreement.superseded_at is None
    steps = steps_for(CourtCase(case, referral, agreement, app, sides)) if current else []
    return CourtApplicationOut(
        id=app.id,
        case_id=case.id,
        case_number=case.number,
        referral_state=referral.state,
        court_agency_id=app.court_agency_id,
        court_name=court or "",
        agreement_id=app.agreement_id,
        agreement_superseded=agreement.superseded_at is not None,
        applied_at=app.applied_at,
        court_case_number=app.court_case_number,
        accepted_at=app.accepted_at,
        correction_note=app.correction_note,
        correction_requested_at=app.correction_requested_at,
        correction_reply=app.correction_reply,
        corrected_at=app.corrected_at,
        extension_approved_by=app.extension_approved_by,
        extension_approved_at=app.extension_approved_at,
        extension_reason=app.extension_reason,
        decision_due=app.decision_due,
        outcome=app.outcome,
        ruling_number=app.ruling_number,
        ruling_date=app.ruling_date,
        refusal_reason=app.refusal_reason,
        decided_at=app.decided_at,
        clock=CourtClockOut(
            kind=clock.kind,
            deadline=clock.deadline,
            days_left=clock.days_left,
            status=clock.status,
            extended=clock.extended,
        )
        if clock
        else None,
        steps=steps,
        enforcement=await enforcement_of(s, app, today_),
    )


async def queue_items(s: AsyncSession, ctx: Ctx, open_: bool | None) -> list[CourtApplicationOut]:
    """The court's applications: undecided first (the nearest deadline first), then the decided."""
    stmt = addressed_to(ctx.must.scope)
    if open_ is True:
        stmt = stmt.where(CourtApplication.outcome == "")
    elif open_ is False:
        stmt = stmt.where(CourtApplication.outcome != "")
    rows = (await s.execute(stmt.order_by(CourtApplication.id.desc()))).all()
    items = []
    for app, case, referral in rows:
        latest = await s.scalar(
            select(Referral).where(and_(Referral.case_id == case.id)).order_by(Referral.id.desc()).limit(1)
        )
        sides = court_sides(app, ctx.must.scope.agency_ids, ctx.user.agency_id)
        items.append(await application_out(s, ctx, app, case, latest or referral, sides))

    def key(item: CourtApplicationOut) -> tuple[int, int, int]:
        if item.clock is None:
            return (1, 0, -item.id)
        return (0, item.clock.days_left, item.id)

    return sorted(items, key=key)
