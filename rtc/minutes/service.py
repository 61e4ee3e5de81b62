"""The minutes of a mediation session (video or face to face), with the database: read the
session's record, draft and redraft the minutes (the mediator's edits are kept), save edits,
circulate them to the parties and take each party's confirmation online. When every party who
took part has confirmed, the minutes are frozen by the hash of their text. Each change writes its
audit row in the same transaction; the pure parts (drafting, text, hash) are ``rtc.minutes``.

Changing circulated minutes (an edit, or a redraft that changes the text) takes them back to
draft and clears the confirmations given so far: a party confirms one text, named by its hash.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub import audit
from hub.errors import (
    MinutesChanged,
    MinutesMissing,
    MinutesNotCirculated,
    ValidationFailed,
)
from hub.events import Outbox
from hub.i18n import N_
from hub.labels import label
from hub.models import Agency, User
from hub.permissions import Scope
from referrals import for_mediation
from rtc import service
from rtc.errors import (
    MINUTES_CHANGED,
    NO_MINUTES,
    NOT_CIRCULATED,
    MinutesConfirmed,
    NotAParty,
    SessionNotEnded,
)
from rtc.minutes import minutes as pure
from rtc.models import (
    ChatMessage,
    MediationMinutes,
    MediationSession,
    MediatorNote,
    Participant,
    Recording,
    SessionEvent,
    SpeechSegment,
    Statement,
    TranscriptSegment,
)

MAX_SECTION_CHARS = 20_000
MAX_SUMMARY_CHARS = 5_000


def guest_actor(session: MediationSession) -> audit.Actor:
    """A guest has no account: their rows name the session's agency, and the participant in data."""
    return audit.Actor(user_id=None, agency_id=session.agency_id)


def current_hash(minutes: MediationMinutes) -> str:
    return pure.content_hash(minutes.content, minutes.edits)


async def get(s: AsyncSession, session_id: int, *, lock: bool = False) -> MediationMinutes | None:
    """The minutes of a session. ``lock`` before changing them: an edit, a circulation and the
    parties' confirmations then happen one after the other (two parties confirming at once
    would each see the other unconfirmed, and the minutes would never freeze)."""
    query = select(MediationMinutes).where(MediationMinutes.session_id == session_id)
    return await s.scalar(query.with_for_update() if lock else query)


async def require(s: AsyncSession, session_id: int) -> MediationMinutes:
    """The minutes, locked for a change; ``MinutesMissing`` before any were drafted."""
    found = await get(s, session_id, lock=True)
    if found is None:
        raise MinutesMissing(NO_MINUTES)
    return found


def signers(people: Sequence[Participant]) -> list[Participant]:
    """The parties who confirm (and sign): those who took part and were not sent away."""
    return [p for p in people if pure.signs(p.role, p.joined_at, p.removed_at)]


# --- the record -----------------------------------------------------------------------------------


async def _rows(s: AsyncSession, model: Any, session_id: int, *order: Any) -> list[Any]:
    query = select(model).where(model.session_id == session_id).order_by(*order, model.id)
    return list((await s.scalars(query)).all())


def _latest_engine(rows: list[TranscriptSegment]) -> list[TranscriptSegment]:
    """Per recording, the text of the engine that ran last (an operator may change engines)."""
    latest: dict[int, tuple[int, str]] = {}
    for row in rows:
        if row.id > latest.get(row.recording_id, (0, ""))[0]:
            latest[row.recording_id] = (row.id, row.engine)
    return [r for r in rows if r.engine == latest[r.recording_id][1]]


async def recorded_media(s: AsyncSession, session: MediationSession) -> str:
    """What the session recorded: a face-to-face session as the 记录人 said; a video session by its
    recordings (sound in every track, pictures too when the session was set to record them)."""
    if session.mode == pure.IN_PERSON:
        return session.recorded_media
    kinds = set((await s.scalars(select(Recording.kind).where(Recording.session_id == session.id))).all())
    if not kinds:
        return ""
    return "video" if session.record_video or "video" in kinds else "audio"


