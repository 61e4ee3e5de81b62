"""What a sender is given, what it answers, and the one HTTP POST both SMS and webhooks make.

A ``Delivery`` is a claimed row as a plain value (the worker reads it in one transaction and sends
outside any). A ``Sender`` turns it into an ``Outcome`` and never raises for the receiver's faults:
a refused or unreachable receiver is an outcome, not an exception.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any, Protocol

import aiohttp

from hub.orm import utcnow
from hub.outbound.retries import Outcome, Verdict, parse_retry_after, verdict_for_status

logger = logging.getLogger(__name__)

USER_AGENT = "gongtiao-outbound/1"


@dataclass(frozen=True)
class Delivery:
    id: int
    uid: str
    channel: str
    target: str
    template: str
    payload: dict[str, Any]
    attempts: int  # counting this one
    agency_id: int | None = None
    # Webhooks: where the agency's webhook points now, and the secrets that sign (None: removed).
    url: str | None = None
    secrets: tuple[str, ...] = field(default=(), repr=False)


class Sender(Protocol):
    async def send(self, delivery: Delivery) -> Outcome: ...


def short(text: str, limit: int = 300) -> str:
    return " ".join(text.split())[:limit]


async def post(
    session: aiohttp.ClientSession,
    url: str,
    data: bytes,
    headers: dict[str, str],
    timeout: float,  # noqa: ASYNC109
) -> Outcome:
    """POST ``data``; the status read as sent/retry/dead. Redirects are not followed (an address
    that moved is the admin's to fix). The receiver's body is not kept: only its status."""
    try:
        async with session.post(
            url,
            data=data,
            headers={"User-Agent": USER_AGENT, **headers},
            allow_redirects=False,
            timeout=aiohttp.ClientTimeout(total=timeout),
        ) as response:
            await response.content.read(4096)  # let the connection be reused; the rest is dropped
            verdict = verdict_for_status(response.status)
            if verdict is Verdict.sent:
                return Outcome(Verdict.sent)
            wait = parse_retry_after(response.headers.get("Retry-After"), utcnow())
            return Outcome(verdict, f"HTTP {response.status}", wait)
    except TimeoutError:
        return Outcome(Verdict.retry, f"timeout after {timeout:g} s")
    except aiohttp.InvalidURL:
        return Outcome(Verdict.dead, "invalid URL")
    except (aiohttp.ClientError, OSError) as exc:
        return Outcome(Verdict.retry, short(f"{type(exc).__name__}: {exc}"))
    except asyncio.CancelledError:
        raise
