"""What the 记录人 enters for the minutes (调解笔录), video or face to face: who records, each party's
acknowledgement of the rights and duties read (with its time), whether anyone asks a mediator to
withdraw (回避) and the answer, what a face-to-face session recorded, and each party's statements
(陈述) in order under their name. For a video session the statements start as the transcript's
draft (one per run of one speaker, the speaker exact from the per-participant tracks); the 记录人
corrects them before the parties confirm.

Saving writes the rows and drafts the minutes again (the mediator's edits of other sections are
kept; circulated minutes whose text changed go back to draft), with one audit row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub import audit
from hub.errors import ValidationFailed
from hub.i18n import N_
from hub.models import User
from rtc import service
from rtc.errors import MinutesConfirmed, SessionNotEnded
from rtc.minutes import legal
from rtc.minutes import minutes as pure
from rtc.minutes import service as minutes_service
from rtc.minutes.record import MEDIA, RECUSAL
from rtc.models import MediationMinutes, MediationSession, Participant, Statement

MAX_STATEMENT_CHARS = 10_000
MAX_STATEMENTS = 200


@dataclass(frozen=True)
class Said:
    participant_id: int
    text: str


@dataclass(frozen=True)
class Entry:
    """The 记录人's form, as given (``rights``: party -> when they acknowledged, None: not)."""

    recorder_id: int | None = None
    rights: dict[int, datetime | None] = field(default_factory=dict)
    recusal: str = ""
    recusal_note: str = ""
    statements: tuple[Said, ...] = ()
    recorded_media: str | None = None  # face to face only; None: unchanged


@dataclass(frozen=True)
class Current:
    """The form as it stands: the people who may speak, the present parties, and the statements
    (the transcript's draft while nobody has corrected it)."""

    session: MediationSession
    people: list[Participant]
    parties: list[Participant]
    statements: list[Said]
    typed: bool  # the statements are the 记录人's rows, not the transcript's draft
    recorder_id: int | None
    recorders: list[User]


async def recorders_of(s: AsyncSession, agency_id: int) -> list[User]:
    """Who may be named 记录人: the active accounts of the mediating agency."""
    rows = await s.scalars(
        select(User).where(User.agency_id == agency_id, User.active.is_(True)).order_by(User.display_name)
    )
    return list(rows.all())


async def current(s: AsyncSession, session: MediationSession, *, zone: str) -> Current:
    record = await minutes_service.load_record(s, session, zone=zone)
    people = await service.participants(s, session.id)
    return Current(
        session=session,
        people=[p for p in people if p.joined_at is not None],
        parties=[p for p in people if p.role == "party" and p.joined_at is not None],
        statements=[Said(x.pid, x.text) for x in legal.statements(record)],
        typed=bool(record.statements),
        recorder_id=session.recorder_id,
        recorders=await recorders_of(s, session.agency_id),
    )


def _check(entry: Entry, people: dict[int, Participant]) -> None:
    present = {pid for pid, p in people.items() if p.joined_at is not None}
    parties = {pid for pid in present if people[pid].role == "party"}
    if entry.recusal not in RECUSAL or entry.recorded_media not in (None, *MEDIA):
        raise ValidationFailed()
    if entry.recusal == "requested" and not entry.recusal_note.strip():
        raise ValidationFailed(N_("Say who asks for a withdrawal, and what was decided."))
    if len(entry.recusal_note) > 500 or len(entry.statements) > MAX_STATEMENTS:
        raise ValidationFailed(N_("The text is too long."))
    if not set(entry.rights) <= parties:
        raise ValidationFailed(N_("Only a party who was present acknowledges the rights and duties."))
    for said in entry.statements:
        if said.participant_id not in present:
            raise ValidationFailed(N_("A statement must be made by someone who was present."))
        if len(said.text) > MAX_STATEMENT_CHARS:
            raise ValidationFailed(N_("The text is too long."))


async def save(
    s: AsyncSession,
    actor: audit.Actor,
    session: MediationSession,
    entry: Entry,
    *,
    now: datetime,
    zone: str,
) -> MediationMinutes:
    """Keep the 记录人's entries and draft the minutes again from them."""
    if session.status != "ended":
        raise SessionNotEnded()
    minutes = await minutes_service.get(s, session.id, lock=True)
    if minutes is not None and minutes.status == "confirmed":
        raise MinutesConfirmed()
    people = {p.id: p for p in await service.participants(s, session.id)}
    _check(entry, people)
    if entry.recorder_id is not None and entry.recorder_id != session.recorder_id:
        if entry.recorder_id not in {u.id for u in await recorders_of(s, session.agency_id)}:
            raise ValidationFailed(N_("The recorder must be someone of the mediating agency."))
    session.recorder_id = entry.recorder_id
    for pid, when in entry.rights.items():
        people[pid].rights_acknowledged_at = when
    session.recusal, session.recusal_note = entry.recusal, entry.recusal_note.strip()
    if entry.recorded_media is not None and session.mode == pure.IN_PERSON:
        session.recorded_media = entry.recorded_media
    await s.execute(delete(Statement).where(Statement.session_id == session.id))
    kept = [x for x in entry.statements if x.text.strip()]
    for n, said in enumerate(kept, 1):
        s.add(
            Statement(session_id=session.id, position=n, participant_id=said.participant_id, text=said.text)
        )
    await s.flush()
    data = {
        "session_id": session.id,
        "recorder_id": session.recorder_id,
        "acknowledged": sorted(pid for pid, when in entry.rights.items() if when is not None),
        "recusal": session.recusal,
        "statements": len(kept),
    }
    await audit.record(s, actor, "mediation.record_entered", "mediation_session", session.id, data)
    return await minutes_service.draft(s, actor, session, now=now, zone=zone)