async def load_record(
    s: AsyncSession, session: MediationSession, *, zone: str, caucus_summary: str = ""
) -> pure.SessionRecord:
    """Everything the minutes say, read in the caller's transaction. The case is read as the hub
    (``Scope(None)``): whoever asks was already let through to this session."""
    info = await for_mediation.case_for_mediation(s, Scope(None), session.case_id)
    agreement = await for_mediation.agreement_summary(s, session.case_id)
    people = await service.participants(s, session.id)
    party_roles = {p.party_id: p.role for p in info.parties}
    agency = await s.get(Agency, session.agency_id)
    mediators = tuple(dict.fromkeys(p.display_name for p in people if p.role == "mediator"))
    if not mediators:
        user = await s.get(User, session.mediator_id)
        mediators = (user.display_name,) if user else ()
    recorder = await s.get(User, session.recorder_id) if session.recorder_id is not None else None
    statements = await _rows(s, Statement, session.id, Statement.position)
    events = await _rows(s, SessionEvent, session.id, SessionEvent.at)
    speech = await _rows(s, SpeechSegment, session.id, SpeechSegment.start_at)
    transcript = _latest_engine(await _rows(s, TranscriptSegment, session.id, TranscriptSegment.start_at))
    notes = await _rows(s, MediatorNote, session.id, MediatorNote.at)
    chat = await _rows(s, ChatMessage, session.id, ChatMessage.at)
    return pure.SessionRecord(
        case_number=info.number,
        category=label(info.category, "zh_CN"),
        agency=agency.name if agency else "",
        mediators=mediators,
        start=session.started_at,
        end=session.ended_at,
        people=tuple(
            pure.Person(
                p.id,
                p.display_name,
                p.role,
                party_role=party_roles.get(p.party_id, "") if p.party_id else "",
                staff=p.user_id is not None,
                identity_check=p.identity_check,
                identity_checked_at=p.identity_checked_at,
                identity_failures=p.identity_failures,
                consent=p.consent,
                joined_at=p.joined_at,
                removed_at=p.removed_at,
                rights_acknowledged_at=p.rights_acknowledged_at,
            )
            for p in people
        ),
        events=tuple(pure.Event(e.at, e.kind, e.participant_id, e.room, dict(e.data or {})) for e in events),
        speech=tuple(pure.Span(r.participant_id, r.room, r.start_at, r.end_at) for r in speech),
        transcript=tuple(
            pure.Span(r.participant_id, r.room, r.start_at, r.end_at, r.text) for r in transcript
        ),
        notes=tuple(pure.Line(n.at, n.room, n.text) for n in notes),
        chat=tuple(pure.Line(c.at, c.room, c.text, c.participant_id) for c in chat),
        agreement=pure.Agreement(agreement.facts, agreement.terms, agreement.effective_date)
        if agreement
        else None,
        outcome=session.outcome if session.outcome in pure.OUTCOME_TEXT else "",
        outcome_note=session.outcome_note,
        caucus_summary=caucus_summary,
        evidence_names={e.evidence_id: e.name for e in info.evidence},
        zone=zone,
        place=session.place if session.mode == pure.IN_PERSON else pure.PLACE,
        mode=session.mode,
        recorder=recorder.display_name if recorder is not None else "",
        recorded=await recorded_media(s, session),
        record_video=session.record_video,
        recusal=session.recusal,
        recusal_note=session.recusal_note,
        statements=tuple(pure.Statement(r.participant_id, r.text) for r in statements),
    )


# --- drafting and editing -------------------------------------------------------------------------


async def _changed(
    s: AsyncSession,
    actor: audit.Actor,
    session: MediationSession,
    minutes: MediationMinutes,
    before: str,
    action: str,
    **data: Any,
) -> None:
    """Audit a change; circulated minutes whose text changed go back to draft, confirmations void."""
    after = current_hash(minutes)
    cleared: list[int] = []
    reopened = minutes.status == "circulated" and after != before
    if reopened:
        minutes.status = "draft"
        minutes.circulated_at = None
        for person in await service.participants(s, session.id):
            if person.minutes_confirmed_at is not None:
                person.minutes_confirmed_at = None
                cleared.append(person.id)
    data.update(session_id=session.id, hash=after, reopened=reopened)
    if cleared:
        data["confirmations_cleared"] = cleared
    await audit.record(s, actor, action, "mediation_minutes", minutes.id, data)


async def draft(
    s: AsyncSession, actor: audit.Actor, session: MediationSession, *, now: datetime, zone: str
) -> MediationMinutes:
    """Draft the minutes from the record, or draft them again keeping the mediator's edits.
    Drafting again a record that has not changed changes nothing (and writes no audit row)."""
    if session.status != "ended":
        raise SessionNotEnded()
    minutes = await get(s, session.id, lock=True)
    if minutes is not None and minutes.status == "confirmed":
        raise MinutesConfirmed()
    summary = minutes.include_caucus_summary if minutes is not None else ""
    content = pure.build_draft(await load_record(s, session, zone=zone, caucus_summary=summary))
    if minutes is None:
        minutes = MediationMinutes(session_id=session.id, content=content, edits={}, drafted_at=now)
        s.add(minutes)
        await s.flush()
        data = {"session_id": session.id, "hash": current_hash(minutes)}
        await audit.record(s, actor, "mediation.minutes_drafted", "mediation_minutes", minutes.id, data)
        return minutes
    if content == minutes.content:
        return minutes
    before = current_hash(minutes)
    minutes.content = content
    minutes.drafted_at = now
    await _changed(s, actor, session, minutes, before, "mediation.minutes_redrafted")
    return minutes


