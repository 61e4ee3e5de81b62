"""The signalling protocol's envelope and messages (docs/signalling.md is the written contract).

Every message both ways is one JSON object ``{"v": 1, "type": ..., "id": ..., "data": {...}}``.
``parse`` turns a client's text into a validated message or raises ``SignalError`` with a stable
code; nothing a client sends can raise anything else, so a bad message never breaks the room.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from hub.i18n import gettext
from rtc.errors import CODE_MESSAGES, SignalError

VERSION = 1
MAX_MESSAGE_BYTES = 64 * 1024  # an SDP with every candidate fits in well under this


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Hello(_Data):
    name: str = Field(default="", max_length=100)
    consent: Literal["given", "refused"]
    audio_only: bool = False


class Empty(_Data):
    pass


class Description(_Data):
    type: Literal["offer", "answer"]
    sdp: str = Field(max_length=60_000)


class Candidate(_Data):
    candidate: str = Field(max_length=1000)
    sdpMid: str | None = Field(default=None, max_length=64)  # noqa: N815 (the browser's names)
    sdpMLineIndex: int | None = Field(default=None, ge=0, le=64)  # noqa: N815
    usernameFragment: str | None = Field(default=None, max_length=256)  # noqa: N815


class Signal(_Data):
    to: int
    description: Description | None = None
    candidate: Candidate | None = None


class HubOffer(_Data):
    sdp: str = Field(max_length=60_000)


class SfuAnswer(_Data):
    feed: int
    sdp: str = Field(max_length=60_000)


class Feed(_Data):
    feed: int


class Target(_Data):
    participant: int


class CaucusStart(_Data):
    participants: list[int] = Field(min_length=1, max_length=4)


class CaucusEnd(_Data):
    summary: str = Field(default="", max_length=4000)


class Share(_Data):
    evidence_id: int | None = None


class Text(_Data):
    text: str = Field(min_length=1, max_length=2000)


class Hand(_Data):
    up: bool


class Media(_Data):
    audio: bool
    video: bool


class End(_Data):
    outcome: Literal["agreed", "not_agreed", "adjourned"]
    note: str = Field(default="", max_length=500)


MESSAGES: dict[str, type[_Data]] = {
    "hello": Hello,
    "ping": Empty,
    "signal": Signal,
    "hub_offer": HubOffer,
    "hub_close": Empty,
    "sfu_publish": HubOffer,
    "sfu_answer": SfuAnswer,
    "sfu_refresh": Feed,
    "admit": Target,
    "admit_all": Empty,
    "remove": Target,
    "mute": Target,
    "caucus_start": CaucusStart,
    "caucus_end": CaucusEnd,
    "share": Share,
    "chat": Text,
    "note": Text,
    "hand": Hand,
    "media": Media,
    "end": End,
}


class Envelope(BaseModel):
    model_config = ConfigDict(extra="forbid")

    v: int
    type: str = Field(max_length=32)
    id: str | int | None = None
    data: dict[str, Any] = Field(default_factory=dict)


class Message(BaseModel):
    """A validated client message."""

    type: str
    id: str | int | None
    data: Any


def parse(text: str | bytes) -> Message:
    if len(text) > MAX_MESSAGE_BYTES:
        raise SignalError("too_large")
    try:
        raw = json.loads(text)
    except (ValueError, UnicodeDecodeError, RecursionError):  # deep nesting ("[[[[…") recurses
        raise SignalError("bad_json") from None
    try:
        envelope = Envelope.model_validate(raw)
    except ValidationError:
        raise SignalError("bad_envelope") from None
    ref = envelope.id if isinstance(envelope.id, int) or len(str(envelope.id or "")) <= 64 else None
    if envelope.v != VERSION:
        raise SignalError("unsupported_version", ref=ref)
    model = MESSAGES.get(envelope.type)
    if model is None:
        raise SignalError("unknown_type", ref=ref)
    try:
        data = model.model_validate(envelope.data)
    except ValidationError as exc:
        fields = sorted({".".join(str(p) for p in e["loc"]) for e in exc.errors()})
        raise SignalError("bad_message", ", ".join(fields)[:200], ref=ref) from None
    return Message(type=envelope.type, id=ref, data=data)


def envelope(kind: str, data: dict[str, Any] | None = None, ref: str | int | None = None) -> str:
    """A server message as text."""
    body: dict[str, Any] = {"v": VERSION, "type": kind, "data": data or {}}
    if ref is not None:
        body["id"] = ref
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


def error(code: str, message: str, ref: str | int | None = None, detail: str = "") -> str:
    data = {"code": code, "message": message}
    if detail:
        data["detail"] = detail
    return envelope("error", data, ref)


def error_text(code: str, ref: str | int | None = None, detail: str = "") -> str:
    """The ``error`` envelope for a code, its message in the reader's language."""
    return error(code, gettext(CODE_MESSAGES[code]), ref, detail)
