"""A session's parties hear of it by SMS (and their link by e-mail too): their invitation link,
and reminders of the hearing.

- ``send_link``: when the mediator issues a party's link, it goes by SMS to the party's mobile
  number on file and by e-mail to the party's address on file, each that the party has (the
  mediator no longer copies it by hand; the printable slip with its QR code serves the others); a
  fresh link is a new message.
- ``send_confirm_link``: the link to read and confirm the minutes (``rtc.minutes.confirm_links``),
  sent again whenever the mediator asks; valid until it expires, after the session too.
- ``tell_parties``: a session moved or cancelled is said at once to each party with a mobile
  number (``party.hearing_moved`` with the new start, ``party.hearing_cancelled``).
- ``plan_reminders``: the day before and an hour before the start, to each party with a mobile
  number; queued with ``not_before`` (when to go) and ``expires_at`` (the start: a past hearing is
  never reminded). Planning again first withdraws what is still waiting, so a moved or cancelled
  session leaves no stale reminder; the start is in each key, so a reminder already sent for the
  old time does not stop the one for the new time.

Messages carry only their template's fields (the agency, the time, the link or a number to call):
nothing about the dispute.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.events import Outbox
from hub.models import Agency, User
from hub.outbound import ParamsRefused, Queued, contact, enqueue_email, enqueue_sms, withdraw
from referrals import for_mediation
from rtc.models import MediationSession, Participant

logger = logging.getLogger(__name__)

# Before the start: the name in the message's key, and how long before.
REMINDERS: tuple[tuple[str, timedelta], ...] = (("day", timedelta(days=1)), ("hour", timedelta(hours=1)))
AGENCY_CHARS = 24  # the templates' agency field
_NOT_IN_NAMES = re.compile(r"[^\w ·・.()（）\-]|_")


def reminder_times(start: datetime, now: datetime) -> list[tuple[str, datetime]]:
    """The reminders still worth planning: those whose time is after ``now``. Pure."""
    return [(name, start - before) for name, before in REMINDERS if start - before > now]


def reminder_prefix(session_id: int) -> str:
    return f"mediation:{session_id}:remind:"


def _fit(name: str) -> str:
    """An agency's name as the templates' name field takes it."""
    return " ".join(_NOT_IN_NAMES.sub(" ", name).split())[:AGENCY_CHARS].strip()


async def _parties_with_mobiles(s: AsyncSession, session: MediationSession) -> list[tuple[Participant, str]]:
    guests = (
        await s.scalars(
            select(Participant)
            .where(
                Participant.session_id == session.id,
                Participant.party_id.is_not(None),
                Participant.removed_at.is_(None),
            )
            .order_by(Participant.id)
        )
    ).all()
    phones = await for_mediation.party_phones(s, [p.party_id for p in guests if p.party_id is not None])
    found = []
    for guest in guests:
        phone = phones.get(guest.party_id or 0, "")
        if contact.is_mobile(phone):
            found.append((guest, contact.mobile(phone)))
    return found


async def send_link(
    s: AsyncSession,
    session: MediationSession,
    participant: Participant,
    url: str,
    *,
    now: datetime,
    outbox: Outbox | None = None,
) -> tuple[str, ...]:
    """Queue the party's fresh link by SMS and by e-mail, by those of the two the party has on file;
    the channels it went by (none: the printed slip is the way)."""
    if participant.party_id is None or participant.token_hash is None:
        return ()
    template = "party.video_invitation"
    params = {"start": session.scheduled_start or now, "link": url}
    key = f"mediation:{session.id}:link:{participant.id}:{participant.token_hash[:16]}"
    expires = participant.token_expires_at
    channels = []
    if await _to_party(
        s, session, participant.party_id, template, params, key, expires_at=expires, outbox=outbox
    ):
        channels.append("sms")
    address = (await for_mediation.party_emails(s, [participant.party_id])).get(participant.party_id)
    if address is not None and contact.is_email(address):
        agency = await s.scalar(select(Agency.name).where(Agency.id == session.agency_id)) or ""
        await enqueue_email(
            s,
            address,
            template,
            {"agency": _fit(agency), **params},
            f"{key}:email",
            agency_id=session.agency_id,
            expires_at=expires,
            outbox=outbox,
        )
        channels.append("email")
    return tuple(channels)


async def send_confirm_link(
    s: AsyncSession,
    session: MediationSession,
    participant: Participant,
    url: str,
    *,
    outbox: Outbox | None = None,
) -> Queued | None:
    """Queue the party's fresh confirmation link by SMS, if the party has a mobile number on file
    (None if not). Each new link is a new message."""
    if (
        participant.party_id is None
        or participant.confirm_hash is None
        or participant.confirm_expires_at is None
    ):
        return None
    return await _to_party(
        s,
        session,
        participant.party_id,
        "party.minutes_confirmation",
        {"deadline": participant.confirm_expires_at, "link": url},
        f"mediation:{session.id}:confirm:{participant.id}:{participant.confirm_hash[:16]}",
        expires_at=participant.confirm_expires_at,
        outbox=outbox,
    )


async def _to_party(
    s: AsyncSession,
    session: MediationSession,
    party_id: int,
    template: str,
    params: dict[str, Any],
    key: str,
    *,
    expires_at: datetime | None,
    outbox: Outbox | None,
) -> Queued | None:
    """One SMS to a party's mobile number on file, signed with the session's agency (None when the
    party has no mobile number)."""
    phone = (await for_mediation.party_phones(s, [party_id])).get(party_id, "")
    if not contact.is_mobile(phone):
        return None
    agency = await s.scalar(select(Agency.name).where(Agency.id == session.agency_id)) or ""
    return await enqueue_sms(
        s,
        phone,
        template,
        {"agency": _fit(agency), **params},
        key,
        agency_id=session.agency_id,
        expires_at=expires_at,
        outbox=outbox,
    )


async def callback_number(s: AsyncSession, session: MediationSession) -> str:
    """The number a party calls (to change the date, to ask for a new link): the agency's, else
    the mediator's."""
    return await _callback_number(s, session)


