"""Tables of video mediation: sessions, participants and their invitation links, the timeline,
chat and notes, recordings with their speaking and transcript segments, and the minutes (调解笔录).

A session belongs to one referral (the hop that the receiving agency mediates); everything the
hub knows about who said what comes from these rows, so the minutes can be rebuilt at any time.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.orm import Base, utcnow


class MediationSession(Base):
    __tablename__ = "mediation_sessions"
    __table_args__ = (
        Index("ix_mediation_sessions_agency_status", "agency_id", "status"),
        UniqueConstraint("created_by_id", "submission_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"), index=True)
    # The mediating agency: its people run the session (the scope that sees it, with the case's).
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    mediator_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    scheduled_start: Mapped[datetime | None] = mapped_column(default=None)
    status: Mapped[str] = mapped_column(String(16), default="scheduled")  # scheduled, live, ended, cancelled
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    ended_at: Mapped[datetime | None] = mapped_column(default=None)
    outcome: Mapped[str] = mapped_column(String(16), default="")  # agreed, not_agreed, adjourned
    outcome_note: Mapped[str] = mapped_column(String(500), default="")
    record_video: Mapped[bool] = mapped_column(default=False)
    # video (in the room) or in_person (face to face, recorded by the 记录人 on a form).
    mode: Mapped[str] = mapped_column(String(16), default="video")
    place: Mapped[str] = mapped_column(String(200), default="")  # where a face-to-face session was held
    # The 记录人 (recorder), named by the mediator; none: the mediator records.
    recorder_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    # What a face-to-face session recorded: "" nothing, audio, video (a video session's recordings say).
    recorded_media: Mapped[str] = mapped_column(String(8), default="")
    # 回避: "" not asked, none (no party asks a mediator to withdraw), requested (see the note).
    recusal: Mapped[str] = mapped_column(String(16), default="")
    recusal_note: Mapped[str] = mapped_column(String(500), default="")
    # The process that holds the room and its recording peers while the session is live.
    host_instance: Mapped[str] = mapped_column(String(64), default="")
    host_seen_at: Mapped[datetime | None] = mapped_column(default=None)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The scheduling form's one-time key: the same form sent again (a reload of the invitations
    # page) finds this session instead of making a second one (``service.schedule``).
    submission_key: Mapped[str | None] = mapped_column(String(64), default=None)

    participants: Mapped[list[Participant]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="Participant.id"
    )


class Participant(Base):
    """A person in a session: the mediator (a user) or a guest who comes through an invitation link.

    The link's token is stored only as a SHA-256; opening it once exchanges it for a browser
    credential (``access_hash``) so that the person can reconnect without the link.
    """

    __tablename__ = "mediation_participants"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("mediation_sessions.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(
        String(16)
    )  # mediator, party, interpreter, lawyer, grid_worker, observer
    display_name: Mapped[str] = mapped_column(String(100))
    party_id: Mapped[int | None] = mapped_column(ForeignKey("parties.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # "id_last4": the guest types the last four characters of the ID number on file.
    identity_check: Mapped[str] = mapped_column(String(16), default="none")
    identity_checked_at: Mapped[datetime | None] = mapped_column(default=None)
    identity_failures: Mapped[int] = mapped_column(default=0)
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)
    token_expires_at: Mapped[datetime | None] = mapped_column(default=None)
    token_created_at: Mapped[datetime | None] = mapped_column(default=None)
    token_used_at: Mapped[datetime | None] = mapped_column(default=None)
    token_revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    access_hash: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)
    consent: Mapped[str] = mapped_column(String(8), default="")  # "", given, refused
    consent_at: Mapped[datetime | None] = mapped_column(default=None)
    joined_at: Mapped[datetime | None] = mapped_column(default=None)
    admitted_at: Mapped[datetime | None] = mapped_column(default=None)
    removed_at: Mapped[datetime | None] = mapped_column(default=None)
    minutes_confirmed_at: Mapped[datetime | None] = mapped_column(default=None)
    # When this person acknowledged the rights and duties read to them (权利义务告知).
    rights_acknowledged_at: Mapped[datetime | None] = mapped_column(default=None)
    # A link that only reads and confirms the minutes, valid after the session (stored hashed).
    confirm_hash: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)
    confirm_expires_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SessionEvent(Base):
    """One line of the session's timeline (joins, admissions, caucuses, consent...)."""

    __tablename__ = "mediation_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("mediation_sessions.id", ondelete="CASCADE"), index=True
    )
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("mediation_participants.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(String(32))
    room: Mapped[str] = mapped_column(String(16), default="main")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ChatMessage(Base):
    __tablename__ = "mediation_chat"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("mediation_sessions.id", ondelete="CASCADE"), index=True
    )
    participant_id: Mapped[int] = mapped_column(ForeignKey("mediation_participants.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    room: Mapped[str] = mapped_column(String(16), default="main")
    text: Mapped[str] = mapped_column(Text)


class MediatorNote(Base):
    """The mediator's notes panel: private to the agency, quoted in the minutes draft."""

    __tablename__ = "mediation_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("mediation_sessions.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    room: Mapped[str] = mapped_column(String(16), default="main")
    text: Mapped[str] = mapped_column(Text)


class Recording(Base):
    """One participant's audio (or video) in one room segment, under the data dir."""

    __tablename__ = "mediation_recordings"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("mediation_sessions.id", ondelete="CASCADE"), index=True
    )
    participant_id: Mapped[int] = mapped_column(ForeignKey("mediation_participants.id"), index=True)
    room: Mapped[str] = mapped_column(String(16))  # main, caucus-1, caucus-2...
    kind: Mapped[str] = mapped_column(String(8), default="audio")
    path: Mapped[str] = mapped_column(String(300))  # relative to the data dir
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime]
    duration_seconds: Mapped[float] = mapped_column(Float)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    # Set when the file was closed by crash recovery rather than cleanly.
    recovered: Mapped[bool] = mapped_column(default=False)


