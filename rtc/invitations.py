"""Invitation links (``/join/{token}``) and the browser credential they are exchanged for.

A link's token is 32 random bytes shown once and stored only as its SHA-256. It is valid for one
participant of one session, until it expires, is revoked, is replaced by a new link, or is used:
opening it (after the identity check, when asked) marks it used and gives the browser a separate
secret (``access_hash``) in a cookie scoped to that session, so the guest can reconnect without
the link while nobody else can use a forwarded link.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub import audit
from rtc import errors
from rtc.models import MediationSession, Participant, SessionEvent

MAX_IDENTITY_FAILURES = 5
# How long the browser's own secret lets a guest back in after opening the link: a week covers a
# session and confirming its minutes. The cookie says the same, but only the server's word counts.
GUEST_DAYS = 7
OPEN_STATUSES = ("scheduled", "live")
# After the session a fresh link still serves: it leads a party to the minutes to confirm them.
LINK_STATUSES = (*OPEN_STATUSES, "ended")


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def cookie_name(session_id: int) -> str:
    return f"gt_guest_{session_id}"


def link_problem(
    participant: Participant, session: MediationSession, now: datetime
) -> type[errors.LinkInvalid] | None:
    """Why this participant's link cannot be opened now, or None. Pure."""
    if session.status not in LINK_STATUSES:
        return errors.SessionOver
    if participant.token_revoked_at is not None or participant.removed_at is not None:
        return errors.LinkRevoked
    if participant.token_used_at is not None:
        return errors.LinkUsed
    if participant.token_expires_at is None or participant.token_expires_at <= now:
        return errors.LinkExpired
    return None


async def issue(
    s: AsyncSession,
    actor: audit.Actor,
    session: MediationSession,
    participant: Participant,
    *,
    now: datetime,
    hours: int,
) -> str:
    """A fresh link for this participant; any earlier link of theirs stops working. Returns the token.
    A cancelled session gives no more links; an ended one does (they lead to the minutes)."""
    if session.status not in LINK_STATUSES:
        raise errors.SessionNotOpen()
    token = new_secret()
    participant.token_hash = digest(token)
    participant.token_created_at = now
    participant.token_expires_at = now + timedelta(hours=hours)
    participant.token_used_at = None
    participant.token_revoked_at = None
    participant.identity_failures = 0
    s.add(
        SessionEvent(session_id=participant.session_id, participant_id=participant.id, at=now, kind="invited")
    )
    await audit.record(
        s, actor, "mediation.link_issued", "mediation_participant", participant.id, {"hours": hours}
    )
    return token


async def revoke(s: AsyncSession, actor: audit.Actor, participant: Participant, *, now: datetime) -> None:
    participant.token_revoked_at = now
    participant.access_hash = None  # a browser already inside loses its way back in too
    s.add(
        SessionEvent(
            session_id=participant.session_id, participant_id=participant.id, at=now, kind="link_revoked"
        )
    )
    await audit.record(s, actor, "mediation.link_revoked", "mediation_participant", participant.id, {})


async def find(
    s: AsyncSession, token: str, now: datetime, *, lock: bool = False
) -> tuple[Participant, MediationSession]:
    """The participant and session of a link that may be opened now; raises a ``LinkInvalid``.
    ``lock``: hold the participant's row to the end of the transaction, so that requests racing
    each other count identity failures (and use the link) one after the other."""
    if not token or len(token) > 100:
        raise errors.LinkUnknown()
    query = select(Participant).where(Participant.token_hash == digest(token))
    participant = await s.scalar(query.with_for_update() if lock else query)
    if participant is None:
        raise errors.LinkUnknown()
    session = await s.get(MediationSession, participant.session_id)
    assert session is not None
    problem = link_problem(participant, session, now)
    if problem is not None:
        raise problem()
    return participant, session


async def check_identity(s: AsyncSession, participant: Participant, matches: bool, *, now: datetime) -> None:
    """Count a door check; too many failures revoke the link."""
    if participant.identity_failures >= MAX_IDENTITY_FAILURES:
        raise errors.IdentityLocked()
    if not matches:
        participant.identity_failures += 1
        s.add(
            SessionEvent(
                session_id=participant.session_id,
                participant_id=participant.id,
                at=now,
                kind="identity_failed",
            )
        )
        if participant.identity_failures >= MAX_IDENTITY_FAILURES:
            participant.token_revoked_at = now
            raise errors.IdentityLocked()
        raise errors.IdentityMismatch()
    participant.identity_checked_at = now


async def claim(s: AsyncSession, participant: Participant, *, now: datetime) -> str:
    """Use the link: it is spent, and the browser gets its own secret. Returns that secret."""
    secret = new_secret()
    participant.token_used_at = now
    participant.access_hash = digest(secret)
    s.add(
        SessionEvent(
            session_id=participant.session_id, participant_id=participant.id, at=now, kind="link_opened"
        )
    )
    return secret


def secret_expired(participant: Participant, now: datetime) -> bool:
    """Whether the guest's browser secret has outlived ``GUEST_DAYS`` since the link was opened. Pure."""
    opened = participant.token_used_at
    return opened is None or now >= opened + timedelta(days=GUEST_DAYS)


async def guest_by_secret(
    s: AsyncSession, session_id: int, secret: str | None, now: datetime
) -> Participant | None:
    if not secret or len(secret) > 100:
        return None
    participant = await s.scalar(select(Participant).where(Participant.access_hash == digest(secret)))
    if participant is None or participant.session_id != session_id or participant.removed_at is not None:
        return None
    if secret_expired(participant, now):
        return None
    return participant