async def _callback_number(s: AsyncSession, session: MediationSession) -> str:
    """The number a party calls to change the date: the agency's, else the mediator's."""
    agency_phone = await s.scalar(select(Agency.phone).where(Agency.id == session.agency_id)) or ""
    if agency_phone.strip():
        return agency_phone.strip()
    mediator_phone = await s.scalar(select(User.phone).where(User.id == session.mediator_id)) or ""
    return mediator_phone.strip()


async def plan_reminders(
    s: AsyncSession, session: MediationSession, *, now: datetime, outbox: Outbox | None = None
) -> int:
    """Withdraw the session's waiting reminders and queue those its start now calls for (none for
    a session without a start, or not scheduled any more). Returns how many were queued."""
    await withdraw(s, reminder_prefix(session.id))
    start = session.scheduled_start
    if session.status != "scheduled" or start is None:
        return 0
    times = reminder_times(start, now)
    if not times:
        return 0
    phone = await _callback_number(s, session)
    if not phone:
        logger.warning("session %s: no telephone number to give parties, so no reminders", session.id)
        return 0
    agency = await s.scalar(select(Agency.name).where(Agency.id == session.agency_id)) or ""
    params = {"agency": _fit(agency), "start": start, "phone": phone}
    count = 0
    for guest, mobile in await _parties_with_mobiles(s, session):
        for name, at in times:
            try:
                queued = await enqueue_sms(
                    s,
                    mobile,
                    "party.hearing_reminder",
                    params,
                    f"{reminder_prefix(session.id)}{guest.id}:{name}:{int(start.timestamp())}",
                    agency_id=session.agency_id,
                    not_before=at,
                    expires_at=start,
                    outbox=outbox,
                )
            except ParamsRefused as refused:  # a telephone number on file the template cannot take
                logger.warning("session %s: no reminders: %s", session.id, refused)
                return count
            count += queued.created
    return count


async def tell_parties(s: AsyncSession, session: MediationSession, *, outbox: Outbox | None = None) -> int:
    """Tell each party with a mobile number, at once, that the session was moved (its new start)
    or cancelled; returns how many messages were queued. Nothing without a number to call back."""
    phone = await _callback_number(s, session)
    if not phone:
        logger.warning("session %s: no telephone number to give parties, so they are not told", session.id)
        return 0
    agency = _fit(await s.scalar(select(Agency.name).where(Agency.id == session.agency_id)) or "")
    if session.status == "cancelled":
        await withdraw(s, f"mediation:{session.id}:moved:")  # news of a move not sent yet is moot
        params: dict[str, object] = {"agency": agency, "phone": phone}
        template, suffix = "party.hearing_cancelled", ""
    elif session.status == "scheduled" and session.scheduled_start is not None:
        start = session.scheduled_start
        template, params = "party.hearing_moved", {"agency": agency, "start": start, "phone": phone}
        suffix = f":{int(start.timestamp())}"  # a second move is a new message
    else:
        return 0
    kind = "cancelled" if session.status == "cancelled" else "moved"
    count = 0
    for guest, mobile in await _parties_with_mobiles(s, session):
        key = f"mediation:{session.id}:{kind}:{guest.id}{suffix}"
        try:
            queued = await enqueue_sms(
                s, mobile, template, params, key, agency_id=session.agency_id, outbox=outbox
            )
        except ParamsRefused as refused:
            logger.warning("session %s: parties not told: %s", session.id, refused)
            return count
        count += queued.created
    return count


async def drop_reminders(s: AsyncSession, session: MediationSession) -> int:
    """The session was cancelled: its waiting reminders go."""
    return await withdraw(s, reminder_prefix(session.id))
