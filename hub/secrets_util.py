"""Random tokens and their stored hashes (sessions, API tokens, invitation links)."""

from __future__ import annotations

import hashlib
import hmac
import secrets


def new_token(prefix: str = "", nbytes: int = 32) -> str:
    return prefix + secrets.token_urlsafe(nbytes)


def token_hash(token: str) -> str:
    """SHA-256 of a high-entropy token; safe to store and to look up by."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def sign(secret_key: str, purpose: str, value: str) -> str:
    mac = hmac.new(secret_key.encode("utf-8"), f"{purpose}|{value}".encode(), hashlib.sha256)
    return mac.hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))
