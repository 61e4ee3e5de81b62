"""What a referral move sends beyond the hub, in the move's transaction (``moves.move`` calls
``after_move`` for every move, the first one, the send, included).

- Word back to the referring agency's own system (``word_back.WEBHOOK_EVENTS``): a signed webhook
  with the 警情号 and the new state, queued only when that agency has a webhook. An onward referral
  reports its acceptance, settlement and closing to every agency up its chain too, so the police
  station that first referred the case hears that the body it was passed on to accepted or settled it.
- The hub's people (``word_back.STAFF_NOTICES``), by SMS or e-mail as each chose.

Every message is named by a dedupe key of the business event, so a retried request queues nothing
new. The links to staff are paths of the hub (``/cases/12``), completed when sent.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.directory import agency_facts
from hub.events import Outbox
from hub.models import Role
from hub.notifications import people_with_role
from hub.outbound import ParamsRefused, enqueue_webhook, notify_person
from referrals import word_back
from referrals.models import Case, Referral

logger = logging.getLogger(__name__)
MAX_CHAIN = 20  # onward referrals followed up to the first sender (a guard, not a rule)


async def after_move(
    s: AsyncSession, referral: Referral, case: Case, action: str, *, now: datetime, outbox: Outbox
) -> None:
    event = word_back.webhook_event(action)
    if event is not None:
        await _word_back(s, referral, case, event, now=now, outbox=outbox)
    notice = word_back.staff_notice(action)
    if notice is not None:
        await _tell_staff(s, referral, case, action, notice, outbox=outbox)


async def referring_agencies(s: AsyncSession, referral: Referral) -> list[int]:
    """The agency that sent this referral, then those that sent the ones before it (onward)."""
    found = [referral.from_agency_id]
    parent_id = referral.parent_id
    while parent_id is not None and len(found) < MAX_CHAIN:
        row = (
            await s.execute(
                select(Referral.from_agency_id, Referral.parent_id).where(Referral.id == parent_id)
            )
        ).one_or_none()
        if row is None:
            break
        if row.from_agency_id not in found:
            found.append(row.from_agency_id)
        parent_id = row.parent_id
    return found


async def _word_back(
    s: AsyncSession, referral: Referral, case: Case, event: str, *, now: datetime, outbox: Outbox
) -> None:
    for hops_up, agency_id in enumerate(await referring_agencies(s, referral)):
        if not word_back.reaches(event, hops_up):
            continue
        await enqueue_webhook(
            s,
            agency_id,
            event,
            incident_no=case.incident_no,
            case_number=case.number,
            state=referral.state,
            at=now,
            dedupe_key=f"referral:{referral.id}:{event}:agency:{agency_id}",
            outbox=outbox,
        )


async def _tell_staff(
    s: AsyncSession,
    referral: Referral,
    case: Case,
    action: str,
    notice: word_back.StaffNotice,
    *,
    outbox: Outbox,
) -> None:
    link = f"/cases/{case.id}"
    if notice.audience is word_back.Audience.receiving_desk:
        people = await people_with_role(s, [referral.to_agency_id], Role.liaison, Role.admin)
    else:
        people = await people_with_role(s, [referral.to_agency_id], Role.liaison)
        if referral.mediator_id is not None and referral.mediator_id not in people:
            people.append(referral.mediator_id)
    if notice.template == "staff.new_referral":
        facts = (await agency_facts(s)).get(referral.from_agency_id)
        sender = facts.name if facts else ""
        params: dict[str, object] = {
            "agency": word_back.fit(sender, 24),
            "case_number": case.number,
            "deadline": referral.accept_due,
            "link": link,
        }
    else:
        params = {"case_number": case.number, "outcome": notice.outcome, "link": link}
    for user_id in sorted(people):
        key = f"referral:{referral.id}:{action}:user:{user_id}"
        try:
            await notify_person(s, user_id, notice.template, params, key, outbox=outbox)
        except ParamsRefused as refused:  # data on file the template cannot take: never blocks the move
            logger.warning("referral %s: no %s: %s", referral.id, notice.template, refused)
            return
