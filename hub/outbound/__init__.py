"""Messages that reach people (SMS, e-mail) and word back to agencies' systems (webhooks).

Domain packages call these inside their own transaction; see docs/messages.md for the design.
"""

from hub.outbound.contact import BadAddress
from hub.outbound.queue import (
    WEBHOOK_EVENTS,
    Queued,
    enqueue_email,
    enqueue_sms,
    enqueue_webhook,
    notify_person,
    withdraw,
)
from hub.outbound.registry import TEMPLATES
from hub.outbound.templates import ParamsRefused, UnknownTemplate

__all__ = [
    "TEMPLATES",
    "WEBHOOK_EVENTS",
    "BadAddress",
    "ParamsRefused",
    "Queued",
    "UnknownTemplate",
    "enqueue_email",
    "enqueue_sms",
    "enqueue_webhook",
    "notify_person",
    "withdraw",
]
