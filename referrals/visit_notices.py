"""Follow-up visits (回访) announced to the parties by SMS.

When the visits on an agreement are scheduled, each party with a mobile number on file is told
the day and a number to call, at 09:00 the day before the visit (at once if that has passed), in
the district's time zone; the notice expires at the end of the visit's day. Only the template's
fields go out: the visiting body, the date, its telephone number. A body without a telephone
number on file sends no notice (the template needs one to call back).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.models import Agency
from hub.orm import utcnow
from hub.outbound import ParamsRefused, contact, enqueue_sms
from referrals import deadlines, word_back
from referrals.models import Case, FollowUp, Party

logger = logging.getLogger(__name__)
NOTICE_AT = time(9, 0)  # the day before the visit


def notice_times(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """When the notice of a visit on ``day`` goes, and when it is no longer worth sending (the end
    of that day). Pure."""
    send = datetime.combine(day - timedelta(days=1), NOTICE_AT, tzinfo=zone)
    expires = datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=zone)
    return send, expires


async def tell_parties(
    s: AsyncSession,
    case: Case,
    visits: Sequence[FollowUp],
    *,
    zone: str = deadlines.DEFAULT.zone,
    now: datetime | None = None,
) -> int:
    """Queue one notice per visit and party with a mobile number; returns how many were new. A
    visit whose day is over (the demo's history) is not announced."""
    now = now or utcnow()
    visits = [v for v in visits if notice_times(v.due_date, ZoneInfo(zone))[1] > now]
    if not visits:
        return 0
    agency = await s.get(Agency, visits[0].agency_id)
    if agency is None or not agency.phone.strip():
        logger.warning("case %s: the visiting body has no telephone number, so no visit notices", case.id)
        return 0
    parties = (await s.scalars(select(Party).where(Party.case_id == case.id).order_by(Party.id))).all()
    count = 0
    for visit in visits:
        send, expires = notice_times(visit.due_date, ZoneInfo(zone))
        for party in parties:
            if not contact.is_mobile(party.phone):
                continue
            try:
                queued = await enqueue_sms(
                    s,
                    party.phone,
                    "party.followup_visit",
                    {"agency": word_back.fit(agency.name, 24), "date": visit.due_date, "phone": agency.phone},
                    f"followup:{visit.id}:party:{party.id}",
                    agency_id=agency.id,
                    not_before=send,
                    expires_at=expires,
                )
            except ParamsRefused as refused:  # a telephone number on file the template cannot take
                logger.warning("case %s: no visit notice: %s", case.id, refused)
                return count
            count += queued.created
    return count
