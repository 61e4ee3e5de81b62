"""The court's steps on an application for judicial confirmation, and the room's answers to them.

The court (an agency of kind court, the one the application is addressed to) stands on the court's
side of the referral (``Side.court``) for this application only; it sees the case read-only apart
from these steps. Each step is a move of the state table (``referrals.states``) through
``moves.move`` (event, audit row, notices), plus what the application keeps:

- 受理 ``accept``: with the court's case number (案号); the 15-day decision clock starts;
- 补正 ``request_correction``: what is missing; the room supplies it and ``resubmit``\\s;
- ``extend``: 10 more days with the president's approval (who approved, when); no move;
- 确认 ``confirm``: with the ruling's (裁定书) number and date;
- 不予确认/驳回 ``refuse``: with the reason; the room may then ``reopen`` the mediation (the refused
  agreement stays on file, superseded, and a new or changed one is written) or close the case.

The room no longer records the court's decision itself: every court a room can apply to is an
agency in the hub (``agreements.court.court_for``), and it records its own steps.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub import audit
from hub.db import lock_row
from hub.events import Outbox
from hub.i18n import N_, gettext
from hub.models import Role
from hub.notifications import notify, people_with_role
from hub.permissions import Scope
from referrals import deadlines, moves
from referrals.agencies import policy_for
from referrals.errors import (
    ApplicationMissing,
    BadDate,
    CorrectionNoteRequired,
    CorrectionReplyRequired,
    CourtCaseNumberRequired,
    ExtensionAlreadyApproved,
    ExtensionApproverRequired,
    ExtensionNotNow,
    RefusalReasonRequired,
    RulingRequired,
    WrongSide,
)
from referrals.models import Agreement, Case, CourtApplication, FollowUp, Referral
from referrals.states import Action, Side
from referrals.visibility import get_visible_case, latest_referral

FUTURE_SLACK_SECONDS = 300


@dataclass
class CourtCase:
    """A visible case, its current referral, its latest application and agreement, the caller's sides."""

    case: Case
    referral: Referral
    agreement: Agreement
    application: CourtApplication
    sides: set[Side]

    @property
    def court(self) -> bool:
        return Side.court in self.sides


def court_sides(
    application: CourtApplication, agency_ids: frozenset[int] | None, agency_id: int | None
) -> set[Side]:
    """The court's side, for those of the court the application is addressed to."""
    candidates = {agency_id} if agency_ids is None else agency_ids
    if agency_ids is None or application.court_agency_id in candidates:
        return {Side.court}
    return set()


async def latest_application(s: AsyncSession, case_id: int) -> CourtApplication | None:
    return await s.scalar(
        select(CourtApplication)
        .where(CourtApplication.case_id == case_id)
        .order_by(CourtApplication.id.desc())
        .limit(1)
    )


async def open_application(
    s: AsyncSession, scope: Scope, agency_id: int | None, case_id: int, *, for_update: bool = False
) -> CourtCase:
    """The case's latest application; outsiders get 404, a case without one ``application_missing``."""
    case = await get_visible_case(s, scope, case_id)
    if for_update:
        await lock_row(s, Case, case.id)
    referral = await latest_referral(s, case.id)
    application = await latest_application(s, case.id)
    if referral is None or application is None:
        raise ApplicationMissing()
    agreement = await s.get(Agreement, application.agreement_id)
    assert agreement is not None
    sides = moves.side_of(referral, scope.agency_ids, agency_id) | court_sides(
        application, scope.agency_ids, agency_id
    )
    return CourtCase(case, referral, agreement, application, sides)


def _check(cc: CourtCase, action: Action) -> None:
    """The state and the side first, so that a wrong one is named before a missing field."""
    moves.check(cc.referral, moves.Move(action, reason="-"), cc.sides)


def _not_future(day: date | datetime, now: datetime, zone: ZoneInfo) -> None:
    if isinstance(day, datetime):
        if (day - now).total_seconds() > FUTURE_SLACK_SECONDS:
            raise BadDate(N_("A date in the future cannot be recorded."))
    elif day > now.astimezone(zone).date():
        raise BadDate(N_("A date in the future cannot be recorded."))


async def _move(
    s: AsyncSession,
    actor: audit.Actor,
    cc: CourtCase,
    action: Action,
    *,
    reason: str = "",
    data: dict[str, str] | None = None,
    now: datetime,
    outbox: Outbox,
) -> None:
    await moves.move(
        s,
        actor,
        cc.referral,
        moves.Move(action, reason, data={"application": cc.application.id, **(data or {})}),
        sides=cc.sides,
        now=now,
        outbox=outbox,
    )
    outbox.add(
        f"agency:{cc.application.court_agency_id}",
        f"court.{action}",
        actor.user_id,
        case_id=cc.case.id,
        number=cc.case.number,
        state=cc.referral.state,
    )


