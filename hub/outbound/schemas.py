"""JSON shapes of the outbound API: webhooks, the message log, each person's notification choice."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field, StringConstraints

from hub.models import NotifyBy
from hub.outbound.models import Channel, DeliveryState
from hub.schemas import Input, Output

Url = Annotated[str, StringConstraints(strip_whitespace=True, min_length=8, max_length=500)]


class WebhookIn(Input):
    agency_id: int
    url: Url = Field(description="http(s) address of the agency's receiver")


class WebhookPatch(Input):
    url: Url | None = None
    active: bool | None = None


class WebhookOut(Output):
    id: int
    agency_id: int
    agency_code: str
    url: str
    active: bool
    secret_hint: str = Field(description="The secret's first characters, to tell two apart")
    created_at: datetime
    rotated_at: datetime | None
    previous_until: datetime | None = Field(description="Until when the previous secret also signs")


class WebhookCreated(WebhookOut):
    secret: str = Field(description="The signing secret. Shown once, on creation and rotation.")


class PingOut(Output):
    queued: bool
    id: int | None = None


class MessageOut(Output):
    id: int
    uid: str = Field(description="Delivery id, sent with every try (Idempotency-Key, X-Gongtiao-Delivery)")
    channel: Channel
    target: str = Field(description="Masked for SMS and e-mail")
    agency_id: int | None
    template: str = Field(description="Template code, or the webhook's event")
    state: DeliveryState
    attempts: int
    next_attempt_at: datetime
    last_error: str
    created_at: datetime
    sent_at: datetime | None


class MessageQuery(Input):
    state: DeliveryState | None = None
    channel: Channel | None = None
    limit: int = Field(default=100, ge=1, le=500)


class ContactOut(Output):
    notify_by: NotifyBy
    phone: str
    email: str


class ContactIn(Input):
    notify_by: NotifyBy = Field(description="sms, email, both or none")
    phone: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] = ""
    email: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""
