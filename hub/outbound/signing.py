"""Webhook signatures: HMAC-SHA256 over the timestamp and the body. Pure.

The header reads ``X-Gongtiao-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>]``, where each hex is
``HMAC-SHA256(secret, f"{t}.{body}")`` for one of the agency's current secrets (two for a day after
a rotation). A receiver recomputes it with its secret over the raw body bytes, compares in constant
time, and refuses a timestamp more than ``TOLERANCE_SECONDS`` away from its clock (a replay).
``verify`` is that check, used by the tests' receiver and shown in docs/api.md.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence

HEADER = "X-Gongtiao-Signature"
DELIVERY_HEADER = "X-Gongtiao-Delivery"
EVENT_HEADER = "X-Gongtiao-Event"
SCHEME = "v1"
TOLERANCE_SECONDS = 300


class SignatureRefused(ValueError):
    """Why a signature header does not vouch for a body: ``malformed``, ``stale`` or ``mismatch``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def signature(secret: str, timestamp: int, body: bytes) -> str:
    signed = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()


def header(secrets: Sequence[str], timestamp: int, body: bytes) -> str:
    if not secrets:
        raise ValueError("no secret to sign with")
    parts = [f"t={timestamp}", *(f"{SCHEME}={signature(s, timestamp, body)}" for s in secrets)]
    return ",".join(parts)


def parse(value: str) -> tuple[int, list[str]]:
    """The timestamp and the v1 signatures of a header; other schemes are ignored."""
    timestamp: int | None = None
    found: list[str] = []
    for item in value.split(","):
        key, sep, val = item.strip().partition("=")
        if not sep:
            raise SignatureRefused("malformed")
        if key == "t":
            if timestamp is not None or not val.isdigit() or len(val) > 12:
                raise SignatureRefused("malformed")
            timestamp = int(val)
        elif key == SCHEME:
            found.append(val)
    if timestamp is None or not found:
        raise SignatureRefused("malformed")
    return timestamp, found


def verify(value: str, body: bytes, secret: str, now: float, tolerance: int = TOLERANCE_SECONDS) -> int:
    """Check a header as a receiver does; returns its timestamp or raises SignatureRefused."""
    timestamp, given = parse(value)
    if abs(now - timestamp) > tolerance:
        raise SignatureRefused("stale")
    expected = signature(secret, timestamp, body)
    if not any(hmac.compare_digest(expected, g) for g in given):
        raise SignatureRefused("mismatch")
    return timestamp
