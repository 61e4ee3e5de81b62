"""Tables of the meetings package: series and meetings, invitees, agenda, decisions, action items,
minutes and their revisions, calendar feed tokens.

Times are stored in UTC; ``time_zone`` keeps the zone the organiser thinks in, so that a series
"on the first Tuesday at 07:30" is expanded in that zone (see meetings/recurrence.py).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.orm import Base, utcnow


class Series(Base):
    """A repeating joint liaison meeting (RFC 5545 RRULE in a time zone)."""

    __tablename__ = "meeting_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    organiser_agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    rrule: Mapped[str] = mapped_column(String(300))
    time_zone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    first_start: Mapped[datetime]
    duration_minutes: Mapped[int] = mapped_column(default=120)
    place: Mapped[str] = mapped_column(String(200), default="")
    secretary_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    chair_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    sequence: Mapped[int] = mapped_column(default=0)
    cancelled: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Occurrences on a public holiday or rest day: "flag" them or "skip" them (meetings.holidays).
    holidays: Mapped[str] = mapped_column(String(8), default="flag")


class Meeting(Base):
    """One meeting: alone, or one occurrence of a series (``recurrence_id`` = its original start)."""

    __tablename__ = "meetings"
    __table_args__ = (UniqueConstraint("series_id", "recurrence_id"), Index("ix_meetings_start", "start"))

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(120), index=True)
    series_id: Mapped[int | None] = mapped_column(ForeignKey("meeting_series.id", ondelete="CASCADE"))
    recurrence_id: Mapped[datetime | None] = mapped_column(default=None)
    title: Mapped[str] = mapped_column(String(200))
    organiser_agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    secretary_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    chair_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    start: Mapped[datetime]
    end: Mapped[datetime]
    time_zone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    place: Mapped[str] = mapped_column(String(200), default="")
    video_session_id: Mapped[int | None] = mapped_column(default=None)
    status: Mapped[str] = mapped_column(String(16), default="scheduled")  # scheduled, held, cancelled
    moved: Mapped[bool] = mapped_column(default=False)  # an occurrence moved off its series slot
    # The holiday (or 休息日) its series skipped it for: cancelled when the series was planned.
    skipped_for: Mapped[str] = mapped_column(String(32), default="")
    sequence: Mapped[int] = mapped_column(default=0)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    invitees: Mapped[list[Invitee]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="Invitee.id"
    )
    agenda: Mapped[list[AgendaItem]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="AgendaItem.position"
    )


class Invitee(Base):
    """An invited person (directly, or as a member of an invited agency), their RSVP and attendance."""

    __tablename__ = "meeting_invitees"
    __table_args__ = (UniqueConstraint("meeting_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    via_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    rsvp: Mapped[str] = mapped_column(String(16), default="needs_action")  # accepted, declined, tentative
    rsvp_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    rsvp_at: Mapped[datetime | None] = mapped_column(default=None)
    attendance: Mapped[str] = mapped_column(String(16), default="")  # present, absent, excused, proxy
    proxy_name: Mapped[str] = mapped_column(String(100), default="")


class AgendaItem(Base):
    __tablename__ = "agenda_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[str] = mapped_column(String(16))  # report, discussion, decision, case_review
    title: Mapped[str] = mapped_column(String(300))
    presenter: Mapped[str] = mapped_column(String(100), default="")
    minutes: Mapped[int] = mapped_column(default=10)
    case_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    notes: Mapped[str] = mapped_column(Text, default="")
    # The open action of an earlier meeting this item carries forward (no FK: the tables refer to
    # each other, and an item outlives a deleted action).
    carried_action_id: Mapped[int | None] = mapped_column(default=None)


class Decision(Base):
    __tablename__ = "meeting_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    agenda_item_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_items.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ActionItem(Base):
    __tablename__ = "action_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    agenda_item_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_items.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    owner_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    owner_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    due: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open, in_progress, done, dropped
    case_id: Mapped[int | None] = mapped_column(default=None)
    done_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Minutes(Base):
    """Minutes of a meeting: draft > circulated > approved; approved text is frozen by its hash."""

    __tablename__ = "meeting_minutes"
    __table_args__ = (UniqueConstraint("meeting_id", "revision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    revision: Mapped[int] = mapped_column(default=1)
    status: Mapped[str] = mapped_column(String(16), default="draft")  # draft, circulated, approved
    text: Mapped[str] = mapped_column(Text, default="")
    structure: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    sha256: Mapped[str] = mapped_column(String(64), default="")
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None] = mapped_column(default=None)
    circulated_at: Mapped[datetime | None] = mapped_column(default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The PDF of the approved text, rendered once at approval (read it by selecting the column).
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary, default=None, deferred=True)
    pdf_sha256: Mapped[str] = mapped_column(String(64), default="")


class MinutesComment(Base):
    __tablename__ = "minutes_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    minutes_id: Mapped[int] = mapped_column(ForeignKey("meeting_minutes.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CalendarFeedToken(Base):
    """A revocable token for a subscription feed (a person's, or an agency's)."""

    __tablename__ = "calendar_feed_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
