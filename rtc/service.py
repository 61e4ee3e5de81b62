"""Use cases of video mediation that touch the database: schedule a session, invite people, start
and end it, and keep its record (timeline, chat, notes). Each takes an open transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub import audit
from hub.events import Outbox
from hub.models import Role, User
from referrals import for_mediation
from referrals.for_mediation import CaseInfo
from rtc import errors, party_messages
from rtc.models import ChatMessage, MediationSession, MediatorNote, Participant, SessionEvent
from rtc.rooms import GUEST_ROLES, MEDIATOR

# Parties' roles in the case become their role in the session's minutes.
PARTY_ROLE = "party"


@dataclass(frozen=True)
class GuestSpec:
    role: str
    name: str
    party_id: int | None = None
    identity_check: str = "none"  # none, id_last4


def topic(session_id: int) -> str:
    return f"mediation:{session_id}"


async def schedule(
    s: AsyncSession,
    actor: audit.Actor,
    info: CaseInfo,
    *,
    mediator_id: int,
    start: datetime | None,
    guests: list[GuestSpec] | None,
    record_video: bool,
    now: datetime,
    submission_key: str | None = None,
) -> MediationSession:
    """A session for the case's open referral; the parties on file are invited unless ``guests`` says who.
    The handlers then plan the parties' reminders (``party_messages.plan_reminders``); the demo,
    which builds history, does not. The same ``submission_key`` twice from one person gives
    ``AlreadyScheduled`` naming the session the first made, and changes nothing."""
    earlier = await scheduled_with(s, actor.user_id, submission_key)
    if earlier is not None:
        raise already_scheduled(earlier)
    if not info.may_mediate or info.referral_id is None or info.mediating_agency_id is None:
        raise errors.NotMediable()
    mediator = await s.get(User, mediator_id)
    if mediator is None or not mediator.active:
        raise errors.NoSuchParticipant()
    session = MediationSession(
        case_id=info.case_id,
        referral_id=info.referral_id,
        agency_id=info.mediating_agency_id,
        mediator_id=mediator_id,
        title=info.number,
        scheduled_start=start,
        record_video=record_video,
        created_by_id=actor.user_id,
        created_at=now,
        submission_key=submission_key or None,
    )
    s.add(session)
    await s.flush()
    s.add(
        Participant(
            session_id=session.id, role=MEDIATOR, display_name=mediator.display_name, user_id=mediator_id
        )
    )
    if guests is None:
        guests = [
            GuestSpec(PARTY_ROLE, p.name, p.party_id, "id_last4" if p.has_id_number else "none")
            for p in info.parties
        ]
    for guest in guests:
        await add_guest(s, session, info, guest)
    s.add(
        SessionEvent(
            session_id=session.id,
            at=now,
            kind="scheduled",
            data={"start": start.isoformat() if start else None},
        )
    )
    await audit.record(
        s, actor, "mediation.scheduled", "mediation_session", session.id, {"case_id": info.case_id}
    )
    await s.flush()
    return session


async def scheduled_with(s: AsyncSession, user_id: int | None, submission_key: str | None) -> int | None:
    """The session this person's earlier sending of the form with this key made, if any."""
    if not submission_key or user_id is None:
        return None
    return await s.scalar(
        select(MediationSession.id).where(
            MediationSession.created_by_id == user_id, MediationSession.submission_key == submission_key
        )
    )


def already_scheduled(session_id: int) -> errors.AlreadyScheduled:
    return errors.AlreadyScheduled(
        details=[{"field": "session_id", "type": "existing", "message": str(session_id)}]
    )


async def add_guest(
    s: AsyncSession, session: MediationSession, info: CaseInfo, guest: GuestSpec
) -> Participant:
    if guest.role not in GUEST_ROLES:
        raise errors.NoSuchParticipant()
    party_ids = {p.party_id for p in info.parties}
    if guest.party_id is not None and guest.party_id not in party_ids:
        raise errors.NoSuchParticipant()
    check = guest.identity_check if guest.party_id is not None else "none"
    participant = Participant(
        session_id=session.id,
        role=guest.role,
        display_name=guest.name.strip()[:100],
        party_id=guest.party_id,
        identity_check=check,
    )
    s.add(participant)
    await s.flush()
    return participant


async def participants(s: AsyncSession, session_id: int) -> list[Participant]:
    return list(
        (
            await s.scalars(
                select(Participant).where(Participant.session_id == session_id).order_by(Participant.id)
            )
        ).all()
    )


async def shown_evidence(s: AsyncSession, session_id: int) -> int | None:
    """The evidence the mediator shows now, by the record (the last ``evidence_shown``)."""
    data = await s.scalar(
        select(SessionEvent.data)
        .where(SessionEvent.session_id == session_id, SessionEvent.kind == "evidence_shown")
        .order_by(SessionEvent.id.desc())
        .limit(1)
    )
    shown = (data or {}).get("evidence_id")
    return shown if isinstance(shown, int) else None