async def save_edits(
    s: AsyncSession,
    actor: audit.Actor,
    session: MediationSession,
    changes: Mapping[str, str],
    *,
    caucus_summary: str | None,
    now: datetime,
    zone: str,
) -> MediationMinutes:
    """The mediator's text for some sections (blank: back to the drafted text), and the summary of
    the private sessions that the joint minutes may quote."""
    minutes = await require(s, session.id)
    if minutes.status == "confirmed":
        raise MinutesConfirmed()
    if (
        any(len(text) > MAX_SECTION_CHARS for text in changes.values())
        or len(caucus_summary or "") > MAX_SUMMARY_CHARS
    ):
        raise ValidationFailed(N_("The text is too long."))
    try:
        edits = pure.apply_edits(minutes.content, minutes.edits, changes)
    except pure.UnknownSection:
        raise ValidationFailed(N_("These minutes have no such section.")) from None
    summary = caucus_summary.strip() if caucus_summary is not None else minutes.include_caucus_summary
    if edits == minutes.edits and summary == minutes.include_caucus_summary:
        return minutes
    before = current_hash(minutes)
    if summary != minutes.include_caucus_summary:
        minutes.include_caucus_summary = summary  # quoted in the caucus section: draft it again
        minutes.content = pure.build_draft(await load_record(s, session, zone=zone, caucus_summary=summary))
    minutes.edits = edits
    minutes.edited_at = now
    await _changed(s, actor, session, minutes, before, "mediation.minutes_edited", sections=sorted(changes))
    return minutes


async def as_typed(
    s: AsyncSession,
    session: MediationSession,
    minutes: MediationMinutes,
    changes: Mapping[str, str],
    *,
    caucus_summary: str | None,
    zone: str,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The content and edits ``save_edits`` would store for this form, storing nothing (the live
    preview): a changed caucus summary drafts the sections again, as saving it does."""
    if (
        any(len(text) > MAX_SECTION_CHARS for text in changes.values())
        or len(caucus_summary or "") > MAX_SUMMARY_CHARS
    ):
        raise ValidationFailed(N_("The text is too long."))
    summary = caucus_summary.strip() if caucus_summary is not None else minutes.include_caucus_summary
    content = minutes.content
    if summary != minutes.include_caucus_summary:
        content = pure.build_draft(await load_record(s, session, zone=zone, caucus_summary=summary))
    try:
        return content, pure.apply_edits(content, minutes.edits, changes)
    except pure.UnknownSection:
        raise ValidationFailed(N_("These minutes have no such section.")) from None


async def circulate(
    s: AsyncSession, actor: audit.Actor, session: MediationSession, *, now: datetime, outbox: Outbox
) -> MediationMinutes:
    """Open the minutes to the parties for reading and confirmation (their confirm page, the PDF)."""
    minutes = await require(s, session.id)
    if minutes.status == "confirmed":
        raise MinutesConfirmed()
    if minutes.status == "circulated":
        return minutes
    minutes.status = "circulated"
    minutes.circulated_at = now
    digest = current_hash(minutes)
    await service.event(s, session.id, "minutes_circulated", at=now, hash=digest)
    data = {"session_id": session.id, "hash": digest}
    await audit.record(s, actor, "mediation.minutes_circulated", "mediation_minutes", minutes.id, data)
    outbox.add(
        service.topic(session.id),
        "mediation.minutes",
        actor.user_id,
        session_id=session.id,
        status="circulated",
    )
    return minutes


async def confirm(
    s: AsyncSession,
    session: MediationSession,
    participant: Participant,
    seen_hash: str,
    *,
    now: datetime,
    outbox: Outbox,
) -> MediationMinutes:
    """A party confirms the text they read (named by its hash). The last party's confirmation
    freezes the minutes."""
    minutes = await require(s, session.id)
    if participant.session_id != session.id or not pure.signs(
        participant.role, participant.joined_at, participant.removed_at
    ):
        raise NotAParty()
    if minutes.status == "confirmed":
        if participant.minutes_confirmed_at is not None:
            return minutes
        raise MinutesConfirmed()
    if minutes.status != "circulated":
        raise MinutesNotCirculated(NOT_CIRCULATED)
    digest = current_hash(minutes)
    if seen_hash != digest:
        raise MinutesChanged(MINUTES_CHANGED)
    actor = guest_actor(session)
    if participant.minutes_confirmed_at is None:
        participant.minutes_confirmed_at = now
        await service.event(
            s, session.id, "minutes_confirmed", at=now, participant_id=participant.id, hash=digest
        )
        data = {"session_id": session.id, "participant_id": participant.id, "hash": digest}
        await audit.record(s, actor, "mediation.minutes_confirmed", "mediation_minutes", minutes.id, data)
    if all(p.minutes_confirmed_at is not None for p in signers(await service.participants(s, session.id))):
        minutes.status = "confirmed"
        minutes.confirmed_at = now
        minutes.frozen_hash = digest
        data = {"session_id": session.id, "hash": digest}
        await audit.record(s, actor, "mediation.minutes_frozen", "mediation_minutes", minutes.id, data)
    outbox.add(
        service.topic(session.id), "mediation.minutes", None, session_id=session.id, status=minutes.status
    )
    return minutes