TOLD_ROOM = {
    Action.accept_application: N_("The court accepted the application of %(number)s (%(reference)s)"),
    Action.request_correction: N_("The court asks for a correction in %(number)s: %(reason)s"),
    Action.confirm: N_("The court confirmed the agreement of %(number)s (%(reference)s)"),
    Action.refuse_confirmation: N_("The court did not confirm the agreement of %(number)s: %(reason)s"),
}
TOLD_COURT = {
    Action.resubmit_application: N_("The correction of %(number)s was supplied"),
}


async def tell(
    s: AsyncSession,
    outbox: Outbox,
    case: Case,
    referral: Referral,
    application: CourtApplication,
    action: Action,
) -> None:
    """The room hears of the court's steps, the court of the room's, in their inboxes."""
    if action in TOLD_ROOM:
        people = await people_with_role(s, [referral.to_agency_id], Role.liaison, Role.mediator)
        title, link = TOLD_ROOM[action], f"/cases/{case.id}/agreement#court"
    else:
        people = await people_with_role(s, [application.court_agency_id], Role.liaison, Role.admin)
        title, link = TOLD_COURT[action], f"/court/cases/{case.id}"
    await notify(
        s,
        outbox,
        people,
        f"court.{action}",
        title,
        link,
        number=case.number,
        reason=referral.last_reason,
        reference=application.ruling_number or application.court_case_number,
    )


async def _record(
    s: AsyncSession, actor: audit.Actor, cc: CourtCase, kind: str, facts: dict[str, object]
) -> None:
    await audit.record(
        s, actor, kind, "court_application", cc.application.id, {"case": cc.case.number, **facts}
    )


# --- the court's steps ------------------------------------------------------------------------------


async def accept(
    s: AsyncSession,
    actor: audit.Actor,
    cc: CourtCase,
    *,
    court_case_number: str,
    now: datetime,
    zone: ZoneInfo,
    outbox: Outbox,
) -> CourtApplication:
    """受理: the court accepts the application under its case number; the decision clock starts."""
    _check(cc, Action.accept_application)
    number = court_case_number.strip()
    if not number:
        raise CourtCaseNumberRequired()
    await _move(
        s, actor, cc, Action.accept_application, data={"court_case_number": number}, now=now, outbox=outbox
    )
    app = cc.application
    app.court_case_number = number
    app.accepted_at = now
    app.accepted_by_id = actor.user_id
    calendar = (await policy_for(s, cc.referral.to_agency_id)).calendar
    app.decision_due = deadlines.court_decision_due(now.astimezone(zone).date(), False, calendar)
    await s.flush()
    await tell(s, outbox, cc.case, cc.referral, app, Action.accept_application)
    return app


async def request_correction(
    s: AsyncSession, actor: audit.Actor, cc: CourtCase, *, note: str, now: datetime, outbox: Outbox
) -> CourtApplication:
    """补正: the court says what is missing; the room supplies it and resubmits."""
    _check(cc, Action.request_correction)
    note = note.strip()
    if not note:
        raise CorrectionNoteRequired()
    await _move(s, actor, cc, Action.request_correction, reason=note[:500], now=now, outbox=outbox)
    app = cc.application
    app.correction_note = note[:1000]
    app.correction_requested_at = now
    app.correction_reply = ""
    app.corrected_at = None
    await s.flush()
    await tell(s, outbox, cc.case, cc.referral, app, Action.request_correction)
    return app


async def extend(
    s: AsyncSession,
    actor: audit.Actor,
    cc: CourtCase,
    *,
    approved_by: str,
    reason: str,
    approved_at: datetime | None,
    now: datetime,
    zone: ZoneInfo,
    outbox: Outbox,
) -> CourtApplication:
    """Ten more days for the decision, with the president's approval (who, when, why); once."""
    if not cc.court:
        raise WrongSide(side=gettext(N_("court")))
    app = cc.application
    if app.accepted_at is None or app.outcome:
        raise ExtensionNotNow()
    if app.extension_approved_at is not None:
        raise ExtensionAlreadyApproved()
    if not approved_by.strip():
        raise ExtensionApproverRequired()
    approved_at = approved_at or now
    _not_future(approved_at, now, zone)
    app.extension_approved_by = approved_by.strip()[:100]
    app.extension_approved_at = approved_at
    app.extension_reason = reason.strip()[:500]
    calendar = (await policy_for(s, cc.referral.to_agency_id)).calendar
    app.decision_due = deadlines.court_decision_due(app.accepted_at.astimezone(zone).date(), True, calendar)
    app.decision_warned_at = None
    await s.flush()
    await _record(
        s,
        actor,
        cc,
        "court.extension_approved",
        {"by": app.extension_approved_by, "at": approved_at.isoformat(), "due": app.decision_due.isoformat()},
    )
    return app