class SpeechSegment(Base):
    """A stretch of speech found by voice activity detection on one participant's track."""

    __tablename__ = "mediation_speech"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("mediation_sessions.id", ondelete="CASCADE"), index=True
    )
    recording_id: Mapped[int] = mapped_column(ForeignKey("mediation_recordings.id", ondelete="CASCADE"))
    participant_id: Mapped[int] = mapped_column(ForeignKey("mediation_participants.id"))
    room: Mapped[str] = mapped_column(String(16))
    start_at: Mapped[datetime]
    end_at: Mapped[datetime]


class TranscriptSegment(Base):
    __tablename__ = "mediation_transcript"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("mediation_sessions.id", ondelete="CASCADE"), index=True
    )
    recording_id: Mapped[int] = mapped_column(ForeignKey("mediation_recordings.id", ondelete="CASCADE"))
    participant_id: Mapped[int] = mapped_column(ForeignKey("mediation_participants.id"))
    room: Mapped[str] = mapped_column(String(16))
    start_at: Mapped[datetime]
    end_at: Mapped[datetime]
    text: Mapped[str] = mapped_column(Text)
    engine: Mapped[str] = mapped_column(String(32))


class Statement(Base):
    """One statement (陈述) in the minutes, in order, under its speaker: typed by the 记录人, or the
    transcript's draft as the 记录人 corrected it. None for a session: the draft uses the transcript."""

    __tablename__ = "mediation_statements"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("mediation_sessions.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    participant_id: Mapped[int] = mapped_column(ForeignKey("mediation_participants.id"))
    text: Mapped[str] = mapped_column(Text)


class MediationMinutes(Base):
    """The minutes (调解笔录): drafted from the record, edited by the mediator, confirmed by the parties.

    ``content`` holds the structured draft (rtc/minutes/minutes.py); ``edits`` the mediator's text per
    section. Once every party has confirmed, ``frozen_hash`` fixes the content.
    """

    __tablename__ = "mediation_minutes"
    __table_args__ = (UniqueConstraint("session_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("mediation_sessions.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), default="draft")  # draft, circulated, confirmed
    content: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    edits: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    include_caucus_summary: Mapped[str] = mapped_column(Text, default="")
    drafted_at: Mapped[datetime] = mapped_column(default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(default=None)
    circulated_at: Mapped[datetime | None] = mapped_column(default=None)
    confirmed_at: Mapped[datetime | None] = mapped_column(default=None)
    frozen_hash: Mapped[str] = mapped_column(String(64), default="")
    # The PDF of the frozen minutes, rendered once when they froze (read it by selecting the column).
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary, default=None, deferred=True)
    pdf_sha256: Mapped[str] = mapped_column(String(64), default="")
