"""The outbox of messages to people and to agencies' systems, and each agency's webhook.

A row of ``outbound_messages`` is written in the transaction of the change it reports (so it
exists exactly when that change committed) and is the log of what was sent: the worker
(``hub.outbound.worker``) moves it ``pending -> sending -> sent``, back to ``pending`` with a later
``next_attempt_at`` after a failure, or to ``dead`` when retrying cannot help. ``uid`` is the
message's stable delivery id: every try of one row carries the same one, so a receiver that
remembers ids sees each message once even when the hub crashed between sending and noting it.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from hub.orm import Base, utcnow


class Channel(StrEnum):
    sms = "sms"
    email = "email"
    webhook = "webhook"


class DeliveryState(StrEnum):
    pending = "pending"  # waiting for next_attempt_at
    sending = "sending"  # claimed by a worker until lease_until
    sent = "sent"  # the receiver answered yes
    dead = "dead"  # given up: the admin may resend it


class OutboundMessage(Base):
    __tablename__ = "outbound_messages"
    __table_args__ = (
        Index("ix_outbound_messages_due", "state", "next_attempt_at"),
        Index("ix_outbound_messages_target", "channel", "target"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True)
    channel: Mapped[str] = mapped_column(String(8))
    # A mobile number (11 digits), an e-mail address, or the webhook's URL when it was queued.
    target: Mapped[str] = mapped_column(String(500))
    # Whose message it is: the agency it is sent for (scopes the admin's view), and the person.
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # A template code (hub.outbound.registry) for SMS and e-mail; the event for a webhook.
    template: Mapped[str] = mapped_column(String(48))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    state: Mapped[str] = mapped_column(String(8), default=DeliveryState.pending.value)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(default=None)
    last_attempt_at: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[str] = mapped_column(String(300), default="")
    # After this instant the message is pointless (a reminder of a past hearing): dead, not sent.
    expires_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)


class AgencyWebhook(Base):
    """Where an agency's own system (the police incident system) hears back, and the shared secret
    that signs what it hears. The secret must be kept in clear to sign with; it is shown to the
    admin once, on creation and rotation. After a rotation the previous secret also signs for a
    day (``previous_until``) so that the receiver can switch over without losing messages."""

    __tablename__ = "agency_webhooks"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"), unique=True)
    url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(String(100))
    previous_secret: Mapped[str] = mapped_column(String(100), default="")
    previous_until: Mapped[datetime | None] = mapped_column(default=None)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    rotated_at: Mapped[datetime | None] = mapped_column(default=None)

    @property
    def secret_hint(self) -> str:
        """Enough of the secret to tell two apart, never enough to sign with."""
        return self.secret[:10] + "…"

    def signing_secrets(self, now: datetime) -> tuple[str, ...]:
        if self.previous_secret and self.previous_until is not None and now < self.previous_until:
            return (self.secret, self.previous_secret)
        return (self.secret,)