async def confirm(
    s: AsyncSession,
    actor: audit.Actor,
    cc: CourtCase,
    *,
    ruling_number: str,
    ruling_date: date | None,
    now: datetime,
    zone: ZoneInfo,
    outbox: Outbox,
) -> CourtApplication:
    """确认: the court confirms the agreement by its ruling (裁定书: number and date)."""
    _check(cc, Action.confirm)
    number = ruling_number.strip()
    if not number or ruling_date is None:
        raise RulingRequired()
    _not_future(ruling_date, now, zone)
    app = cc.application
    if app.accepted_at is not None and ruling_date < app.accepted_at.astimezone(zone).date():
        raise BadDate(N_("The ruling cannot come before the court accepted the application."))
    await _move(s, actor, cc, Action.confirm, data={"ruling_number": number}, now=now, outbox=outbox)
    app.outcome = "confirmed"
    app.ruling_number = number[:80]
    app.ruling_date = ruling_date
    _decided(cc, actor, now)
    cc.agreement.court_reference = app.ruling_number
    await s.flush()
    await tell(s, outbox, cc.case, cc.referral, app, Action.confirm)
    return app


async def refuse(
    s: AsyncSession, actor: audit.Actor, cc: CourtCase, *, reason: str, now: datetime, outbox: Outbox
) -> CourtApplication:
    """不予确认/驳回: the court does not confirm the agreement, and says why."""
    _check(cc, Action.refuse_confirmation)
    reason = reason.strip()
    if not reason:
        raise RefusalReasonRequired()
    await _move(s, actor, cc, Action.refuse_confirmation, reason=reason[:500], now=now, outbox=outbox)
    app = cc.application
    app.outcome = "refused"
    app.refusal_reason = reason[:500]
    _decided(cc, actor, now)
    cc.agreement.court_reference = app.court_case_number
    await s.flush()
    await tell(s, outbox, cc.case, cc.referral, app, Action.refuse_confirmation)
    return app


def _decided(cc: CourtCase, actor: audit.Actor, now: datetime) -> None:
    app = cc.application
    app.decided_at = now
    app.decided_by_id = actor.user_id
    cc.agreement.court_outcome = app.outcome
    cc.agreement.court_decided_at = now


# --- the room's answers -----------------------------------------------------------------------------


async def resubmit(
    s: AsyncSession, actor: audit.Actor, cc: CourtCase, *, reply: str, now: datetime, outbox: Outbox
) -> CourtApplication:
    """The room supplied what the court asked for and resubmits the application."""
    _check(cc, Action.resubmit_application)
    reply = reply.strip()
    if not reply:
        raise CorrectionReplyRequired()
    await _move(s, actor, cc, Action.resubmit_application, reason=reply[:500], now=now, outbox=outbox)
    app = cc.application
    app.correction_reply = reply[:1000]
    app.corrected_at = now
    await s.flush()
    await tell(s, outbox, cc.case, cc.referral, app, Action.resubmit_application)
    return app


async def reopen(
    s: AsyncSession, actor: audit.Actor, cc: CourtCase, *, reason: str, now: datetime, outbox: Outbox
) -> Agreement:
    """After a refusal, mediate again (People's Mediation Law art. 33 ¶3): the refused agreement
    stays on file, superseded; its visits still to be made are dropped; a new or changed agreement
    is written, confirmed, resolved and may be applied for again."""
    _check(cc, Action.reopen_mediation)
    await _move(s, actor, cc, Action.reopen_mediation, reason=reason.strip()[:500], now=now, outbox=outbox)
    old = cc.agreement
    old.superseded_at = now
    dropped = await s.execute(
        delete(FollowUp)
        .where(FollowUp.agreement_id == old.id, FollowUp.done_at.is_(None))
        .execution_options(synchronize_session=False)
    )
    await s.flush()
    await audit.record(
        s,
        actor,
        "agreement.superseded",
        "agreement",
        old.id,
        {"case": cc.case.number, "visits_dropped": getattr(dropped, "rowcount", 0)},
    )
    return old