async def guest(s: AsyncSession, session: MediationSession, participant_id: int) -> Participant:
    """A guest (not the mediator) of this session, or ``NoSuchParticipant``."""
    found = await s.get(Participant, participant_id)
    if found is None or found.session_id != session.id or found.user_id is not None:
        raise errors.NoSuchParticipant()
    return found


async def mediator_participant(s: AsyncSession, session: MediationSession) -> Participant:
    found = await s.scalar(
        select(Participant).where(
            Participant.session_id == session.id,
            Participant.role == MEDIATOR,
            Participant.user_id == session.mediator_id,
        )
    )
    if found is None:  # the mediator was changed after scheduling
        user = await s.get(User, session.mediator_id)
        found = Participant(
            session_id=session.id,
            role=MEDIATOR,
            display_name=user.display_name if user else "",
            user_id=session.mediator_id,
        )
        s.add(found)
        await s.flush()
    return found


async def event(
    s: AsyncSession,
    session_id: int,
    kind: str,
    *,
    at: datetime,
    participant_id: int | None = None,
    room: str = "main",
    **data: object,
) -> None:
    s.add(
        SessionEvent(
            session_id=session_id, participant_id=participant_id, at=at, kind=kind, room=room, data=data
        )
    )


async def start(
    s: AsyncSession,
    actor: audit.Actor,
    session: MediationSession,
    *,
    now: datetime,
    instance: str,
    outbox: Outbox,
) -> None:
    """The mediator opened the room: the session is live and the referral in mediation."""
    if session.status == "live":
        session.host_instance = instance
        return
    if session.status != "scheduled":
        raise errors.SessionNotOpen()
    session.status = "live"
    session.started_at = now
    session.host_instance = instance
    await event(s, session.id, "started", at=now)
    await audit.record(s, actor, "mediation.started", "mediation_session", session.id, {})
    await for_mediation.mediation_started(s, actor, session.referral_id, now=now, outbox=outbox)
    outbox.add(topic(session.id), "mediation.started", actor.user_id, session_id=session.id)


async def end(
    s: AsyncSession,
    actor: audit.Actor,
    session: MediationSession,
    *,
    outcome: str,
    note: str,
    now: datetime,
    outbox: Outbox,
) -> None:
    if session.status not in ("scheduled", "live"):
        raise errors.SessionNotOpen()
    session.status = "ended"
    session.ended_at = now
    session.started_at = session.started_at or now
    session.outcome = outcome
    session.outcome_note = note[:500]
    session.host_instance = ""
    await event(s, session.id, "ended", at=now, outcome=outcome)
    await audit.record(s, actor, "mediation.ended", "mediation_session", session.id, {"outcome": outcome})
    await for_mediation.mediation_ended(
        s, actor, session.referral_id, outcome=outcome, note=note, now=now, outbox=outbox
    )
    outbox.add(topic(session.id), "mediation.ended", actor.user_id, session_id=session.id)


async def cancel(s: AsyncSession, actor: audit.Actor, session: MediationSession, *, now: datetime) -> None:
    if session.status != "scheduled":
        raise errors.SessionNotOpen()
    session.status = "cancelled"
    await party_messages.drop_reminders(s, session)
    await party_messages.tell_parties(s, session)
    await event(s, session.id, "cancelled", at=now)
    await audit.record(s, actor, "mediation.cancelled", "mediation_session", session.id, {})


async def reschedule(
    s: AsyncSession, actor: audit.Actor, session: MediationSession, *, start: datetime, now: datetime
) -> None:
    """Move a session that has not started to another time; the parties are told, and their
    reminders follow it."""
    if session.status != "scheduled":
        raise errors.SessionNotOpen()
    old = session.scheduled_start
    session.scheduled_start = start
    await event(s, session.id, "rescheduled", at=now, start=start.isoformat())
    await audit.record(
        s,
        actor,
        "mediation.rescheduled",
        "mediation_session",
        session.id,
        {"from": old.isoformat() if old else None, "to": start.isoformat()},
    )
    await party_messages.plan_reminders(s, session, now=now)
    if old != start:
        await party_messages.tell_parties(s, session)


async def save_chat(
    s: AsyncSession, session_id: int, participant_id: int, text: str, room: str, at: datetime
) -> ChatMessage:
    row = ChatMessage(session_id=session_id, participant_id=participant_id, text=text, room=room, at=at)
    s.add(row)
    await s.flush()
    return row


async def save_note(
    s: AsyncSession, session_id: int, author_id: int | None, text: str, room: str, at: datetime
) -> MediatorNote:
    row = MediatorNote(session_id=session_id, author_id=author_id, text=text, room=room, at=at)
    s.add(row)
    await s.flush()
    return row


async def mediators_of(s: AsyncSession, agency_id: int) -> list[User]:
    rows = await s.scalars(
        select(User).where(User.agency_id == agency_id, User.active.is_(True)).order_by(User.display_name)
    )
    return [u for u in rows.all() if Role.mediator in u.role_names]
