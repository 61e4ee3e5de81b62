"""A party's confirmation-only link (``/minutes/{token}``): it leads to the minutes of one session,
to read them as they print and confirm them, and to nothing else (never the room). It works after
the session, when the invitation link is spent; the mediator sends it again on request (a new
link replaces the old one). Its token is 32 random bytes shown once and stored as its SHA-256.

A party who was asked for the last four digits of their ID number at the door is asked for them
again before confirming: a forwarded link reads the minutes but confirms nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub import audit
from hub.errors import MinutesNotCirculated
from rtc import errors, service
from rtc.errors import NOT_CIRCULATED, NotAParty
from rtc.invitations import MAX_IDENTITY_FAILURES, digest, new_secret
from rtc.minutes import minutes as pure
from rtc.minutes import service as minutes_service
from rtc.models import MediationSession, Participant, SessionEvent

CONFIRM_DAYS = 14
ISSUED, FAILED = "confirm_link_issued", "confirm_identity_failed"  # the session's events


def url(base: str, token: str) -> str:
    return f"{base}/minutes/{token}"


def link_problem(participant: Participant, now: datetime) -> type[errors.ConfirmLinkInvalid] | None:
    """Why this participant's confirmation link cannot be used now, or None. Pure."""
    if not pure.signs(participant.role, participant.joined_at, participant.removed_at):
        return errors.ConfirmLinkWithdrawn
    if participant.confirm_expires_at is None or participant.confirm_expires_at <= now:
        return errors.ConfirmLinkExpired
    return None


async def issue(
    s: AsyncSession,
    actor: audit.Actor,
    session: MediationSession,
    participant: Participant,
    *,
    now: datetime,
    days: int = CONFIRM_DAYS,
) -> str:
    """A fresh confirmation link for a party who took part; their earlier one stops working.
    Only for minutes sent to the parties (or already confirmed, to read them). Returns the token."""
    if participant.session_id != session.id or not pure.signs(
        participant.role, participant.joined_at, participant.removed_at
    ):
        raise NotAParty()
    minutes = await minutes_service.get(s, session.id)
    if minutes is None or minutes.status == "draft":
        raise MinutesNotCirculated(NOT_CIRCULATED)
    token = new_secret()
    participant.confirm_hash = digest(token)
    participant.confirm_expires_at = now + timedelta(days=days)
    await service.event(s, session.id, ISSUED, at=now, participant_id=participant.id)
    data = {"session_id": session.id, "days": days}
    await audit.record(
        s, actor, "mediation.confirm_link_issued", "mediation_participant", participant.id, data
    )
    return token


async def lookup(
    s: AsyncSession, token: str, *, lock: bool = False
) -> tuple[Participant, MediationSession] | None:
    """The participant and session a confirmation token names (used or not), or None."""
    if not token or len(token) > 100:
        return None
    query = select(Participant).where(Participant.confirm_hash == digest(token))
    participant = await s.scalar(query.with_for_update() if lock else query)
    if participant is None:
        return None
    session = await s.get(MediationSession, participant.session_id)
    assert session is not None
    return participant, session


def identity_needed(participant: Participant) -> bool:
    return participant.identity_check == "id_last4"


async def check_identity(s: AsyncSession, participant: Participant, matches: bool, *, now: datetime) -> None:
    """Count a failed check of the ID digits since the link was sent; too many withdraw the link
    (a new one can be sent). Counted in the session's events, not in the door's counter, which
    the minutes report."""
    if matches:
        return
    await service.event(s, participant.session_id, FAILED, at=now, participant_id=participant.id)
    mine = (SessionEvent.session_id == participant.session_id, SessionEvent.participant_id == participant.id)
    issued = await s.scalar(select(func.max(SessionEvent.at)).where(*mine, SessionEvent.kind == ISSUED))
    failures = await s.scalar(
        select(func.count(SessionEvent.id)).where(
            *mine, SessionEvent.kind == FAILED, SessionEvent.at >= (issued or now)
        )
    )
    if (failures or 0) >= MAX_IDENTITY_FAILURES:
        participant.confirm_hash = None
        raise errors.IdentityLocked()
    raise errors.IdentityMismatch()
